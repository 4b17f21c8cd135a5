package io.weir.spi;

/** A pending timer or call-out. Thread: the worker that created it. */
public interface Cancellable {
    /** Cancels it if it has not run yet; idempotent. */
    void cancel();
}
