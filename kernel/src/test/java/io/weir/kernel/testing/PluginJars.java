package io.weir.kernel.testing;

import io.weir.spi.WeirPlugin;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Builds real plugin jars in tests: compiles Java sources (in memory, against Weir's SPI and the
 * JDK only, as a third-party plugin is built) and writes a jar with the classes and a {@code
 * META-INF/services/io.weir.spi.WeirPlugin} file.
 *
 * <pre>{@code
 * PluginJars.filterPlugin(plugins.resolve("acme"), "acme.jar", "acme.AcmePlugin", "acme.echo");
 * }</pre>
 *
 * <p>Needs a JDK (not a JRE). Thread-safe (no shared state).
 */
public final class PluginJars {
    private PluginJars() {}

    /**
     * Compiles {@code sources} (fully qualified class name to source text) and writes {@code
     * dir/jarName} (creating {@code dir}) holding the classes and a service file listing {@code
     * serviceProviders}, if any. Throws {@link IllegalStateException} with the compiler's messages
     * when the sources do not compile.
     *
     * @return the jar
     */
    public static Path build(
            Path dir, String jarName, Map<String, String> sources, String... serviceProviders) {
        Map<String, byte[]> classes = compile(sources);
        Path jar = dir.resolve(jarName);
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try {
            Files.createDirectories(dir);
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
                for (Map.Entry<String, byte[]> c : classes.entrySet()) {
                    out.putNextEntry(new JarEntry(c.getKey().replace('.', '/') + ".class"));
                    out.write(c.getValue());
                    out.closeEntry();
                }
                if (serviceProviders.length > 0) {
                    out.putNextEntry(
                            new JarEntry("META-INF/services/" + WeirPlugin.class.getName()));
                    out.write(
                            (String.join("\n", serviceProviders) + "\n")
                                    .getBytes(StandardCharsets.UTF_8));
                    out.closeEntry();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jar;
    }

    /**
     * Builds a plugin jar whose {@link WeirPlugin} {@code pluginClass} offers one filter per name
     * (see {@link #filterPluginSource}).
     */
    public static Path filterPlugin(
            Path dir, String jarName, String pluginClass, String... filterNames) {
        return build(
                dir,
                jarName,
                Map.of(
                        pluginClass,
                        filterPluginSource(pluginClass, "SpiVersion.CURRENT", filterNames)),
                pluginClass);
    }

    /**
     * The source of a {@link WeirPlugin} named {@code pluginClass} whose {@code spiVersion()}
     * returns the Java expression {@code spiVersion} (such as {@code SpiVersion.CURRENT} or {@code
     * "2.0"}) and which offers one filter per name. Each filter's {@code parseConfig} returns its
     * own name, and its roots make pass-through filters.
     */
    public static String filterPluginSource(
            String pluginClass, String spiVersion, String... filterNames) {
        int dot = pluginClass.lastIndexOf('.');
        String pkg = dot < 0 ? "" : "package " + pluginClass.substring(0, dot) + ";\n";
        String simple = pluginClass.substring(dot + 1);
        List<String> quoted = new ArrayList<>();
        for (String name : filterNames) {
            quoted.add("new Factory(\"" + name + "\")");
        }
        return pkg
                + """
                import io.weir.spi.*;
                import java.util.List;

                public class %s implements WeirPlugin {
                    public String spiVersion() {
                        return %s;
                    }

                    public List<HttpFilterFactory> httpFilters() {
                        return List.of(%s);
                    }

                    static final class Factory implements HttpFilterFactory {
                        private final String name;

                        Factory(String name) {
                            this.name = name;
                        }

                        public String name() {
                            return name;
                        }

                        public Object parseConfig(ConfigNode config) {
                            return name;
                        }

                        public HttpFilterRoot createRoot(RootContext context) {
                            return stream -> new HttpFilter() {};
                        }
                    }
                }
                """
                        .formatted(simple, spiVersion, String.join(", ", quoted));
    }

    /** Compiles in memory against the SPI: class name to bytes. */
    private static Map<String, byte[]> compile(Map<String, String> sources) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("no Java compiler: run the tests on a JDK");
        }
        List<JavaFileObject> units = new ArrayList<>();
        for (Map.Entry<String, String> s : sources.entrySet()) {
            units.add(new Source(s.getKey(), s.getValue()));
        }
        Map<String, ByteArrayOutputStream> out = new TreeMap<>();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StandardJavaFileManager standard =
                javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8);
        JavaFileManager files =
                new ForwardingJavaFileManager<>(standard) {
                    @Override
                    public JavaFileObject getJavaFileForOutput(
                            Location location,
                            String className,
                            JavaFileObject.Kind kind,
                            FileObject sibling) {
                        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                        out.put(className, bytes);
                        return new SimpleJavaFileObject(
                                URI.create("mem:///" + className.replace('.', '/') + ".class"),
                                kind) {
                            @Override
                            public OutputStream openOutputStream() {
                                return bytes;
                            }
                        };
                    }
                };
        List<String> options =
                List.of("--release", "17", "-proc:none", "-classpath", spiClassPath());
        boolean ok;
        try (files) {
            ok = javac.getTask(null, files, diagnostics, options, null, units).call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!ok) {
            StringBuilder sb = new StringBuilder("plugin sources do not compile:");
            diagnostics.getDiagnostics().forEach(d -> sb.append('\n').append(d));
            throw new IllegalStateException(sb.toString());
        }
        Map<String, byte[]> classes = new TreeMap<>();
        out.forEach((name, bytes) -> classes.put(name, bytes.toByteArray()));
        return classes;
    }

    /** Where Weir's SPI classes are: a directory in the reactor, or a jar. */
    private static String spiClassPath() {
        try {
            return Path.of(
                            WeirPlugin.class
                                    .getProtectionDomain()
                                    .getCodeSource()
                                    .getLocation()
                                    .toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class Source extends SimpleJavaFileObject {
        private final String text;

        Source(String className, String text) {
            super(URI.create("string:///" + className.replace('.', '/') + ".java"), Kind.SOURCE);
            this.text = text;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return text;
        }
    }
}
