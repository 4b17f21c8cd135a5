package io.weir.filters.basicauth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A few threads that run bcrypt off the event loops, with a bounded queue: when it is full a
 * request is refused at once (the filter answers 503) instead of queueing without end. Shared by
 * every worker. Thread-safe.
 */
final class VerifyPool {
    /** Checks a password against a bcrypt hash; the seam tests replace to count or slow it. */
    interface PasswordCheck {
        boolean verify(byte[] password, byte[] bcryptHash);
    }

    /**
     * at.favre.lib bcrypt; passwords longer than 72 bytes are truncated to 72 as by Apache's
     * htpasswd and OpenBSD, so a hash made by {@code htpasswd -B} verifies the same.
     */
    static final PasswordCheck BCRYPT =
            new PasswordCheck() {
                private final BCrypt.Verifyer verifyer =
                        BCrypt.verifyer(
                                BCrypt.Version.VERSION_2Y,
                                LongPasswordStrategies.truncate(BCrypt.Version.VERSION_2Y));

                @Override
                public boolean verify(byte[] password, byte[] bcryptHash) {
                    return verifyer.verify(password, bcryptHash).verified;
                }
            };

    static final int DEFAULT_THREADS = 2;
    static final int DEFAULT_QUEUE = 256;

    /** The process's pool, started on first use. */
    static final class Shared {
        static final VerifyPool POOL = new VerifyPool(DEFAULT_THREADS, DEFAULT_QUEUE, BCRYPT);

        private Shared() {}
    }

    private final ThreadPoolExecutor executor;
    private final PasswordCheck check;

    VerifyPool(int threads, int queue, PasswordCheck check) {
        this.check = check;
        AtomicInteger n = new AtomicInteger();
        executor =
                new ThreadPoolExecutor(
                        threads,
                        threads,
                        0,
                        TimeUnit.MILLISECONDS,
                        new ArrayBlockingQueue<>(queue),
                        r -> {
                            Thread t =
                                    new Thread(r, "weir-basic-auth-bcrypt-" + n.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        },
                        new ThreadPoolExecutor.AbortPolicy());
    }

    /**
     * Verifies {@code password} (zeroed afterwards) against {@code hash} on a pool thread and hands
     * the outcome to {@code done} there; an exception of the check counts as a mismatch. Returns
     * false, without calling {@code done}, when the queue is full.
     */
    boolean submit(byte[] password, byte[] hash, Consumer<Boolean> done) {
        try {
            executor.execute(
                    () -> {
                        boolean ok;
                        try {
                            ok = check.verify(password, hash);
                        } catch (RuntimeException e) {
                            ok = false;
                        } finally {
                            Arrays.fill(password, (byte) 0);
                        }
                        done.accept(ok);
                    });
            return true;
        } catch (RejectedExecutionException full) {
            Arrays.fill(password, (byte) 0);
            return false;
        }
    }

    /** Stops the threads (tests). */
    void shutdown() {
        executor.shutdownNow();
    }
}
