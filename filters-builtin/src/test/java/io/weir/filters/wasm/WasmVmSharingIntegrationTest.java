package io.weir.filters.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vm_id} through a real Weir with the test module {@code vm_share.c}: filters with the same
 * non-empty vm_id and module run in one VM (one copy of the module's globals, one root context
 * each), filters with an empty vm_id each in their own; shared data and queues are per vm_id, and a
 * queue of one vm_id is reached from another with {@code proxy_resolve_shared_queue}.
 */
class WasmVmSharingIntegrationTest {
    static final FilterRegistry REGISTRY =
            FilterRegistry.of(Map.of("weir.wasm", new WasmFilterFactory()));

    @TempDir Path dir;

    static String yaml(String upstream, Path module, String... filters) {
        StringBuilder f = new StringBuilder();
        for (int i = 0; i < filters.length; i += 2) {
            f.append(
                    """
                            - name: weir.wasm
                              config: { module: %s, vm_id: "%s", configuration: "%s" }
                    """
                            .formatted(module, filters[i], filters[i + 1]));
        }
        return """
                admin: { address: 127.0.0.1:0 }
                listeners:
                  - name: ingress
                    address: 127.0.0.1:0
                    http:
                      filters:
                %s
                      virtual_hosts:
                        - name: d
                          domains: ["*"]
                          routes:
                            - match: { prefix: "/" }
                              route: { cluster: backend }
                clusters:
                  - name: backend
                    endpoints: [{ address: %s }]
                """
                .formatted(f.toString().stripTrailing(), upstream);
    }

    static String get(Weir w, String path) throws Exception {
        try (RawClient c = new RawClient(w.port())) {
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            return r.body();
        }
    }

    @Test
    void filtersWithTheSameVmIdShareOneVmAndEmptyVmIdsDoNot() throws Exception {
        Path m = WasmModules.compileC("vm_share.c", dir);
        try (TestUpstream up = new TestUpstream("up");
                Weir shared =
                        Weir.start(yaml(up.address(), m, "one", "a", "one", "b"), 1, REGISTRY);
                Weir apart = Weir.start(yaml(up.address(), m, "", "a", "", "b"), 1, REGISTRY)) {
            // one VM: two root contexts started in it, and both filters count in one global
            assertThat(get(shared, "/1")).contains("h:x-a=1/2/none\n", "h:x-b=2/2/none\n");
            assertThat(get(shared, "/2")).contains("h:x-a=3/2/none\n", "h:x-b=4/2/none\n");
            // two VMs: each has its own globals and one root context
            assertThat(get(apart, "/1")).contains("h:x-a=1/1/none\n", "h:x-b=1/1/none\n");
            assertThat(get(apart, "/2")).contains("h:x-a=2/1/none\n", "h:x-b=2/1/none\n");
        }
    }

    @Test
    void aQueueOfOneVmIdIsFedFromAnotherAndSharedDataStaysPerVmId() throws Exception {
        Path m = WasmModules.compileC("vm_share.c", dir);
        try (TestUpstream up = new TestUpstream("up");
                Weir w =
                        Weir.start(
                                yaml(up.address(), m, "owner", "a", "other", "b produce:owner"),
                                1,
                                REGISTRY)) {
            String first = get(w, "/job-1");
            assertThat(first).contains("h:x-a=1/1/none\n", "h:x-b-enqueue=0\n");
            // the owner's proxy_on_queue_ready runs after the request, on its worker
            String later = "";
            for (int i = 0;
                    i < 100 && !later.contains("h:x-a=") || !later.contains("/job-1");
                    i++) {
                Thread.sleep(20); // polls for an event posted to the worker
                later = get(w, "/job-2");
            }
            assertThat(later).containsPattern("h:x-a=\\d+/1//job-1\n");
            // "last-job" was written under vm_id owner: the other vm_id does not see it
            assertThat(later).containsPattern("h:x-b=\\d+/1/none\n");
        }
    }

    @Test
    void streamContextsLeaveTheVmWhenTheirRequestEnds() throws Exception {
        Path m = WasmModules.compileC("add_header.c", dir);
        java.util.List<WasmVm> vms = new java.util.concurrent.CopyOnWriteArrayList<>();
        FilterRegistry registry =
                FilterRegistry.of(
                        Map.of(
                                "weir.wasm",
                                new io.weir.spi.HttpFilterFactory() {
                                    final WasmFilterFactory base = new WasmFilterFactory();

                                    @Override
                                    public String name() {
                                        return base.name();
                                    }

                                    @Override
                                    public Object parseConfig(io.weir.spi.ConfigNode c) {
                                        return base.parseConfig(c);
                                    }

                                    @Override
                                    public io.weir.spi.HttpFilterRoot createRoot(
                                            io.weir.spi.RootContext context) {
                                        WasmRoot r = (WasmRoot) base.createRoot(context);
                                        return new io.weir.spi.HttpFilterRoot() {
                                            @Override
                                            public void onConfigure(Object c)
                                                    throws io.weir.spi.FilterConfigException {
                                                r.onConfigure(c);
                                                vms.add(r.vm);
                                            }

                                            @Override
                                            public io.weir.spi.HttpFilter newFilter(
                                                    io.weir.spi.StreamContext s) {
                                                return r.newFilter(s);
                                            }

                                            @Override
                                            public void onDone() {
                                                r.onDone();
                                            }
                                        };
                                    }
                                }));
        try (TestUpstream up = new TestUpstream("up");
                Weir w = Weir.start(yaml(up.address(), m, "", "x-a=1"), 1, registry)) {
            // more requests than the table's ring has slots: an ended stream that stayed in its
            // slot would keep its whole request alive (a version that left ended streams in place
            // until the slot was needed again made every young GC copy 1,024 requests' objects)
            for (int i = 0; i < StreamTable.RING + 100; i++) {
                get(w, "/" + i);
            }
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (vms.get(0).streams.size() > 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // the last stream ends on the worker after its response
            }
            assertThat(vms.get(0).streams.size()).isZero();
            assertThat(vms.get(0).streams.overflowSize()).isZero();
        }
    }

    @Test
    void aQueueOfAVmIdNobodyRegisteredIsNotFound() throws Exception {
        Path m = WasmModules.compileC("vm_share.c", dir);
        try (TestUpstream up = new TestUpstream("up");
                Weir w =
                        Weir.start(
                                yaml(up.address(), m, "owner", "a", "other", "b produce:nobody"),
                                1,
                                REGISTRY)) {
            assertThat(get(w, "/x")).contains("h:x-b-enqueue=1\n"); // NOT_FOUND
        }
    }
}
