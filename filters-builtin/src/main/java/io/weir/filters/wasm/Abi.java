package io.weir.filters.wasm;

import com.dylibso.chicory.runtime.WasmFunctionHandle;
import com.dylibso.chicory.wasm.types.FunctionType;
import io.weir.spi.Body;
import io.weir.spi.Headers;
import io.weir.spi.HttpCallRequest;
import io.weir.spi.HttpCallResponse;
import io.weir.spi.LocalReply;
import io.weir.spi.Metrics;
import io.weir.spi.SharedData;
import io.weir.spi.SharedQueue;
import io.weir.spi.StreamContext;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The host side of the proxy-wasm ABI (0.1.0, 0.2.0, 0.2.1) and WASI preview 1, for one VM. {@link
 * #handle} gives the implementation of an import by module and name, or, for anything not
 * implemented, a stub of the import's own type that answers {@code UNIMPLEMENTED} (so no module
 * fails to link). Sizes and lengths are read as unsigned 32-bit. Worker thread only.
 */
final class Abi {
    // proxy_status_t
    static final int OK = 0;
    static final int NOT_FOUND = 1;
    static final int BAD_ARGUMENT = 2;
    static final int SERIALIZATION_FAILURE = 3;
    static final int EMPTY = 7;
    static final int CAS_MISMATCH = 8;
    static final int INTERNAL_FAILURE = 10;
    static final int UNIMPLEMENTED = 12;

    // WASI errno
    static final int ESUCCESS = 0;
    static final int EBADF = 8;
    static final int ENOSYS = 52;

    /** The root owning the effective context (set by {@link WasmVm#call}). */
    WasmRoot root;

    WasmVm vm;
    private final SecureRandom random = new SecureRandom();
    private final Map<Integer, Metric> metrics = new HashMap<>();
    private final Map<Integer, SharedQueue> queues = new HashMap<>();
    private final Map<String, Integer> queueTokens = new HashMap<>();
    private int nextToken = 1;

    private record Metric(int type, String name, Object impl) {}

    Abi(WasmRoot root) {
        this.root = root;
    }

    /**
     * The one result array of this VM's host functions, refilled by each: Chicory's compiled code
     * reads {@code [0]} as soon as the host function returns (the interpreter pushes it on its
     * stack) and keeps nothing, and a host call nested in this one (a guest {@code malloc} that
     * logs) has returned before this one fills it. Saves an allocation per host call. Worker thread
     * only, like the VM.
     */
    private final long[] result = new long[1];

    private long[] r(int v) {
        result[0] = v;
        return result;
    }

    private static int u32(long v) {
        return (int) v;
    }

    WasmFunctionHandle handle(String module, String name, FunctionType type) {
        WasmFunctionHandle h =
                switch (module) {
                    case "env" -> env(name);
                    case "wasi_snapshot_preview1", "wasi_unstable" -> wasi(name);
                    default -> null;
                };
        if (h != null) {
            return h;
        }
        boolean returns = !type.returns().isEmpty();
        boolean wasi = module.startsWith("wasi");
        int answer = wasi ? ENOSYS : UNIMPLEMENTED;
        boolean[] told = new boolean[1];
        return (inst, args) -> {
            if (!told[0]) { // once per import and VM: what a module's author needs to see
                told[0] = true;
                WasmRoot r = root;
                r.ctx.logger()
                        .log(
                                wasi ? Level.DEBUG : Level.WARNING,
                                "wasm "
                                        + r.ctx.filterName()
                                        + ": the module called "
                                        + module
                                        + "."
                                        + name
                                        + ", which Weir does not implement; answered "
                                        + (wasi ? "ENOSYS" : "UNIMPLEMENTED")
                                        + " (logged once per VM)");
            }
            return returns ? r(answer) : null;
        };
    }

    // ---- env: proxy-wasm ---------------------------------------------------------------------

    private WasmFunctionHandle env(String name) {
        return switch (name) {
            case "proxy_log" ->
                    (i, a) -> {
                        Level level = level((int) a[0]);
                        System.Logger l = root.ctx.logger();
                        if (l.isLoggable(level)) { // SDKs log at debug in every callback
                            l.log(
                                    level,
                                    "wasm "
                                            + root.ctx.filterName()
                                            + ": "
                                            + vm.readString(a[1], a[2]));
                        }
                        return r(OK);
                    };
            case "proxy_get_log_level" ->
                    (i, a) -> {
                        vm.memory.writeI32(u32(a[0]), logLevel());
                        return r(OK);
                    };
            case "proxy_get_current_time_nanoseconds" ->
                    (i, a) -> {
                        vm.memory.writeLong(u32(a[0]), root.ctx.currentTimeMillis() * 1_000_000L);
                        return r(OK);
                    };
            case "proxy_set_tick_period_milliseconds" ->
                    (i, a) -> {
                        root.ctx.setTickPeriod(Duration.ofMillis(a[0] & 0xFFFFFFFFL));
                        return r(OK);
                    };
            case "proxy_get_configuration" ->
                    (i, a) -> {
                        vm.writeOut(bytes(root.config.configuration()), a[0], a[1]);
                        return r(OK);
                    };
            case "proxy_get_buffer_bytes" -> this::getBufferBytes;
            case "proxy_get_buffer_status" -> this::getBufferStatus;
            case "proxy_set_buffer_bytes" -> this::setBufferBytes;
            case "proxy_get_header_map_pairs" ->
                    (i, a) -> {
                        HeaderView h = map((int) a[0]);
                        if (h == null) {
                            return r(NOT_FOUND);
                        }
                        vm.writeOut(serialize(h.pairs()), a[1], a[2]);
                        return r(OK);
                    };
            case "proxy_set_header_map_pairs" ->
                    (i, a) -> {
                        HeaderView h = map((int) a[0]);
                        if (h == null) {
                            return r(NOT_FOUND);
                        }
                        h.replaceAll(deserialize(vm.read(a[1], a[2])));
                        return r(OK);
                    };
            case "proxy_get_header_map_value" ->
                    (i, a) -> {
                        HeaderView h = map((int) a[0]);
                        if (h == null) {
                            return r(NOT_FOUND);
                        }
                        String v = h.get(vm.readString(a[1], a[2]));
                        if (v == null) {
                            return r(NOT_FOUND);
                        }
                        vm.writeOut(bytes(v), a[3], a[4]);
                        return r(OK);
                    };
            case "proxy_add_header_map_value" -> (i, a) -> r(writeHeader(a, false));
            case "proxy_replace_header_map_value" -> (i, a) -> r(writeHeader(a, true));
            case "proxy_remove_header_map_value" ->
                    (i, a) -> {
                        HeaderView h = map((int) a[0]);
                        if (h == null) {
                            return r(NOT_FOUND);
                        }
                        h.remove(vm.readString(a[1], a[2]));
                        return r(OK);
                    };
            case "proxy_get_header_map_size" ->
                    (i, a) -> {
                        HeaderView h = map((int) a[0]);
                        if (h == null) {
                            return r(NOT_FOUND);
                        }
                        vm.memory.writeI32(u32(a[1]), serialize(h.pairs()).length);
                        return r(OK);
                    };
            case "proxy_get_property" ->
                    (i, a) -> {
                        byte[] v = property(vm.readString(a[0], a[1]));
                        if (v == null) {
                            return r(NOT_FOUND);
                        }
                        vm.writeOut(v, a[2], a[3]);
                        return r(OK);
                    };
            case "proxy_set_property" ->
                    (i, a) -> {
                        WasmStream s = stream();
                        if (s == null) {
                            return r(NOT_FOUND);
                        }
                        s.ctx.setMetadata(
                                vm.readString(a[0], a[1]).replace('\0', '.'),
                                vm.readString(a[2], a[3]));
                        return r(OK);
                    };
            case "proxy_send_local_response" -> this::sendLocalResponse;
            case "proxy_continue_stream" -> (i, a) -> resume((int) a[0]);
            case "proxy_continue_request" -> (i, a) -> resume(0);
            case "proxy_continue_response" -> (i, a) -> resume(1);
            case "proxy_close_stream" ->
                    (i, a) -> {
                        WasmStream s = stream();
                        if (s == null) {
                            return r(NOT_FOUND);
                        }
                        s.ctx.resetStream();
                        return r(OK);
                    };
            case "proxy_clear_route_cache" -> (i, a) -> r(OK);
            case "proxy_http_call" -> this::httpCall;
            case "proxy_set_effective_context" ->
                    (i, a) -> {
                        int id = (int) a[0];
                        WasmRoot owner = vm.owner(id);
                        if (owner == null) {
                            return r(BAD_ARGUMENT);
                        }
                        vm.effectiveContext = id;
                        vm.effectiveStream = null; // stream() looks the new context up
                        root = owner; // WasmVm.call restores these when the callback returns
                        return r(OK);
                    };
            case "proxy_done" -> (i, a) -> r(OK);
            case "proxy_get_shared_data" -> this::getSharedData;
            case "proxy_set_shared_data" ->
                    (i, a) -> {
                        String key = dataKey(a[0], a[1]);
                        byte[] value = vm.read(a[2], a[3]);
                        boolean ok = shared().set(key, value, a[4] & 0xFFFFFFFFL);
                        return r(ok ? OK : CAS_MISMATCH);
                    };
            case "proxy_register_shared_queue" ->
                    (i, a) -> {
                        String qn = vm.readString(a[0], a[1]);
                        WasmRoot owner = root;
                        int token =
                                queueTokens.computeIfAbsent(
                                        scopedName(owner.config.vmId(), qn), k -> nextToken++);
                        queues.put(
                                token,
                                owner.ctx.registerQueue(
                                        scopedName(owner.config.vmId(), qn),
                                        () -> owner.onQueueReady(token)));
                        vm.memory.writeI32(u32(a[2]), token);
                        return r(OK);
                    };
            case "proxy_resolve_shared_queue" ->
                    (i, a) -> {
                        String vmId = vm.readString(a[0], a[1]);
                        String qn = vm.readString(a[2], a[3]);
                        SharedQueue q = root.ctx.resolveQueue(scopedName(vmId, qn));
                        if (q == null) {
                            return r(NOT_FOUND);
                        }
                        int token =
                                queueTokens.computeIfAbsent(scopedName(vmId, qn), k -> nextToken++);
                        queues.putIfAbsent(token, q);
                        vm.memory.writeI32(u32(a[4]), token);
                        return r(OK);
                    };
            case "proxy_enqueue_shared_queue" ->
                    (i, a) -> {
                        SharedQueue q = queues.get((int) a[0]);
                        if (q == null) {
                            return r(NOT_FOUND);
                        }
                        return r(q.enqueue(vm.read(a[1], a[2])) ? OK : INTERNAL_FAILURE);
                    };
            case "proxy_dequeue_shared_queue" ->
                    (i, a) -> {
                        SharedQueue q = queues.get((int) a[0]);
                        if (q == null) {
                            return r(NOT_FOUND);
                        }
                        byte[] m = q.dequeue();
                        if (m == null) {
                            return r(EMPTY);
                        }
                        vm.writeOut(m, a[1], a[2]);
                        return r(OK);
                    };
            case "proxy_define_metric" ->
                    (i, a) -> defineMetric((int) a[0], vm.readString(a[1], a[2]), a[3]);
            case "proxy_increment_metric" -> (i, a) -> recordMetric((int) a[0], a[1], true);
            case "proxy_record_metric" -> (i, a) -> recordMetric((int) a[0], a[1], false);
            case "proxy_get_metric" ->
                    (i, a) -> {
                        Metric m = metrics.get((int) a[0]);
                        if (m == null) {
                            return r(NOT_FOUND);
                        }
                        vm.memory.writeLong(u32(a[1]), root.metricValue(m.name()));
                        return r(OK);
                    };
            default -> null;
        };
    }

    // ---- WASI preview 1 ----------------------------------------------------------------------

    private WasmFunctionHandle wasi(String name) {
        return switch (name) {
            case "fd_write" ->
                    (i, a) -> {
                        int fd = (int) a[0];
                        int iovs = u32(a[1]);
                        int n = u32(a[2]);
                        StringBuilder sb = new StringBuilder();
                        int total = 0;
                        for (int k = 0; k < n; k++) {
                            int p = vm.memory.readInt(iovs + 8 * k);
                            int len = vm.memory.readInt(iovs + 8 * k + 4);
                            sb.append(vm.readString(p, len));
                            total += len;
                        }
                        vm.memory.writeI32(u32(a[3]), total);
                        if (fd == 1 || fd == 2) {
                            String text = sb.toString().strip();
                            if (!text.isEmpty()) {
                                log(fd == 2 ? 3 : 2, text);
                            }
                            return r(ESUCCESS);
                        }
                        return r(EBADF);
                    };
            case "proc_exit" ->
                    (i, a) -> {
                        throw new WasmVm.ProcExit((int) a[0]);
                    };
            case "clock_time_get" ->
                    (i, a) -> {
                        long t =
                                a[0] == 0
                                        ? root.ctx.currentTimeMillis() * 1_000_000L
                                        : root.ctx.nanoTime();
                        vm.memory.writeLong(u32(a[2]), t);
                        return r(ESUCCESS);
                    };
            case "clock_res_get" ->
                    (i, a) -> {
                        vm.memory.writeLong(u32(a[1]), 1000L);
                        return r(ESUCCESS);
                    };
            case "random_get" ->
                    (i, a) -> {
                        byte[] b = new byte[u32(a[1])];
                        random.nextBytes(b);
                        vm.memory.write(u32(a[0]), b, 0, b.length);
                        return r(ESUCCESS);
                    };
            case "environ_sizes_get", "args_sizes_get" ->
                    (i, a) -> {
                        vm.memory.writeI32(u32(a[0]), 0);
                        vm.memory.writeI32(u32(a[1]), 0);
                        return r(ESUCCESS);
                    };
            case "environ_get", "args_get", "sched_yield" -> (i, a) -> r(ESUCCESS);
            case "fd_close",
                    "fd_seek",
                    "fd_read",
                    "fd_fdstat_set_flags",
                    "fd_prestat_get",
                    "fd_prestat_dir_name",
                    "fd_filestat_get",
                    "path_open" ->
                    (i, a) -> r(EBADF);
            case "fd_fdstat_get" ->
                    (i, a) -> {
                        int fd = (int) a[0];
                        if (fd > 2) {
                            return r(EBADF);
                        }
                        int p = u32(a[1]);
                        vm.memory.fill((byte) 0, p, p + 24);
                        vm.memory.writeByte(p, (byte) 2); // character device
                        return r(ESUCCESS);
                    };
            case "poll_oneoff" ->
                    (i, a) -> {
                        vm.memory.writeI32(u32(a[3]), 0);
                        return r(ENOSYS);
                    };
            default -> null;
        };
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static byte[] bytes(String s) {
        return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
    }

    private void log(int level, String msg) {
        root.ctx.logger().log(level(level), "wasm " + root.ctx.filterName() + ": " + msg);
    }

    private static Level level(int l) {
        return switch (l) {
            case 0 -> Level.TRACE;
            case 1 -> Level.DEBUG;
            case 2 -> Level.INFO;
            case 3 -> Level.WARNING;
            default -> Level.ERROR;
        };
    }

    private int logLevel() {
        System.Logger l = root.ctx.logger();
        if (l.isLoggable(Level.TRACE)) {
            return 0;
        }
        if (l.isLoggable(Level.DEBUG)) {
            return 1;
        }
        if (l.isLoggable(Level.INFO)) {
            return 2;
        }
        return l.isLoggable(Level.WARNING) ? 3 : 4;
    }

    /**
     * The stream of the effective context, or null (root context): the stream whose callback is
     * running when there is one ({@link WasmVm#effectiveStream}), else a lookup of the context.
     */
    WasmStream stream() {
        WasmStream s = vm.effectiveStream;
        return s != null ? s : vm.streams.get(vm.effectiveContext);
    }

    /**
     * {@code proxy_add_header_map_value} ({@code replace} false) and {@code
     * proxy_replace_header_map_value}: a stream's map (types 0..3) is written directly, with no
     * view per call; the others through {@link #map} (a call-out response's maps are read-only).
     */
    private int writeHeader(long[] a, boolean replace) {
        int type = (int) a[0];
        if (type >= 4) {
            HeaderView v = map(type);
            if (v == null) {
                return NOT_FOUND;
            }
            String name = vm.readString(a[1], a[2]);
            String value = vm.readString(a[3], a[4]);
            return replace ? v.set(name, value) : v.add(name, value);
        }
        Headers h = live(type);
        if (h == null) {
            return NOT_FOUND;
        }
        String name = vm.readString(a[1], a[2]);
        String value = vm.readString(a[3], a[4]);
        try {
            if (replace) {
                h.set(name, value);
            } else {
                h.add(name, value);
            }
            return OK;
        } catch (IllegalArgumentException e) {
            return BAD_ARGUMENT;
        }
    }

    /**
     * The live map of type 0..3 (request headers, request trailers, response headers, response
     * trailers) of the effective stream, or null when it has none now.
     */
    private Headers live(int type) {
        WasmStream s = stream();
        if (s == null) {
            return null;
        }
        return switch (type) {
            case 0 -> s.ctx.requestHeaders();
            case 1 -> s.requestTrailers;
            case 2 -> s.ctx.responseHeaders();
            case 3 -> s.responseTrailers;
            default -> null;
        };
    }

    /** A header map of the effective context, or null when it has none now. */
    private HeaderView map(int type) {
        if (type == 6 || type == 7) { // http call response headers / trailers
            HttpCallResponse cr = root.currentCallResponse;
            if (cr == null) {
                return null;
            }
            return HeaderView.of(type == 6 ? cr.headers() : List.of(), cr.status());
        }
        Headers h = live(type);
        return h == null ? null : HeaderView.of(h);
    }

    /** proxy-wasm's header map serialisation: count, (key len, value len)*, then key\0value\0*. */
    static byte[] serialize(List<Map.Entry<String, String>> pairs) {
        int size = 4;
        List<byte[]> parts = new ArrayList<>(pairs.size() * 2);
        for (Map.Entry<String, String> e : pairs) {
            byte[] k = bytes(e.getKey());
            byte[] v = bytes(e.getValue());
            parts.add(k);
            parts.add(v);
            size += 8 + k.length + v.length + 2;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(pairs.size());
        for (int j = 0; j < parts.size(); j += 2) {
            b.putInt(parts.get(j).length);
            b.putInt(parts.get(j + 1).length);
        }
        for (byte[] p : parts) {
            b.put(p);
            b.put((byte) 0);
        }
        return b.array();
    }

    static List<Map.Entry<String, String>> deserialize(byte[] data) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        if (data.length < 4) {
            return out;
        }
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int n = b.getInt();
        if (n < 0 || n > (data.length - 4) / 8) {
            throw new IllegalArgumentException("bad header map: " + n + " pairs");
        }
        int[] lens = new int[2 * n];
        for (int j = 0; j < 2 * n; j++) {
            lens[j] = b.getInt();
        }
        int pos = b.position();
        for (int j = 0; j < n; j++) {
            String k = new String(data, pos, lens[2 * j], StandardCharsets.UTF_8);
            pos += lens[2 * j] + 1;
            String v = new String(data, pos, lens[2 * j + 1], StandardCharsets.UTF_8);
            pos += lens[2 * j + 1] + 1;
            out.add(Map.entry(k, v));
        }
        return out;
    }

    private Body buffer(int type) {
        WasmStream s = stream();
        if (s == null) {
            return null;
        }
        return type == 0 ? s.requestBody : type == 1 ? s.responseBody : null;
    }

    private long[] getBufferBytes(com.dylibso.chicory.runtime.Instance i, long... a) {
        int type = (int) a[0];
        long start = a[1] & 0xFFFFFFFFL;
        long max = a[2] & 0xFFFFFFFFL;
        byte[] all;
        switch (type) {
            case 0, 1 -> {
                Body body = buffer(type);
                if (body == null) {
                    return r(NOT_FOUND);
                }
                all = body.bytes();
            }
            case 4 -> {
                HttpCallResponse cr = root.currentCallResponse;
                if (cr == null) {
                    return r(NOT_FOUND);
                }
                all = cr.body();
            }
            case 6 -> all = bytes(root.config.vmConfiguration());
            case 7 -> all = bytes(root.config.configuration());
            default -> {
                return r(NOT_FOUND);
            }
        }
        if (start > all.length) {
            return r(BAD_ARGUMENT);
        }
        int from = (int) start;
        int len = (int) Math.min(max, all.length - from);
        byte[] out = new byte[len];
        System.arraycopy(all, from, out, 0, len);
        vm.writeOut(out, a[3], a[4]);
        return r(OK);
    }

    private long[] getBufferStatus(com.dylibso.chicory.runtime.Instance i, long... a) {
        int type = (int) a[0];
        int len;
        if (type == 0 || type == 1) {
            Body body = buffer(type);
            if (body == null) {
                return r(NOT_FOUND);
            }
            len = body.length();
        } else if (type == 4 && root.currentCallResponse != null) {
            len = root.currentCallResponse.body().length;
        } else if (type == 7) {
            len = bytes(root.config.configuration()).length;
        } else if (type == 6) {
            len = bytes(root.config.vmConfiguration()).length;
        } else {
            return r(NOT_FOUND);
        }
        vm.memory.writeI32(u32(a[1]), len);
        vm.memory.writeI32(u32(a[2]), 0);
        return r(OK);
    }

    private long[] setBufferBytes(com.dylibso.chicory.runtime.Instance i, long... a) {
        Body body = buffer((int) a[0]);
        if (body == null) {
            return r(NOT_FOUND);
        }
        byte[] old = body.bytes();
        int start = (int) Math.min(a[1] & 0xFFFFFFFFL, old.length);
        int size = (int) Math.min(a[2] & 0xFFFFFFFFL, old.length - start);
        byte[] data = vm.read(a[3], a[4]);
        byte[] next = new byte[old.length - size + data.length];
        System.arraycopy(old, 0, next, 0, start);
        System.arraycopy(data, 0, next, start, data.length);
        System.arraycopy(old, start + size, next, start + data.length, old.length - start - size);
        body.replace(next);
        return r(OK);
    }

    private long[] sendLocalResponse(com.dylibso.chicory.runtime.Instance i, long... a) {
        WasmStream s = stream();
        if (s == null) {
            return r(NOT_FOUND);
        }
        int status = (int) a[0];
        String details = vm.readString(a[1], a[2]);
        String body = vm.readString(a[3], a[4]);
        List<Map.Entry<String, String>> headers = deserialize(vm.read(a[5], a[6]));
        if (status < 200 || status > 599) {
            return r(BAD_ARGUMENT);
        }
        s.ctx.sendLocalReply(
                new LocalReply(
                        status,
                        body,
                        headers,
                        details.isEmpty()
                                ? "wasm_local_reply{" + root.ctx.filterName() + "}"
                                : details,
                        null));
        return r(OK);
    }

    private long[] resume(int streamType) {
        WasmStream s = stream();
        if (s == null) {
            return r(NOT_FOUND);
        }
        StreamContext c = s.ctx;
        if (streamType == 0) {
            c.continueRequest();
        } else if (streamType == 1) {
            c.continueResponse();
        } else {
            return r(BAD_ARGUMENT);
        }
        return r(OK);
    }

    private long[] httpCall(com.dylibso.chicory.runtime.Instance i, long... a) {
        String cluster = vm.readString(a[0], a[1]);
        List<Map.Entry<String, String>> headers = deserialize(vm.read(a[2], a[3]));
        byte[] body = vm.read(a[4], a[5]);
        long timeoutMs = a[8] & 0xFFFFFFFFL;
        String method = "GET";
        String path = null;
        String authority = null;
        List<Map.Entry<String, String>> rest = new ArrayList<>();
        for (Map.Entry<String, String> h : headers) {
            switch (h.getKey()) {
                case ":method" -> method = h.getValue();
                case ":path" -> path = h.getValue();
                case ":authority" -> authority = h.getValue();
                default -> {
                    if (!h.getKey().startsWith(":")) {
                        rest.add(h);
                    }
                }
            }
        }
        if (path == null || !path.startsWith("/")) {
            return r(BAD_ARGUMENT);
        }
        int token = nextToken++;
        WasmStream s = stream();
        int caller = vm.effectiveContext;
        HttpCallRequest req =
                new HttpCallRequest(method, path, authority, rest, body.length == 0 ? null : body);
        io.weir.spi.FilterContext via = s != null ? s.ctx : root.ctx;
        via.httpCall(
                cluster,
                req,
                Duration.ofMillis(Math.max(1, timeoutMs)),
                resp -> root.onHttpCallResponse(caller, token, resp));
        vm.memory.writeI32(u32(a[9]), token);
        return r(OK);
    }

    private SharedData shared() {
        return root.ctx.sharedData();
    }

    /**
     * The process-wide name of a module's shared data key or queue: as in Envoy, each {@code vm_id}
     * has its own (the empty vm_id included), shared by every worker and every filter of that
     * vm_id, and apart from Java plugins' names.
     */
    static String scopedName(String vmId, String name) {
        return "wasm\0" + vmId + "\0" + name;
    }

    private String dataKey(long ptr, long len) {
        return scopedName(root.config.vmId(), vm.readString(ptr, len));
    }

    private long[] getSharedData(com.dylibso.chicory.runtime.Instance i, long... a) {
        SharedData.Entry e = shared().get(dataKey(a[0], a[1]));
        if (e == null) {
            return r(NOT_FOUND);
        }
        vm.writeOut(e.value(), a[2], a[3]);
        vm.memory.writeI32(u32(a[4]), (int) e.version());
        return r(OK);
    }

    /** A property by its proxy-wasm path (segments joined by NUL). */
    private byte[] property(String path) {
        String name = path.replace('\0', '.');
        switch (name) {
            case "plugin_root_id":
                return bytes(root.config.rootId());
            case "plugin_vm_id":
                return bytes(root.config.vmId());
            case "plugin_name":
                return bytes(root.ctx.filterName());
            default:
                break;
        }
        WasmStream s = stream();
        if (s == null) {
            return null;
        }
        String v = s.ctx.property(name);
        if (v == null) {
            return null;
        }
        if (name.endsWith(".port")
                || name.equals("response.code")
                || name.equals("connection.id")) {
            try {
                long n = Long.parseLong(v);
                return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array();
            } catch (NumberFormatException e) {
                return bytes(v);
            }
        }
        if (name.equals("connection.mtls")) {
            return new byte[] {(byte) ("true".equals(v) ? 1 : 0)};
        }
        return bytes(v);
    }

    private long[] defineMetric(int type, String name, long idPtr) {
        String n = name.replaceAll("[^a-zA-Z0-9_:]", "_");
        if (n.isEmpty() || Character.isDigit(n.charAt(0))) {
            n = "wasm_" + n;
        }
        Metrics m = root.ctx.metrics();
        Object impl;
        try {
            impl =
                    switch (type) {
                        case 0 -> m.counter(n, "proxy-wasm counter " + name);
                        case 1 -> m.gauge(n, "proxy-wasm gauge " + name);
                        case 2 -> m.histogram(n, "proxy-wasm histogram " + name, HISTOGRAM_BUCKETS);
                        default -> null;
                    };
        } catch (IllegalArgumentException e) {
            return r(BAD_ARGUMENT);
        }
        if (impl == null) {
            return r(BAD_ARGUMENT);
        }
        int id = metrics.size() + 1;
        for (Map.Entry<Integer, Metric> e : metrics.entrySet()) {
            if (e.getValue().name().equals(n)) {
                id = e.getKey();
            }
        }
        metrics.put(id, new Metric(type, n, impl));
        vm.memory.writeI32(u32(idPtr), id);
        return r(OK);
    }

    static final double[] HISTOGRAM_BUCKETS = {
        1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 60000
    };

    private long[] recordMetric(int id, long value, boolean increment) {
        Metric m = metrics.get(id);
        if (m == null) {
            return r(NOT_FOUND);
        }
        switch (m.type()) {
            case 0 -> {
                if (!increment || value < 0) {
                    return r(BAD_ARGUMENT);
                }
                ((Metrics.Counter) m.impl()).add(value);
            }
            case 1 -> {
                if (increment) {
                    ((Metrics.Gauge) m.impl()).add(value);
                } else {
                    ((Metrics.Gauge) m.impl()).set(value);
                }
            }
            default -> ((Metrics.Histogram) m.impl()).record(value);
        }
        root.metricSeen(m.name(), value, increment || m.type() == 0);
        return r(OK);
    }
}
