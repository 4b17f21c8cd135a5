package io.weir.filters.rbac;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** YAML text to the raw values a filter's config block is (maps, lists, strings, numbers). */
final class Yaml {
    private Yaml() {}

    static Object parse(String yaml) {
        return new Load(LoadSettings.builder().build()).loadFromString(yaml);
    }
}
