package io.weir.filters.wasm;

import io.weir.spi.ConfigNode;
import io.weir.spi.HttpFilterFactory;
import io.weir.spi.HttpFilterRoot;
import io.weir.spi.RootContext;

/**
 * {@code weir.wasm}. {@link #parseConfig} reads the module file and compiles it (once per module
 * content, cached), so a bad module is a config error; each worker then gets its own instance.
 * Thread-safe.
 */
final class WasmFilterFactory implements HttpFilterFactory {
    @Override
    public String name() {
        return "weir.wasm";
    }

    @Override
    public Object parseConfig(ConfigNode config) {
        WasmConfig c = WasmConfig.from(config);
        if (c != null) {
            try {
                CompiledModule.of(c.moduleBytes());
            } catch (RuntimeException e) {
                config.get("module")
                        .error(
                                "cannot load WebAssembly module "
                                        + c.module()
                                        + ": "
                                        + e.getMessage());
            }
        }
        return c;
    }

    @Override
    public HttpFilterRoot createRoot(RootContext context) {
        return new WasmRoot(context, (WasmConfig) context.config());
    }
}
