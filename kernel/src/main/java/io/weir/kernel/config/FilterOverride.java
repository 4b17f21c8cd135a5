package io.weir.kernel.config;

/**
 * A virtual host's or route's {@code per_filter_config} entry for one filter: YAML {@code
 * {disabled: true}} (or {@code false}, to enable a filter that is disabled by default), or {@code
 * {config: ...}} (another config for this filter on these requests, which also enables it).
 *
 * @param disabled whether the filter is skipped
 * @param config the raw YAML config, or null to keep the listener's
 * @param parsed the factory's bound form of {@code config}, or null
 */
public record FilterOverride(boolean disabled, Object config, Object parsed) {}
