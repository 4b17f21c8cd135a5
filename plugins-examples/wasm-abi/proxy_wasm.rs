//! proxy_wasm.rs: the proxy-wasm ABI 0.2.1 for Rust filters, in one module with no crates (only
//! `core`/`std`): the host functions as an `extern "C"` block imported from `env`, the enums of
//! the spec as constants, and a few safe wrappers. The callbacks a filter exports are written in
//! the filter itself with `#[no_mangle] pub extern "C" fn proxy_on_...` (see the list at the end).
//!
//! Use it from a filter's crate root without copying it:
//!
//! ```ignore
//! #[path = "../wasm-abi/proxy_wasm.rs"]   // relative to the file holding the `mod` line
//! mod proxy_wasm;
//! use proxy_wasm::*;
//! ```
//!
//! and build with Debian's rustc (apt-get install rustc libstd-rust-dev-wasm32; no cargo):
//!
//! ```text
//! rustc --target wasm32-unknown-unknown --crate-type cdylib -C panic=abort -O -C lto \
//!     -C strip=debuginfo -o filter.wasm filter.rs
//! ```
//!
//! Every parameter and result is an i32 on the wire: sizes are `usize` (32 bits on wasm32), the
//! spec's bool is `u32`. A buffer the host returns through a `return_*_data` pointer was
//! allocated in the module by its `proxy_on_memory_allocate` export (defined here, a `Vec<u8>`
//! allocation of exactly the requested size); `take_host_buffer` turns it back into that `Vec`.
//!
//! Names and values follow the spec, github.com/proxy-wasm/spec, abi-versions/v0.2.1/README.md.
#![allow(dead_code)]

use std::mem;

// ---- Types (spec section "Types") ----

/// proxy_status_t: what every host function returns. 5, 9 and 11 are not defined in 0.2.1.
pub const STATUS_OK: u32 = 0;
pub const STATUS_NOT_FOUND: u32 = 1;
pub const STATUS_BAD_ARGUMENT: u32 = 2;
pub const STATUS_SERIALIZATION_FAILURE: u32 = 3;
pub const STATUS_PARSE_FAILURE: u32 = 4;
pub const STATUS_INVALID_MEMORY_ACCESS: u32 = 6;
pub const STATUS_EMPTY: u32 = 7;
pub const STATUS_CAS_MISMATCH: u32 = 8;
pub const STATUS_INTERNAL_FAILURE: u32 = 10;
pub const STATUS_UNIMPLEMENTED: u32 = 12;

/// proxy_log_level_t.
pub const LOG_TRACE: u32 = 0;
pub const LOG_DEBUG: u32 = 1;
pub const LOG_INFO: u32 = 2;
pub const LOG_WARN: u32 = 3;
pub const LOG_ERROR: u32 = 4;
pub const LOG_CRITICAL: u32 = 5;

/// proxy_action_t: what the stream callbacks return.
#[repr(u32)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Action {
    Continue = 0,
    Pause = 1,
}

/// proxy_buffer_type_t: buffer_id of the buffer functions.
pub const BUFFER_HTTP_REQUEST_BODY: u32 = 0;
pub const BUFFER_HTTP_RESPONSE_BODY: u32 = 1;
pub const BUFFER_DOWNSTREAM_DATA: u32 = 2;
pub const BUFFER_UPSTREAM_DATA: u32 = 3;
pub const BUFFER_HTTP_CALL_RESPONSE_BODY: u32 = 4;
pub const BUFFER_GRPC_CALL_MESSAGE: u32 = 5;
pub const BUFFER_VM_CONFIGURATION: u32 = 6;
pub const BUFFER_PLUGIN_CONFIGURATION: u32 = 7;
pub const BUFFER_FOREIGN_FUNCTION_ARGUMENTS: u32 = 8;

/// proxy_map_type_t: map_id of the header map functions.
pub const MAP_HTTP_REQUEST_HEADERS: u32 = 0;
pub const MAP_HTTP_REQUEST_TRAILERS: u32 = 1;
pub const MAP_HTTP_RESPONSE_HEADERS: u32 = 2;
pub const MAP_HTTP_RESPONSE_TRAILERS: u32 = 3;
pub const MAP_GRPC_CALL_INITIAL_METADATA: u32 = 4;
pub const MAP_GRPC_CALL_TRAILING_METADATA: u32 = 5;
pub const MAP_HTTP_CALL_RESPONSE_HEADERS: u32 = 6;
pub const MAP_HTTP_CALL_RESPONSE_TRAILERS: u32 = 7;

/// proxy_stream_type_t: stream_type of proxy_continue_stream and proxy_close_stream.
pub const STREAM_HTTP_REQUEST: u32 = 0;
pub const STREAM_HTTP_RESPONSE: u32 = 1;
pub const STREAM_DOWNSTREAM: u32 = 2;
pub const STREAM_UPSTREAM: u32 = 3;

/// proxy_metric_type_t.
pub const METRIC_COUNTER: u32 = 0;
pub const METRIC_GAUGE: u32 = 1;
pub const METRIC_HISTOGRAM: u32 = 2;

/// grpc_status of proxy_send_local_response for a plain HTTP reply (Envoy's convention).
pub const NO_GRPC_STATUS: u32 = 0xFFFF_FFFF;

// ---- Host functions (all imported from `env`; each returns a proxy_status_t) ----

#[link(wasm_import_module = "env")]
extern "C" {
    // Context lifecycle
    pub fn proxy_done() -> u32;
    pub fn proxy_set_effective_context(context_id: u32) -> u32;

    // Logging and time
    pub fn proxy_log(log_level: u32, message_data: *const u8, message_size: usize) -> u32;
    pub fn proxy_get_log_level(return_log_level: *mut u32) -> u32;
    pub fn proxy_get_current_time_nanoseconds(return_time: *mut u64) -> u32;
    pub fn proxy_set_tick_period_milliseconds(tick_period: u32) -> u32;

    // Buffers
    pub fn proxy_set_buffer_bytes(
        buffer_id: u32,
        start: usize,
        size: usize,
        value_data: *const u8,
        value_size: usize,
    ) -> u32;
    pub fn proxy_get_buffer_bytes(
        buffer_id: u32,
        start: usize,
        max_size: usize,
        return_value_data: *mut *mut u8,
        return_value_size: *mut usize,
    ) -> u32;
    pub fn proxy_get_buffer_status(
        buffer_id: u32,
        return_buffer_size: *mut usize,
        return_ignored: *mut u32,
    ) -> u32;

    // Header maps (pairs serialized: count, then each key and value size, then the
    // NUL-terminated keys and values; all numbers u32 little-endian)
    pub fn proxy_get_header_map_size(map_id: u32, return_serialized_pairs_size: *mut usize) -> u32;
    pub fn proxy_get_header_map_pairs(
        map_id: u32,
        return_serialized_pairs_data: *mut *mut u8,
        return_serialized_pairs_size: *mut usize,
    ) -> u32;
    pub fn proxy_set_header_map_pairs(
        map_id: u32,
        serialized_pairs_data: *const u8,
        serialized_pairs_size: usize,
    ) -> u32;
    pub fn proxy_get_header_map_value(
        map_id: u32,
        key_data: *const u8,
        key_size: usize,
        return_value_data: *mut *mut u8,
        return_value_size: *mut usize,
    ) -> u32;
    pub fn proxy_add_header_map_value(
        map_id: u32,
        key_data: *const u8,
        key_size: usize,
        value_data: *const u8,
        value_size: usize,
    ) -> u32;
    pub fn proxy_replace_header_map_value(
        map_id: u32,
        key_data: *const u8,
        key_size: usize,
        value_data: *const u8,
        value_size: usize,
    ) -> u32;
    pub fn proxy_remove_header_map_value(map_id: u32, key_data: *const u8, key_size: usize) -> u32;

    // Streams
    pub fn proxy_continue_stream(stream_type: u32) -> u32;
    pub fn proxy_close_stream(stream_type: u32) -> u32;
    pub fn proxy_get_status(
        return_status_code: *mut u32,
        return_status_message_data: *mut *mut u8,
        return_status_message_size: *mut usize,
    ) -> u32;
    pub fn proxy_send_local_response(
        status_code: u32,
        status_code_details_data: *const u8,
        status_code_details_size: usize,
        body_data: *const u8,
        body_size: usize,
        serialized_headers_data: *const u8,
        serialized_headers_size: usize,
        grpc_status: u32,
    ) -> u32;

    // HTTP and gRPC calls
    pub fn proxy_http_call(
        upstream_name_data: *const u8,
        upstream_name_size: usize,
        serialized_headers_data: *const u8,
        serialized_headers_size: usize,
        body_data: *const u8,
        body_size: usize,
        serialized_trailers_data: *const u8,
        serialized_trailers_size: usize,
        timeout_milliseconds: u32,
        return_call_id: *mut u32,
    ) -> u32;
    pub fn proxy_grpc_call(
        upstream_name_data: *const u8,
        upstream_name_size: usize,
        service_name_data: *const u8,
        service_name_size: usize,
        method_name_data: *const u8,
        method_name_size: usize,
        serialized_initial_metadata_data: *const u8,
        serialized_initial_metadata_size: usize,
        message_data: *const u8,
        message_size: usize,
        timeout_milliseconds: u32,
        return_call_id: *mut u32,
    ) -> u32;
    pub fn proxy_grpc_stream(
        upstream_name_data: *const u8,
        upstream_name_size: usize,
        service_name_data: *const u8,
        service_name_size: usize,
        method_name_data: *const u8,
        method_name_size: usize,
        serialized_initial_metadata_data: *const u8,
        serialized_initial_metadata_size: usize,
        return_stream_id: *mut u32,
    ) -> u32;
    pub fn proxy_grpc_send(
        stream_id: u32,
        message_data: *const u8,
        message_size: usize,
        end_stream: u32,
    ) -> u32;
    pub fn proxy_grpc_cancel(call_or_stream_id: u32) -> u32;
    pub fn proxy_grpc_close(call_or_stream_id: u32) -> u32;

    // Shared data (one key-value store per vm_id, shared by every worker)
    pub fn proxy_set_shared_data(
        key_data: *const u8,
        key_size: usize,
        value_data: *const u8,
        value_size: usize,
        cas: u32,
    ) -> u32;
    pub fn proxy_get_shared_data(
        key_data: *const u8,
        key_size: usize,
        return_value_data: *mut *mut u8,
        return_value_size: *mut usize,
        return_cas: *mut u32,
    ) -> u32;

    // Shared queues
    pub fn proxy_register_shared_queue(
        name_data: *const u8,
        name_size: usize,
        return_queue_id: *mut u32,
    ) -> u32;
    pub fn proxy_resolve_shared_queue(
        vm_id_data: *const u8,
        vm_id_size: usize,
        name_data: *const u8,
        name_size: usize,
        return_queue_id: *mut u32,
    ) -> u32;
    pub fn proxy_enqueue_shared_queue(queue_id: u32, value_data: *const u8, value_size: usize)
        -> u32;
    pub fn proxy_dequeue_shared_queue(
        queue_id: u32,
        return_value_data: *mut *mut u8,
        return_value_size: *mut usize,
    ) -> u32;

    // Metrics
    pub fn proxy_define_metric(
        metric_type: u32,
        name_data: *const u8,
        name_size: usize,
        return_metric_id: *mut u32,
    ) -> u32;
    pub fn proxy_record_metric(metric_id: u32, value: u64) -> u32;
    pub fn proxy_increment_metric(metric_id: u32, delta: i64) -> u32;
    pub fn proxy_get_metric(metric_id: u32, return_value: *mut u64) -> u32;

    // Properties (path segments joined by '\0', e.g. "request\0path")
    pub fn proxy_get_property(
        path_data: *const u8,
        path_size: usize,
        return_value_data: *mut *mut u8,
        return_value_size: *mut usize,
    ) -> u32;
    pub fn proxy_set_property(
        path_data: *const u8,
        path_size: usize,
        value_data: *const u8,
        value_size: usize,
    ) -> u32;

    // Foreign functions
    pub fn proxy_call_foreign_function(
        name_data: *const u8,
        name_size: usize,
        arguments_data: *const u8,
        arguments_size: usize,
        return_results_data: *mut *mut u8,
        return_results_size: *mut usize,
    ) -> u32;
}

// ---- Exports every module needs ----

/// Marks the module as proxy-wasm ABI 0.2.1; never called.
#[no_mangle]
pub extern "C" fn proxy_abi_version_0_2_1() {}

/// Allocates size bytes for a buffer the host hands to the module: a `Vec<u8>` allocation with
/// capacity size, which `take_host_buffer` turns back into that `Vec`.
#[no_mangle]
pub extern "C" fn proxy_on_memory_allocate(size: usize) -> *mut u8 {
    let mut block: Vec<u8> = Vec::with_capacity(size);
    let ptr = block.as_mut_ptr();
    mem::forget(block);
    ptr
}

// ---- Safe wrappers ----

/// Takes ownership of a buffer the host filled: it was allocated by `proxy_on_memory_allocate`
/// with exactly len bytes (the host asks for the size it then returns), so it is that `Vec`.
///
/// # Safety
/// data and len must come from a host function's `return_*_data`/`return_*_size` pair.
pub unsafe fn take_host_buffer(data: *mut u8, len: usize) -> Vec<u8> {
    if data.is_null() {
        return Vec::new();
    }
    Vec::from_raw_parts(data, len, len)
}

/// Logs message at level (LOG_*).
pub fn log(level: u32, message: &str) {
    unsafe {
        proxy_log(level, message.as_ptr(), message.len());
    }
}

/// Up to max_size bytes of buffer_id (BUFFER_*) from its start; empty when absent or on error.
pub fn buffer_bytes(buffer_id: u32, max_size: usize) -> Vec<u8> {
    if max_size == 0 {
        return Vec::new();
    }
    let mut data: *mut u8 = std::ptr::null_mut();
    let mut len: usize = 0;
    let status = unsafe { proxy_get_buffer_bytes(buffer_id, 0, max_size, &mut data, &mut len) };
    if status != STATUS_OK {
        return Vec::new();
    }
    unsafe { take_host_buffer(data, len) }
}

/// The value of header key in map_id (MAP_*), or None when absent.
pub fn header(map_id: u32, key: &str) -> Option<Vec<u8>> {
    let mut data: *mut u8 = std::ptr::null_mut();
    let mut len: usize = 0;
    let status = unsafe {
        proxy_get_header_map_value(map_id, key.as_ptr(), key.len(), &mut data, &mut len)
    };
    if status != STATUS_OK {
        return None;
    }
    Some(unsafe { take_host_buffer(data, len) })
}

/// Adds a key: value field to map_id (MAP_*); existing fields of that name stay.
pub fn add_header(map_id: u32, key: &str, value: &str) -> u32 {
    unsafe { proxy_add_header_map_value(map_id, key.as_ptr(), key.len(), value.as_ptr(), value.len()) }
}

/// Serializes header pairs the way proxy_send_local_response, proxy_http_call and
/// proxy_set_header_map_pairs read them.
pub fn serialize_pairs(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(pairs.len() as u32).to_le_bytes());
    for (k, v) in pairs {
        out.extend_from_slice(&(k.len() as u32).to_le_bytes());
        out.extend_from_slice(&(v.len() as u32).to_le_bytes());
    }
    for (k, v) in pairs {
        out.extend_from_slice(k.as_bytes());
        out.push(0);
        out.extend_from_slice(v.as_bytes());
        out.push(0);
    }
    out
}

// ---- Callbacks a module may export (write them in the filter) ----
//
// fn proxy_on_context_create(context_id: u32, parent_context_id: u32)
// fn proxy_on_vm_start(root_context_id: u32, vm_configuration_size: usize) -> u32   (bool)
// fn proxy_on_configure(root_context_id: u32, plugin_configuration_size: usize) -> u32 (bool)
// fn proxy_on_tick(root_context_id: u32)
// fn proxy_on_request_headers(context_id: u32, num_headers: usize, end_of_stream: u32) -> Action
// fn proxy_on_request_body(context_id: u32, body_size: usize, end_of_stream: u32) -> Action
// fn proxy_on_request_trailers(context_id: u32, num_trailers: usize) -> Action
// fn proxy_on_response_headers(context_id: u32, num_headers: usize, end_of_stream: u32) -> Action
// fn proxy_on_response_body(context_id: u32, body_size: usize, end_of_stream: u32) -> Action
// fn proxy_on_response_trailers(context_id: u32, num_trailers: usize) -> Action
// fn proxy_on_done(context_id: u32) -> u32                                          (bool)
// fn proxy_on_log(context_id: u32)
// fn proxy_on_delete(context_id: u32)
// fn proxy_on_http_call_response(root_context_id: u32, call_id: u32, num_headers: usize,
//                                body_size: usize, num_trailers: usize)
// fn proxy_on_queue_ready(root_context_id: u32, queue_id: u32)
//
// each as `#[no_mangle] pub extern "C" fn ...`.
