/*
 * body: upper-cases the whole request body.
 *
 * proxy_on_request_body: PAUSE while end_of_stream is false, so the host buffers the body and
 * body_size grows; at end_of_stream reads all body_size bytes of HTTP_REQUEST_BODY with
 * proxy_get_buffer_bytes(0, 0, body_size), maps ASCII a-z to A-Z (other bytes unchanged),
 * writes them back with proxy_set_buffer_bytes(0, 0, body_size, new, new_size) (same size) and
 * returns CONTINUE. An empty body, or a failed read, is left alone (the failure is logged at
 * warn). Headers pass untouched (proxy_on_request_headers is not exported).
 */
#include "weir_proxy_wasm.h"

WEIR_EXPORT(proxy_on_request_body)
uint32_t proxy_on_request_body(uint32_t context_id, uint32_t body_size, uint32_t end_of_stream) {
    (void)context_id;
    if (!end_of_stream) {
        return PROXY_ACTION_PAUSE;
    }
    if (body_size == 0) {
        return PROXY_ACTION_CONTINUE;
    }
    uint8_t *data = NULL;
    size_t size = 0;
    if (proxy_get_buffer_bytes(PROXY_BUFFER_HTTP_REQUEST_BODY, 0, body_size, &data, &size)
        != PROXY_OK) {
        weir_log(PROXY_LOG_WARN, "body: could not read the request body");
        return PROXY_ACTION_CONTINUE;
    }
    for (size_t i = 0; i < size; i++) {
        if (data[i] >= 'a' && data[i] <= 'z') {
            data[i] = (uint8_t)(data[i] - 'a' + 'A');
        }
    }
    if (proxy_set_buffer_bytes(PROXY_BUFFER_HTTP_REQUEST_BODY, 0, body_size, data, size)
        != PROXY_OK) {
        weir_log(PROXY_LOG_WARN, "body: could not replace the request body");
    }
    free(data);
    return PROXY_ACTION_CONTINUE;
}
