package io.ferrite.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one piece of start-up work per item on a few short-lived threads ({@code ferrite-store-open-N}), for the
 * per-partition work of opening a store: with thousands of partitions, start-up is mostly listing directories,
 * opening and mapping files, each waiting on a system call, which a few threads overlap. The threads exist only
 * while {@link #forEach} runs.
 */
final class OpenWorkers {
    /** Enough to overlap the system calls; more only contend on the directory and mapping locks. */
    static final int THREADS = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
    /** Below this, the threads cost more than they save. */
    private static final int MIN_ITEMS = 64;

    @FunctionalInterface
    interface Work<T> {
        void run(int index, T item) throws IOException;
    }

    private OpenWorkers() {
    }

    /** Runs {@code work} on every item, each once, and returns when all are done; the first failure is rethrown. */
    static <T> void forEach(List<T> items, Work<T> work) throws IOException {
        if (items.size() < MIN_ITEMS) {
            for (int i = 0; i < items.size(); i++) {
                work.run(i, items.get(i));
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS,
                r -> new Thread(r, "ferrite-store-open-" + threadNumber.incrementAndGet()));
        try {
            Future<?>[] running = new Future<?>[THREADS];
            for (int t = 0; t < THREADS; t++) {
                running[t] = pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < items.size(); i = next.getAndIncrement()) {
                        try {
                            work.run(i, items.get(i));
                        } catch (IOException e) {
                            next.set(items.size()); // the others stop at their next item
                            throw new UncheckedIOException(e);
                        }
                    }
                    return null;
                });
            }
            for (Future<?> f : running) {
                f.get();
            }
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening the store", e);
        } finally {
            pool.shutdownNow();
        }
    }
}
