package io.weir.kernel.admin;

import java.util.List;
import java.util.Locale;

/**
 * Picks the exposition format of {@code /stats/prometheus} from the {@code accept} header, as
 * Prometheus' client libraries do: OpenMetrics when {@code application/openmetrics-text} is
 * accepted with a quality at least that of {@code text/plain} (and of {@code *}/{@code *}), the
 * text format 0.0.4 otherwise (also when the header is absent).
 */
final class Negotiation {
    private Negotiation() {}

    static boolean prefersOpenMetrics(List<String> acceptHeaders) {
        double openMetrics = -1;
        double text = -1;
        for (String header : acceptHeaders) {
            for (String range : header.split(",")) {
                String[] parts = range.split(";");
                String type = parts[0].trim().toLowerCase(Locale.ROOT);
                double q = 1;
                for (int i = 1; i < parts.length; i++) {
                    String p = parts[i].trim();
                    if (p.length() > 2
                            && (p.charAt(0) == 'q' || p.charAt(0) == 'Q')
                            && p.charAt(1) == '=') {
                        try {
                            q = Double.parseDouble(p.substring(2).trim());
                        } catch (NumberFormatException e) {
                            q = 0;
                        }
                    }
                }
                if (type.equals("application/openmetrics-text")) {
                    openMetrics = Math.max(openMetrics, q);
                } else if (type.equals("text/plain")
                        || type.equals("*/*")
                        || type.equals("text/*")) {
                    text = Math.max(text, q);
                }
            }
        }
        return openMetrics > 0 && openMetrics >= text;
    }
}
