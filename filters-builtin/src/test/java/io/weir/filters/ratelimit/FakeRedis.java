package io.weir.filters.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Connections and a runner that record what the filter asks; the test answers. */
final class FakeRedis implements Connections, ScriptRunner {
    record Call(Script script, String key, List<String> args, Duration timeout, Callback callback) {
        void reply(long allowed, long remaining, long ms) {
            callback.onReply(
                    new Reply.Multi(
                            List.of(
                                    new Reply.Int(allowed),
                                    new Reply.Int(remaining),
                                    new Reply.Int(ms))));
        }
    }

    final List<Call> calls = new ArrayList<>();
    final Map<RedisTarget, Integer> held = new HashMap<>();
    volatile boolean down;

    @Override
    public synchronized ScriptRunner acquire(RedisTarget target) {
        held.merge(target, 1, Integer::sum);
        return this;
    }

    @Override
    public synchronized void release(RedisTarget target) {
        held.merge(target, -1, Integer::sum);
        held.remove(target, 0);
    }

    @Override
    public boolean down() {
        return down;
    }

    @Override
    public synchronized void evalsha(
            Script script, String key, List<String> args, Duration timeout, Callback callback) {
        calls.add(new Call(script, key, List.copyOf(args), timeout, callback));
    }

    synchronized Call last() {
        return calls.get(calls.size() - 1);
    }
}
