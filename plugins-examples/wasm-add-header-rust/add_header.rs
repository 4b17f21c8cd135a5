//! add_header: adds one configured header to every request and every response, written in Rust
//! against the proxy-wasm ABI 0.2.1 with no SDK and no crates (only `std`).
//!
//! Plugin configuration: a flat JSON object with string values,
//!     {"header": "x-hello", "value": "wasm"}
//! (other members are ignored; the escapes \" \\ \/ \n \t \r are understood, \uXXXX is not).
//! The header name is lower-cased and must not be empty nor contain spaces, control characters
//! or ':'; the value may be empty. Any other configuration makes proxy_on_configure log an error
//! and return false, which rejects the config.
//!
//! The header is added with proxy_add_header_map_value (an existing field of the same name stays)
//! to the request headers (map 0) in proxy_on_request_headers and to the response headers (map 2)
//! in proxy_on_response_headers; both return Continue.
//!
//! Build (Debian 12: apt-get install rustc libstd-rust-dev-wasm32), see build.sh:
//!     /usr/bin/rustc --target wasm32-unknown-unknown --crate-type cdylib -C panic=abort -O \
//!         -o add_header.wasm add_header.rs

// The ABI: host functions, constants, the proxy_abi_version_0_2_1 and proxy_on_memory_allocate
// exports, and safe wrappers (log, buffer_bytes, add_header), shared by every Rust example.
#[path = "../wasm-abi/proxy_wasm.rs"]
mod proxy_wasm;

use proxy_wasm::*;

// ---- Exports ----

#[no_mangle]
pub extern "C" fn proxy_on_context_create(_context_id: u32, _parent_context_id: u32) {}

#[no_mangle]
pub extern "C" fn proxy_on_vm_start(_root_context_id: u32, _vm_configuration_size: usize) -> u32 {
    1
}

#[no_mangle]
pub extern "C" fn proxy_on_configure(_root_context_id: u32, configuration_size: usize) -> u32 {
    let config = plugin_configuration(configuration_size);
    match parse_config(&config) {
        Some(header) => {
            // string concatenation, not format!: the formatting machinery would triple the size
            log(
                LOG_INFO,
                &["add_header: adding ", &header.name, ": ", &header.value].concat(),
            );
            // one plugin per VM: the last configuration wins
            unsafe { HEADER = Some(header) };
            1
        }
        None => {
            log(
                LOG_ERROR,
                "add_header: expected {\"header\": \"x-name\", \"value\": \"...\"} as configuration",
            );
            0
        }
    }
}

#[no_mangle]
pub extern "C" fn proxy_on_request_headers(
    _context_id: u32,
    _num_headers: usize,
    _end_of_stream: u32,
) -> Action {
    add_configured_header(MAP_HTTP_REQUEST_HEADERS);
    Action::Continue
}

#[no_mangle]
pub extern "C" fn proxy_on_response_headers(
    _context_id: u32,
    _num_headers: usize,
    _end_of_stream: u32,
) -> Action {
    add_configured_header(MAP_HTTP_RESPONSE_HEADERS);
    Action::Continue
}

/// True: the host may delete the context now.
#[no_mangle]
pub extern "C" fn proxy_on_done(_context_id: u32) -> u32 {
    1
}

#[no_mangle]
pub extern "C" fn proxy_on_delete(_context_id: u32) {}

// ---- The filter ----

struct Header {
    name: String,
    value: String,
}

/// The configured header. A module runs one callback at a time (the host keeps one instance per
/// worker thread and wasm32-unknown-unknown has no threads), so a plain static is enough.
static mut HEADER: Option<Header> = None;

fn add_configured_header(map_id: u32) {
    if let Some(h) = unsafe { HEADER.as_ref() } {
        add_header(map_id, &h.name, &h.value);
    }
}

/// The plugin configuration as text (empty when the host has none or answers an error).
fn plugin_configuration(size: usize) -> String {
    String::from_utf8_lossy(&buffer_bytes(BUFFER_PLUGIN_CONFIGURATION, size)).into_owned()
}

/// Reads "header" and "value" from a flat JSON object of strings; None when malformed, when
/// either is missing or when the name is not a usable header name.
fn parse_config(text: &str) -> Option<Header> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    let mut name = None;
    let mut value = None;
    p.skip_space();
    p.expect(b'{')?;
    p.skip_space();
    if p.peek() == Some(b'}') {
        p.i += 1;
    } else {
        loop {
            let key = p.string()?;
            p.skip_space();
            p.expect(b':')?;
            p.skip_space();
            let val = p.string()?;
            match key.as_str() {
                "header" => name = Some(val),
                "value" => value = Some(val),
                _ => {}
            }
            p.skip_space();
            match p.next()? {
                b',' => p.skip_space(),
                b'}' => break,
                _ => return None,
            }
        }
    }
    p.skip_space();
    if p.peek().is_some() {
        return None;
    }
    let name = name?.to_ascii_lowercase();
    let valid = !name.is_empty() && name.bytes().all(|c| c > b' ' && c != b':' && c != 0x7f);
    if !valid {
        return None;
    }
    Some(Header {
        name,
        value: value?,
    })
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        if self.next()? == c {
            Some(())
        } else {
            None
        }
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// A JSON string starting at its opening quote.
    fn string(&mut self) -> Option<String> {
        self.expect(b'"')?;
        let mut out = Vec::new();
        loop {
            match self.next()? {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => out.push(match self.next()? {
                    c @ (b'"' | b'\\' | b'/') => c,
                    b'n' => b'\n',
                    b't' => b'\t',
                    b'r' => b'\r',
                    _ => return None,
                }),
                c => out.push(c),
            }
        }
    }
}
