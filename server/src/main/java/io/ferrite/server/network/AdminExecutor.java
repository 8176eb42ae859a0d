package io.ferrite.server.network;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The thread {@code ferrite-admin}, where requests that change the topic registry run: each change
 * fsyncs a file and creates or deletes store files, which must not stall a network thread and every
 * connection on it. One thread, so registry changes also happen one at a time, in arrival order.
 */
public final class AdminExecutor implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(AdminExecutor.class);

    private final ExecutorService thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "ferrite-admin");
                t.setDaemon(true);
                return t;
            });

    /**
     * The handler, run on this thread. Only for APIs whose requests carry no records: their decoded bodies
     * own all their data, so they outlive the frame the dispatcher releases when {@code handle} returns.
     */
    public <Q extends ApiMessage> ApiHandler<Q> offload(ApiHandler<Q> handler) {
        return (context, request) -> run(() -> handler.handle(context, request));
    }

    /** Runs {@code work} here; the result completes when the future {@code work} returns does. */
    public <T> CompletableFuture<T> run(Supplier<? extends CompletableFuture<? extends T>> work) {
        try {
            return CompletableFuture.supplyAsync(work, thread).thenCompose(f -> f.<T>thenApply(r -> r));
        } catch (RejectedExecutionException e) { // closing: the request fails, its connection closes
            return CompletableFuture.failedFuture(new IllegalStateException("the broker is shutting down", e));
        }
    }

    /** Lets queued work finish (bounded), then stops the thread. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("admin work still running after 30 s; stopping it");
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
