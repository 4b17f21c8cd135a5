package io.weir.distro;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The files of observability/ (docker compose, Prometheus, Grafana provisioning and dashboard)
 * parse and hang together. Docker is not run here: these check what can go wrong without it.
 */
class ObservabilityBundleTest {
    private static final Path DIR = Path.of(System.getProperty("weir.test.observability"));
    private static final Path DOCS = Path.of(System.getProperty("weir.test.docs"));

    private static Map<String, Object> yaml(String file) throws Exception {
        Object o =
                new Load(LoadSettings.builder().build())
                        .loadFromString(Files.readString(DIR.resolve(file)));
        assertThat(o).as(file).isInstanceOf(Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) o;
        return m;
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Object o, Object... path) {
        for (Object p : path) {
            o =
                    p instanceof Integer i
                            ? ((List<Object>) o).get(i)
                            : ((Map<String, Object>) o).get(p);
        }
        return (T) o;
    }

    @Test
    void composeRunsJaegerWithOtlpPrometheusAndGrafanaWithTheirFiles() throws Exception {
        Map<String, Object> compose = yaml("docker-compose.yaml");
        Map<String, Object> services = at(compose, "services");
        assertThat(services).containsOnlyKeys("jaeger", "prometheus", "grafana");
        assertThat(at(services, "jaeger", "ports").toString())
                .contains("4317:4317", "4318:4318", "16686:16686");
        assertThat(at(services, "jaeger", "environment", "COLLECTOR_OTLP_ENABLED").toString())
                .isEqualTo("true");
        assertThat((List<String>) at(services, "prometheus", "command"))
                .contains(
                        "--config.file=/etc/prometheus/prometheus.yml",
                        "--enable-feature=exemplar-storage");
        for (Object volume : (List<?>) at(services, "prometheus", "volumes")) {
            assertThat(DIR.resolve(volume.toString().split(":")[0])).exists();
        }
        for (Object volume : (List<?>) at(services, "grafana", "volumes")) {
            assertThat(DIR.resolve(volume.toString().split(":")[0])).isDirectory();
        }
    }

    @Test
    void prometheusScrapesWeirsAdminAndGrafanaKnowsBothDataSources() throws Exception {
        Map<String, Object> prom = yaml("prometheus.yml");
        assertThat((String) at(prom, "scrape_configs", 0, "metrics_path"))
                .isEqualTo("/stats/prometheus");
        assertThat(at(prom, "scrape_configs", 0, "static_configs", 0, "targets").toString())
                .contains(":9901");
        Map<String, Object> ds = yaml("grafana/provisioning/datasources/datasources.yaml");
        assertThat((String) at(ds, "datasources", 0, "uid")).isEqualTo("prometheus");
        assertThat((String) at(ds, "datasources", 0, "url")).isEqualTo("http://prometheus:9090");
        assertThat(
                        (String)
                                at(
                                        ds,
                                        "datasources",
                                        0,
                                        "jsonData",
                                        "exemplarTraceIdDestinations",
                                        0,
                                        "name"))
                .isEqualTo("trace_id");
        assertThat((String) at(ds, "datasources", 1, "type")).isEqualTo("jaeger");
        Map<String, Object> dashboards = yaml("grafana/provisioning/dashboards/dashboards.yaml");
        assertThat((String) at(dashboards, "providers", 0, "options", "path"))
                .isEqualTo("/var/lib/grafana/dashboards");
    }

    @Test
    void theDashboardIsValidJsonQueryingOnlyDocumentedMetrics() throws Exception {
        String text = Files.readString(DIR.resolve("grafana/dashboards/weir.json"));
        Object dashboard = new Json(text).document();
        assertThat((String) at(dashboard, "uid")).isEqualTo("weir-overview");
        List<Object> panels = at(dashboard, "panels");
        assertThat(panels).hasSizeGreaterThan(10);
        Set<String> ids = new LinkedHashSet<>();
        Set<String> metrics = new LinkedHashSet<>();
        Pattern metric = Pattern.compile("\\b((?:istio|weir|jvm|process)_[a-z_]+)");
        for (Object p : panels) {
            ids.add(at(p, "id").toString());
            if ("row".equals(at(p, "type"))) {
                continue;
            }
            List<Object> targets = at(p, "targets");
            assertThat(targets).as("targets of %s", (Object) at(p, "title")).isNotEmpty();
            for (Object t : targets) {
                Matcher m = metric.matcher((String) at(t, "expr"));
                while (m.find()) {
                    metrics.add(m.group(1).replaceAll("_(bucket|sum|count)$", ""));
                }
            }
        }
        assertThat(ids).hasSize(panels.size());
        assertThat(metrics)
                .contains(
                        "istio_requests_total",
                        "istio_request_duration_milliseconds",
                        "weir_http_downstream_rq_time",
                        "weir_cluster_upstream_rq_time",
                        "weir_filter_duration_seconds");
        String documented =
                Files.readString(DOCS.resolve("stats.md"))
                        + Files.readString(DOCS.resolve("observability.md"));
        for (String name : metrics) {
            assertThat(documented).as("docs name %s", name).contains("`" + name);
        }
    }

    /** A strict JSON (RFC 8259) reader: maps, lists, strings, numbers, booleans, null. */
    static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = s;
        }

        Object document() {
            Object v = value();
            ws();
            if (i != s.length()) {
                throw error("trailing text");
            }
            return v;
        }

        private Object value() {
            ws();
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{' -> {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    ws();
                    if (peek('}')) {
                        return m;
                    }
                    do {
                        ws();
                        String k = string();
                        ws();
                        expect(':');
                        if (m.put(k, value()) != null) {
                            throw error("duplicate key " + k);
                        }
                        ws();
                    } while (peek(','));
                    expect('}');
                    return m;
                }
                case '[' -> {
                    i++;
                    List<Object> l = new ArrayList<>();
                    ws();
                    if (peek(']')) {
                        return l;
                    }
                    do {
                        l.add(value());
                        ws();
                    } while (peek(','));
                    expect(']');
                    return l;
                }
                case '"' -> {
                    return string();
                }
                default -> {
                    for (String word : new String[] {"true", "false", "null"}) {
                        if (s.startsWith(word, i)) {
                            i += word.length();
                            return word.equals("null") ? null : Boolean.valueOf(word);
                        }
                    }
                    Matcher m =
                            Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")
                                    .matcher(s)
                                    .region(i, s.length());
                    if (!m.lookingAt()) {
                        throw error("unexpected " + c);
                    }
                    i = m.end();
                    return Double.parseDouble(m.group());
                }
            }
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (i < s.length() && s.charAt(i) != '"') {
                char c = s.charAt(i++);
                if (c < 0x20) {
                    throw error("control character in string");
                }
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case '"', '\\', '/' -> sb.append(e);
                        case 'n' -> sb.append('\n');
                        case 't' -> sb.append('\t');
                        case 'r' -> sb.append('\r');
                        case 'b' -> sb.append('\b');
                        case 'f' -> sb.append('\f');
                        case 'u' -> {
                            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> throw error("bad escape \\" + e);
                    }
                } else {
                    sb.append(c);
                }
            }
            expect('"');
            return sb.toString();
        }

        private void ws() {
            while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
        }

        private boolean peek(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw error("expected " + c);
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("invalid JSON at offset " + i + ": " + what);
        }
    }

    @Test
    void theJsonReaderRejectsWhatGrafanaWouldReject() {
        for (String bad :
                new String[] {"{\"a\":1,}", "[1,2,]", "{'a':1}", "{\"a\":1}x", "{\"a\":01}"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Json(bad).document())
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat((Object) at(new Json("{\"a\":[1,\"x\\n\",true,null]}").document(), "a", 1))
                .isEqualTo("x\n");
    }
}
