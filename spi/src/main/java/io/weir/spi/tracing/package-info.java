/**
 * The tracing SPI (since SPI 1.2): how the kernel asks a tracer for spans without depending on any
 * tracing library.
 *
 * <p>A {@link io.weir.spi.tracing.TracerProvider} is found with {@link java.util.ServiceLoader} on
 * Weir's class path ({@code META-INF/services/io.weir.spi.tracing.TracerProvider}); Weir's own is
 * the {@code weir-tracing} module (OpenTelemetry). When the config has a {@code tracing:} block,
 * the kernel gives the provider that block as a {@link io.weir.spi.ConfigNode} and gets a {@link
 * io.weir.spi.tracing.Tracer}. Per request the kernel starts a SERVER {@link
 * io.weir.spi.tracing.TraceSpan} from the request headers, CLIENT children for upstream attempts
 * and call-outs (injecting their context into the outgoing headers) and, when asked, INTERNAL
 * children for filters. Without a {@code tracing:} block no tracer exists and the kernel does not
 * call into this package at all.
 */
package io.weir.spi.tracing;
