/*
 * metrics: counts requests in a host metric and logs each one.
 *
 * proxy_on_configure: proxy_define_metric(COUNTER, "wasm_requests_total"); returns false when
 * the host does not answer OK.
 *
 * proxy_on_request_headers: proxy_increment_metric(id, 1), proxy_log(INFO, "request seen"),
 * then, when proxy_get_metric(id) answers OK, adds "x-requests-total: V" (V as the host reports
 * it); CONTINUE.
 */
#include "weir_proxy_wasm.h"

static const char NAME[] = "wasm_requests_total";
static uint32_t requests_total;
static int defined;

WEIR_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t root_context_id, uint32_t configuration_size) {
    (void)root_context_id;
    (void)configuration_size;
    defined = proxy_define_metric(PROXY_METRIC_COUNTER, NAME, strlen(NAME), &requests_total)
              == PROXY_OK;
    return defined;
}

WEIR_EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t num_headers,
                                  uint32_t end_of_stream) {
    (void)context_id;
    (void)num_headers;
    (void)end_of_stream;
    weir_log(PROXY_LOG_INFO, "request seen");
    if (!defined) {
        return PROXY_ACTION_CONTINUE;
    }
    proxy_increment_metric(requests_total, 1);
    uint64_t value = 0;
    if (proxy_get_metric(requests_total, &value) == PROXY_OK) {
        char text[21];
        weir_add_header(PROXY_MAP_HTTP_REQUEST_HEADERS, "x-requests-total",
                        weir_u64_to_string(value, text));
    }
    return PROXY_ACTION_CONTINUE;
}
