package io.ferrite.storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Sync-mode durability: each append hands in a request carrying a future; the service thread commits
 * (when a write-buffer pool is used) and fsyncs once for every request waiting at that moment, then
 * completes the futures it covered. One fsync serves many appends: group commit.
 *
 * <p>Before each fsync it may wait a moment, up to {@code store.group.commit.gather.us}, until as many
 * requests wait as the last fsync served. With many appenders in flight, those released by one fsync
 * re-append within microseconds; without the wait they would always miss the next fsync and the appenders
 * would settle into two halves taking turns, each fsync serving half of them. With one appender the last
 * round was one request, and there is never a wait.
 *
 * <p>It is the only writer of the CommitLog's committed and flushed positions in sync mode.
 */
final class GroupCommitService implements Agent {
    private static final Logger LOG = LogManager.getLogger(GroupCommitService.class);
    private record Request(long endPosition, AppendResult result, CompletableFuture<AppendResult> future) {
    }

    private static final long GATHER_POLL_NANOS = 5_000;

    private final CommitLog log;
    private final boolean commitFirst;
    private volatile long gatherNanos;
    private final Consumer<StoreException> onFailure;
    private final Supplier<StoreObserver> observer;
    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
    private volatile ServiceRunner runner;
    private volatile boolean stopped;
    private volatile StoreException failure;
    private int lastRound;

    /**
     * @param gatherMicros longest wait for the last round's number of requests before an fsync; 0 never waits
     * @param onFailure    told of a failed fsync, which takes the store offline
     * @param observer     told of each round's size and fsync time
     */
    GroupCommitService(CommitLog log, boolean commitFirst, long gatherMicros, Consumer<StoreException> onFailure,
                       Supplier<StoreObserver> observer) {
        this.log = log;
        this.observer = observer;
        this.commitFirst = commitFirst;
        this.gatherNanos = TimeUnit.MICROSECONDS.toNanos(gatherMicros);
        this.onFailure = onFailure;
    }

    @Override
    public String roleName() {
        return "ferrite-group-commit";
    }

    void attach(ServiceRunner runner) {
        this.runner = runner;
    }

    /** A future that completes with {@code result} once the bytes before {@code endPosition} are on disk. */
    CompletableFuture<AppendResult> submit(AppendResult result, long endPosition) {
        CompletableFuture<AppendResult> f = new CompletableFuture<>();
        requests.add(new Request(endPosition, result, f));
        StoreException failed = failure;
        if (failed != null) { // offline: checked after adding, so failPending cannot miss this one
            failPending(failed);
            return f;
        }
        if (stopped) {
            settleAfterStop(); // an append that raced the stop: answered here, never left waiting
            return f;
        }
        ServiceRunner r = runner;
        if (r != null) {
            r.wakeUp();
        }
        return f;
    }

    int pending() {
        return requests.size();
    }

    @Override
    public int doWork() {
        if (requests.isEmpty()) {
            return 0;
        }
        gather();
        List<Request> batch = new ArrayList<>();
        for (Request r; (r = requests.poll()) != null; ) {
            batch.add(r);
        }
        lastRound = batch.size();
        long flushed;
        long start = System.nanoTime();
        try {
            if (commitFirst) {
                log.commit();
            }
            flushed = log.flush();
        } catch (Throwable e) { // an Error too: the appends waiting on this fsync must hear of it
            StoreException failure = e instanceof IOException io
                    ? StoreException.fromIo("fsync failed", log.files().dir(), io)
                    : new StoreException(StoreException.Category.IO, "fsync failed", e);
            onFailure.accept(failure);
            batch.forEach(r -> r.future.completeExceptionally(failure));
            if (e instanceof Error error) {
                throw error; // the thread dies (ServiceRunner), and the store is offline already
            }
            return batch.size();
        }
        observed(batch.size(), System.nanoTime() - start);
        for (Request r : batch) {
            if (r.endPosition <= flushed) {
                r.future.complete(r.result);
            } else {
                requests.add(r); // appended after the flush began: the next round covers it
            }
        }
        return batch.size();
    }

    /** The metrics hear of the round; whatever they throw is theirs, never an fsync failure. */
    private void observed(int appends, long nanos) {
        try {
            observer.get().groupCommitted(appends, nanos);
        } catch (RuntimeException e) {
            LOG.warn("the store's observer failed: {}", e.toString());
        }
    }

    private void gather() {
        long deadline = System.nanoTime() + gatherNanos;
        while (lastRound > 1 && requests.size() < lastRound && System.nanoTime() < deadline) {
            LockSupport.parkNanos(GATHER_POLL_NANOS);
        }
    }

    /** Flushes until nothing waits, so every append acknowledged before stop is durable. */
    @Override
    public void onClose() {
        while (!requests.isEmpty()) {
            doWork();
        }
        stopped = true;
        settleAfterStop();
    }

    /**
     * The store went offline: what waits is failed with {@code failure}, and so is what comes later, since no
     * fsync may count for it any more.
     */
    void failPending(StoreException failure) {
        this.failure = failure;
        for (Request r; (r = requests.poll()) != null; ) {
            r.future.completeExceptionally(failure);
        }
    }

    /** Completes what is already durable and fails the rest: no fsync will come for it any more. */
    private void settleAfterStop() {
        long flushed = log.files().flushedPosition();
        for (Request r; (r = requests.poll()) != null; ) {
            if (r.endPosition <= flushed) {
                r.future.complete(r.result);
            } else {
                r.future.completeExceptionally(new StoreException(StoreException.Category.CLOSED,
                        "the store stopped before this append was flushed"));
            }
        }
    }

    /** {@code store.group.commit.gather.us} changed while the store runs; the next round uses it. */
    void gatherMicros(long micros) {
        this.gatherNanos = TimeUnit.MICROSECONDS.toNanos(micros);
    }
}
