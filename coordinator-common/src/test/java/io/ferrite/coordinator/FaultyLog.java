package io.ferrite.coordinator;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A real coordinator log whose appends a test can make fail (as on a full disk: nothing written) or hold
 * (written, but not yet durable) until it lets them go.
 */
public final class FaultyLog<R> implements CoordinatorLog<R> {
    private final CoordinatorLog<R> delegate;
    /** Appends fail at once while set. */
    public volatile boolean fail;
    /** While set, appends are written but complete only once this future does. */
    public volatile CompletableFuture<Void> hold;

    public FaultyLog(CoordinatorLog<R> delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletableFuture<Void> append(List<R> records) {
        if (fail) {
            return CompletableFuture.failedFuture(new IOException("No space left on device"));
        }
        CompletableFuture<Void> written = delegate.append(records);
        CompletableFuture<Void> gate = hold;
        return gate == null ? written : written.thenCombine(gate, (a, b) -> null);
    }

    @Override
    public void replay(Consumer<R> sink) {
        delegate.replay(sink);
    }

    @Override
    public long bytesBehind() {
        return delegate.bytesBehind();
    }

    @Override
    public CompletableFuture<Void> compact(List<R> live) {
        return delegate.compact(live);
    }
}
