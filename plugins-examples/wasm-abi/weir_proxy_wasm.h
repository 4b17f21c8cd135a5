/*
 * weir_proxy_wasm.h: the proxy-wasm ABI 0.2.1 for C filters, in one self-contained header.
 *
 * Build a filter with clang 14 and wasi-libc (Debian: clang lld wasi-libc
 * libclang-rt-14-dev-wasm32):
 *
 *   clang --target=wasm32-wasi -O2 -mexec-model=reactor -Wl,--strip-debug \
 *       -I plugins-examples/wasm-abi -o filter.wasm filter.c
 *
 * The result is a reactor module: it exports `_initialize` (the host calls it once, before any
 * callback), `memory`, the callbacks marked with WEIR_EXPORT, and the two exports this header
 * defines, `proxy_abi_version_0_2_1` and `proxy_on_memory_allocate`. It imports only the `env`
 * functions it calls.
 *
 * Include this header in exactly one translation unit of a module; define
 * WEIR_PROXY_WASM_NO_DEFAULT_EXPORTS before including it in any other.
 *
 * Memory: every buffer the host returns through a `return_*_data` pointer was allocated in the
 * module with proxy_on_memory_allocate (malloc); the module owns it and frees it with free().
 * The helpers below return malloc'd, NUL-terminated strings that the caller frees.
 *
 * Names and values follow the spec, github.com/proxy-wasm/spec, abi-versions/v0.2.1/README.md.
 */
#ifndef WEIR_PROXY_WASM_H
#define WEIR_PROXY_WASM_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* C linkage for every declaration below, so that C++ filters include this header directly. */
#ifdef __cplusplus
extern "C" {
#endif

/* ---- Export and import markers ---- */

/* Exports a function under its own name: WEIR_EXPORT(proxy_on_tick) void proxy_on_tick(...). */
#define WEIR_EXPORT(name) __attribute__((export_name(#name)))

/* Declares a host function imported from module `env` under its own name. */
#define WEIR_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))

/* ---- Types (spec section "Types") ---- */

/* proxy_status_t: what every host function returns. 5, 9 and 11 are not defined in 0.2.1. */
typedef enum {
    PROXY_OK = 0,
    PROXY_NOT_FOUND = 1,
    PROXY_BAD_ARGUMENT = 2,
    PROXY_SERIALIZATION_FAILURE = 3,
    PROXY_PARSE_FAILURE = 4,
    PROXY_INVALID_MEMORY_ACCESS = 6,
    PROXY_EMPTY = 7,
    PROXY_CAS_MISMATCH = 8,
    PROXY_INTERNAL_FAILURE = 10,
    PROXY_UNIMPLEMENTED = 12,
} proxy_status_t;

/* proxy_log_level_t. */
typedef enum {
    PROXY_LOG_TRACE = 0,
    PROXY_LOG_DEBUG = 1,
    PROXY_LOG_INFO = 2,
    PROXY_LOG_WARN = 3,
    PROXY_LOG_ERROR = 4,
    PROXY_LOG_CRITICAL = 5,
} proxy_log_level_t;

/* proxy_action_t: what the stream callbacks return. */
typedef enum {
    PROXY_ACTION_CONTINUE = 0,
    PROXY_ACTION_PAUSE = 1,
} proxy_action_t;

/* proxy_buffer_type_t: buffer_id of the buffer functions. */
typedef enum {
    PROXY_BUFFER_HTTP_REQUEST_BODY = 0,
    PROXY_BUFFER_HTTP_RESPONSE_BODY = 1,
    PROXY_BUFFER_DOWNSTREAM_DATA = 2,
    PROXY_BUFFER_UPSTREAM_DATA = 3,
    PROXY_BUFFER_HTTP_CALL_RESPONSE_BODY = 4,
    PROXY_BUFFER_GRPC_CALL_MESSAGE = 5,
    PROXY_BUFFER_VM_CONFIGURATION = 6,
    PROXY_BUFFER_PLUGIN_CONFIGURATION = 7,
    PROXY_BUFFER_FOREIGN_FUNCTION_ARGUMENTS = 8,
} proxy_buffer_type_t;

/* proxy_map_type_t: map_id of the header map functions. */
typedef enum {
    PROXY_MAP_HTTP_REQUEST_HEADERS = 0,
    PROXY_MAP_HTTP_REQUEST_TRAILERS = 1,
    PROXY_MAP_HTTP_RESPONSE_HEADERS = 2,
    PROXY_MAP_HTTP_RESPONSE_TRAILERS = 3,
    PROXY_MAP_GRPC_CALL_INITIAL_METADATA = 4,
    PROXY_MAP_GRPC_CALL_TRAILING_METADATA = 5,
    PROXY_MAP_HTTP_CALL_RESPONSE_HEADERS = 6,
    PROXY_MAP_HTTP_CALL_RESPONSE_TRAILERS = 7,
} proxy_map_type_t;

/* proxy_peer_type_t: who closed a TCP connection. */
typedef enum {
    PROXY_PEER_UNKNOWN = 0,
    PROXY_PEER_LOCAL = 1,
    PROXY_PEER_REMOTE = 2,
} proxy_peer_type_t;

/* proxy_stream_type_t: stream_type of proxy_continue_stream and proxy_close_stream. */
typedef enum {
    PROXY_STREAM_HTTP_REQUEST = 0,
    PROXY_STREAM_HTTP_RESPONSE = 1,
    PROXY_STREAM_DOWNSTREAM = 2,
    PROXY_STREAM_UPSTREAM = 3,
} proxy_stream_type_t;

/* proxy_metric_type_t. */
typedef enum {
    PROXY_METRIC_COUNTER = 0,
    PROXY_METRIC_GAUGE = 1,
    PROXY_METRIC_HISTOGRAM = 2,
} proxy_metric_type_t;

/* grpc_status of proxy_send_local_response for a plain HTTP reply (Envoy's convention). */
#define PROXY_NO_GRPC_STATUS 0xFFFFFFFFu

/* ---- Host functions (all imported from `env`; each returns a proxy_status_t) ---- */

/* Context lifecycle */
/* Lets the host delete the active context after proxy_on_done returned false. */
WEIR_IMPORT(proxy_done) uint32_t proxy_done(void);
/* Makes context_id the active one, e.g. a stream's context inside proxy_on_http_call_response. */
WEIR_IMPORT(proxy_set_effective_context) uint32_t proxy_set_effective_context(uint32_t context_id);

/* Logging and time */
/* Logs message_size bytes of message_data at log_level (proxy_log_level_t). */
WEIR_IMPORT(proxy_log)
uint32_t proxy_log(uint32_t log_level, const char *message_data, size_t message_size);
/* Writes the host's current log level (proxy_log_level_t) to *return_log_level. */
WEIR_IMPORT(proxy_get_log_level) uint32_t proxy_get_log_level(uint32_t *return_log_level);
/* Writes the current time, nanoseconds since the epoch, to *return_time (deprecated in 0.2.1). */
WEIR_IMPORT(proxy_get_current_time_nanoseconds)
uint32_t proxy_get_current_time_nanoseconds(uint64_t *return_time);
/* Calls proxy_on_tick on the plugin context every tick_period ms; 0 stops the timer. */
WEIR_IMPORT(proxy_set_tick_period_milliseconds)
uint32_t proxy_set_tick_period_milliseconds(uint32_t tick_period);

/* Buffers */
/* Replaces size bytes at start of buffer_id with value (0,0 prepends; start >= length appends). */
WEIR_IMPORT(proxy_set_buffer_bytes)
uint32_t proxy_set_buffer_bytes(uint32_t buffer_id, size_t start, size_t size,
                                const uint8_t *value_data, size_t value_size);
/* Returns up to max_size bytes of buffer_id from start, in a buffer the module frees. */
WEIR_IMPORT(proxy_get_buffer_bytes)
uint32_t proxy_get_buffer_bytes(uint32_t buffer_id, size_t start, size_t max_size,
                                uint8_t **return_value_data, size_t *return_value_size);
/* Writes the size of buffer_id to *return_buffer_size. */
WEIR_IMPORT(proxy_get_buffer_status)
uint32_t proxy_get_buffer_status(uint32_t buffer_id, size_t *return_buffer_size,
                                 uint32_t *return_ignored);

/* Header maps (pairs are serialized, see weir_map_* below) */
/* Writes the serialized size of map_id to *return_serialized_pairs_size. */
WEIR_IMPORT(proxy_get_header_map_size)
uint32_t proxy_get_header_map_size(uint32_t map_id, size_t *return_serialized_pairs_size);
/* Returns all pairs of map_id serialized, in a buffer the module frees. */
WEIR_IMPORT(proxy_get_header_map_pairs)
uint32_t proxy_get_header_map_pairs(uint32_t map_id, uint8_t **return_serialized_pairs_data,
                                    size_t *return_serialized_pairs_size);
/* Replaces all pairs of map_id with the serialized pairs. */
WEIR_IMPORT(proxy_set_header_map_pairs)
uint32_t proxy_set_header_map_pairs(uint32_t map_id, const uint8_t *serialized_pairs_data,
                                    size_t serialized_pairs_size);
/* Returns the value of key in map_id (NOT_FOUND when absent), in a buffer the module frees. */
WEIR_IMPORT(proxy_get_header_map_value)
uint32_t proxy_get_header_map_value(uint32_t map_id, const char *key_data, size_t key_size,
                                    uint8_t **return_value_data, size_t *return_value_size);
/* Adds a key: value field to map_id (existing fields of that name stay). */
WEIR_IMPORT(proxy_add_header_map_value)
uint32_t proxy_add_header_map_value(uint32_t map_id, const char *key_data, size_t key_size,
                                    const uint8_t *value_data, size_t value_size);
/* Sets key to value in map_id, replacing any existing fields of that name. */
WEIR_IMPORT(proxy_replace_header_map_value)
uint32_t proxy_replace_header_map_value(uint32_t map_id, const char *key_data, size_t key_size,
                                        const uint8_t *value_data, size_t value_size);
/* Removes key from map_id (OK also when it was absent). */
WEIR_IMPORT(proxy_remove_header_map_value)
uint32_t proxy_remove_header_map_value(uint32_t map_id, const char *key_data, size_t key_size);

/* Streams */
/* Resumes the paused stream_type (proxy_stream_type_t) of the active context. */
WEIR_IMPORT(proxy_continue_stream) uint32_t proxy_continue_stream(uint32_t stream_type);
/* Closes or resets stream_type of the active context. */
WEIR_IMPORT(proxy_close_stream) uint32_t proxy_close_stream(uint32_t stream_type);
/* Returns the status code and message of an HTTP call or gRPC stream, in the callback. */
WEIR_IMPORT(proxy_get_status)
uint32_t proxy_get_status(uint32_t *return_status_code, const char **return_status_message_data,
                          size_t *return_status_message_size);
/* Answers the active stream with a local response instead of the upstream's. */
WEIR_IMPORT(proxy_send_local_response)
uint32_t proxy_send_local_response(uint32_t status_code, const char *status_code_details_data,
                                   size_t status_code_details_size, const uint8_t *body_data,
                                   size_t body_size, const uint8_t *serialized_headers_data,
                                   size_t serialized_headers_size, uint32_t grpc_status);

/* HTTP and gRPC calls */
/* Sends a request to upstream; proxy_on_http_call_response(root, *return_call_id, ...) follows. */
WEIR_IMPORT(proxy_http_call)
uint32_t proxy_http_call(const char *upstream_name_data, size_t upstream_name_size,
                         const uint8_t *serialized_headers_data, size_t serialized_headers_size,
                         const uint8_t *body_data, size_t body_size,
                         const uint8_t *serialized_trailers_data, size_t serialized_trailers_size,
                         uint32_t timeout_milliseconds, uint32_t *return_call_id);
/* Sends one gRPC message to service/method on upstream. */
WEIR_IMPORT(proxy_grpc_call)
uint32_t proxy_grpc_call(const char *upstream_name_data, size_t upstream_name_size,
                         const char *service_name_data, size_t service_name_size,
                         const char *method_name_data, size_t method_name_size,
                         const uint8_t *serialized_initial_metadata_data,
                         size_t serialized_initial_metadata_size, const uint8_t *message_data,
                         size_t message_size, uint32_t timeout_milliseconds,
                         uint32_t *return_call_id);
/* Opens a gRPC stream to service/method on upstream. */
WEIR_IMPORT(proxy_grpc_stream)
uint32_t proxy_grpc_stream(const char *upstream_name_data, size_t upstream_name_size,
                           const char *service_name_data, size_t service_name_size,
                           const char *method_name_data, size_t method_name_size,
                           const uint8_t *serialized_initial_metadata_data,
                           size_t serialized_initial_metadata_size, uint32_t *return_stream_id);
/* Sends a message on a gRPC stream; end_stream (bool) half-closes it. */
WEIR_IMPORT(proxy_grpc_send)
uint32_t proxy_grpc_send(uint32_t stream_id, const uint8_t *message_data, size_t message_size,
                         uint32_t end_stream);
/* Cancels a gRPC call or stream. */
WEIR_IMPORT(proxy_grpc_cancel) uint32_t proxy_grpc_cancel(uint32_t call_or_stream_id);
/* Closes a gRPC call or stream. */
WEIR_IMPORT(proxy_grpc_close) uint32_t proxy_grpc_close(uint32_t call_or_stream_id);

/* Shared data (one key-value store shared by every VM of the host) */
/* Sets key to value; a non-zero cas must equal the key's current cas (else CAS_MISMATCH). */
WEIR_IMPORT(proxy_set_shared_data)
uint32_t proxy_set_shared_data(const char *key_data, size_t key_size, const uint8_t *value_data,
                               size_t value_size, uint32_t cas);
/* Returns key's value (module frees it) and its cas (NOT_FOUND when absent). */
WEIR_IMPORT(proxy_get_shared_data)
uint32_t proxy_get_shared_data(const char *key_data, size_t key_size, uint8_t **return_value_data,
                               size_t *return_value_size, uint32_t *return_cas);

/* Shared queues */
/* Creates or opens the queue name of this VM and writes its id. */
WEIR_IMPORT(proxy_register_shared_queue)
uint32_t proxy_register_shared_queue(const char *name_data, size_t name_size,
                                     uint32_t *return_queue_id);
/* Finds the existing queue name of VM vm_id and writes its id (NOT_FOUND when absent). */
WEIR_IMPORT(proxy_resolve_shared_queue)
uint32_t proxy_resolve_shared_queue(const char *vm_id_data, size_t vm_id_size,
                                    const char *name_data, size_t name_size,
                                    uint32_t *return_queue_id);
/* Appends an item to queue_id; the registering VM gets proxy_on_queue_ready. */
WEIR_IMPORT(proxy_enqueue_shared_queue)
uint32_t proxy_enqueue_shared_queue(uint32_t queue_id, const uint8_t *value_data,
                                    size_t value_size);
/* Takes the first item of queue_id (EMPTY when there is none); the module frees it. */
WEIR_IMPORT(proxy_dequeue_shared_queue)
uint32_t proxy_dequeue_shared_queue(uint32_t queue_id, uint8_t **return_value_data,
                                    size_t *return_value_size);

/* Metrics */
/* Defines a metric (proxy_metric_type_t) named name and writes its id. */
WEIR_IMPORT(proxy_define_metric)
uint32_t proxy_define_metric(uint32_t metric_type, const char *name_data, size_t name_size,
                             uint32_t *return_metric_id);
/* Sets metric_id to value (gauges, histograms). */
WEIR_IMPORT(proxy_record_metric) uint32_t proxy_record_metric(uint32_t metric_id, uint64_t value);
/* Adds delta to metric_id (a counter only goes up: BAD_ARGUMENT for a negative delta). */
WEIR_IMPORT(proxy_increment_metric)
uint32_t proxy_increment_metric(uint32_t metric_id, int64_t delta);
/* Writes the value of metric_id to *return_value. */
WEIR_IMPORT(proxy_get_metric) uint32_t proxy_get_metric(uint32_t metric_id, uint64_t *return_value);

/* Properties (path segments joined by '\0', e.g. "request\0path") */
/* Returns the value of the property at path (NOT_FOUND when unknown); the module frees it. */
WEIR_IMPORT(proxy_get_property)
uint32_t proxy_get_property(const char *path_data, size_t path_size, uint8_t **return_value_data,
                            size_t *return_value_size);
/* Sets the property at path. */
WEIR_IMPORT(proxy_set_property)
uint32_t proxy_set_property(const char *path_data, size_t path_size, const uint8_t *value_data,
                            size_t value_size);

/* Foreign functions */
/* Calls the host function name with arguments; the results (module frees them) are optional. */
WEIR_IMPORT(proxy_call_foreign_function)
uint32_t proxy_call_foreign_function(const char *name_data, size_t name_size,
                                     const uint8_t *arguments_data, size_t arguments_size,
                                     uint8_t **return_results_data, size_t *return_results_size);

/* ---- Callbacks a module may export ----
 * Prototypes only, so that a definition with the wrong arity fails to compile. Every parameter
 * and result is an i32 on the wire; the spec's size_t and bool are written uint32_t here. */

void proxy_on_context_create(uint32_t context_id, uint32_t parent_context_id);
uint32_t proxy_on_vm_start(uint32_t plugin_context_id, uint32_t vm_configuration_size);
uint32_t proxy_on_configure(uint32_t plugin_context_id, uint32_t plugin_configuration_size);
void proxy_on_tick(uint32_t plugin_context_id);
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t num_headers,
                                  uint32_t end_of_stream);
uint32_t proxy_on_request_body(uint32_t context_id, uint32_t body_size, uint32_t end_of_stream);
uint32_t proxy_on_request_trailers(uint32_t context_id, uint32_t num_trailers);
uint32_t proxy_on_response_headers(uint32_t context_id, uint32_t num_headers,
                                   uint32_t end_of_stream);
uint32_t proxy_on_response_body(uint32_t context_id, uint32_t body_size, uint32_t end_of_stream);
uint32_t proxy_on_response_trailers(uint32_t context_id, uint32_t num_trailers);
uint32_t proxy_on_done(uint32_t context_id);
void proxy_on_log(uint32_t context_id);
void proxy_on_delete(uint32_t context_id);
void proxy_on_http_call_response(uint32_t plugin_context_id, uint32_t call_id,
                                 uint32_t num_headers, uint32_t body_size, uint32_t num_trailers);
void proxy_on_queue_ready(uint32_t plugin_context_id, uint32_t queue_id);

/* ---- Exports every module needs ---- */

#ifndef WEIR_PROXY_WASM_NO_DEFAULT_EXPORTS
/* Marks the module as proxy-wasm ABI 0.2.1; never called. */
WEIR_EXPORT(proxy_abi_version_0_2_1) void proxy_abi_version_0_2_1(void) {}

/* Allocates memory_size bytes for a buffer the host hands to the module; 0 on failure. */
WEIR_EXPORT(proxy_on_memory_allocate) void *proxy_on_memory_allocate(size_t memory_size) {
    return malloc(memory_size);
}
#endif

/* ---- Helpers ---- */

/* Logs a NUL-terminated message at level (proxy_log_level_t). */
static inline uint32_t weir_log(uint32_t level, const char *message) {
    return proxy_log(level, message, strlen(message));
}

/* Copies size bytes into a new NUL-terminated malloc'd string (NULL when out of memory). */
static inline char *weir_strndup(const uint8_t *data, size_t size) {
    char *s = (char *)malloc(size + 1);
    if (s != NULL) {
        if (size > 0) {
            memcpy(s, data, size);
        }
        s[size] = '\0';
    }
    return s;
}

/* Turns a host-returned buffer into a NUL-terminated string, taking ownership of it. */
static inline char *weir_take_string(uint8_t *data, size_t size) {
    char *s = weir_strndup(data, size);
    free(data);
    return s;
}

/* The value of header key in map_id as a malloc'd string; NULL when absent (or on error). */
static inline char *weir_get_header(uint32_t map_id, const char *key) {
    uint8_t *data = NULL;
    size_t size = 0;
    if (proxy_get_header_map_value(map_id, key, strlen(key), &data, &size) != PROXY_OK) {
        return NULL;
    }
    return weir_take_string(data, size);
}

/* Adds the field key: value to map_id. */
static inline uint32_t weir_add_header(uint32_t map_id, const char *key, const char *value) {
    return proxy_add_header_map_value(map_id, key, strlen(key), (const uint8_t *)value,
                                      strlen(value));
}

/* Sets key to value in map_id, replacing existing fields of that name. */
static inline uint32_t weir_replace_header(uint32_t map_id, const char *key, const char *value) {
    return proxy_replace_header_map_value(map_id, key, strlen(key), (const uint8_t *)value,
                                          strlen(value));
}

/* Removes every field named key from map_id. */
static inline uint32_t weir_remove_header(uint32_t map_id, const char *key) {
    return proxy_remove_header_map_value(map_id, key, strlen(key));
}

/* The whole buffer_id (e.g. the plugin configuration) as a malloc'd string; "" when empty or
 * absent, NULL when out of memory. size is the size the callback was given. */
static inline char *weir_get_buffer_string(uint32_t buffer_id, size_t size) {
    uint8_t *data = NULL;
    size_t got = 0;
    if (size == 0
        || proxy_get_buffer_bytes(buffer_id, 0, size, &data, &got) != PROXY_OK) {
        return weir_strndup(NULL, 0);
    }
    return weir_take_string(data, got);
}

/* The property at path (segments joined by '\0', so pass its size) as a malloc'd string; NULL
 * with *status set when the host answers anything but OK. status may be NULL. */
static inline char *weir_get_property(const char *path, size_t path_size, uint32_t *status) {
    uint8_t *data = NULL;
    size_t size = 0;
    uint32_t st = proxy_get_property(path, path_size, &data, &size);
    if (status != NULL) {
        *status = st;
    }
    return st == PROXY_OK ? weir_take_string(data, size) : NULL;
}

/* A header map under construction for proxy_http_call and proxy_send_local_response. */
typedef struct {
    const char *key;
    const char *value;
} weir_pair_t;

/* Serializes n pairs into a new malloc'd buffer, its size in *out_size (NULL when out of
 * memory): u32 count, then u32 key size and u32 value size per pair, then each key and each
 * value followed by a NUL; integers little-endian (wasm32 is). */
static inline uint8_t *weir_map_serialize(const weir_pair_t *pairs, size_t n, size_t *out_size) {
    size_t size = 4 + 8 * n;
    for (size_t i = 0; i < n; i++) {
        size += strlen(pairs[i].key) + 1 + strlen(pairs[i].value) + 1;
    }
    uint8_t *buf = (uint8_t *)malloc(size);
    if (buf == NULL) {
        return NULL;
    }
    uint32_t count = (uint32_t)n;
    memcpy(buf, &count, 4);
    uint8_t *p = buf + 4 + 8 * n;
    for (size_t i = 0; i < n; i++) {
        uint32_t klen = (uint32_t)strlen(pairs[i].key);
        uint32_t vlen = (uint32_t)strlen(pairs[i].value);
        memcpy(buf + 4 + 8 * i, &klen, 4);
        memcpy(buf + 8 + 8 * i, &vlen, 4);
        memcpy(p, pairs[i].key, klen + 1);
        p += klen + 1;
        memcpy(p, pairs[i].value, vlen + 1);
        p += vlen + 1;
    }
    *out_size = size;
    return buf;
}

/* Formats v in decimal into buf (at least 21 bytes) and returns buf. */
static inline char *weir_u64_to_string(uint64_t v, char *buf) {
    char tmp[21];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++) {
        buf[i] = tmp[n - 1 - i];
    }
    buf[n] = '\0';
    return buf;
}

/* Parses a decimal number at the start of s (NULL or no digits: 0; stops at the first
 * non-digit; saturates at UINT64_MAX). */
static inline uint64_t weir_parse_u64(const char *s) {
    uint64_t v = 0;
    if (s == NULL) {
        return 0;
    }
    for (; *s >= '0' && *s <= '9'; s++) {
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return UINT64_MAX;
        }
        v = v * 10 + d;
    }
    return v;
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* WEIR_PROXY_WASM_H */
