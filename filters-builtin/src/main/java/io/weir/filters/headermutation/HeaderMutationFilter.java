package io.weir.filters.headermutation;

import io.weir.spi.FilterStatus;
import io.weir.spi.Headers;
import io.weir.spi.HttpFilter;
import io.weir.spi.StreamContext;
import java.util.List;

/**
 * One request of {@code weir.header_mutation}. Each direction's values are rendered first, against
 * the headers as they reached the filter, then applied in the order remove, rename, set, add.
 */
final class HeaderMutationFilter implements HttpFilter {
    private final StreamContext ctx;
    private final long startMillis;

    HeaderMutationFilter(StreamContext ctx) {
        this.ctx = ctx;
        this.startMillis = ctx.currentTimeMillis(); // %START_TIME%, the same in both directions
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endOfStream) {
        apply(((HeaderMutationConfig) ctx.config()).request(), headers);
        return FilterStatus.CONTINUE;
    }

    @Override
    public FilterStatus onResponseHeaders(Headers headers, boolean endOfStream) {
        apply(((HeaderMutationConfig) ctx.config()).response(), headers);
        return FilterStatus.CONTINUE;
    }

    private void apply(Mutations m, Headers headers) {
        if (m.isEmpty()) {
            return;
        }
        String[] setValues = render(m.set());
        String[] addValues = render(m.add());
        for (String name : m.remove()) {
            headers.remove(name);
        }
        for (Mutations.Rename r : m.rename()) {
            List<String> values = headers.getAll(r.from());
            if (!values.isEmpty()) {
                headers.remove(r.from());
                headers.remove(r.to());
                for (String v : values) {
                    headers.add(r.to(), v);
                }
            }
        }
        for (int i = 0; i < setValues.length; i++) {
            String name = m.set().get(i).name();
            if (setValues[i].isEmpty()) {
                headers.remove(name); // an empty result never leaves a value the client sent
            } else {
                headers.set(name, setValues[i]);
            }
        }
        for (int i = 0; i < addValues.length; i++) {
            if (!addValues[i].isEmpty()) {
                headers.add(m.add().get(i).name(), addValues[i]);
            }
        }
    }

    private String[] render(List<Mutations.Entry> entries) {
        String[] out = new String[entries.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = entries.get(i).value().render(ctx, startMillis);
        }
        return out;
    }
}
