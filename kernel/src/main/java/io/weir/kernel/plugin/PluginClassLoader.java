package io.weir.kernel.plugin;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Enumeration;

/**
 * The class loader of one plugin directory: the directory's jars, with the platform class loader as
 * parent. Only Weir's SPI ({@code io.weir.spi} and its subpackages, classes and resources) comes
 * from Weir's own class loader; everything else, even a library Weir itself uses, comes from the
 * plugin's jars or the JDK. So a plugin may bundle any version of any library, and {@link
 * java.util.ServiceLoader} sees only the plugin's own {@code META-INF/services} files.
 *
 * <p>Thread-safe (parallel capable, like {@link URLClassLoader}).
 */
final class PluginClassLoader extends URLClassLoader {
    private static final String SPI_PACKAGE = "io.weir.spi.";
    private static final String SPI_RESOURCES = "io/weir/spi/";

    static {
        registerAsParallelCapable();
    }

    private final ClassLoader spi;

    /**
     * @param plugin the plugin's name, which names the loader in stack traces
     * @param jars the plugin's jars, in search order
     * @param spi the class loader of Weir's SPI (the one that loaded {@code WeirPlugin})
     */
    PluginClassLoader(String plugin, URL[] jars, ClassLoader spi) {
        super("plugin-" + plugin, jars, ClassLoader.getPlatformClassLoader());
        this.spi = spi;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (name.startsWith(SPI_PACKAGE)) {
            return spi.loadClass(name);
        }
        return super.loadClass(name, resolve);
    }

    @Override
    public URL getResource(String name) {
        if (name.startsWith(SPI_RESOURCES)) {
            return spi.getResource(name);
        }
        // parent first: the platform loader, then this plugin's jars; never Weir's class path
        return super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        if (name.startsWith(SPI_RESOURCES)) {
            return spi.getResources(name);
        }
        return super.getResources(name);
    }
}
