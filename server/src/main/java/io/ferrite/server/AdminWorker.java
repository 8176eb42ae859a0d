package io.ferrite.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * The thread {@code ferrite-admin}, on which admin requests that wait for disk run (they fsync the topics
 * file or the checkpoint), so that no event loop waits for an fsync. One request at a time, in arrival
 * order, so two admin changes never interleave. Closed with the broker, after the listener: a request
 * already running finishes before the store closes.
 */
final class AdminWorker implements AutoCloseable {
    private static final long CLOSE_WAIT_SECONDS = 30;

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "ferrite-admin");
        t.setDaemon(true);
        return t;
    });

    /** Runs {@code work} on the admin thread; its result, or its exception, completes the returned future. */
    CompletableFuture<ApiMessage> submit(Supplier<ApiMessage> work) {
        try {
            return CompletableFuture.supplyAsync(work, thread);
        } catch (RejectedExecutionException e) { // closing
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
