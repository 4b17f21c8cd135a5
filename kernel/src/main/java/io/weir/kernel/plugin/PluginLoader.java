package io.weir.kernel.plugin;

import io.weir.spi.HttpFilterFactory;
import io.weir.spi.SpiVersion;
import io.weir.spi.WeirPlugin;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds Weir's filter factories: the built-in plugins on Weir's class path and the plugins in the
 * plugin directories, each behind its own {@link PluginClassLoader}.
 *
 * <p>Layout: every subdirectory of a plugin directory is one plugin, named by the subdirectory, and
 * all its {@code *.jar} files (in name order) share one class loader. The plugin's {@link
 * WeirPlugin}s are found with {@link ServiceLoader} in those jars only. Entries whose names start
 * with a dot are ignored, and so are other files (a {@code README.txt}); a jar directly in a plugin
 * directory is an error.
 *
 * <p>Errors: a load checks everything (unreadable directories and jars, plugins that fail to load
 * or were built against an incompatible {@link SpiVersion SPI}, badly named or duplicate filters)
 * and reports every problem together in one {@link PluginLoadException}; then it has closed every
 * class loader it opened, and nothing was logged as loaded.
 *
 * <p>Threading: call {@link #load} on a thread that may block (it reads files and runs plugin
 * constructors), never on a worker. Loads are independent of each other; the resulting {@link
 * PluginSet} is immutable and thread-safe.
 */
public final class PluginLoader {
    private static final Logger log = LoggerFactory.getLogger(PluginLoader.class);

    /** Dotted, lower case and namespaced: {@code weir.local_ratelimit}, {@code acme.my_filter}. */
    static final Pattern FILTER_NAME = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+");

    static final String CLASSPATH = "classpath";

    private static final int MAX_PROVIDER_FAILURES = 100;

    private static final String SEP = File.separator;

    private PluginLoader() {}

    /**
     * Loads the built-in plugins and the plugins in {@code pluginDirs}, on the calling thread: it
     * reads jars and runs the plugins' constructors, so never call it on a worker.
     *
     * @param builtins the class loader whose {@code ServiceLoader<WeirPlugin>} gives the built-in
     *     plugins (Weir's own class path); null for none
     * @param pluginDirs plugin directories, each holding one subdirectory per plugin; a directory
     *     that does not exist holds no plugins
     * @throws PluginLoadException with every problem found, after closing the class loaders opened
     *     by this load
     */
    public static PluginSet load(ClassLoader builtins, List<Path> pluginDirs)
            throws PluginLoadException {
        Objects.requireNonNull(pluginDirs, "pluginDirs");
        Load load = new Load();
        try {
            if (builtins != null) {
                load.builtins(builtins);
            }
            for (PluginDir dir : load.scan(pluginDirs)) {
                load.plugin(dir);
            }
        } catch (RuntimeException | Error e) {
            PluginSet.closeAll(load.loaders);
            throw e;
        }
        if (!load.errors.isEmpty()) {
            PluginSet.closeAll(load.loaders);
            throw new PluginLoadException(load.errors);
        }
        for (PluginInfo p : load.plugins) {
            log.info(
                    "plugin loaded name={} version={} filters={} source={}",
                    p.name(),
                    p.version(),
                    p.filters(),
                    p.source());
        }
        return new PluginSet(load.filters, load.plugins, load.loaders);
    }

    /** A plugin subdirectory and its jars, as given (relative paths stay relative). */
    private record PluginDir(String name, Path dir, List<Path> jars) {
        String source() {
            return String.join(", ", jars.stream().map(Path::toString).toList());
        }
    }

    /** The state of one load; confined to the loading thread. */
    private static final class Load {
        final List<String> errors = new ArrayList<>();
        final List<PluginClassLoader> loaders = new ArrayList<>();
        final Map<String, LoadedFilter> filters = new LinkedHashMap<>();

        /** Filter name to where it came from, for the duplicate error. */
        final Map<String, String> origins = new LinkedHashMap<>();

        final List<PluginInfo> plugins = new ArrayList<>();

        void builtins(ClassLoader builtins) {
            for (ServiceLoader.Provider<WeirPlugin> provider :
                    providers(builtins, "a built-in plugin")) {
                String cn = provider.type().getName();
                Offer offer =
                        offer(
                                provider,
                                "built-in plugin " + cn,
                                CLASSPATH,
                                cn + " on the class path");
                if (offer != null) {
                    register(cn, offer);
                    plugins.add(
                            new PluginInfo(
                                    cn,
                                    offer.version,
                                    CLASSPATH,
                                    offer.filterNames(),
                                    offer.spiVersion));
                }
            }
        }

        /** The plugin subdirectories of {@code pluginDirs}, recording what is wrong with them. */
        List<PluginDir> scan(List<Path> pluginDirs) {
            Map<String, PluginDir> byName = new LinkedHashMap<>();
            for (Path root : pluginDirs) {
                if (!Files.exists(root)) {
                    log.debug("plugin directory absent dir={}", root);
                    continue;
                }
                if (!Files.isDirectory(root)) {
                    errors.add("plugin directory " + root + " is not a directory");
                    continue;
                }
                List<Path> entries = list(root, "plugin directory " + root);
                if (entries == null) {
                    continue;
                }
                for (Path entry : entries) {
                    String file = entry.getFileName().toString();
                    if (Files.isDirectory(entry)) {
                        PluginDir dir = pluginDir(file, entry);
                        if (dir == null) {
                            continue;
                        }
                        PluginDir other = byName.putIfAbsent(file, dir);
                        if (other != null) {
                            errors.add(
                                    "plugin \""
                                            + file
                                            + "\" is in two plugin directories: "
                                            + other.dir
                                            + " and "
                                            + entry);
                        }
                    } else if (isJar(file)) {
                        errors.add(
                                "jar "
                                        + entry
                                        + " is not in a plugin subdirectory: move it to "
                                        + root
                                        + SEP
                                        + "<name>"
                                        + SEP
                                        + file
                                        + " (one subdirectory per plugin)");
                    }
                }
            }
            return new ArrayList<>(byName.values());
        }

        private PluginDir pluginDir(String name, Path dir) {
            List<Path> entries = list(dir, "plugin \"" + name + "\": directory " + dir);
            if (entries == null) {
                return null;
            }
            List<Path> jars = new ArrayList<>();
            for (Path e : entries) {
                if (isJar(e.getFileName().toString()) && Files.isRegularFile(e)) {
                    jars.add(e);
                }
            }
            if (jars.isEmpty()) {
                errors.add("plugin \"" + name + "\" has no jar files in " + dir);
                return null;
            }
            return new PluginDir(name, dir, jars);
        }

        /** The entries of {@code dir} not starting with a dot, by name; null after an error. */
        private List<Path> list(Path dir, String what) {
            if (!Files.isReadable(dir)) {
                errors.add(what + " is not readable");
                return null;
            }
            try (Stream<Path> s = Files.list(dir)) {
                return s.filter(p -> !p.getFileName().toString().startsWith("."))
                        .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                        .toList();
            } catch (IOException | UncheckedIOException e) {
                errors.add(what + " could not be read: " + describe(e));
                return null;
            }
        }

        void plugin(PluginDir dir) {
            String label = "plugin \"" + dir.name + "\"";
            URL[] urls = new URL[dir.jars.size()];
            Map<String, String> jarByUrl = new LinkedHashMap<>();
            boolean ok = true;
            for (int i = 0; i < urls.length; i++) {
                Path jar = dir.jars.get(i);
                try (JarFile file = new JarFile(jar.toFile())) {
                    file.getManifest(); // reads the central directory: fails early on a bad jar
                    urls[i] = jar.toUri().toURL();
                    jarByUrl.put(urls[i].toString(), jar.toString());
                } catch (IOException e) { // MalformedURLException included
                    errors.add(label + ": " + jar + " is not a readable jar: " + describe(e));
                    ok = false;
                }
            }
            if (!ok) {
                return;
            }
            PluginClassLoader loader =
                    new PluginClassLoader(dir.name, urls, WeirPlugin.class.getClassLoader());
            loaders.add(loader);

            int errorsBefore = errors.size();
            List<Offer> offers = new ArrayList<>();
            Thread thread = Thread.currentThread();
            ClassLoader context = thread.getContextClassLoader();
            thread.setContextClassLoader(loader);
            try {
                for (ServiceLoader.Provider<WeirPlugin> provider :
                        providers(loader, label + " (" + dir.source() + ")")) {
                    if (provider.type().getClassLoader() != loader) {
                        continue; // not from this plugin's jars
                    }
                    String jar = jarOf(provider.type(), jarByUrl, dir);
                    Offer offer = offer(provider, label + " (" + jar + ")", jar, jar);
                    if (offer != null) {
                        offers.add(offer);
                    }
                }
            } finally {
                thread.setContextClassLoader(context);
            }
            if (errors.size() > errorsBefore) {
                return;
            }
            if (offers.isEmpty()) {
                errors.add(
                        label
                                + " ("
                                + dir.source()
                                + ") has no WeirPlugin: name its class in META-INF/services/"
                                + WeirPlugin.class.getName());
                return;
            }
            Set<String> versions = new LinkedHashSet<>();
            Set<String> spiVersions = new LinkedHashSet<>();
            Set<String> sources = new LinkedHashSet<>();
            List<String> names = new ArrayList<>();
            for (Offer offer : offers) {
                register(dir.name, offer);
                versions.add(offer.version);
                spiVersions.add(offer.spiVersion);
                sources.add(offer.source);
                names.addAll(offer.filterNames());
            }
            plugins.add(
                    new PluginInfo(
                            dir.name,
                            String.join(", ", versions),
                            String.join(", ", sources),
                            names,
                            String.join(", ", spiVersions)));
        }

        /**
         * The {@link WeirPlugin} providers {@code loader} sees, not yet instantiated. A provider
         * whose class cannot be loaded is recorded as an error of {@code label}.
         */
        private List<ServiceLoader.Provider<WeirPlugin>> providers(
                ClassLoader loader, String label) {
            List<ServiceLoader.Provider<WeirPlugin>> found = new ArrayList<>();
            Iterator<ServiceLoader.Provider<WeirPlugin>> it =
                    ServiceLoader.load(WeirPlugin.class, loader).stream().iterator();
            // ServiceLoader moves past a provider that failed; the bound is a safety net only
            for (int failures = 0; failures < MAX_PROVIDER_FAILURES; ) {
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    found.add(it.next());
                } catch (ServiceConfigurationError | LinkageError e) {
                    errors.add(label + " could not be loaded: " + describe(e));
                    failures++;
                }
            }
            return found;
        }

        /**
         * Instantiates a plugin and asks it for its filters, checking its SPI version and filter
         * names; null after recording an error.
         */
        private Offer offer(
                ServiceLoader.Provider<WeirPlugin> provider,
                String label,
                String source,
                String origin) {
            try {
                WeirPlugin plugin = provider.get();
                String spi = plugin.spiVersion();
                if (!SpiVersion.compatible(spi, SpiVersion.CURRENT)) {
                    errors.add(
                            label
                                    + (spi == null
                                            ? " returned no SPI version from spiVersion()"
                                            : " was built against Weir SPI " + spi)
                                    + "; this Weir provides SPI "
                                    + SpiVersion.CURRENT);
                    return null;
                }
                String version = plugin.version();
                List<HttpFilterFactory> factories = plugin.httpFilters();
                if (factories == null) {
                    errors.add(label + " returned null from httpFilters()");
                    return null;
                }
                boolean ok = true;
                List<Named> checked = new ArrayList<>();
                for (HttpFilterFactory factory : factories) {
                    String name = factory == null ? null : factory.name();
                    if (factory == null) {
                        errors.add(label + " returned a null factory from httpFilters()");
                        ok = false;
                    } else if (name == null || !FILTER_NAME.matcher(name).matches()) {
                        errors.add(
                                label
                                        + " offers a filter named "
                                        + (name == null ? "null" : "\"" + name + "\"")
                                        + ": a filter name is dotted, lower case and namespaced,"
                                        + " such as acme.my_filter");
                        ok = false;
                    } else {
                        checked.add(new Named(name, factory));
                    }
                }
                if (!ok) {
                    return null;
                }
                return new Offer(
                        version == null ? "unknown" : version, spi, source, origin, checked);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) { // anything a plugin's code throws is that plugin's error
                errors.add(label + " could not be loaded: " + describe(e));
                return null;
            }
        }

        /** Adds an offer's filters, recording duplicate names. */
        private void register(String plugin, Offer offer) {
            for (Named filter : offer.filters) {
                String name = filter.name;
                String before = origins.putIfAbsent(name, offer.origin);
                if (before != null) {
                    errors.add(
                            "filter \""
                                    + name
                                    + "\" is defined twice: by "
                                    + before
                                    + " and by "
                                    + offer.origin);
                } else {
                    filters.put(name, new LoadedFilter(name, filter.factory, plugin, offer.source));
                }
            }
        }
    }

    /** What one {@link WeirPlugin} offers, checked. */
    private record Offer(
            String version, String spiVersion, String source, String origin, List<Named> filters) {
        List<String> filterNames() {
            return filters.stream().map(Named::name).toList();
        }
    }

    /** A factory and the name it gave when asked once. */
    private record Named(String name, HttpFilterFactory factory) {}

    private static boolean isJar(String fileName) {
        return fileName.toLowerCase(Locale.ROOT).endsWith(".jar");
    }

    /** The jar of {@code dir} that holds {@code type}, else all of the plugin's jars. */
    private static String jarOf(Class<?> type, Map<String, String> jarByUrl, PluginDir dir) {
        CodeSource cs = type.getProtectionDomain().getCodeSource();
        URL location = cs == null ? null : cs.getLocation();
        String jar = location == null ? null : jarByUrl.get(location.toString());
        return jar != null ? jar : dir.source();
    }

    /**
     * One line for a throwable and its causes, such as {@code Provider acme.Plugin could not be
     * instantiated; caused by java.lang.IllegalStateException: no licence key}.
     */
    static String describe(Throwable t) {
        String prefix = WeirPlugin.class.getName() + ": ";
        StringBuilder sb = new StringBuilder();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
            String part = c.toString();
            if (c instanceof ServiceConfigurationError && c.getMessage() != null) {
                part = c.getMessage();
                if (part.startsWith(prefix)) {
                    part = part.substring(prefix.length());
                }
            }
            if (sb.length() > 0) {
                sb.append("; caused by ");
            }
            sb.append(part);
        }
        return sb.toString();
    }
}
