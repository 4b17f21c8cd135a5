package io.weir.spi.testkit;

import io.weir.spi.Body;
import java.nio.charset.Charset;

/**
 * A {@link Body} valid only during its callback, as in Weir: using it afterwards throws, which
 * catches a filter that keeps a body.
 */
final class TestBody implements Body {
    private byte[] content;
    private boolean closed;

    TestBody(byte[] content) {
        this.content = content;
    }

    @Override
    public int length() {
        check();
        return content.length;
    }

    @Override
    public byte[] bytes() {
        check();
        return content.clone();
    }

    @Override
    public String toString(Charset charset) {
        check();
        return new String(content, charset);
    }

    @Override
    public void replace(byte[] replacement) {
        check();
        content = replacement.clone();
    }

    /** Ends the callback; returns the content to forward. */
    byte[] close() {
        closed = true;
        return content;
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("body used after its callback returned");
        }
    }
}
