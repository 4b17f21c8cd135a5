/*
 * vm_share: shows which filters share a VM, and that shared data and queues are per vm_id.
 *
 * Each root context keeps its own plugin configuration, "NAME" or "NAME produce:VM_ID".
 * VM-wide (one copy per VM instance): vm_starts counts proxy_on_vm_start calls (one per root
 * context created in this VM), requests counts proxy_on_request_headers calls of every root.
 *
 * proxy_on_configure: a root without "produce:" registers the shared queue "jobs" (of its vm_id).
 * proxy_on_request_headers: requests++, then adds the request header
 *     x-NAME: REQUESTS/VM_STARTS/LAST
 * LAST being the shared data key "last-job" of its vm_id ("none" when absent); a root with
 * "produce:VM_ID" then resolves the queue "jobs" of VM_ID, enqueues the request's :path and adds
 *     x-NAME-enqueue: STATUS   (the proxy_status_t of resolve, or of enqueue when resolve was OK)
 * CONTINUE.
 * proxy_on_queue_ready: dequeues every item, storing each in shared data "last-job".
 */
#include "weir_proxy_wasm.h"

#define MAX_ROOTS 8
#define MAX_STREAMS 64

static struct {
    uint32_t id;
    char *name;
    char *produce_to; /* NULL: a queue owner */
} roots[MAX_ROOTS];

static struct {
    uint32_t stream;
    uint32_t root;
} streams[MAX_STREAMS];

static uint64_t vm_starts;
static uint64_t requests;

static int root_index(uint32_t id) {
    for (int i = 0; i < MAX_ROOTS; i++) {
        if (roots[i].id == id) {
            return i;
        }
    }
    return -1;
}

WEIR_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t context_id, uint32_t parent_context_id) {
    if (parent_context_id == 0) {
        int i = root_index(0);
        if (i < 0) {
            __builtin_trap();
        }
        roots[i].id = context_id;
        return;
    }
    for (int i = 0; i < MAX_STREAMS; i++) {
        if (streams[i].stream == 0) {
            streams[i].stream = context_id;
            streams[i].root = parent_context_id;
            return;
        }
    }
    __builtin_trap();
}

WEIR_EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t context_id) {
    for (int i = 0; i < MAX_STREAMS; i++) {
        if (streams[i].stream == context_id) {
            streams[i].stream = 0;
        }
    }
    int r = root_index(context_id);
    if (r >= 0) {
        free(roots[r].name);
        free(roots[r].produce_to);
        roots[r].id = 0;
        roots[r].name = roots[r].produce_to = NULL;
    }
}

WEIR_EXPORT(proxy_on_vm_start)
uint32_t proxy_on_vm_start(uint32_t root_context_id, uint32_t vm_configuration_size) {
    (void)root_context_id;
    (void)vm_configuration_size;
    vm_starts++;
    return 1;
}

WEIR_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t root_context_id, uint32_t configuration_size) {
    int r = root_index(root_context_id);
    char *config = weir_get_buffer_string(PROXY_BUFFER_PLUGIN_CONFIGURATION, configuration_size);
    if (r < 0 || config == NULL || config[0] == '\0') {
        return 0;
    }
    char *space = strchr(config, ' ');
    if (space != NULL) {
        *space = '\0';
        if (strncmp(space + 1, "produce:", 8) != 0) {
            return 0;
        }
        roots[r].produce_to = weir_strndup((const uint8_t *)space + 9, strlen(space + 9));
    } else {
        uint32_t queue_id = 0;
        if (proxy_register_shared_queue("jobs", 4, &queue_id) != PROXY_OK) {
            return 0;
        }
    }
    roots[r].name = config;
    return 1;
}

static void add_header(const char *prefix, const char *name, const char *suffix,
                       const char *value) {
    char key[64];
    strcpy(key, prefix);
    strcat(key, name);
    strcat(key, suffix);
    weir_add_header(PROXY_MAP_HTTP_REQUEST_HEADERS, key, value);
}

WEIR_EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t num_headers,
                                  uint32_t end_of_stream) {
    (void)num_headers;
    (void)end_of_stream;
    int r = -1;
    for (int i = 0; i < MAX_STREAMS; i++) {
        if (streams[i].stream == context_id) {
            r = root_index(streams[i].root);
        }
    }
    if (r < 0) {
        __builtin_trap();
    }
    requests++;
    uint8_t *data = NULL;
    size_t size = 0;
    uint32_t cas = 0;
    char *last = proxy_get_shared_data("last-job", 8, &data, &size, &cas) == PROXY_OK
                     ? weir_take_string(data, size)
                     : weir_strndup((const uint8_t *)"none", 4);
    char value[128];
    char n[21];
    strcpy(value, weir_u64_to_string(requests, n));
    strcat(value, "/");
    strcat(value, weir_u64_to_string(vm_starts, n));
    strcat(value, "/");
    strncat(value, last, 64);
    free(last);
    add_header("x-", roots[r].name, "", value);

    if (roots[r].produce_to != NULL) {
        uint32_t queue_id = 0;
        const char *vm = roots[r].produce_to;
        uint32_t status = proxy_resolve_shared_queue(vm, strlen(vm), "jobs", 4, &queue_id);
        if (status == PROXY_OK) {
            char *path = weir_get_header(PROXY_MAP_HTTP_REQUEST_HEADERS, ":path");
            status = proxy_enqueue_shared_queue(queue_id, (const uint8_t *)path, strlen(path));
            free(path);
        }
        add_header("x-", roots[r].name, "-enqueue", weir_u64_to_string(status, n));
    }
    return PROXY_ACTION_CONTINUE;
}

WEIR_EXPORT(proxy_on_queue_ready)
void proxy_on_queue_ready(uint32_t root_context_id, uint32_t queue_id) {
    (void)root_context_id;
    uint8_t *data = NULL;
    size_t size = 0;
    while (proxy_dequeue_shared_queue(queue_id, &data, &size) == PROXY_OK) {
        proxy_set_shared_data("last-job", 8, data, size, 0);
        free(data);
        data = NULL;
    }
}
