package io.weir.kernel.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads Weir's YAML config into a {@link WeirConfig}; the only YAML parser in Weir.
 *
 * <p>Validation has two layers, as in Envoy: each value is checked where it is bound (types,
 * ranges, syntax, unknown keys), then references across the file are checked (unknown cluster or
 * filter, duplicate names and addresses). Every error of the file is collected and thrown at once
 * in one {@link ConfigException}, in file order, each as {@code path: message}, for example {@code
 * listeners[0].http.virtual_hosts[0].routes[0].route.cluster: unknown cluster "nowhere"}. A config
 * that loads is complete: defaults are filled in and the kernel need not check it again.
 *
 * <p>Stateless and thread-safe.
 */
public final class ConfigLoader {
    private ConfigLoader() {}

    /**
     * Loads a config file (UTF-8). Relative paths in it resolve against the file's directory.
     *
     * @param knownFilters the names of the HTTP filters that can be instantiated, such as {@code
     *     weir.local_ratelimit}; any other filter name is an error
     * @throws ConfigException listing every error in the file
     * @throws IOException if the file cannot be read
     */
    public static WeirConfig load(Path file, Set<String> knownFilters)
            throws ConfigException, IOException {
        return load(file, FilterSource.names(knownFilters));
    }

    /**
     * Loads a config file (UTF-8) whose filters come from {@code filters}, which is given the
     * config's {@code plugin_dirs}.
     *
     * @throws ConfigException listing every error in the file
     * @throws IOException if the file cannot be read
     */
    public static WeirConfig load(Path file, FilterSource filters)
            throws ConfigException, IOException {
        String yaml = Files.readString(file, StandardCharsets.UTF_8);
        Path abs = file.toAbsolutePath().normalize();
        Path dir = abs.getParent() != null ? abs.getParent() : abs.getRoot();
        Path name = file.getFileName();
        return parse(yaml, dir, filters, name == null ? "config" : name.toString());
    }

    /**
     * Parses config text.
     *
     * @param baseDir the directory that relative paths resolve against; null means the current
     *     working directory
     * @param knownFilters the names of the HTTP filters that can be instantiated
     * @throws ConfigException listing every error in the text
     */
    public static WeirConfig parse(String yaml, Path baseDir, Set<String> knownFilters)
            throws ConfigException {
        Objects.requireNonNull(knownFilters, "knownFilters");
        return parse(yaml, baseDir, FilterSource.names(knownFilters), "config");
    }

    /** Parses config text whose filters come from {@code filters}. */
    public static WeirConfig parse(String yaml, Path baseDir, FilterSource filters)
            throws ConfigException {
        return parse(yaml, baseDir, filters, "config");
    }

    private static WeirConfig parse(String yaml, Path baseDir, FilterSource filters, String label)
            throws ConfigException {
        Objects.requireNonNull(yaml, "yaml");
        Objects.requireNonNull(filters, "filters");
        Path dir = baseDir != null ? baseDir : Path.of("").toAbsolutePath();
        Object raw;
        try {
            LoadSettings settings =
                    LoadSettings.builder().setAllowDuplicateKeys(false).setLabel(label).build();
            raw = new Load(settings).loadFromString(yaml);
        } catch (MarkedYamlEngineException e) {
            throw new ConfigException(List.of(yamlError(e)));
        } catch (YamlEngineException e) {
            throw new ConfigException(List.of("(root): invalid YAML: " + e.getMessage()));
        }
        ConfigErrors errors = new ConfigErrors();
        WeirConfig config = new WeirBinder(dir, filters).bind(Node.root(raw, errors));
        if (!errors.isEmpty()) {
            throw new ConfigException(errors.inFileOrder());
        }
        return config;
    }

    /** {@code (root): invalid YAML at line 3, column 7: mapping values are not allowed here}. */
    private static String yamlError(MarkedYamlEngineException e) {
        Mark mark = e.getProblemMark().or(e::getContextMark).orElse(null);
        String problem = e.getProblem() == null ? "" : e.getProblem().strip();
        String context = e.getContext() == null ? "" : e.getContext().strip();
        if (!context.isEmpty()) {
            problem =
                    problem.isEmpty()
                            ? context
                            : context + (problem.startsWith("but ") ? ", " : ": ") + problem;
        }
        StringBuilder b = new StringBuilder("(root): invalid YAML");
        if (mark != null) {
            b.append(" at line ")
                    .append(mark.getLine() + 1)
                    .append(", column ")
                    .append(mark.getColumn() + 1);
        }
        if (!problem.isEmpty()) {
            b.append(": ").append(problem);
        }
        return b.toString();
    }
}
