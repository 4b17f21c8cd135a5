/*
 * add_header: adds one configured header to every request and every response.
 * The AssemblyScript twin of ../../wasm-add-header-c/add_header.c, on the
 * @solo-io/proxy-runtime SDK (proxy-wasm ABI 0.2.0).
 *
 * Plugin configuration, either a flat JSON object with string values
 *     {"header": "x-hello", "value": "wasm"}
 * (other members are ignored; escapes \" \\ \/ \n \t \r are understood, \uXXXX is not), or
 *     x-hello=wasm
 * (split at the first '='; spaces around the name and the value are trimmed). The header name
 * is lower-cased and must not be empty nor contain spaces, control characters or ':'. The value
 * may be empty. Any other configuration makes proxy_on_configure log an error and return false.
 *
 * The header is added (an existing field of the same name stays) to the request headers in
 * proxy_on_request_headers and to the response headers in proxy_on_response_headers; both
 * continue.
 *
 * Root id: the SDK creates the root context by looking up the host property plugin_root_id in
 * the names given to registerRootContext. This module registers "" only, which is Weir's default
 * root_id (and Envoy's); a plugin configured with any other root_id aborts at start with
 * "Missing root context factory for root id: ...".
 */

// The proxy_on_* exports, malloc and free come from the SDK, except the context lifecycle and the
// stream callbacks at the end of this file (why: see there). An explicit list, because a module's
// own export cannot replace one that `export * from "@solo-io/proxy-runtime/proxy"` brings in, and
// so that the callbacks this filter does not need are not exported at all.
export { free, malloc } from "@solo-io/proxy-runtime/malloc";
export {
  proxy_abi_version_0_2_0,
  proxy_on_configure,
  proxy_on_foreign_function,
  proxy_on_grpc_close,
  proxy_on_grpc_receive,
  proxy_on_grpc_receive_initial_metadata,
  proxy_on_grpc_trailing_metadata,
  proxy_on_http_call_response,
  proxy_on_queue_ready,
  proxy_on_tick,
  proxy_on_vm_start,
  proxy_validate_configuration,
} from "@solo-io/proxy-runtime/exports";
import {
  FilterHeadersStatusValues,
  LogLevelValues,
  RootContext,
  log,
  registerRootContext,
} from "@solo-io/proxy-runtime";
import {
  proxy_on_context_create as sdk_on_context_create,
  proxy_on_delete as sdk_on_delete,
} from "@solo-io/proxy-runtime/exports";
import { proxy_add_header_map_value } from "@solo-io/proxy-runtime/imports";
import {
  BufferTypeValues,
  HeaderMapTypeValues,
  get_buffer_bytes,
} from "@solo-io/proxy-runtime/runtime";

const USAGE =
  'add_header: expected {"header": "x-name", "value": "..."} or x-name=value as configuration';

function isSpace(c: i32): bool {
  return c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d;
}

/** s without the spaces, tabs, CRs and LFs at either end. */
function trimmed(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isSpace(s.charCodeAt(start))) start++;
  while (end > start && isSpace(s.charCodeAt(end - 1))) end--;
  return s.substring(start, end);
}

/**
 * The lower-cased header name (ASCII letters only, like C's tolower), or "" when name is empty or
 * holds a space, a control character, DEL or ':'.
 */
function headerName(name: string): string {
  let out = "";
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    if (c <= 0x20 || c == 0x3a || c == 0x7f) {
      return "";
    }
    if (c >= 0x41 && c <= 0x5a) {
      c += 0x20;
    }
    out += String.fromCharCode(c);
  }
  return out;
}

/** The configured header; hasName and hasValue say which members were present. */
class HeaderConfig {
  name: string = "";
  value: string = "";
  hasName: bool = false;
  hasValue: bool = false;
}

/** A reader over a flat JSON object whose member values are all strings. */
class FlatJson {
  text: string;
  pos: i32 = 0;
  // Set by readString when the text is malformed.
  failed: bool = false;

  constructor(text: string) {
    this.text = text;
  }

  /** The code unit at pos, or -1 at the end. */
  peek(): i32 {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1;
  }

  skipSpace(): void {
    while (this.pos < this.text.length && isSpace(this.text.charCodeAt(this.pos))) this.pos++;
  }

  /**
   * Reads the JSON string at pos (its opening quote) and moves past the closing quote; sets
   * failed and returns "" when malformed.
   */
  readString(): string {
    if (this.peek() != 0x22) {
      this.failed = true;
      return "";
    }
    this.pos++;
    let out = "";
    let start = this.pos;
    for (;;) {
      let c = this.peek();
      if (c == 0x22) break;
      if (c == 0x5c) {
        out += this.text.substring(start, this.pos);
        this.pos++;
        let e = this.peek();
        if (e == 0x22 || e == 0x5c || e == 0x2f) {
          out += String.fromCharCode(e);
        } else if (e == 0x6e) {
          out += "\n";
        } else if (e == 0x74) {
          out += "\t";
        } else if (e == 0x72) {
          out += "\r";
        } else {
          c = -1; // \uXXXX, \b, \f, an unknown escape or the end
        }
        start = this.pos + 1;
      }
      if (c < 0) {
        this.failed = true; // unterminated or a bad escape
        return "";
      }
      this.pos++;
    }
    out += this.text.substring(start, this.pos);
    this.pos++;
    return out;
  }

  /** Reads "header" and "value" into config; false when the text is not such an object. */
  parse(config: HeaderConfig): bool {
    this.skipSpace();
    if (this.peek() != 0x7b) return false;
    this.pos++;
    this.skipSpace();
    let c = this.peek();
    while (c != 0x7d) {
      let key = this.readString();
      this.skipSpace();
      if (this.failed || this.peek() != 0x3a) return false;
      this.pos++;
      this.skipSpace();
      let value = this.readString();
      if (this.failed) return false;
      if (key == "header") {
        config.name = value;
        config.hasName = true;
      } else if (key == "value") {
        config.value = value;
        config.hasValue = true;
      }
      this.skipSpace();
      c = this.peek();
      if (c == 0x2c) {
        this.pos++;
        this.skipSpace();
      } else if (c != 0x7d) {
        return false;
      }
    }
    this.pos++;
    this.skipSpace();
    return this.peek() < 0; // nothing after the object
  }
}

/** Parses the plugin configuration; false when it is neither form or the name is unusable. */
function parseConfig(text: string, config: HeaderConfig): bool {
  let ok: bool;
  if (trimmed(text).startsWith("{")) {
    ok = new FlatJson(text).parse(config);
  } else {
    let eq = text.indexOf("=");
    ok = eq >= 0;
    if (ok) {
      config.name = trimmed(text.substring(0, eq));
      config.value = trimmed(text.substring(eq + 1));
      config.hasName = true;
      config.hasValue = true;
    }
  }
  if (!ok || !config.hasName || !config.hasValue) return false;
  config.name = headerName(config.name);
  return config.name.length > 0;
}

class AddHeaderRoot extends RootContext {
  // The header's name and value in UTF-8, encoded once when a configuration is accepted rather
  // than on every request; the name is empty until then.
  nameBytes: ArrayBuffer = new ArrayBuffer(0);
  valueBytes: ArrayBuffer = new ArrayBuffer(0);

  /**
   * Adds the header to the map (RequestHeaders or ResponseHeaders) of the current stream; does
   * nothing before a configuration was accepted. The SDK's `stream_context.headers.request.add`
   * does the same, but encodes both strings on every call.
   */
  addTo(map: HeaderMapTypeValues): void {
    if (this.nameBytes.byteLength > 0) {
      proxy_add_header_map_value(
        map,
        changetype<usize>(this.nameBytes),
        this.nameBytes.byteLength,
        changetype<usize>(this.valueBytes),
        this.valueBytes.byteLength,
      );
    }
  }

  // Replaces RootContext.onConfigure, which in SDK 0.1.8 passes configuration_size where the
  // host expects the address for the returned size; get_buffer_bytes makes the call correctly.
  onConfigure(configuration_size: u32): bool {
    let bytes = get_buffer_bytes(BufferTypeValues.PluginConfiguration, 0, configuration_size);
    let config = new HeaderConfig();
    if (!parseConfig(String.UTF8.decode(bytes), config)) {
      log(LogLevelValues.error, USAGE);
      return false;
    }
    this.nameBytes = String.UTF8.encode(config.name);
    this.valueBytes = String.UTF8.encode(config.value);
    return true;
  }
}

// The root contexts the SDK created, by id, for proxy_on_context_create below.
const roots = new Map<u32, AddHeaderRoot>();

// "" is the root_id Weir (and Envoy) configure by default; see the comment at the top.
registerRootContext((context_id: u32): RootContext => {
  let root = new AddHeaderRoot(context_id);
  roots.set(context_id, root);
  return root;
}, "");

// The context lifecycle and the stream callbacks. SDK 0.1.8 exports all of them; this module
// leaves root contexts to it but keeps track of its streams itself, and exports only the
// callbacks it needs, for three reasons:
//
// - The SDK's stream callbacks leak every stream context. Each looks the context up with
//   getContext, `context_map.get(context_id) as Context`, and AssemblyScript 0.14.13 compiles
//   that downcast of a call's result into two retains and one release. Every call leaves one extra
//   reference on the context, so none is ever freed: about 36 bytes a request, until memory.grow
//   fails at limits.memory_mb and the allocator aborts (a trap in proxy_on_context_create after
//   1.86 million requests with the default 64 MiB). getRootContext has the same fault; this
//   module calls it only when a configuration is applied.
// - The SDK's proxy_on_context_create builds two debug lines listing every live context id
//   (`context_map.keys().join(", ")`) and logs them whatever the log level (Weir drops them
//   unless its log is at debug); its onDone, onLog and onDelete build one each. The lists grow
//   with the number of concurrent streams: with 64 in flight, a request through this filter cost
//   2.26 times as much proxy CPU as one without.
// - A host calls every callback a module exports: the body callbacks for each chunk, then
//   proxy_on_log and proxy_on_done at the end of each stream. This filter does nothing in them, so
//   it does not export them (like the C example), and the proxy skips those calls. Without
//   proxy_on_done, a root context is never asked to finish its work before deletion; this one has
//   none (no pending http_call).
//
// A stream of this filter has no state of its own beyond its plugin's configuration, so no object
// is made for it (the SDK would make a Context): streams maps each live stream's id to its root
// context, and roots each root context's id to the context (filled by the factory given to
// registerRootContext). No lookup needs a downcast, and a stream allocates nothing.
const streams = new Map<u32, AddHeaderRoot>();

export function proxy_on_context_create(context_id: u32, root_context_id: u32): void {
  if (root_context_id == 0) {
    sdk_on_context_create(context_id, 0);
    return;
  }
  // The host creates the root context before any stream context of it; get aborts otherwise.
  streams.set(context_id, roots.get(root_context_id));
}

export function proxy_on_delete(context_id: u32): void {
  if (!streams.delete(context_id)) {
    roots.delete(context_id);
    sdk_on_delete(context_id);
  }
}

export function proxy_on_request_headers(context_id: u32, headers: u32, end_of_stream: u32): i32 {
  // get aborts when context_id is not a live stream context.
  streams.get(context_id).addTo(HeaderMapTypeValues.RequestHeaders);
  return FilterHeadersStatusValues.Continue;
}

export function proxy_on_response_headers(context_id: u32, headers: u32, end_of_stream: u32): i32 {
  streams.get(context_id).addTo(HeaderMapTypeValues.ResponseHeaders);
  return FilterHeadersStatusValues.Continue;
}
