package io.ferrite.coordinator;

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
 * The one thread of a coordinator ({@code ferrite-<name>}, started and stopped by its owner), on which all of
 * its state lives and changes, so the state needs no locks. Requests come in through {@link #call}. A request
 * that changes state applies its records to the state as replay would and hands them, with its response, to
 * {@link #write}; the response is given once the records are durable (a response never promises what a crash
 * could take back), as in Kafka's coordinator runtime.
 *
 * <p>If an append fails, memory says more than the log: the runtime then rolls back by reloading every state
 * from the log, once the appends still in flight have settled ({@link CoordinatorState#unload}, then replay).
 * The state applied first and rolled back on failure, rather than applied once durable, because a request that
 * follows must see what the one before it changed (a group being deleted cannot take a new member meanwhile);
 * Kafka reverts a snapshot of its timeline structures for the same reason.
 *
 * <p>Timers (session and rebalance timeouts, expiry) run here too, by the injected clock, so tests can move
 * time by hand. On start the log is replayed into every state before any request runs. The log is compacted
 * when it holds more than {@code compactAfterBytes} of storage from deletion.
 *
 * @param <R> the coordinator's record type
 */
public final class CoordinatorRuntime<R> implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(CoordinatorRuntime.class);
    private static final long COMPACTION_CHECK_MS = 10_000;

    private final String name;
    private final CoordinatorLog<R> log;
    private final Clock clock;
    private final long compactAfterBytes;
    private final ScheduledThreadPoolExecutor thread;
    private final Map<String, Timer> timers = new HashMap<>();
    private List<CoordinatorState<R>> states = List.of();
    private Thread owner;
    private boolean compacting;
    /** Appends not yet durable or failed, and whether one failed: a roll-back waits for the rest to settle. */
    private int appending;
    private boolean rollBackWanted;

    private record Timer(long deadline, Runnable task) {
    }

    /** A runtime whose thread is named {@code ferrite-<name>}, e.g. {@code group-coordinator}. */
    public CoordinatorRuntime(String name, CoordinatorLog<R> log, Clock clock, long compactAfterBytes) {
        this.name = name;
        this.log = log;
        this.clock = clock;
        this.compactAfterBytes = compactAfterBytes;
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ferrite-" + name);
            t.setDaemon(true);
            return t;
        });
        thread.setRemoveOnCancelPolicy(true);
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // pending timers die with the runtime
    }

    /** Replays the log into {@code states} (waiting for it), then starts the periodic compaction check. */
    public void start(List<? extends CoordinatorState<R>> states) {
        this.states = List.copyOf(states);
        call(() -> {
            owner = Thread.currentThread();
            load();
            return CompletableFuture.completedFuture(null);
        }).join();
        thread.scheduleWithFixedDelay(this::maybeCompact, COMPACTION_CHECK_MS, COMPACTION_CHECK_MS,
                TimeUnit.MILLISECONDS);
    }

    private void load() {
        int[] n = {0};
        log.replay(r -> {
            n[0]++;
            for (CoordinatorState<R> s : states) {
                s.replay(r);
            }
        });
        for (CoordinatorState<R> s : states) {
            s.loaded();
        }
        LOG.info("{} loaded {} records", name, n[0]);
    }

    /** Runs {@code op} on the coordinator thread; the result completes when the future it returns does. */
    public <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> op) {
        try {
            return CompletableFuture.supplyAsync(op, thread).thenCompose(f -> f);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(closed());
        }
    }

    public long now() {
        return clock.millis();
    }

    /**
     * Appends the result's records, already applied to the state. The future completes with the response on the
     * coordinator thread once they are durable, so what runs after it may touch state freely; if the append
     * fails it fails with the cause, and the state is then rolled back to the log.
     */
    public <T> CompletableFuture<T> write(CoordinatorResult<R, T> result) {
        assertOnThread();
        if (result.records().isEmpty()) {
            return CompletableFuture.completedFuture(result.response());
        }
        CompletableFuture<T> out = new CompletableFuture<>();
        appending++;
        log.append(result.records()).whenComplete((v, e) -> onThread(() -> {
            appending--;
            if (e != null) {
                LOG.error("{} could not write {} records; its state goes back to its log", name,
                        result.records().size(), e);
                rollBackWanted = true;
                out.completeExceptionally(e);
            } else {
                out.complete(result.response());
            }
            if (rollBackWanted && appending == 0) {
                rollBack();
            }
            maybeCompact();
        }, () -> out.completeExceptionally(closed())));
        return out;
    }

    /** As {@link #write(CoordinatorResult)}, with no response. */
    public CompletableFuture<Void> write(List<R> records) {
        return write(CoordinatorResult.of(records));
    }

    /** Reloads every state from the log: what a failed append applied is gone, as after a restart. */
    private void rollBack() {
        rollBackWanted = false;
        for (CoordinatorState<R> s : states) {
            s.unload();
        }
        timers.clear(); // the states' timers start again in loaded()
        try {
            load();
        } catch (RuntimeException e) {
            // The log cannot be read back: answering from a state it does not hold would be worse than stopping.
            LOG.error("{} could not reload its log after a failed write; it stops", name, e);
            thread.shutdownNow();
        }
    }

    /** Runs {@code task} on the coordinator thread {@code delayMs} from now, replacing any timer of that key. */
    public void schedule(String key, long delayMs, Runnable task) {
        assertOnThread();
        timers.put(key, new Timer(clock.millis() + delayMs, task));
        wakeUpIn(delayMs);
    }

    public void cancel(String key) {
        assertOnThread();
        timers.remove(key);
    }

    public boolean hasTimer(String key) {
        return timers.containsKey(key);
    }

    /** Runs every timer whose deadline has passed by the clock; the real wake-ups call this, tests may too. */
    public void runDueTimers() {
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
                LOG.error("a {} timer failed", name, e);
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
        if (compacting || rollBackWanted || log.bytesBehind() <= compactAfterBytes) {
            return;
        }
        List<R> live = new ArrayList<>();
        for (CoordinatorState<R> s : states) {
            s.snapshot(live);
        }
        compacting = true;
        LOG.info("compacting the {} log: {} live records", name, live.size());
        log.compact(live).whenComplete((v, e) -> onThread(() -> {
            compacting = false;
            if (e != null) {
                LOG.error("compacting the {} log failed", name, e);
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
            throw new IllegalStateException(name + " state is changed on its own thread only");
        }
    }

    private IllegalStateException closed() {
        return new IllegalStateException("the " + name + " is closed");
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
