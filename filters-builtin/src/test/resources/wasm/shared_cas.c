/*
 * shared_cas: a request counter in shared data, updated with compare-and-swap.
 *
 * proxy_on_request_headers: increments the shared data key "counter" (a decimal ASCII number;
 * "1" when absent) with a get + set(cas) retry loop of at most 1000 attempts, then adds
 * "x-counter: N", N being the value this request wrote; when the loop gives up or the host
 * answers another error S, adds "x-counter: error-S" instead (8 is CAS_MISMATCH). CONTINUE.
 *
 * With one VM per worker, concurrent requests on several workers race on the same key: every
 * request must see a distinct N, and the final value must equal the number of requests (except
 * for the very first insertion, which 0.2.1 cannot make atomic: see the comment in the loop).
 */
#include "weir_proxy_wasm.h"

static const char KEY[] = "counter";

/* Adds 1 to the decimal number at key and stores the new value in *out; returns the status. */
static uint32_t increment(const char *key, uint64_t *out) {
    for (int attempt = 0; attempt < 1000; attempt++) {
        uint8_t *data = NULL;
        size_t size = 0;
        uint32_t cas = 0;
        uint32_t status = proxy_get_shared_data(key, strlen(key), &data, &size, &cas);
        uint64_t value = 0;
        if (status == PROXY_OK) {
            char *s = weir_take_string(data, size);
            value = weir_parse_u64(s);
            free(s);
        } else if (status == PROXY_NOT_FOUND) {
            cas = 0; /* no way to create a key atomically in 0.2.1: an unconditional set */
        } else {
            return status;
        }
        char text[21];
        weir_u64_to_string(value + 1, text);
        status = proxy_set_shared_data(key, strlen(key), (const uint8_t *)text, strlen(text), cas);
        if (status == PROXY_OK) {
            *out = value + 1;
        }
        if (status != PROXY_CAS_MISMATCH) {
            return status;
        }
    }
    return PROXY_CAS_MISMATCH;
}

WEIR_EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t num_headers,
                                  uint32_t end_of_stream) {
    (void)context_id;
    (void)num_headers;
    (void)end_of_stream;
    uint64_t value = 0;
    uint32_t status = increment(KEY, &value);
    char text[32] = "error-";
    if (status == PROXY_OK) {
        weir_u64_to_string(value, text);
    } else {
        weir_u64_to_string(status, text + strlen(text));
    }
    weir_add_header(PROXY_MAP_HTTP_REQUEST_HEADERS, "x-counter", text);
    return PROXY_ACTION_CONTINUE;
}
