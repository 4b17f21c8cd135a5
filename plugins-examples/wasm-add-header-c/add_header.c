/*
 * add_header: adds one configured header to every request and every response.
 *
 * Plugin configuration, either a flat JSON object with string values
 *     {"header": "x-hello", "value": "wasm"}
 * (other members are ignored; escapes \" \\ \/ \n \t \r are understood, \uXXXX is not), or
 *     x-hello=wasm
 * (split at the first '='; spaces around the name and the value are trimmed). The header name
 * is lower-cased and must not be empty nor contain spaces, control characters or ':'. The value
 * may be empty. Any other configuration makes proxy_on_configure log an error and return false.
 *
 * The header is added with proxy_add_header_map_value (an existing field of the same name
 * stays) to HTTP_REQUEST_HEADERS in proxy_on_request_headers and to HTTP_RESPONSE_HEADERS in
 * proxy_on_response_headers; both return CONTINUE.
 */
#include <ctype.h>
#include <stdbool.h>

#include "weir_proxy_wasm.h"

/* The configured header; one plugin per VM, so the last proxy_on_configure wins. Their lengths
 * are kept too, so a request does not measure them again. */
static char *header_name;
static char *header_value;
static size_t header_name_len;
static size_t header_value_len;

static void add_header(uint32_t map_id) {
    proxy_add_header_map_value(map_id, header_name, header_name_len,
                               (const uint8_t *)header_value, header_value_len);
}

static const char *skip_space(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
        p++;
    }
    return p;
}

/* Parses the JSON string at *p (which points at its opening quote) into a malloc'd string and
 * advances *p past the closing quote; NULL when malformed or out of memory. */
static char *json_string(const char **p) {
    const char *s = *p;
    if (*s != '"') {
        return NULL;
    }
    s++;
    char *out = malloc(strlen(s) + 1);
    if (out == NULL) {
        return NULL;
    }
    size_t n = 0;
    for (; *s != '"'; s++) {
        if (*s == '\0') {
            free(out);
            return NULL;
        }
        if (*s != '\\') {
            out[n++] = *s;
            continue;
        }
        s++;
        switch (*s) {
        case '"': case '\\': case '/': out[n++] = *s; break;
        case 'n': out[n++] = '\n'; break;
        case 't': out[n++] = '\t'; break;
        case 'r': out[n++] = '\r'; break;
        default: free(out); return NULL;
        }
    }
    out[n] = '\0';
    *p = s + 1;
    return out;
}

/* Reads "header" and "value" from a flat JSON object of strings; false when malformed. */
static bool parse_json(const char *p, char **name, char **value) {
    p = skip_space(p);
    if (*p++ != '{') {
        return false;
    }
    p = skip_space(p);
    if (*p == '}') {
        return true;
    }
    for (;;) {
        char *key = json_string(&p);
        if (key == NULL) {
            return false;
        }
        p = skip_space(p);
        char *val = NULL;
        if (*p == ':') {
            p = skip_space(p + 1);
            val = json_string(&p);
        }
        if (val == NULL) {
            free(key);
            return false;
        }
        char **slot = strcmp(key, "header") == 0 ? name : strcmp(key, "value") == 0 ? value : NULL;
        free(key);
        if (slot != NULL) {
            free(*slot);
            *slot = val;
        } else {
            free(val);
        }
        p = skip_space(p);
        if (*p == '}') {
            return *skip_space(p + 1) == '\0';
        }
        if (*p++ != ',') {
            return false;
        }
        p = skip_space(p);
    }
}

/* A malloc'd copy of [start, end) without surrounding spaces. */
static char *trimmed(const char *start, const char *end) {
    start = skip_space(start);
    while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'
                           || end[-1] == '\r')) {
        end--;
    }
    return weir_strndup((const uint8_t *)start, (size_t)(end - start));
}

/* Lower-cases name in place; false when it is not a usable header name. */
static bool valid_name(char *name) {
    if (name == NULL || name[0] == '\0') {
        return false;
    }
    for (char *c = name; *c != '\0'; c++) {
        unsigned char u = (unsigned char)*c;
        if (u <= ' ' || u == ':' || u == 0x7f) {
            return false;
        }
        *c = (char)tolower(u);
    }
    return true;
}

WEIR_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t root_context_id, uint32_t configuration_size) {
    (void)root_context_id;
    char *config = weir_get_buffer_string(PROXY_BUFFER_PLUGIN_CONFIGURATION, configuration_size);
    if (config == NULL) {
        weir_log(PROXY_LOG_ERROR, "add_header: out of memory reading the configuration");
        return 0;
    }
    char *name = NULL;
    char *value = NULL;
    bool ok;
    if (*skip_space(config) == '{') {
        ok = parse_json(config, &name, &value);
    } else {
        char *eq = strchr(config, '=');
        ok = eq != NULL;
        if (ok) {
            name = trimmed(config, eq);
            value = trimmed(eq + 1, eq + strlen(eq));
        }
    }
    ok = ok && valid_name(name) && value != NULL;
    if (!ok) {
        weir_log(PROXY_LOG_ERROR,
                 "add_header: expected {\"header\": \"x-name\", \"value\": \"...\"} or"
                 " x-name=value as configuration");
        free(config);
        free(name);
        free(value);
        return 0;
    }
    free(config);
    free(header_name);
    free(header_value);
    header_name = name;
    header_value = value;
    header_name_len = strlen(name);
    header_value_len = strlen(value);
    return 1;
}

WEIR_EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t num_headers,
                                  uint32_t end_of_stream) {
    (void)context_id;
    (void)num_headers;
    (void)end_of_stream;
    if (header_name != NULL) {
        add_header(PROXY_MAP_HTTP_REQUEST_HEADERS);
    }
    return PROXY_ACTION_CONTINUE;
}

WEIR_EXPORT(proxy_on_response_headers)
uint32_t proxy_on_response_headers(uint32_t context_id, uint32_t num_headers,
                                   uint32_t end_of_stream) {
    (void)context_id;
    (void)num_headers;
    (void)end_of_stream;
    if (header_name != NULL) {
        add_header(PROXY_MAP_HTTP_RESPONSE_HEADERS);
    }
    return PROXY_ACTION_CONTINUE;
}
