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
 * One {@code weir.wasm} filter on one worker: its root context inside a VM (one Chicory instance,
 * its own or shared with the other filters of its {@code vm_id}, see {@link VmRegistry}) and the
 * streams it created there. A trap, {@code proc_exit} or timeout poisons the VM; each filter using
 * it then answers by its own {@code fail_policy}, and with {@code reload} a new VM is built after 1
 * s, 2 s, 4 s ... (at most 60 s). Worker thread only.
 */
final class WasmRoot implements HttpFilterRoot {
    final RootContext ctx;
    final WasmConfig config;

    /** This filter's root context id in {@link #vm}. */
    int contextId;

    private final Map<String, Long> metricValues = new HashMap<>();
    private final Metrics.Counter failures;
    private final Metrics.Counter reloads;
    WasmVm vm;
    private WasmVm failureHandled;
    HttpCallResponse currentCallResponse;
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

    /**
     * Joins the live VM of this filter's {@code vm_id} on this worker, or builds and starts a new
     * one, and creates this filter's root context in it ({@code proxy_on_context_create}, {@code
     * proxy_on_vm_start}, {@code proxy_on_configure}, as Envoy does for each root context). Leaves
     * {@code vm} null when the module rejects its config.
     */
    private void startVm() {
        CompiledModule module = CompiledModule.of(config.moduleBytes());
        VmRegistry.Key key = VmRegistry.keyOf(config, module);
        WasmVm v = key == null ? null : VmRegistry.live(key);
        boolean fresh = v == null;
        if (fresh) {
            v =
                    new WasmVm(
                            module,
                            new Abi(this),
                            config.memoryMb(),
                            config.callbackTimeout().toNanos(),
                            Watchdog.INSTANCE);
            v.key = key;
        }
        contextId = v.newContextId();
        v.roots.put(contextId, this);
        vm = v;
        boolean ok = false;
        try {
            if (fresh) {
                v.start();
            }
            v.call(this, contextId, "proxy_on_context_create", contextId, 0);
            int vmConfig = config.vmConfiguration().getBytes(StandardCharsets.UTF_8).length;
            int pluginConfig = config.configuration().getBytes(StandardCharsets.UTF_8).length;
            ok =
                    (!v.has("proxy_on_vm_start")
                                    || v.call(
                                                    this,
                                                    contextId,
                                                    "proxy_on_vm_start",
                                                    contextId,
                                                    vmConfig)
                                            != 0)
                            && (!v.has("proxy_on_configure")
                                    || v.call(
                                                    this,
                                                    contextId,
                                                    "proxy_on_configure",
                                                    contextId,
                                                    pluginConfig)
                                            != 0);
        } finally {
            if (ok) {
                VmRegistry.share(v);
            } else {
                leave(v);
                vm = null;
            }
        }
    }

    /** Takes this filter's root context out of {@code v}; the VM goes when no root is left. */
    private void leave(WasmVm v) {
        if (v.roots.remove(contextId, this) && v.roots.isEmpty()) {
            VmRegistry.forget(v);
        }
    }

    @Override
    public void onTick() {
        WasmVm v = vm;
        if (v == null || v.failed) {
            return;
        }
        try {
            v.call(this, contextId, "proxy_on_tick", contextId);
        } catch (WasmVm.VmFailure e) {
            failed(v, e);
        }
    }

    @Override
    public void onDone() {
        WasmVm v = vm;
        if (v != null && !v.failed) {
            try {
                v.call(this, contextId, "proxy_on_done", contextId);
                v.call(this, contextId, "proxy_on_delete", contextId);
            } catch (WasmVm.VmFailure e) {
                failed(v, e); // counted; the VM is poisoned for the filters sharing it
            }
        }
        if (v != null) {
            leave(v);
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
            if (v != null && v != failureHandled) {
                // it failed in a callback of another filter sharing it: this filter's policy
                // (once; later requests on the failed VM allocate nothing)
                failed(v, new WasmVm.VmFailure(v.failureReason, "the shared VM failed", null));
            }
            return policyFilter(s);
        }
        int id = v.newContextId();
        WasmStream ws = WasmStream.of(this, v, s, id);
        v.streams.put(id, ws);
        try {
            v.call(this, id, ws, v.onContextCreate, id, contextId, 0);
        } catch (WasmVm.VmFailure e) {
            v.streams.remove(id);
            failed(v, e);
            return policyFilter(s);
        }
        return ws;
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
        VmRegistry.forget(v); // poisoned: filters starting from now on build a new VM
        if (v != vm || v == failureHandled) {
            return; // an old VM, already replaced, or this failure was seen already
        }
        failureHandled = v;
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
        if (old != null) {
            leave(old);
        }
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
        WasmStream s = v.streams.get(caller);
        if (caller != contextId && (s == null || s.vm != v)) {
            return;
        }
        currentCallResponse = resp;
        try {
            v.call(
                    this,
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
            v.call(this, contextId, "proxy_on_queue_ready", contextId, token);
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
