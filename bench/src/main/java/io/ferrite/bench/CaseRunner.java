package io.ferrite.bench;

import io.ferrite.launcher.ChildProcess;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one {@link Workload} against a fresh store and measures it.
 *
 * <p>Appenders: each logical appender has exactly one append in flight (it issues the next only when the
 * previous future completes), picking partitions round-robin from its own starting point. In sync mode the
 * only way for appenders to share an fsync is therefore group commit. A single appender is one thread that
 * waits on each future. Several appenders run the way a broker's Netty event loops would drive the store:
 * they share one loop thread per core, an append is issued on the appender's loop, and its completion
 * schedules the appender's next append back onto that loop. (One thread per appender would measure 64
 * threads contending for 2 cores, which no broker does.)
 *
 * <p>Phases: open the store, create the partitions, append one batch to each (so the first CommitLog file
 * and every ConsumeQueue file exist before timing starts), then a warm-up, then the measured window.
 * Throughput counts batches completed between two snapshots; latency (append call to future completion)
 * is recorded only inside the window.
 */
final class CaseRunner {
    /** Distinct batches per size; appenders cycle through them, so the same buffers are appended repeatedly. */
    private static final int BATCH_SET = 16;
    private static final long STOP_TIMEOUT_SECONDS = 60;

    private final int commitLogFileSize;
    private final double warmupSeconds;
    private final double measureSeconds;

    CaseRunner(int commitLogFileSize, double warmupSeconds, double measureSeconds) {
        this.commitLogFileSize = commitLogFileSize;
        this.warmupSeconds = warmupSeconds;
        this.measureSeconds = measureSeconds;
    }

    /** Thrown when the store misbehaves: an append fails, appenders hang, or offsets do not add up. */
    static final class StoreFailure extends RuntimeException {
        StoreFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Runs {@code w} with its store in {@code caseDir}; the caller deletes the directory. */
    Result run(Workload w, Path caseDir) {
        ByteBuffer[] batches = Batches.build(w.batchSize(), BATCH_SET, w.batchSize());
        int recordsPerBatch = Batches.recordCount(batches[0]);
        long setupStart = System.nanoTime();
        try (Store store = Store.open(w.config(caseDir, commitLogFileSize), Clock.systemUTC())) {
            PartitionKey[] keys = new PartitionKey[w.partitions()];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = new PartitionKey("bench", i);
            }
            store.createPartitions(List.of(keys));
            prime(store, keys, batches[0]);
            double setupSeconds = (System.nanoTime() - setupStart) / 1e9;

            Appender[] appenders = new Appender[w.appenders()];
            AtomicReference<Throwable> failure = new AtomicReference<>();
            int loops = w.appenders() == 1 ? 0 : Math.min(w.appenders(), Runtime.getRuntime().availableProcessors());
            List<ExecutorService> loopThreads = new ArrayList<>();
            for (int i = 0; i < loops; i++) {
                loopThreads.add(Executors.newSingleThreadExecutor(named("loop-" + i)));
            }
            CountDownLatch stopped = new CountDownLatch(appenders.length);
            for (int i = 0; i < appenders.length; i++) {
                appenders[i] = new Appender(store, keys, (int) ((long) i * keys.length / appenders.length),
                        batches, failure, loops == 0 ? null : loopThreads.get(i % loops), stopped);
            }
            if (loops == 0) {
                named("appender-0").newThread(appenders[0]::runBlocking).start();
            } else {
                for (int i = 0; i < appenders.length; i++) {
                    loopThreads.get(i % loops).execute(appenders[i]);
                }
            }

            sleep(warmupSeconds, failure);
            long before = sum(appenders);
            long t0 = System.nanoTime();
            for (Appender a : appenders) {
                a.recording = true;
            }
            sleep(measureSeconds, failure);
            long after = sum(appenders);
            long t1 = System.nanoTime();
            for (Appender a : appenders) {
                a.recording = false;
                a.stop = true;
            }
            awaitStopped(stopped, w);
            loopThreads.forEach(ExecutorService::shutdown);
            if (failure.get() != null) {
                throw new StoreFailure("an append failed in case " + w.name(), failure.get());
            }

            long appended = keys.length + sum(appenders);
            checkOffsets(store, keys, appended * recordsPerBatch, w);

            LatencyHistogram latency = new LatencyHistogram();
            for (Appender a : appenders) {
                latency.merge(a.latency);
            }
            double seconds = (t1 - t0) / 1e9;
            long measured = after - before;
            return new Result(w, batches[0].remaining(), recordsPerBatch, seconds, measured,
                    measured * batches[0].remaining() / seconds / 1e6, measured / seconds,
                    latency.percentile(0.50), latency.percentile(0.99), latency.percentile(0.999), latency.max(),
                    setupSeconds);
        }
    }

    /** One append per partition, all in flight at once, so setup does not wait an fsync per partition. */
    private static void prime(Store store, PartitionKey[] keys, ByteBuffer batch) {
        List<CompletableFuture<?>> futures = new ArrayList<>(keys.length);
        for (PartitionKey k : keys) {
            futures.add(store.append(k, batch.duplicate(), 0, false));
        }
        CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).join();
    }

    /** Every batch the store acknowledged must show up as offsets: their sum is the record count. */
    private static void checkOffsets(Store store, PartitionKey[] keys, long expectedRecords, Workload w) {
        long total = 0;
        for (PartitionKey k : keys) {
            total += store.logEndOffset(k) - store.logStartOffset(k);
        }
        if (total != expectedRecords) {
            throw new StoreFailure("case " + w.name() + ": partitions hold " + total + " records, but "
                    + expectedRecords + " were acknowledged", null);
        }
    }

    private static long sum(Appender[] appenders) {
        long s = 0;
        for (Appender a : appenders) {
            s += a.done.get();
        }
        return s;
    }

    private static void sleep(double seconds, AtomicReference<Throwable> failure) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        for (long left; (left = end - System.nanoTime()) > 0 && failure.get() == null; ) {
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(left, 50_000_000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** Appenders stop after their current append; one that does not within the timeout is a hang. */
    private static void awaitStopped(CountDownLatch stopped, Workload w) {
        try {
            if (!stopped.await(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                System.err.println(threadDump());
                throw new StoreFailure("case " + w.name() + ": " + stopped.getCount() + " appenders still wait for"
                        + " their append " + STOP_TIMEOUT_SECONDS + " s after stop (thread dump above)", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static ThreadFactory named(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    static String threadDump() {
        StringBuilder sb = new StringBuilder("thread dump:\n");
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            sb.append('"').append(e.getKey().getName()).append("\" ").append(e.getKey().getState()).append('\n');
            for (StackTraceElement el : e.getValue()) {
                sb.append("    at ").append(el).append('\n');
            }
        }
        return sb.toString();
    }

    /** Deletes a case directory and everything in it. */
    static void deleteTree(Path dir) {
        try {
            ChildProcess.deleteTree(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    /** One logical appender: exactly one append in flight. */
    private static final class Appender implements Runnable {
        private final Store store;
        private final PartitionKey[] keys;
        private final ByteBuffer[] batches;
        private final AtomicReference<Throwable> failure;
        private final Executor loop;
        private final CountDownLatch stopped;
        private final AtomicLong done = new AtomicLong();
        private final LatencyHistogram latency = new LatencyHistogram();
        private int next;
        private long n;
        volatile boolean recording;
        volatile boolean stop;

        Appender(Store store, PartitionKey[] keys, int first, ByteBuffer[] shared, AtomicReference<Throwable> failure,
                 Executor loop, CountDownLatch stopped) {
            this.store = store;
            this.keys = keys;
            this.next = first;
            this.failure = failure;
            this.loop = loop;
            this.stopped = stopped;
            // Own views of the shared bytes: append reads position and limit, and must not see another thread's.
            this.batches = new ByteBuffer[shared.length];
            for (int i = 0; i < shared.length; i++) {
                batches[i] = shared[i].duplicate();
            }
        }

        private CompletableFuture<?> issue() {
            PartitionKey key = keys[next];
            next = next + 1 == keys.length ? 0 : next + 1;
            return store.append(key, batches[(int) (n % batches.length)], 0, false);
        }

        private void completed(long start) {
            if (recording) {
                latency.record(System.nanoTime() - start);
            }
            done.lazySet(++n);
        }

        /** The single-appender driver: a thread that waits on each append. */
        void runBlocking() {
            try {
                while (!stop && failure.get() == null) {
                    long start = System.nanoTime();
                    issue().join();
                    completed(start);
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                stopped.countDown();
            }
        }

        /** The event-loop driver: one append, whose completion puts the next back on this appender's loop. */
        @Override
        public void run() {
            if (stop || failure.get() != null) {
                stopped.countDown();
                return;
            }
            long start = System.nanoTime();
            try {
                issue().whenComplete((r, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        completed(start);
                    }
                    loop.execute(this);
                });
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
                stopped.countDown();
            }
        }
    }
}
