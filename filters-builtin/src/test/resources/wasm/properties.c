/*
 * properties: copies three host properties into request headers.
 *
 * proxy_on_request_headers: reads with proxy_get_property the paths "request\0path",
 * "plugin_name" and "source\0address" (segments joined by NUL) and adds them as
 * "x-prop-path", "x-prop-plugin" and "x-prop-source"; a property the host does not answer OK
 * for gives the value "error-S" (S the status, 1 = NOT_FOUND). Values are copied as bytes up to
 * the first NUL. CONTINUE.
 */
#include "weir_proxy_wasm.h"

static void copy(const char *path, size_t path_size, const char *header) {
    uint32_t status = PROXY_OK;
    char *value = weir_get_property(path, path_size, &status);
    if (value != NULL) {
        weir_add_header(PROXY_MAP_HTTP_REQUEST_HEADERS, header, value);
        free(value);
        return;
    }
    char text[32] = "error-";
    weir_u64_to_string(status, text + strlen(text));
    weir_add_header(PROXY_MAP_HTTP_REQUEST_HEADERS, header, text);
}

WEIR_EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t num_headers,
                                  uint32_t end_of_stream) {
    (void)context_id;
    (void)num_headers;
    (void)end_of_stream;
    /* sizeof - 1: the path's own NUL separators count, the C terminator does not. */
    static const char PATH[] = "request\0path";
    static const char PLUGIN[] = "plugin_name";
    static const char SOURCE[] = "source\0address";
    copy(PATH, sizeof PATH - 1, "x-prop-path");
    copy(PLUGIN, sizeof PLUGIN - 1, "x-prop-plugin");
    copy(SOURCE, sizeof SOURCE - 1, "x-prop-source");
    return PROXY_ACTION_CONTINUE;
}
