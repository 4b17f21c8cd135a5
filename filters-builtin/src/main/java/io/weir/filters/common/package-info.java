/** Helpers shared by several built-in filters (SPI only, like the filters). */
package io.weir.filters.common;
