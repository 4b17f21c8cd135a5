package io.weir.filters.wasm;

import io.weir.spi.FilterConfigException;
import io.weir.spi.HttpCallResponse;
import io.weir.spi.HttpFilter;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.Metrics;
import io.weir.spi.RootContext;
import io.weir.spi.StreamContext;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * One {@code weir.wasm} filter on one worker: its VM (one Chicory instance), the root context
 * inside it, and the streams it created. A trap, {@code proc_exit} or timeout poisons the VM; the
 * filter then answers by its {@code fail_policy}, and with {@code reload} a new VM is built after 1
 * s, 2 s, 4 s ... (at most 60 s). Worker thread only.
 */
final class WasmRoot implements HttpFilterRoot {
    static final int ROOT_CONTEXT_ID = 1;

    final RootContext ctx;
    final WasmConfig config;
    final int contextId = ROOT_CONTEXT_ID;
    final Map<Integer, WasmStream> streams = new HashMap<>();
    private final Map<String, Long> metricValues = new HashMap<>();
    private final Metrics.Counter failures;
    private final Metrics.Counter reloads;
    WasmVm vm;
    HttpCallResponse currentCallResponse;
    private int nextId = ROOT_CONTEXT_ID + 1;
    private long backoffMillis = 1000;
    private boolean reloadPending;

    WasmRoot(RootContext ctx, WasmConfig config) {
        this.ctx = ctx;
        this.config = config;
        this.failures =
                ctx.metrics()
                        .counter(
                                "weir_wasm_vm_failures_total",
                                "Wasm VMs that failed (trap, proc_exit, timeout)",
                                "reason");
        this.reloads =
                ctx.metrics()
                        .counter(
                                "weir_wasm_vm_reloads_total", "Wasm VMs recreated after a failure");
    }

    @Override
    public void onConfigure(Object parsed) throws FilterConfigException {
        try {
            startVm();
        } catch (WasmVm.VmFailure e) {
            throw new FilterConfigException("the module failed while starting: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new FilterConfigException(e.getMessage());
        }
        if (vm == null) {
            throw new FilterConfigException(
                    "the module rejected its configuration (proxy_on_vm_start or"
                            + " proxy_on_configure returned false)");
        }
    }

    /** Builds and starts a VM; leaves {@code vm} null when the module rejects its config. */
    private void startVm() {
        WasmVm v =
                new WasmVm(
                        CompiledModule.of(config.moduleBytes()),
                        new Abi(this),
                        config.memoryMb(),
                        config.callbackTimeout().toNanos(),
                        Watchdog.INSTANCE);
        vm = v;
        v.start();
        v.call(contextId, "proxy_on_context_create", contextId, 0);
        int vmConfig = config.vmConfiguration().getBytes(StandardCharsets.UTF_8).length;
        if (v.has("proxy_on_vm_start")
                && v.call(contextId, "proxy_on_vm_start", contextId, vmConfig) == 0) {
            vm = null;
            return;
        }
        int pluginConfig = config.configuration().getBytes(StandardCharsets.UTF_8).length;
        if (v.has("proxy_on_configure")
                && v.call(contextId, "proxy_on_configure", contextId, pluginConfig) == 0) {
            vm = null;
        }
    }

    @Override
    public void onTick() {
        WasmVm v = vm;
        if (v == null || v.failed) {
            return;
        }
        try {
            v.call(contextId, "proxy_on_tick", contextId);
        } catch (WasmVm.VmFailure e) {
            failed(v, e);
        }
    }

    @Override
    public void onDone() {
        WasmVm v = vm;
        if (v != null && !v.failed) {
            try {
                v.call(contextId, "proxy_on_done", contextId);
                v.call(contextId, "proxy_on_delete", contextId);
            } catch (WasmVm.VmFailure e) {
                // the VM is going away anyway
            }
        }
        vm = null;
    }

    @Override
    public HttpFilter newFilter(StreamContext s) {
        if (config.rootOnly()) {
            return null; // a service module: the chain passes requests by
        }
        WasmVm v = vm;
        if (v == null || v.failed) {
            return policyFilter(s);
        }
        int id = nextId++;
        if (nextId == Integer.MAX_VALUE) {
            nextId = ROOT_CONTEXT_ID + 1;
        }
        WasmStream ws = new WasmStream(this, v, s, id);
        streams.put(id, ws);
        try {
            v.call(contextId, "proxy_on_context_create", id, contextId);
        } catch (WasmVm.VmFailure e) {
            streams.remove(id);
            failed(v, e);
            return policyFilter(s);
        }
        if (headersOnly(v)) {
            return v.has("proxy_on_log")
                    ? new WasmStream.HeadersOnly(ws)
                    : new WasmStream.HeadersNoLog(ws);
        }
        return ws;
    }

    private static boolean headersOnly(WasmVm v) {
        return !v.has("proxy_on_request_body")
                && !v.has("proxy_on_response_body")
                && !v.has("proxy_on_request_trailers")
                && !v.has("proxy_on_response_trailers");
    }

    /** The filter for a stream when the VM is not usable: its fail policy. */
    private HttpFilter policyFilter(StreamContext s) {
        if (config.failPolicy() == WasmConfig.FailPolicy.FAIL_OPEN) {
            return null; // the chain skips a filter that makes none
        }
        return new HttpFilter() {
            @Override
            public io.weir.spi.FilterStatus onRequestHeaders(
                    io.weir.spi.Headers headers, boolean endOfStream) {
                WasmStream.reject(s, ctx.filterName());
                return io.weir.spi.FilterStatus.STOP;
            }
        };
    }

    /** A VM failed: count, log, and with {@code reload} schedule a new one. */
    void failed(WasmVm v, WasmVm.VmFailure e) {
        if (v != vm) {
            return; // an old VM, already replaced
        }
        failures.inc(e.reason);
        ctx.logger()
                .log(
                        Level.WARNING,
                        "wasm vm failed filter="
                                + ctx.filterName()
                                + " reason="
                                + e.reason
                                + " policy="
                                + config.failPolicy().name().toLowerCase(java.util.Locale.ROOT)
                                + " error="
                                + e.getMessage());
        if (config.failPolicy() == WasmConfig.FailPolicy.RELOAD && !reloadPending) {
            reloadPending = true;
            long delay = backoffMillis;
            backoffMillis = Math.min(backoffMillis * 2, 60_000);
            ctx.schedule(Duration.ofMillis(delay), this::reload);
        }
    }

    private void reload() {
        reloadPending = false;
        WasmVm old = vm;
        try {
            startVm();
            if (vm != null) {
                reloads.inc();
                ctx.logger().log(Level.INFO, "wasm vm recreated filter=" + ctx.filterName());
                backoffMillis = 1000;
                return;
            }
        } catch (WasmVm.VmFailure | IllegalArgumentException e) {
            // failed again: below
        }
        if (vm == null) {
            vm = old;
        }
        failed(vm, new WasmVm.VmFailure("trap", "reload failed", null));
    }

    void onHttpCallResponse(int caller, int token, HttpCallResponse resp) {
        WasmVm v = vm;
        if (v == null || v.failed) {
            return;
        }
        WasmStream s = streams.get(caller);
        if (caller != contextId && (s == null || s.vm != v)) {
            return;
        }
        currentCallResponse = resp;
        try {
            v.call(
                    contextId,
                    "proxy_on_http_call_response",
                    contextId,
                    token,
                    resp.ok() ? resp.headers().size() + 1 : 0,
                    resp.body().length,
                    0);
        } catch (WasmVm.VmFailure e) {
            failed(v, e);
            if (s != null) {
                s.afterFailure();
            }
        } finally {
            currentCallResponse = null;
        }
    }

    void onQueueReady(int token) {
        WasmVm v = vm;
        if (v == null || v.failed) {
            return;
        }
        try {
            v.call(contextId, "proxy_on_queue_ready", contextId, token);
        } catch (WasmVm.VmFailure e) {
            failed(v, e);
        }
    }

    long metricValue(String name) {
        return metricValues.getOrDefault(name, 0L);
    }

    void metricSeen(String name, long value, boolean add) {
        metricValues.merge(name, value, add ? Long::sum : (a, b) -> b);
    }
}
