package io.weir.kernel.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.weir.kernel.testing.PluginJars;
import io.weir.spi.ConfigNode;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.WeirPlugin;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.net.URL;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a plugin's class loader lets it see, and that it goes away once closed. */
class PluginClassLoaderTest {
    /**
     * A class Weir has on its class path (snakeyaml-engine), bundled by the plugin in its own
     * version.
     */
    private static final String LOAD = "org.snakeyaml.engine.v2.api.Load";

    @TempDir Path tmp;

    private Path plugins;
    private PluginSet set;

    @BeforeEach
    void buildConflictingPlugin() {
        plugins = tmp.resolve("plugins");
        PluginJars.build(
                plugins.resolve("conflict"),
                "conflict.jar",
                Map.of(
                        LOAD,
                        """
                        package org.snakeyaml.engine.v2.api;
                        public class Load {
                            public static String version() {
                                return "plugin's own";
                            }
                        }
                        """,
                        "conflict.ConflictPlugin",
                        """
                        package conflict;
                        import io.weir.spi.*;
                        import java.util.List;
                        public class ConflictPlugin implements WeirPlugin {
                            public String spiVersion() {
                                return SpiVersion.CURRENT;
                            }
                            public List<HttpFilterFactory> httpFilters() {
                                return List.of(new HttpFilterFactory() {
                                    public String name() {
                                        return "conflict.yaml";
                                    }
                                    public Object parseConfig(ConfigNode config) {
                                        return org.snakeyaml.engine.v2.api.Load.version();
                                    }
                                    public HttpFilterRoot createRoot(RootContext context) {
                                        return stream -> new HttpFilter() {};
                                    }
                                });
                            }
                        }
                        """),
                "conflict.ConflictPlugin");
    }

    @AfterEach
    void close() {
        if (set != null) {
            set.close();
        }
    }

    @Test
    void aPluginUsesItsOwnCopyOfALibraryThatWeirAlsoHas() throws Exception {
        set = PluginLoader.load(null, List.of(plugins));
        HttpFilterFactory factory = set.factory("conflict.yaml");
        ClassLoader loader = factory.getClass().getClassLoader();

        assertThat(factory.parseConfig(ConfigNode.of(null, "config", e -> {})))
                .isEqualTo("plugin's own");

        Class<?> weirs = Class.forName(LOAD);
        Class<?> plugins = loader.loadClass(LOAD);
        assertThat(plugins).isNotSameAs(weirs);
        assertThat(plugins.getClassLoader()).isSameAs(loader);
        assertThat(weirs.getClassLoader()).isSameAs(PluginLoader.class.getClassLoader());
        assertThat(Arrays.stream(weirs.getMethods()).map(Method::getName))
                .doesNotContain("version");
        // and what the plugin does not bundle is not taken from Weir's class path either
        assertThatThrownBy(() -> loader.loadClass("org.snakeyaml.engine.v2.api.Dump"))
                .isInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void aPluginSeesTheSpiButNotTheKernelNorWeirsLibraries() throws Exception {
        set = PluginLoader.load(null, List.of(plugins));
        ClassLoader loader = set.factory("conflict.yaml").getClass().getClassLoader();

        assertThat(loader.loadClass(WeirPlugin.class.getName())).isSameAs(WeirPlugin.class);
        assertThat(loader.getResource("io/weir/spi/WeirPlugin.class")).isNotNull();
        for (String hidden :
                List.of(
                        "io.weir.kernel.config.ConfigLoader",
                        "io.weir.kernel.plugin.PluginLoader",
                        "org.slf4j.Logger",
                        "io.netty.buffer.ByteBuf")) {
            assertThatThrownBy(() -> loader.loadClass(hidden))
                    .as(hidden)
                    .isInstanceOf(ClassNotFoundException.class);
        }
        assertThat(loader.getResource("io/weir/kernel/config/ConfigLoader.class")).isNull();
    }

    @Test
    void aPluginSeesOnlyItsOwnJarsResources() throws Exception {
        set = PluginLoader.load(null, List.of(plugins));
        ClassLoader loader = set.factory("conflict.yaml").getClass().getClassLoader();
        URL jar = plugins.resolve("conflict").resolve("conflict.jar").toUri().toURL();

        // Weir's class path has many manifests (netty, snakeyaml, ...); the plugin sees its own
        List<URL> manifests = Collections.list(loader.getResources("META-INF/MANIFEST.MF"));
        assertThat(manifests).hasSize(1);
        assertThat(manifests.get(0).toString()).isEqualTo("jar:" + jar + "!/META-INF/MANIFEST.MF");
        assertThat(
                        Collections.list(
                                loader.getResources("META-INF/services/io.weir.spi.WeirPlugin")))
                .hasSize(1);
    }

    @Test
    void aClosedSetsClassLoaderCanBeCollected() throws Exception {
        ReferenceQueue<ClassLoader> queue = new ReferenceQueue<>();
        WeakReference<ClassLoader> ref = loadUseAndClose(queue);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Reference<? extends ClassLoader> collected = null;
        while (collected == null && System.nanoTime() < deadline) {
            System.gc();
            collected = queue.remove(100);
        }
        assertThat(collected).as("the plugin's class loader was collected").isSameAs(ref);
    }

    /** Loads the plugin, uses its filter, closes the set, and keeps only a weak reference. */
    private WeakReference<ClassLoader> loadUseAndClose(ReferenceQueue<ClassLoader> queue)
            throws PluginLoadException {
        try (PluginSet own = PluginLoader.load(null, List.of(plugins))) {
            HttpFilterFactory factory = own.factory("conflict.yaml");
            assertThat(factory.parseConfig(ConfigNode.of(null, "config", e -> {})))
                    .isEqualTo("plugin's own");
            return new WeakReference<>(factory.getClass().getClassLoader(), queue);
        }
    }
}
