package io.weir.kernel.plugin;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.weir.kernel.testing.LogCapture;
import io.weir.kernel.testing.PluginJars;
import io.weir.spi.ConfigNode;
import io.weir.spi.FilterStatus;
import io.weir.spi.HttpFilterFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginLoaderTest {
    /** Where test plugins leave the class loader they ran in, for tests that check on it. */
    private static final String LOADER_PROPERTY = "weir.test.plugin.loader";

    @TempDir Path tmp;

    private final List<PluginSet> sets = new ArrayList<>();

    @AfterEach
    void closeSets() {
        sets.forEach(PluginSet::close);
        System.getProperties().remove(LOADER_PROPERTY);
    }

    @Test
    void loadsAPluginWhoseFactoryWorks() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path jar =
                PluginJars.filterPlugin(
                        plugins.resolve("acme"),
                        "acme.jar",
                        "acme.AcmePlugin",
                        "acme.echo",
                        "acme.tag");

        PluginSet set;
        try (LogCapture log = LogCapture.start()) {
            set = load(null, plugins);
            assertThat(log.text())
                    .contains(
                            "plugin loaded name=acme version=unknown filters=[acme.echo, acme.tag]"
                                    + " source="
                                    + jar);
        }

        assertThat(set.filterNames()).containsExactly("acme.echo", "acme.tag");
        assertThat(set.filters().get("acme.echo").plugin()).isEqualTo("acme");
        assertThat(set.filters().get("acme.echo").source()).isEqualTo(jar.toString());
        assertThat(set.plugins())
                .containsExactly(
                        new PluginInfo(
                                "acme",
                                "unknown",
                                jar.toString(),
                                List.of("acme.echo", "acme.tag"),
                                io.weir.spi.SpiVersion.CURRENT));
        HttpFilterFactory echo = set.factory("acme.echo");
        assertThat(echo.name()).isEqualTo("acme.echo");
        assertThat(echo.parseConfig(ConfigNode.of(null, "config", e -> {}))).isEqualTo("acme.echo");
        assertThat(echo.createRoot(null).newFilter(null).onRequestHeaders(null, false))
                .isEqualTo(FilterStatus.CONTINUE);
        assertThat(set.factory("acme.nothing")).isNull();
    }

    @Test
    void findsBuiltInsThroughTheGivenClassLoader() throws Exception {
        Path jar =
                PluginJars.filterPlugin(
                        tmp.resolve("lib"), "builtin.jar", "builtin.Builtins", "weir.test_builtin");
        Path plugins = tmp.resolve("plugins");
        PluginJars.filterPlugin(
                plugins.resolve("acme"), "acme.jar", "acme.AcmePlugin", "acme.echo");

        try (URLClassLoader classPath = classPath(jar)) {
            PluginSet set = load(classPath, plugins);

            assertThat(set.filterNames()).containsExactly("weir.test_builtin", "acme.echo");
            assertThat(set.filters().get("weir.test_builtin"))
                    .isEqualTo(
                            new LoadedFilter(
                                    "weir.test_builtin",
                                    set.factory("weir.test_builtin"),
                                    "builtin.Builtins",
                                    "classpath"));
            assertThat(set.plugins().get(0))
                    .isEqualTo(
                            new PluginInfo(
                                    "builtin.Builtins",
                                    "unknown",
                                    "classpath",
                                    List.of("weir.test_builtin"),
                                    io.weir.spi.SpiVersion.CURRENT));
            assertThat(set.factory("weir.test_builtin").getClass().getClassLoader())
                    .isSameAs(classPath);
        }
    }

    @Test
    void aPluginsJarsShareOneClassLoaderAndItsSourceIsTheJarOfItsWeirPlugin() throws Exception {
        Path dir = tmp.resolve("plugins").resolve("multi");
        String greeting =
                """
                package lib;
                public class Greeting {
                    public static String hello() {
                        return "hello from lib";
                    }
                }
                """;
        Path lib = PluginJars.build(dir, "a-lib.jar", Map.of("lib.Greeting", greeting));
        Path main =
                PluginJars.build(
                        dir,
                        "b-multi.jar",
                        Map.of(
                                "lib.Greeting",
                                greeting,
                                "multi.MultiPlugin",
                                """
                                package multi;
                                import io.weir.spi.*;
                                import java.util.List;
                                public class MultiPlugin implements WeirPlugin {
                                    public String spiVersion() {
                                        return SpiVersion.CURRENT;
                                    }
                                    public List<HttpFilterFactory> httpFilters() {
                                        return List.of(new HttpFilterFactory() {
                                            public String name() {
                                                return "multi.echo";
                                            }
                                            public Object parseConfig(ConfigNode config) {
                                                return lib.Greeting.hello();
                                            }
                                            public HttpFilterRoot createRoot(RootContext context) {
                                                return stream -> new HttpFilter() {};
                                            }
                                        });
                                    }
                                }
                                """),
                        "multi.MultiPlugin");
        removeEntry(main, "lib/Greeting.class");

        PluginSet set = load(null, tmp.resolve("plugins"));

        HttpFilterFactory echo = set.factory("multi.echo");
        assertThat(echo.parseConfig(ConfigNode.of(null, "config", e -> {})))
                .isEqualTo("hello from lib");
        ClassLoader loader = echo.getClass().getClassLoader();
        assertThat(loader.loadClass("lib.Greeting").getClassLoader()).isSameAs(loader);
        assertThat(set.filters().get("multi.echo").source()).isEqualTo(main.toString());
        assertThat(set.plugins()).extracting(PluginInfo::source).containsExactly(main.toString());
        assertThat(lib).exists();
    }

    @Test
    void aMissingPluginDirectoryHoldsNoPlugins() throws Exception {
        PluginSet set = load(null, tmp.resolve("nowhere"));

        assertThat(set.filters()).isEmpty();
        assertThat(set.plugins()).isEmpty();
    }

    @Test
    void otherFilesInAPluginDirectoryAreIgnored() throws Exception {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        Files.writeString(plugins.resolve("README.txt"), "plugins go here");
        Files.createDirectories(plugins.resolve(".cache"));
        PluginJars.filterPlugin(
                plugins.resolve("acme"), "acme.jar", "acme.AcmePlugin", "acme.echo");
        Files.writeString(plugins.resolve("acme").resolve("NOTICE"), "licences");

        assertThat(load(null, plugins).filterNames()).containsExactly("acme.echo");
    }

    @Test
    void aPluginDirectoryThatIsAFileIsAnError() throws Exception {
        Path file = Files.writeString(tmp.resolve("plugins"), "not a directory");

        assertThat(errors(null, file))
                .containsExactly("plugin directory " + file + " is not a directory");
    }

    @Test
    void aPluginSubdirectoryWithoutJarsIsAnError() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path empty = Files.createDirectories(plugins.resolve("empty"));
        Files.writeString(empty.resolve("README.md"), "no jar here");

        assertThat(errors(null, plugins))
                .containsExactly("plugin \"empty\" has no jar files in " + empty);
    }

    @Test
    void aJarDirectlyInThePluginDirectoryIsAnError() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path jar = PluginJars.filterPlugin(plugins, "loose.jar", "loose.LoosePlugin", "loose.echo");

        assertThat(errors(null, plugins))
                .containsExactly(
                        "jar "
                                + jar
                                + " is not in a plugin subdirectory: move it to "
                                + plugins
                                + "/<name>/loose.jar (one subdirectory per plugin)");
    }

    @Test
    void aFileNamedJarThatIsNotAJarIsAnError() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path bad = Files.createDirectories(plugins.resolve("bad")).resolve("bad.jar");
        Files.writeString(bad, "not a zip file");

        assertThat(errors(null, plugins))
                .singleElement(as(InstanceOfAssertFactories.STRING))
                .startsWith("plugin \"bad\": " + bad + " is not a readable jar: ")
                .contains("ZipException");
    }

    @Test
    void aJarWithoutAWeirPluginIsAnError() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path jar =
                PluginJars.build(
                        plugins.resolve("lonely"),
                        "lonely.jar",
                        Map.of("lonely.Util", "package lonely; public class Util {}"));

        assertThat(errors(null, plugins))
                .containsExactly(
                        "plugin \"lonely\" ("
                                + jar
                                + ") has no WeirPlugin: name its class in"
                                + " META-INF/services/io.weir.spi.WeirPlugin");
    }

    @Test
    void aFilterDefinedByTwoPluginsIsAnErrorNamingBothJars() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path a =
                PluginJars.filterPlugin(
                        plugins.resolve("a"), "a.jar", "a.APlugin", "example.add_header");
        Path b =
                PluginJars.filterPlugin(
                        plugins.resolve("b"),
                        "b.jar",
                        "b.BPlugin",
                        "b.other",
                        "example.add_header");

        assertThat(errors(null, plugins))
                .containsExactly(
                        "filter \"example.add_header\" is defined twice: by " + a + " and by " + b);
    }

    @Test
    void aFilterDefinedByTwoBuiltInsIsAnError() throws Exception {
        Path one =
                PluginJars.filterPlugin(
                        tmp.resolve("one"), "one.jar", "one.OnePlugin", "weir.same");
        Path two =
                PluginJars.filterPlugin(
                        tmp.resolve("two"), "two.jar", "two.TwoPlugin", "weir.same");

        try (URLClassLoader classPath = classPath(one, two)) {
            assertThat(errors(classPath, tmp.resolve("nowhere")))
                    .containsExactly(
                            "filter \"weir.same\" is defined twice: by one.OnePlugin on the class"
                                    + " path and by two.TwoPlugin on the class path");
        }
    }

    @Test
    void aPluginBuiltAgainstAnIncompatibleSpiIsAnError() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path jar =
                PluginJars.build(
                        plugins.resolve("x"),
                        "x.jar",
                        Map.of(
                                "x.XPlugin",
                                PluginJars.filterPluginSource("x.XPlugin", "\"2.0\"", "x.echo")),
                        "x.XPlugin");

        assertThat(errors(null, plugins))
                .containsExactly(
                        "plugin \"x\" ("
                                + jar
                                + ") was built against Weir SPI 2.0; this Weir provides SPI "
                                + io.weir.spi.SpiVersion.CURRENT);
    }

    @Test
    void aPluginWhoseConstructorThrowsIsAnErrorWithTheCause() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path jar =
                PluginJars.build(
                        plugins.resolve("broken"),
                        "broken.jar",
                        Map.of(
                                "broken.BrokenPlugin",
                                """
                                package broken;
                                public class BrokenPlugin implements io.weir.spi.WeirPlugin {
                                    public BrokenPlugin() {
                                        throw new IllegalStateException("no licence key");
                                    }
                                    public String spiVersion() {
                                        return io.weir.spi.SpiVersion.CURRENT;
                                    }
                                }
                                """),
                        "broken.BrokenPlugin");

        assertThat(errors(null, plugins))
                .containsExactly(
                        "plugin \"broken\" ("
                                + jar
                                + ") could not be loaded: Provider broken.BrokenPlugin could not be"
                                + " instantiated; caused by java.lang.IllegalStateException: no"
                                + " licence key");
    }

    @Test
    void aPluginClassMissingFromItsJarIsAnError() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path jar =
                PluginJars.build(
                        plugins.resolve("ghost"),
                        "ghost.jar",
                        Map.of("ghost.Util", "package ghost; public class Util {}"),
                        "ghost.GhostPlugin");

        assertThat(errors(null, plugins))
                .containsExactly(
                        "plugin \"ghost\" ("
                                + jar
                                + ") could not be loaded: Provider ghost.GhostPlugin not found");
    }

    @Test
    void aPluginMissingALibraryItNeedsIsAnError() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path jar =
                PluginJars.build(
                        plugins.resolve("needy"),
                        "needy.jar",
                        Map.of(
                                "lib.Base",
                                "package lib; public abstract class Base {}",
                                "needy.NeedyPlugin",
                                """
                                package needy;
                                public class NeedyPlugin extends lib.Base
                                        implements io.weir.spi.WeirPlugin {
                                    public String spiVersion() {
                                        return io.weir.spi.SpiVersion.CURRENT;
                                    }
                                }
                                """),
                        "needy.NeedyPlugin");
        removeEntry(jar, "lib/Base.class");

        assertThat(errors(null, plugins))
                .containsExactly(
                        "plugin \"needy\" ("
                                + jar
                                + ") could not be loaded: java.lang.NoClassDefFoundError: lib/Base;"
                                + " caused by java.lang.ClassNotFoundException: lib.Base");
    }

    @Test
    void aFilterNameThatIsNotNamespacedIsAnError() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path jar =
                PluginJars.filterPlugin(
                        plugins.resolve("acme"),
                        "acme.jar",
                        "acme.AcmePlugin",
                        "AddHeader",
                        "acme.ok");

        assertThat(errors(null, plugins))
                .containsExactly(
                        "plugin \"acme\" ("
                                + jar
                                + ") offers a filter named \"AddHeader\": a filter name is dotted,"
                                + " lower case and namespaced, such as acme.my_filter");
    }

    @Test
    void filterNamesMustBeDottedLowerCaseAndNamespaced() {
        assertThat(List.of("weir.cors", "acme.my_filter", "a.b.c2", "x_1.y"))
                .allMatch(n -> PluginLoader.FILTER_NAME.matcher(n).matches());
        assertThat(
                        List.of(
                                "cors",
                                "Acme.x",
                                "acme.",
                                ".acme",
                                "acme..x",
                                "acme.2x",
                                "acme.my-filter"))
                .noneMatch(n -> PluginLoader.FILTER_NAME.matcher(n).matches());
    }

    @Test
    void reportsEveryErrorOfALoadAndClosesEveryClassLoaderItOpened() throws Exception {
        Path plugins = tmp.resolve("plugins");
        // a good plugin that leaves its class loader where the test can look at it
        PluginJars.build(
                plugins.resolve("good"),
                "good.jar",
                Map.of(
                        "good.GoodPlugin",
                        """
                        package good;
                        public class GoodPlugin implements io.weir.spi.WeirPlugin {
                            public GoodPlugin() {
                                System.getProperties().put("%s", getClass().getClassLoader());
                            }
                            public String spiVersion() {
                                return io.weir.spi.SpiVersion.CURRENT;
                            }
                        }
                        """
                                .formatted(LOADER_PROPERTY)),
                "good.GoodPlugin");
        Files.createDirectories(plugins.resolve("empty"));
        Path loose =
                PluginJars.filterPlugin(plugins, "loose.jar", "loose.LoosePlugin", "loose.echo");

        List<String> errors = errors(null, plugins);

        assertThat(errors)
                .containsExactly(
                        "plugin \"empty\" has no jar files in " + plugins.resolve("empty"),
                        "jar "
                                + loose
                                + " is not in a plugin subdirectory: move it to "
                                + plugins
                                + "/<name>/loose.jar (one subdirectory per plugin)");
        ClassLoader good = (ClassLoader) System.getProperties().get(LOADER_PROPERTY);
        assertThat(good).isInstanceOf(PluginClassLoader.class);
        assertThat(good.getResource("good/GoodPlugin.class")).as("closed").isNull();
    }

    @Test
    void closingASetClosesItsClassLoadersOnce() throws Exception {
        Path plugins = tmp.resolve("plugins");
        PluginJars.filterPlugin(
                plugins.resolve("acme"), "acme.jar", "acme.AcmePlugin", "acme.echo");
        PluginSet set = load(null, plugins);
        ClassLoader loader = set.factory("acme.echo").getClass().getClassLoader();
        assertThat(loader.getResource("acme/AcmePlugin.class")).isNotNull();

        set.close();
        set.close();

        assertThat(loader.getResource("acme/AcmePlugin.class")).isNull();
    }

    @Test
    void pluginCodeRunsWithItsOwnContextClassLoaderDuringTheLoad() throws Exception {
        Path plugins = tmp.resolve("plugins");
        PluginJars.build(
                plugins.resolve("ctx"),
                "ctx.jar",
                Map.of(
                        "ctx.CtxPlugin",
                        """
                        package ctx;
                        public class CtxPlugin implements io.weir.spi.WeirPlugin {
                            public String spiVersion() {
                                System.getProperties()
                                        .put("%s", Thread.currentThread().getContextClassLoader());
                                return io.weir.spi.SpiVersion.CURRENT;
                            }
                        }
                        """
                                .formatted(LOADER_PROPERTY)),
                "ctx.CtxPlugin");
        ClassLoader before = Thread.currentThread().getContextClassLoader();

        PluginSet set = load(null, plugins);

        assertThat(set.plugins()).extracting(PluginInfo::name).containsExactly("ctx");
        assertThat(System.getProperties().get(LOADER_PROPERTY))
                .isInstanceOf(PluginClassLoader.class);
        assertThat(Thread.currentThread().getContextClassLoader()).isSameAs(before);
    }

    // ---- helpers

    private PluginSet load(ClassLoader builtins, Path plugins) throws PluginLoadException {
        PluginSet set = PluginLoader.load(builtins, List.of(plugins));
        sets.add(set);
        return set;
    }

    private static List<String> errors(ClassLoader builtins, Path plugins) {
        PluginLoadException e =
                catchThrowableOfType(
                        PluginLoadException.class,
                        () -> PluginLoader.load(builtins, List.of(plugins)));
        assertThat(e).as("expected a PluginLoadException").isNotNull();
        assertThat(e.getMessage()).isEqualTo(String.join("\n", e.errors()));
        return e.errors();
    }

    /** A stand-in for Weir's class path: the test's class path plus {@code jars}. */
    private static URLClassLoader classPath(Path... jars) throws IOException {
        URL[] urls = new URL[jars.length];
        for (int i = 0; i < jars.length; i++) {
            urls[i] = jars[i].toUri().toURL();
        }
        return new URLClassLoader(urls, PluginLoaderTest.class.getClassLoader());
    }

    /** Rewrites {@code jar} without {@code entry}. */
    private static void removeEntry(Path jar, String entry) throws IOException {
        Path copy = jar.resolveSibling(jar.getFileName() + ".tmp");
        try (JarFile in = new JarFile(jar.toFile());
                OutputStream file = Files.newOutputStream(copy);
                JarOutputStream out = new JarOutputStream(file)) {
            for (JarEntry e : java.util.Collections.list(in.entries())) {
                if (e.getName().equals(entry)) {
                    continue;
                }
                out.putNextEntry(new JarEntry(e.getName()));
                try (InputStream data = in.getInputStream(e)) {
                    data.transferTo(out);
                }
                out.closeEntry();
            }
        }
        Files.move(copy, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
