#!/usr/bin/env node
// Drives a proxy-wasm module through many request streams with a stub host in Node.js and prints
// the size of its linear memory as it goes, to see whether the module's heap grows per stream.
//
//   node heap-check.js [MODULE] [STREAMS]     # defaults: target/filter.wasm, 100000
//
// Each stream is what Weir calls for a request through the add-header filter:
// proxy_on_context_create, proxy_on_request_headers, proxy_on_response_headers, proxy_on_done,
// proxy_on_log and proxy_on_delete (those the module exports). The stub host answers proxy_get_property with "" (so
// plugin_root_id is ""), proxy_get_buffer_bytes with the configuration below (copied in through the
// module's proxy_on_memory_allocate or malloc), proc_exit by stopping with an error, and every other import with 0 (Ok).
// A module whose memory keeps growing with the stream count leaks per stream; one that stays at
// the same size does not. The exit status is 1 when the module stopped (proc_exit or a trap).
"use strict";
const fs = require("fs");
const path = require("path");

const file = process.argv[2] || path.join(__dirname, "target", "filter.wasm");
const streams = Number(process.argv[3] || 100000);
const configuration = Buffer.from('{"header": "x-hello", "value": "heap-check"}');

const wasm = new WebAssembly.Module(fs.readFileSync(file));
let guest;
const view = () => new DataView(guest.memory.buffer);

// Copies bytes into guest memory allocated by the module and stores its address and size.
function giveBytes(bytes, addressPtr, sizePtr) {
  const p = (guest.proxy_on_memory_allocate || guest.malloc)(bytes.length);
  new Uint8Array(guest.memory.buffer).set(bytes, p);
  view().setUint32(addressPtr, p, true);
  view().setUint32(sizePtr, bytes.length, true);
  return 0;
}

const host = {
  proxy_get_property: (pathPtr, pathSize, addressPtr, sizePtr) =>
    giveBytes(Buffer.alloc(0), addressPtr, sizePtr),
  proxy_get_buffer_bytes: (type, start, max, addressPtr, sizePtr) =>
    giveBytes(configuration, addressPtr, sizePtr),
  proc_exit: (code) => {
    throw new Error("the module called proc_exit(" + code + ")");
  },
};
const imports = {};
for (const i of WebAssembly.Module.imports(wasm)) {
  if (i.kind !== "function") throw new Error("cannot stub the import " + i.module + "." + i.name);
  imports[i.module] = imports[i.module] || {};
  imports[i.module][i.name] = host[i.name] || (() => 0);
}

try {
  guest = new WebAssembly.Instance(wasm, imports).exports;
  // The module's exports, with the callbacks it does not export doing nothing.
  const call = (name, ...args) => (guest[name] ? guest[name](...args) : 1);
  call(guest._initialize ? "_initialize" : "_start");
  const root = 1;
  call("proxy_on_context_create", root, 0);
  if (!call("proxy_on_vm_start", root, 0) || !call("proxy_on_configure", root, configuration.length)) {
    throw new Error("the module rejected its configuration");
  }
  console.log("streams 0: memory " + guest.memory.buffer.byteLength + " bytes");
  const step = Math.max(1, Math.floor(streams / 10));
  for (let n = 1; n <= streams; n++) {
    const id = root + n;
    call("proxy_on_context_create", id, root);
    call("proxy_on_request_headers", id, 0, 1);
    call("proxy_on_response_headers", id, 0, 1);
    call("proxy_on_done", id);
    call("proxy_on_log", id);
    call("proxy_on_delete", id);
    if (n % step === 0 || n === streams) {
      console.log("streams " + n + ": memory " + guest.memory.buffer.byteLength + " bytes");
    }
  }
} catch (e) {
  console.error("heap-check: " + e.message);
  process.exit(1);
}
