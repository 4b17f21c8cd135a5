/*
 * grow: allocates guest memory on demand, to test the host's memory limit.
 *
 * proxy_on_request_headers: with "x-grow: N" (N a decimal number of MiB), mallocs N MiB (the
 * allocator grows linear memory with memory.grow), writes one byte in every 4 KiB page of it,
 * frees it and adds "x-grown: N"; when malloc fails (memory.grow returned -1) or N is 4096 or
 * more, adds "x-grow-failed: N" instead. CONTINUE in every case; without x-grow nothing happens.
 * Freed memory stays in the module (linear memory never shrinks), so a second request for the
 * same N needs no further growth.
 */
#include "weir_proxy_wasm.h"

WEIR_EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t context_id, uint32_t num_headers,
                                  uint32_t end_of_stream) {
    (void)context_id;
    (void)num_headers;
    (void)end_of_stream;
    char *grow = weir_get_header(PROXY_MAP_HTTP_REQUEST_HEADERS, "x-grow");
    if (grow == NULL) {
        return PROXY_ACTION_CONTINUE;
    }
    uint64_t mib = weir_parse_u64(grow);
    free(grow);
    char text[21];
    weir_u64_to_string(mib, text);
    /* 4096 MiB is the whole 32-bit address space: the size would overflow. */
    volatile uint8_t *block = mib < 4096 ? malloc((size_t)mib << 20) : NULL;
    if (block == NULL) {
        weir_add_header(PROXY_MAP_HTTP_REQUEST_HEADERS, "x-grow-failed", text);
        return PROXY_ACTION_CONTINUE;
    }
    for (size_t i = 0; i < ((size_t)mib << 20); i += 4096) {
        block[i] = (uint8_t)i;
    }
    free((void *)block);
    weir_add_header(PROXY_MAP_HTTP_REQUEST_HEADERS, "x-grown", text);
    return PROXY_ACTION_CONTINUE;
}
