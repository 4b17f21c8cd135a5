/*
 * trap: traps on demand.
 *
 * proxy_on_request_headers: when the request has "x-trap: 1", executes `unreachable`
 * (__builtin_trap()), so the call never returns; otherwise adds "x-ok: 1" and CONTINUE.
 * After a trap the host is expected to discard this VM and create a fresh one.
 */
#include "weir_proxy_wasm.h"

WEIR_EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t num_headers,
                                  uint32_t end_of_stream) {
    (void)context_id;
    (void)num_headers;
    (void)end_of_stream;
    char *trap = weir_get_header(PROXY_MAP_HTTP_REQUEST_HEADERS, "x-trap");
    if (trap != NULL && strcmp(trap, "1") == 0) {
        __builtin_trap();
    }
    free(trap);
    weir_add_header(PROXY_MAP_HTTP_REQUEST_HEADERS, "x-ok", "1");
    return PROXY_ACTION_CONTINUE;
}
