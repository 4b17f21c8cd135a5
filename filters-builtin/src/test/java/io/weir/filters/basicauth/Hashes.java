package io.weir.filters.basicauth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Test helpers: bcrypt hashes at low cost, headers, and a counting or blocking check. */
final class Hashes {
    private Hashes() {}

    static String bcrypt(String password) {
        return bcrypt(BCrypt.Version.VERSION_2Y, 4, password);
    }

    static String bcrypt(BCrypt.Version v, int cost, String password) {
        return BCrypt.with(v).hashToString(cost, password.toCharArray());
    }

    static String basic(String userColonPassword) {
        return "Basic "
                + Base64.getEncoder()
                        .encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    /** Counts calls, and blocks each on {@link #gate} when one is set. */
    static final class Check implements VerifyPool.PasswordCheck {
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger started = new AtomicInteger();
        volatile CountDownLatch gate;

        @Override
        public boolean verify(byte[] password, byte[] hash) {
            started.incrementAndGet();
            CountDownLatch g = gate;
            if (g != null) {
                try {
                    if (!g.await(10, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("gate not opened");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            calls.incrementAndGet();
            return VerifyPool.BCRYPT.verify(password, hash);
        }
    }
}
