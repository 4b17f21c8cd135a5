/*
 * abi_groups: exercises the ABI groups the other test modules do not, chosen by the request path.
 *
 * proxy_on_request_headers, by :path:
 *   /pairs    reads every request header with proxy_get_header_map_pairs, appends
 *             "x-pairs-count: N" (N = the pairs read, pseudo-headers included) and writes the
 *             whole map back with proxy_set_header_map_pairs.
 *   /replace  proxy_replace_header_map_value("x-a", "new") and proxy_remove_header_map_value("x-b").
 *   /clock    adds "x-time-ms: T" (proxy_get_current_time_nanoseconds / 10^6) and
 *             "x-log-level: L" (proxy_get_log_level).
 *   /property proxy_set_property("weir.test", "v1") then adds "x-property: " + what
 *             proxy_get_property("weir.test") returns ("missing" when not OK).
 *   /close    proxy_close_stream(HTTP_REQUEST), PAUSE.
 *   anything else: nothing.
 * Every path also gets "x-logs: N" on the request, N = proxy_on_log calls so far in this VM.
 * proxy_on_request_trailers: remembers the value of the request trailer "x-trailer".
 * proxy_on_response_headers: adds "x-saw-trailer: V" when a trailer value was remembered for
 * this stream (and forgets it). CONTINUE everywhere else.
 * proxy_on_log: counts.
 */
#include "weir_proxy_wasm.h"

static uint64_t logs;
static uint32_t trailer_context;
static char *trailer_value;

static void add(const char *key, const char *value) {
    weir_add_header(PROXY_MAP_HTTP_REQUEST_HEADERS, key, value);
}

static uint32_t read_u32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void pairs(void) {
    uint8_t *data = NULL;
    size_t size = 0;
    if (proxy_get_header_map_pairs(PROXY_MAP_HTTP_REQUEST_HEADERS, &data, &size) != PROXY_OK) {
        __builtin_trap();
    }
    uint32_t n = read_u32(data);
    weir_pair_t *list = malloc(sizeof(weir_pair_t) * (n + 1));
    const uint8_t *strings = data + 4 + 8 * n;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t klen = read_u32(data + 4 + 8 * i);
        uint32_t vlen = read_u32(data + 8 + 8 * i);
        list[i].key = (const char *)strings;
        strings += klen + 1;
        list[i].value = (const char *)strings;
        strings += vlen + 1;
    }
    char count[21];
    list[n].key = "x-pairs-count";
    list[n].value = weir_u64_to_string(n, count);
    size_t out_size = 0;
    uint8_t *out = weir_map_serialize(list, n + 1, &out_size);
    if (proxy_set_header_map_pairs(PROXY_MAP_HTTP_REQUEST_HEADERS, out, out_size) != PROXY_OK) {
        __builtin_trap();
    }
    free(out);
    free(list);
    free(data);
}

WEIR_EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t num_headers,
                                  uint32_t end_of_stream) {
    (void)context_id;
    (void)num_headers;
    (void)end_of_stream;
    char n[21];
    add("x-logs", weir_u64_to_string(logs, n));
    char *path = weir_get_header(PROXY_MAP_HTTP_REQUEST_HEADERS, ":path");
    uint32_t action = PROXY_ACTION_CONTINUE;
    if (path == NULL) {
        __builtin_trap();
    } else if (strcmp(path, "/pairs") == 0) {
        pairs();
    } else if (strcmp(path, "/replace") == 0) {
        weir_replace_header(PROXY_MAP_HTTP_REQUEST_HEADERS, "x-a", "new");
        weir_remove_header(PROXY_MAP_HTTP_REQUEST_HEADERS, "x-b");
    } else if (strcmp(path, "/clock") == 0) {
        uint64_t now = 0;
        uint32_t level = 99;
        proxy_get_current_time_nanoseconds(&now);
        proxy_get_log_level(&level);
        char t[21];
        add("x-time-ms", weir_u64_to_string(now / 1000000u, t));
        add("x-log-level", weir_u64_to_string(level, t));
    } else if (strcmp(path, "/property") == 0) {
        static const char name[] = "weir\0test";
        proxy_set_property(name, sizeof name - 1, (const uint8_t *)"v1", 2);
        char *v = weir_get_property(name, sizeof name - 1, NULL);
        add("x-property", v != NULL ? v : "missing");
        free(v);
    } else if (strcmp(path, "/close") == 0) {
        proxy_close_stream(PROXY_STREAM_HTTP_REQUEST);
        action = PROXY_ACTION_PAUSE;
    }
    free(path);
    return action;
}

WEIR_EXPORT(proxy_on_request_trailers)
uint32_t proxy_on_request_trailers(uint32_t context_id, uint32_t num_trailers) {
    (void)num_trailers;
    free(trailer_value);
    trailer_value = weir_get_header(PROXY_MAP_HTTP_REQUEST_TRAILERS, "x-trailer");
    trailer_context = context_id;
    return PROXY_ACTION_CONTINUE;
}

WEIR_EXPORT(proxy_on_response_headers)
uint32_t proxy_on_response_headers(uint32_t context_id, uint32_t num_headers,
                                   uint32_t end_of_stream) {
    (void)num_headers;
    (void)end_of_stream;
    if (trailer_value != NULL && trailer_context == context_id) {
        weir_add_header(PROXY_MAP_HTTP_RESPONSE_HEADERS, "x-saw-trailer", trailer_value);
        free(trailer_value);
        trailer_value = NULL;
    }
    return PROXY_ACTION_CONTINUE;
}

WEIR_EXPORT(proxy_on_log) void proxy_on_log(uint32_t context_id) {
    (void)context_id;
    logs++;
}
