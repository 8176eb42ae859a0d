package io.ferrite.server.group;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The thread {@code ferrite-group-coordinator}, on which all group state lives and changes, so the state
 * needs no locks. Requests come in through {@link #call}; they change state, hand their records to
 * {@link #write}, and answer once the write is durable (Kafka's coordinator does the same: a response never
 * promises what a crash could take back). Timers (session and rebalance timeouts) run here too, by the
 * injected clock, so tests can move time by hand.
 *
 * <p>On start the log is replayed into every {@link CoordinatorState} before any request runs. The log is
 * compacted when it holds more than {@code compactAfterBytes} of CommitLog from deletion.
 */
public final class CoordinatorRuntime implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(CoordinatorRuntime.class);
    private static final long COMPACTION_CHECK_MS = 10_000;

    private final CoordinatorLog log;
    private final Clock clock;
    private List<CoordinatorState> states = List.of();
    private final long compactAfterBytes;
    private final ScheduledThreadPoolExecutor thread;
    private final Map<String, Timer> timers = new HashMap<>();
    private Thread owner;
    private boolean compacting;

    private record Timer(long deadline, Runnable task) {
    }

    CoordinatorRuntime(CoordinatorLog log, Clock clock, long compactAfterBytes) {
        this.log = log;
        this.clock = clock;
        this.compactAfterBytes = compactAfterBytes;
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ferrite-group-coordinator");
            t.setDaemon(true);
            return t;
        });
        thread.setRemoveOnCancelPolicy(true);
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // pending timers die with the runtime
    }

    /** Replays the log into {@code states} (waiting for it), then starts the periodic compaction check. */
    void start(List<CoordinatorState> states) {
        this.states = List.copyOf(states);
        call(() -> {
            owner = Thread.currentThread();
            int[] n = {0};
            log.replay(r -> {
                n[0]++;
                for (CoordinatorState s : states) {
                    s.replay(r);
                }
            });
            for (CoordinatorState s : states) {
                s.loaded();
            }
            LOG.info("group coordinator loaded {} records", n[0]);
            return CompletableFuture.completedFuture(null);
        }).join();
        thread.scheduleWithFixedDelay(this::maybeCompact, COMPACTION_CHECK_MS, COMPACTION_CHECK_MS,
                TimeUnit.MILLISECONDS);
    }

    /** Runs {@code op} on the coordinator thread; the result completes when the future it returns does. */
    public <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> op) {
        try {
            return CompletableFuture.supplyAsync(op, thread).thenCompose(f -> f);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("the group coordinator is closed"));
        }
    }

    long now() {
        return clock.millis();
    }

    /**
     * Appends records to the log. The future completes on the coordinator thread once they are durable (or
     * the append failed), so what runs after it may touch state freely.
     */
    CompletableFuture<Void> write(List<CoordinatorRecord> records) {
        assertOnThread();
        CompletableFuture<Void> out = new CompletableFuture<>();
        log.append(records).whenComplete((v, e) -> onThread(() -> {
            if (e != null) {
                LOG.error("the group coordinator could not write {} records", records.size(), e);
                out.completeExceptionally(e);
            } else {
                out.complete(null);
                maybeCompact();
            }
        }, () -> out.completeExceptionally(new IllegalStateException("the group coordinator is closed"))));
        return out;
    }

    /** Runs {@code task} on the coordinator thread {@code delayMs} from now, replacing any timer of that key. */
    void schedule(String key, long delayMs, Runnable task) {
        assertOnThread();
        timers.put(key, new Timer(clock.millis() + delayMs, task));
        wakeUpIn(delayMs);
    }

    void cancel(String key) {
        assertOnThread();
        timers.remove(key);
    }

    boolean hasTimer(String key) {
        return timers.containsKey(key);
    }

    /** Runs every timer whose deadline has passed by the clock; the real wake-ups call this, tests may too. */
    void runDueTimers() {
        assertOnThread();
        long now = clock.millis();
        List<Runnable> due = new ArrayList<>();
        long next = Long.MAX_VALUE;
        for (Iterator<Timer> it = timers.values().iterator(); it.hasNext(); ) {
            Timer t = it.next();
            if (t.deadline <= now) {
                due.add(t.task);
                it.remove();
            } else {
                next = Math.min(next, t.deadline);
            }
        }
        for (Runnable r : due) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.error("a group coordinator timer failed", e);
            }
        }
        if (next != Long.MAX_VALUE) {
            wakeUpIn(next - now); // a wake-up that came a little early by the clock comes again
        }
    }

    private void wakeUpIn(long delayMs) {
        try {
            thread.schedule(this::runDueTimers, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing: timers no longer matter
        }
    }

    private void maybeCompact() {
        if (compacting || log.bytesBehind() <= compactAfterBytes) {
            return;
        }
        List<CoordinatorRecord> live = new ArrayList<>();
        for (CoordinatorState s : states) {
            s.snapshot(live);
        }
        compacting = true;
        LOG.info("compacting the group coordinator log: {} live records", live.size());
        log.compact(live).whenComplete((v, e) -> onThread(() -> {
            compacting = false;
            if (e != null) {
                LOG.error("compacting the group coordinator log failed", e);
            }
        }, () -> { }));
    }

    private void onThread(Runnable task, Runnable ifClosed) {
        try {
            thread.execute(task);
        } catch (RejectedExecutionException e) {
            ifClosed.run();
        }
    }

    private void assertOnThread() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("group state is changed on the coordinator thread only");
        }
    }

    /** Stops the thread after what is queued; a request arriving later fails. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
