package io.ferrite.server.log;

import io.ferrite.storage.PartitionKey;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Fetches waiting for data: each waits on some partitions until an append to one of them, or its deadline,
 * whichever comes first, and then runs its retry once. The deadline timer runs on one named thread,
 * {@code ferrite-fetch-timer}, closed with the broker.
 */
final class FetchWaiters implements AutoCloseable {
    /** One waiting fetch; {@link #fire()} runs its retry at most once. */
    static final class Waiter {
        private final Runnable retry;
        private final AtomicBoolean fired = new AtomicBoolean();
        private volatile Collection<PartitionKey> keys = Set.of();

        Waiter(Runnable retry) {
            this.retry = retry;
        }

        boolean fire() {
            if (fired.compareAndSet(false, true)) {
                retry.run();
                return true;
            }
            return false;
        }
    }

    private final ConcurrentHashMap<PartitionKey, Set<Waiter>> byPartition = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ferrite-fetch-timer");
        t.setDaemon(true);
        return t;
    });

    /** Parks {@code w} on {@code keys} until an append to one of them or {@code maxWaitMs} passes. */
    void await(Waiter w, Collection<PartitionKey> keys, long maxWaitMs) {
        w.keys = keys;
        for (PartitionKey k : keys) {
            byPartition.computeIfAbsent(k, x -> ConcurrentHashMap.newKeySet()).add(w);
        }
        timer.schedule(() -> release(w), maxWaitMs, TimeUnit.MILLISECONDS);
    }

    /** Stops {@code w} waiting, without running its retry: nobody wants its answer any more. */
    void forget(Waiter w) {
        w.fired.set(true);
        for (PartitionKey k : w.keys) {
            Set<Waiter> ws = byPartition.get(k);
            if (ws != null) {
                ws.remove(w);
            }
        }
    }

    /** Called after an append: every fetch waiting on the partition retries now. */
    void appended(PartitionKey key) {
        Set<Waiter> ws = byPartition.get(key);
        if (ws == null || ws.isEmpty()) {
            return;
        }
        for (Waiter w : ws.toArray(new Waiter[0])) {
            timer.execute(() -> release(w)); // not on the appending thread: a retry reads and encodes
        }
    }

    private void release(Waiter w) {
        for (PartitionKey k : w.keys) {
            Set<Waiter> ws = byPartition.get(k);
            if (ws != null) {
                ws.remove(w);
            }
        }
        w.fire();
    }

    int waiting() {
        return byPartition.values().stream().mapToInt(Set::size).sum();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
