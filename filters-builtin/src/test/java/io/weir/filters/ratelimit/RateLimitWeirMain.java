package io.weir.filters.ratelimit;

import io.weir.kernel.config.FilterRegistry;
import io.weir.kernel.testing.Weir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Weir process for the multi-process tests: {@code RateLimitWeirMain <config.yaml> <workers>
 * <listener>...} starts a Weir with {@code weir.ratelimit}, prints {@code WEIR-READY admin=<port>
 * <listener>=<port>...}, and runs until its standard input closes (or it is killed).
 */
public final class RateLimitWeirMain {
    private RateLimitWeirMain() {}

    public static void main(String[] args) throws Exception {
        String yaml = Files.readString(Path.of(args[0]));
        int workers = Integer.parseInt(args[1]);
        try (Weir w =
                Weir.start(
                        yaml,
                        workers,
                        FilterRegistry.of(
                                Map.of("weir.ratelimit", new RateLimitFilterFactory())))) {
            StringBuilder sb = new StringBuilder("WEIR-READY admin=").append(w.adminPort());
            for (int i = 2; i < args.length; i++) {
                sb.append(' ').append(args[i]).append('=').append(w.port(args[i]));
            }
            System.out.println(sb);
            System.out.flush();
            while (System.in.read() >= 0) {
                // the parent test holds our stdin open while it needs us
            }
        }
    }
}
