/**
 * Weir's filter SPI: what a Java plugin implements and what the WebAssembly host adapts the
 * proxy-wasm ABI onto. JDK only.
 *
 * <p>The shape follows proxy-wasm. A {@link io.weir.spi.WeirPlugin} (found with {@link
 * java.util.ServiceLoader}) offers {@link io.weir.spi.HttpFilterFactory factories}; for each
 * configured filter Weir creates one {@link io.weir.spi.HttpFilterRoot root context} per worker,
 * and the root creates one {@link io.weir.spi.HttpFilter} per HTTP request.
 *
 * <p>Threading, in one paragraph: a root context and every stream it creates live on one worker
 * thread; Weir calls them only from that thread and they must call their {@link
 * io.weir.spi.FilterContext context} only from it. Nothing may block that thread: asynchronous
 * results (call-outs, timers, shared-queue notifications) are delivered on it. Only {@link
 * io.weir.spi.HttpFilterFactory#parseConfig} runs elsewhere (the thread that loads the config).
 *
 * <p>Compatibility: the SPI grows by adding default methods; {@link io.weir.spi.SpiVersion} says
 * which plugins a Weir accepts.
 */
package io.weir.spi;
