// add_header: adds one configured header to every request and every response, written in C++17
// against the proxy-wasm ABI 0.2.1 with no SDK: the ABI comes from the C header
// plugins-examples/wasm-abi/weir_proxy_wasm.h, the strings from libc++.
//
// Plugin configuration: a flat JSON object with string values,
//     {"header": "x-hello", "value": "wasm"}
// (other members are ignored; the escapes \" \\ \/ \n \t \r are understood, \uXXXX is not).
// The header name is lower-cased and must not be empty nor contain spaces, control characters
// or ':'; the value may be empty. Any other configuration makes proxy_on_configure log an error
// and return false, which rejects the config.
//
// The header is added with proxy_add_header_map_value (an existing field of the same name stays)
// to HTTP_REQUEST_HEADERS in proxy_on_request_headers and to HTTP_RESPONSE_HEADERS in
// proxy_on_response_headers; both return CONTINUE.
//
// Build (Debian 12: clang lld wasi-libc libclang-rt-14-dev-wasm32 libc++-14-dev-wasm32
// libc++abi-14-dev-wasm32): see build.sh. Compiled with -fno-exceptions, an allocation failure
// aborts (a trap), which the host treats like any other trap (fail_policy).

// The C library headers first, outside extern "C": libc++ wraps them with C++ overloads.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <optional>
#include <string>
#include <string_view>

// The ABI header (C linkage under C++) also defines the proxy_abi_version_0_2_1 and
// proxy_on_memory_allocate (malloc) exports.
#include "weir_proxy_wasm.h"

namespace {

struct Header {
    std::string name;
    std::string value;
};

// The configured header. A module runs one callback at a time (the host keeps one instance per
// worker thread), so a plain global needs no lock; the last proxy_on_configure wins.
std::optional<Header> configured;

void log(uint32_t level, std::string_view message) {
    proxy_log(level, message.data(), message.size());
}

// The plugin configuration as text (empty when the host has none or answers an error).
std::string plugin_configuration(size_t size) {
    uint8_t *data = nullptr;
    size_t got = 0;
    if (size == 0 || proxy_get_buffer_bytes(PROXY_BUFFER_PLUGIN_CONFIGURATION, 0, size, &data,
                                            &got) != PROXY_OK) {
        return {};
    }
    // the host allocated it with proxy_on_memory_allocate (malloc): the module frees it
    std::string text(reinterpret_cast<const char *>(data), got);
    free(data);
    return text;
}

// A minimal parser for a flat JSON object of strings.
class Parser {
  public:
    explicit Parser(std::string_view s) : s_(s) {}

    // Reads "header" and "value"; nullopt when malformed or either is missing.
    std::optional<Header> object() {
        std::optional<std::string> name;
        std::optional<std::string> value;
        skip_space();
        if (!expect('{')) {
            return std::nullopt;
        }
        skip_space();
        if (peek() == '}') {
            i_++;
        } else {
            for (;;) {
                std::optional<std::string> key = string();
                skip_space();
                if (!key || !expect(':')) {
                    return std::nullopt;
                }
                skip_space();
                std::optional<std::string> val = string();
                if (!val) {
                    return std::nullopt;
                }
                if (*key == "header") {
                    name = std::move(val);
                } else if (*key == "value") {
                    value = std::move(val);
                }
                skip_space();
                if (expect(',')) {
                    skip_space();
                } else if (expect('}')) {
                    break;
                } else {
                    return std::nullopt;
                }
            }
        }
        skip_space();
        if (i_ != s_.size() || !name || !value) {
            return std::nullopt;
        }
        return Header{std::move(*name), std::move(*value)};
    }

  private:
    std::string_view s_;
    size_t i_ = 0;

    // The next character, or '\0' at the end (a NUL inside the text never matches anything).
    char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }

    bool expect(char c) {
        if (i_ < s_.size() && s_[i_] == c) {
            i_++;
            return true;
        }
        return false;
    }

    void skip_space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n'
                                  || s_[i_] == '\r')) {
            i_++;
        }
    }

    // A JSON string starting at its opening quote.
    std::optional<std::string> string() {
        if (!expect('"')) {
            return std::nullopt;
        }
        std::string out;
        while (i_ < s_.size()) {
            char c = s_[i_++];
            if (c == '"') {
                return out;
            }
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ == s_.size()) {
                break;
            }
            switch (s_[i_++]) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            default: return std::nullopt;
            }
        }
        return std::nullopt;  // unterminated
    }
};

// Lower-cases name in place; false when it is not a usable header name.
bool valid_name(std::string &name) {
    if (name.empty()) {
        return false;
    }
    for (char &c : name) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u <= ' ' || u == ':' || u == 0x7f) {
            return false;
        }
        if (u >= 'A' && u <= 'Z') {
            c = static_cast<char>(u - 'A' + 'a');
        }
    }
    return true;
}

void add_header(uint32_t map_id) {
    if (configured) {
        proxy_add_header_map_value(map_id, configured->name.data(), configured->name.size(),
                                   reinterpret_cast<const uint8_t *>(configured->value.data()),
                                   configured->value.size());
    }
}

}  // namespace

// ---- Exports (WEIR_EXPORT names them; build.sh also passes --export-if-defined for each) ----

extern "C" {

WEIR_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t, uint32_t) {}

WEIR_EXPORT(proxy_on_vm_start)
uint32_t proxy_on_vm_start(uint32_t, uint32_t) { return 1; }

WEIR_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t, uint32_t configuration_size) {
    std::optional<Header> header = Parser(plugin_configuration(configuration_size)).object();
    if (!header || !valid_name(header->name)) {
        log(PROXY_LOG_ERROR,
            "add_header: expected {\"header\": \"x-name\", \"value\": \"...\"} as configuration");
        return 0;
    }
    log(PROXY_LOG_INFO, "add_header: adding " + header->name + ": " + header->value);
    configured = std::move(header);
    return 1;
}

WEIR_EXPORT(proxy_on_request_headers)
uint32_t proxy_on_request_headers(uint32_t, uint32_t, uint32_t) {
    add_header(PROXY_MAP_HTTP_REQUEST_HEADERS);
    return PROXY_ACTION_CONTINUE;
}

WEIR_EXPORT(proxy_on_response_headers)
uint32_t proxy_on_response_headers(uint32_t, uint32_t, uint32_t) {
    add_header(PROXY_MAP_HTTP_RESPONSE_HEADERS);
    return PROXY_ACTION_CONTINUE;
}

// True: the host may delete the context now.
WEIR_EXPORT(proxy_on_done)
uint32_t proxy_on_done(uint32_t) { return 1; }

WEIR_EXPORT(proxy_on_delete)
void proxy_on_delete(uint32_t) {}

}  // extern "C"
