package io.weir.kernel.config;

import java.util.List;
import java.util.Map;

/**
 * Header changes, applied in the order remove, set, add. YAML:
 *
 * <pre>
 * request_headers:
 *   add: { x-env: prod }        # appended (a second value if present)
 *   set: { x-served-by: weir }  # replaces any value
 *   remove: [x-debug]
 * </pre>
 */
public record HeaderMutations(
        Map<String, String> add, Map<String, String> set, List<String> remove) {
    public static final HeaderMutations NONE = new HeaderMutations(Map.of(), Map.of(), List.of());

    public boolean isEmpty() {
        return add.isEmpty() && set.isEmpty() && remove.isEmpty();
    }
}
