/**
 * Process-wide services behind the filter SPI: shared data, shared queues, filter metrics and the
 * per-filter stats. The per-stream chain lives in {@code io.weir.kernel.http}.
 */
package io.weir.kernel.filter;
