/*
 * loop: never returns on demand.
 *
 * proxy_on_request_headers: when the request has "x-loop: 1", spins forever on a volatile
 * counter (no host call inside the loop, so only an interrupt or a fuel limit can stop it);
 * otherwise CONTINUE without touching the request.
 */
#include "weir_proxy_wasm.h"

static volatile uint32_t spins;

WEIR_EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t num_headers,
                                  uint32_t end_of_stream) {
    (void)context_id;
    (void)num_headers;
    (void)end_of_stream;
    char *loop = weir_get_header(PROXY_MAP_HTTP_REQUEST_HEADERS, "x-loop");
    if (loop != NULL && strcmp(loop, "1") == 0) {
        for (;;) {
            spins = spins + 1;
        }
    }
    free(loop);
    return PROXY_ACTION_CONTINUE;
}
