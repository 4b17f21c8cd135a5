/*
 * pause_callout: pauses each request on an HTTP call-out, then resumes or rejects it.
 *
 * Plugin configuration: the name of the upstream (cluster) to call; empty fails
 * proxy_on_configure.
 *
 * proxy_on_request_headers: proxy_http_call(upstream, {":method": "GET",
 * ":path": "/check/<x-user>", ":authority": "auth"}, no body, no trailers, 500 ms), where <x-user>
 * is the request's x-user header ("" when absent), then PAUSE. When proxy_http_call fails:
 * local response 503, body "callout failed", and PAUSE.
 *
 * proxy_on_http_call_response (delivered to the plugin context): looks up the stream that made
 * the call and proxy_set_effective_context(stream); then, when HTTP_CALL_RESPONSE_HEADERS has
 * ":status" "200": adds "x-checked: yes" to the request headers and
 * proxy_continue_stream(HTTP_REQUEST); otherwise (any other status, or num_headers 0, which means
 * the call failed or timed out): proxy_send_local_response(403, "", body "denied", no headers,
 * no gRPC status). A call whose stream was deleted (proxy_on_delete) meanwhile, or whose context
 * the host no longer knows (set_effective_context fails), is dropped.
 */
#include "weir_proxy_wasm.h"

/* Outstanding calls: call id -> stream context id. */
typedef struct call {
    uint32_t call_id;
    uint32_t context_id;
    struct call *next;
} call_t;

static call_t *calls;
static char *upstream;

static void remember(uint32_t call_id, uint32_t context_id) {
    call_t *c = malloc(sizeof *c);
    if (c == NULL) {
        __builtin_trap();
    }
    c->call_id = call_id;
    c->context_id = context_id;
    c->next = calls;
    calls = c;
}

/* Removes the first entry matching call_id (by_context false) or context_id (true); returns its
 * context id, or 0 when there was none. */
static uint32_t forget(uint32_t id, int by_context) {
    for (call_t **p = &calls; *p != NULL; p = &(*p)->next) {
        call_t *c = *p;
        if ((by_context ? c->context_id : c->call_id) == id) {
            uint32_t context_id = c->context_id;
            *p = c->next;
            free(c);
            return context_id;
        }
    }
    return 0;
}

static void reply(uint32_t status, const char *body) {
    proxy_send_local_response(status, "", 0, (const uint8_t *)body, strlen(body), NULL, 0,
                              PROXY_NO_GRPC_STATUS);
}

WEIR_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t root_context_id, uint32_t configuration_size) {
    (void)root_context_id;
    char *config = weir_get_buffer_string(PROXY_BUFFER_PLUGIN_CONFIGURATION, configuration_size);
    if (config == NULL || config[0] == '\0') {
        weir_log(PROXY_LOG_ERROR, "pause_callout: configuration must name an upstream");
        free(config);
        return 0;
    }
    free(upstream);
    upstream = config;
    return 1;
}

WEIR_EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t num_headers,
                                  uint32_t end_of_stream) {
    (void)num_headers;
    (void)end_of_stream;
    char *user = weir_get_header(PROXY_MAP_HTTP_REQUEST_HEADERS, "x-user");
    const char *u = user != NULL ? user : "";
    char *path = malloc(strlen("/check/") + strlen(u) + 1);
    if (path == NULL) {
        __builtin_trap();
    }
    strcpy(path, "/check/");
    strcat(path, u);
    free(user);

    weir_pair_t headers[] = {
        {":method", "GET"},
        {":path", path},
        {":authority", "auth"},
    };
    size_t size = 0;
    uint8_t *serialized = weir_map_serialize(headers, 3, &size);
    free(path);
    if (serialized == NULL) {
        __builtin_trap();
    }
    uint32_t call_id = 0;
    uint32_t status = proxy_http_call(upstream, upstream != NULL ? strlen(upstream) : 0,
                                      serialized, size, NULL, 0, NULL, 0, 500, &call_id);
    free(serialized);
    if (status != PROXY_OK) {
        weir_log(PROXY_LOG_WARN, "pause_callout: proxy_http_call failed");
        reply(503, "callout failed");
        return PROXY_ACTION_PAUSE;
    }
    remember(call_id, context_id);
    return PROXY_ACTION_PAUSE;
}

WEIR_EXPORT(proxy_on_http_call_response)
void proxy_on_http_call_response(uint32_t root_context_id, uint32_t call_id,
                                 uint32_t num_headers, uint32_t body_size,
                                 uint32_t num_trailers) {
    (void)root_context_id;
    (void)body_size;
    (void)num_trailers;
    uint32_t context_id = forget(call_id, 0);
    if (context_id == 0) {
        return;
    }
    int allowed = 0;
    if (num_headers > 0) {
        char *status = weir_get_header(PROXY_MAP_HTTP_CALL_RESPONSE_HEADERS, ":status");
        allowed = status != NULL && strcmp(status, "200") == 0;
        free(status);
    }
    if (proxy_set_effective_context(context_id) != PROXY_OK) {
        weir_log(PROXY_LOG_WARN, "pause_callout: stream of the call is gone");
        return;
    }
    if (allowed) {
        weir_add_header(PROXY_MAP_HTTP_REQUEST_HEADERS, "x-checked", "yes");
        proxy_continue_stream(PROXY_STREAM_HTTP_REQUEST);
    } else {
        reply(403, "denied");
    }
}

WEIR_EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t context_id) {
    while (forget(context_id, 1) != 0) {
    }
}
