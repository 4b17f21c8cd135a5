/*
 * authz_callout: authorization by call-out. Each request is paused on its request headers while
 * an HTTP call asks an authorization service (a Weir cluster) about it; a 2xx answer resumes the
 * request, anything else answers the client 403.
 *
 * Plugin configuration, a flat JSON object:
 *     {"cluster": "authz", "path_prefix": "/check", "timeout_ms": 500}
 * cluster (required) names the cluster of the authorization service; path_prefix (default "")
 * is put before the request's path; timeout_ms (default 500, 1..60000) bounds the call. A
 * missing cluster, an unknown type or malformed JSON makes proxy_on_configure log an error and
 * return false, which rejects the config.
 *
 * The call: the request's method, path_prefix + the request's path, its :authority, and its
 * authorization header when present; no body.
 * - 2xx: the request goes on upstream, carrying the service's x-auth-user header (when it sent
 *   one) and none the client sent under that name.
 * - any other status: 403 to the client, body "denied by authz\n", details authz_denied.
 * - the call fails or times out (the callback sees no headers): 403, body "authz unavailable\n",
 *   details authz_unavailable (this example fails closed).
 * A stream that ends while its call is out is forgotten (proxy_on_delete), its answer dropped.
 */
#include <stdbool.h>

#include "weir_proxy_wasm.h"

static char *cluster;
static char *path_prefix;
static uint32_t timeout_ms = 500;

/* ---- Configuration: a flat JSON object of strings and non-negative integers ---- */

static const char *skip_space(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
        p++;
    }
    return p;
}

/* The JSON string at *p (at its opening quote) as a malloc'd string, *p moved past it; NULL
 * when malformed. Understands \" \\ \/ \n \t \r. */
static char *json_string(const char **p) {
    const char *s = *p;
    if (*s++ != '"') {
        return NULL;
    }
    char *out = malloc(strlen(s) + 1);
    size_t n = 0;
    if (out == NULL) {
        return NULL;
    }
    for (; *s != '"'; s++) {
        char c = *s;
        if (c == '\0') {
            free(out);
            return NULL;
        }
        if (c == '\\') {
            c = *++s;
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
            if (c != '"' && c != '\\' && c != '/' && c != '\n' && c != '\t' && c != '\r') {
                free(out);
                return NULL;
            }
        }
        out[n++] = c;
    }
    out[n] = '\0';
    *p = s + 1;
    return out;
}

static bool configure(const char *p) {
    char *new_cluster = NULL;
    char *new_prefix = NULL;
    uint64_t new_timeout = 500;
    bool ok = false;
    p = skip_space(p);
    if (*p++ != '{') {
        goto out;
    }
    p = skip_space(p);
    while (*p != '}') {
        char *key = json_string(&p);
        if (key == NULL) {
            goto out;
        }
        p = skip_space(p);
        if (*p++ != ':') {
            free(key);
            goto out;
        }
        p = skip_space(p);
        if (strcmp(key, "timeout_ms") == 0) {
            if (*p < '0' || *p > '9') {
                free(key);
                goto out;
            }
            new_timeout = weir_parse_u64(p);
            while (*p >= '0' && *p <= '9') {
                p++;
            }
        } else {
            char *value = json_string(&p);
            if (value == NULL) {
                free(key);
                goto out;
            }
            char **slot = strcmp(key, "cluster") == 0       ? &new_cluster
                          : strcmp(key, "path_prefix") == 0 ? &new_prefix
                                                            : NULL;
            if (slot != NULL) {
                free(*slot);
                *slot = value;
            } else {
                free(value);
            }
        }
        free(key);
        p = skip_space(p);
        if (*p == ',') {
            p = skip_space(p + 1);
        } else if (*p != '}') {
            goto out;
        }
    }
    if (*skip_space(p + 1) != '\0' || new_cluster == NULL || new_cluster[0] == '\0'
        || new_timeout < 1 || new_timeout > 60000) {
        goto out;
    }
    free(cluster);
    free(path_prefix);
    cluster = new_cluster;
    path_prefix = new_prefix != NULL ? new_prefix : weir_strndup(NULL, 0);
    timeout_ms = (uint32_t)new_timeout;
    new_cluster = new_prefix = NULL;
    ok = true;
out:
    free(new_cluster);
    free(new_prefix);
    return ok;
}

WEIR_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t root_context_id, uint32_t configuration_size) {
    (void)root_context_id;
    char *config = weir_get_buffer_string(PROXY_BUFFER_PLUGIN_CONFIGURATION, configuration_size);
    bool ok = config != NULL && configure(config);
    free(config);
    if (!ok) {
        weir_log(PROXY_LOG_ERROR, "authz_callout: expected {\"cluster\": \"NAME\", "
                                  "\"path_prefix\": \"/check\", \"timeout_ms\": 1..60000}");
        return 0;
    }
    return 1;
}

/* ---- Outstanding calls: call id -> stream context id ---- */

typedef struct call {
    uint32_t call_id;
    uint32_t context_id;
    struct call *next;
} call_t;

static call_t *calls;

static void remember(uint32_t call_id, uint32_t context_id) {
    call_t *c = malloc(sizeof *c);
    if (c == NULL) {
        __builtin_trap(); /* out of memory: a trap, handled by the filter's fail_policy */
    }
    c->call_id = call_id;
    c->context_id = context_id;
    c->next = calls;
    calls = c;
}

/* Removes the entry of call_id, or with by_context every one of context id; returns the
 * context id of the (last) entry removed, 0 when none. */
static uint32_t forget(uint32_t id, bool by_context) {
    uint32_t found = 0;
    for (call_t **p = &calls; *p != NULL;) {
        call_t *c = *p;
        if ((by_context ? c->context_id : c->call_id) == id) {
            found = c->context_id;
            *p = c->next;
            free(c);
            if (!by_context) {
                break;
            }
        } else {
            p = &c->next;
        }
    }
    return found;
}

static void deny(const char *details, const char *body) {
    weir_pair_t headers[] = {{"content-type", "text/plain"}};
    size_t size = 0;
    uint8_t *serialized = weir_map_serialize(headers, 1, &size);
    proxy_send_local_response(403, details, strlen(details), (const uint8_t *)body, strlen(body),
                              serialized, serialized != NULL ? size : 0, PROXY_NO_GRPC_STATUS);
    free(serialized);
}

/* ---- The stream ---- */

WEIR_EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t num_headers,
                                  uint32_t end_of_stream) {
    (void)num_headers;
    (void)end_of_stream;
    char *method = weir_get_header(PROXY_MAP_HTTP_REQUEST_HEADERS, ":method");
    char *path = weir_get_header(PROXY_MAP_HTTP_REQUEST_HEADERS, ":path");
    char *authority = weir_get_header(PROXY_MAP_HTTP_REQUEST_HEADERS, ":authority");
    char *authorization = weir_get_header(PROXY_MAP_HTTP_REQUEST_HEADERS, "authorization");
    /* the client does not get to say who it is: only the service's answer sets this header */
    weir_remove_header(PROXY_MAP_HTTP_REQUEST_HEADERS, "x-auth-user");

    const char *p = path != NULL ? path : "/";
    char *check_path = malloc(strlen(path_prefix) + strlen(p) + 1);
    if (check_path == NULL) {
        __builtin_trap();
    }
    strcpy(check_path, path_prefix);
    strcat(check_path, p);
    weir_pair_t headers[] = {
        {":method", method != NULL ? method : "GET"},
        {":path", check_path},
        {":authority", authority != NULL ? authority : cluster},
        {"authorization", authorization != NULL ? authorization : ""},
    };
    size_t size = 0;
    uint8_t *serialized = weir_map_serialize(headers, authorization != NULL ? 4 : 3, &size);
    free(method);
    free(path);
    free(authority);
    free(authorization);
    free(check_path);
    if (serialized == NULL) {
        __builtin_trap();
    }
    uint32_t call_id = 0;
    uint32_t status = proxy_http_call(cluster, strlen(cluster), serialized, size, NULL, 0, NULL,
                                      0, timeout_ms, &call_id);
    free(serialized);
    if (status != PROXY_OK) {
        weir_log(PROXY_LOG_WARN, "authz_callout: proxy_http_call failed (unknown cluster?)");
        deny("authz_unavailable", "authz unavailable\n");
        return PROXY_ACTION_PAUSE;
    }
    remember(call_id, context_id);
    return PROXY_ACTION_PAUSE;
}

/* Delivered to the plugin context: find the stream that made the call and act in its name. */
WEIR_EXPORT(proxy_on_http_call_response)
void proxy_on_http_call_response(uint32_t root_context_id, uint32_t call_id,
                                 uint32_t num_headers, uint32_t body_size,
                                 uint32_t num_trailers) {
    (void)root_context_id;
    (void)body_size;
    (void)num_trailers;
    uint32_t context_id = forget(call_id, false);
    if (context_id == 0 || proxy_set_effective_context(context_id) != PROXY_OK) {
        return; /* the stream is gone */
    }
    if (num_headers == 0) {
        deny("authz_unavailable", "authz unavailable\n");
        return;
    }
    char *status = weir_get_header(PROXY_MAP_HTTP_CALL_RESPONSE_HEADERS, ":status");
    bool allowed = status != NULL && status[0] == '2' && strlen(status) == 3;
    free(status);
    if (!allowed) {
        deny("authz_denied", "denied by authz\n");
        return;
    }
    char *user = weir_get_header(PROXY_MAP_HTTP_CALL_RESPONSE_HEADERS, "x-auth-user");
    if (user != NULL) {
        weir_replace_header(PROXY_MAP_HTTP_REQUEST_HEADERS, "x-auth-user", user);
        free(user);
    }
    proxy_continue_stream(PROXY_STREAM_HTTP_REQUEST);
}

WEIR_EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t context_id) {
    forget(context_id, true);
}
