/*
 * tick: counts timer ticks in shared data and reports the count on each request.
 *
 * proxy_on_configure: proxy_set_tick_period_milliseconds(10); returns false when the host does
 * not answer OK. The configuration is ignored.
 *
 * proxy_on_tick: increments the shared data key "ticks" (a decimal ASCII number, "1" when
 * absent) with a compare-and-swap retry loop (at most 1000 attempts).
 *
 * proxy_on_request_headers: adds "x-ticks: N", N being the value of "ticks" ("0" when the key is
 * absent, "error-S" when proxy_get_shared_data answers status S); CONTINUE.
 */
#include "weir_proxy_wasm.h"

static const char KEY[] = "ticks";

/* Adds 1 to the decimal number at key; returns the last status. */
static uint32_t increment(const char *key) {
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
        if (status != PROXY_CAS_MISMATCH) {
            return status;
        }
    }
    return PROXY_CAS_MISMATCH;
}

WEIR_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t root_context_id, uint32_t configuration_size) {
    (void)root_context_id;
    (void)configuration_size;
    return proxy_set_tick_period_milliseconds(10) == PROXY_OK;
}

WEIR_EXPORT(proxy_on_tick) void proxy_on_tick(uint32_t root_context_id) {
    (void)root_context_id;
    if (increment(KEY) != PROXY_OK) {
        weir_log(PROXY_LOG_WARN, "tick: could not increment ticks");
    }
}

WEIR_EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t num_headers,
                                  uint32_t end_of_stream) {
    (void)context_id;
    (void)num_headers;
    (void)end_of_stream;
    uint8_t *data = NULL;
    size_t size = 0;
    uint32_t cas = 0;
    uint32_t status = proxy_get_shared_data(KEY, strlen(KEY), &data, &size, &cas);
    if (status == PROXY_OK) {
        char *value = weir_take_string(data, size);
        weir_add_header(PROXY_MAP_HTTP_REQUEST_HEADERS, "x-ticks", value != NULL ? value : "");
        free(value);
    } else if (status == PROXY_NOT_FOUND) {
        weir_add_header(PROXY_MAP_HTTP_REQUEST_HEADERS, "x-ticks", "0");
    } else {
        char text[32] = "error-";
        weir_u64_to_string(status, text + strlen(text));
        weir_add_header(PROXY_MAP_HTTP_REQUEST_HEADERS, "x-ticks", text);
    }
    return PROXY_ACTION_CONTINUE;
}
