/**
 * A test kit for filter authors: runs one filter against synthetic requests, without sockets or
 * threads, with a manual clock. It uses the JDK only, so it works with any test framework; it is
 * published as {@code weir-spi}'s test-jar ({@code <type>test-jar</type>}, {@code
 * <scope>test</scope>}).
 *
 * <pre>{@code
 * FilterHarness h = FilterHarness.of(new MyFilterFactory(), Map.of("header", "x-env", "value", "prod"));
 * StreamRun r = h.request("GET", "/").header("x-user", "alice").send();
 * assert r.forwarded() && "prod".equals(r.upstreamHeaders().get("x-env"));
 * r.respond(200).body("hello").send();
 * assert r.status() == 200 && r.destroyed();
 * }</pre>
 *
 * <p>See {@link io.weir.spi.testkit.FilterHarness} for what the kit plays and when asynchronous
 * work (call-out answers, timers, {@code continueRequest}) runs.
 */
package io.weir.spi.testkit;
