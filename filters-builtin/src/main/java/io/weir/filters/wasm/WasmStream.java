package io.weir.filters.wasm;

import io.weir.spi.Body;
import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpFilter;
import io.weir.spi.LocalReply;
import io.weir.spi.StreamContext;

/**
 * One request's HTTP context inside the VM: each SPI callback calls the matching {@code proxy_on_*}
 * export. A failure of the VM answers this stream by the filter's fail policy. Worker thread only.
 *
 * <p>The kernel skips the callbacks a filter's class does not implement, so the class is chosen by
 * what the module exports ({@link #of}): this class itself has the header callbacks and {@code
 * onDestroy} only (a module without body, trailer or log callbacks: bodies then cost nothing),
 * {@link HeadersOnly} adds {@code onLog}, {@link Full} has every callback. One object a request,
 * not a stream and a wrapper that picks its callbacks.
 */
class WasmStream implements HttpFilter {
    final WasmRoot root;
    final WasmVm vm;
    final StreamContext ctx;
    final int id;
    Body requestBody;
    Body responseBody;
    Headers requestTrailers;
    Headers responseTrailers;
    private boolean bypass;

    WasmStream(WasmRoot root, WasmVm vm, StreamContext ctx, int id) {
        this.root = root;
        this.vm = vm;
        this.ctx = ctx;
        this.id = id;
    }

    /** The stream of the class that has the callbacks {@code vm}'s module exports. */
    static WasmStream of(WasmRoot root, WasmVm vm, StreamContext ctx, int id) {
        if (!vm.headersOnly) {
            return new Full(root, vm, ctx, id);
        }
        return vm.hasLog ? new HeadersOnly(root, vm, ctx, id) : new WasmStream(root, vm, ctx, id);
    }

    static void reject(StreamContext s, String filter) {
        s.sendLocalReply(
                LocalReply.status(503)
                        .body("wasm filter failed")
                        .details("wasm_vm_failed{" + filter + "}")
                        .responseFlag("FF")
                        .build());
    }

    /** Calls a stream callback; one taking fewer arguments ignores the last ones (0 here). */
    FilterStatus call(WasmVm.Export export, long a0, long a1, long a2) {
        if (bypass) {
            return FilterStatus.CONTINUE;
        }
        if (vm.failed || root.vm != vm) {
            return afterFailure();
        }
        try {
            long action = vm.call(root, id, this, export, a0, a1, a2);
            return action == 0 ? FilterStatus.CONTINUE : FilterStatus.STOP;
        } catch (WasmVm.VmFailure e) {
            root.failed(vm, e);
            return afterFailure();
        }
    }

    /** The VM is gone: fail_open passes the stream on, the others answer 503. */
    FilterStatus afterFailure() {
        if (root.config.failPolicy() == WasmConfig.FailPolicy.FAIL_OPEN) {
            boolean wasPaused = !bypass;
            bypass = true;
            if (wasPaused) {
                ctx.continueRequest();
                ctx.continueResponse();
            }
            return FilterStatus.CONTINUE;
        }
        reject(ctx, ctx.filterName());
        return FilterStatus.STOP;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endOfStream) {
        return call(vm.onRequestHeaders, id, count(headers), endOfStream ? 1 : 0);
    }

    @Override
    public FilterStatus onResponseHeaders(Headers headers, boolean endOfStream) {
        return call(vm.onResponseHeaders, id, count(headers), endOfStream ? 1 : 0);
    }

    final void doOnLog() {
        if (!bypass && !vm.failed && root.vm == vm) {
            try {
                vm.call(root, id, this, vm.onLog, id, 0, 0);
            } catch (WasmVm.VmFailure e) {
                root.failed(vm, e);
            }
        }
    }

    @Override
    public void onDestroy() {
        if (!vm.failed && root.vm == vm) {
            try {
                vm.call(root, id, this, vm.onDone, id, 0, 0);
                vm.call(root, id, this, vm.onDelete, id, 0, 0);
            } catch (WasmVm.VmFailure e) {
                root.failed(vm, e);
            }
        }
        vm.streams.remove(id);
    }

    private static int count(Headers h) {
        return h == null ? 0 : h.size();
    }

    /**
     * The stream of a module that exports no body or trailer callbacks but {@code proxy_on_log}.
     */
    static final class HeadersOnly extends WasmStream {
        HeadersOnly(WasmRoot root, WasmVm vm, StreamContext ctx, int id) {
            super(root, vm, ctx, id);
        }

        @Override
        public void onLog() {
            doOnLog();
        }
    }

    /** The stream of a module that exports a body or trailer callback: every callback. */
    static final class Full extends WasmStream {
        Full(WasmRoot root, WasmVm vm, StreamContext ctx, int id) {
            super(root, vm, ctx, id);
        }

        @Override
        public FilterStatus onRequestBody(Body body, boolean endOfStream) {
            requestBody = body;
            try {
                return call(vm.onRequestBody, id, body.length(), endOfStream ? 1 : 0);
            } finally {
                requestBody = null;
            }
        }

        @Override
        public FilterStatus onRequestTrailers(Headers trailers) {
            requestTrailers = trailers;
            try {
                return call(vm.onRequestTrailers, id, count(trailers), 0);
            } finally {
                requestTrailers = null;
            }
        }

        @Override
        public FilterStatus onResponseBody(Body body, boolean endOfStream) {
            responseBody = body;
            try {
                return call(vm.onResponseBody, id, body.length(), endOfStream ? 1 : 0);
            } finally {
                responseBody = null;
            }
        }

        @Override
        public FilterStatus onResponseTrailers(Headers trailers) {
            responseTrailers = trailers;
            try {
                return call(vm.onResponseTrailers, id, count(trailers), 0);
            } finally {
                responseTrailers = null;
            }
        }

        @Override
        public void onLog() {
            doOnLog();
        }
    }
}
