package io.ferrite.coordinator;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Where a coordinator's records are kept: appended in order, read back in order on load, and compacted by
 * writing what is live again. {@link StoreCoordinatorLog} keeps them in a pinned partition of this broker's
 * store; a replicated log can take its place without the runtime knowing. Called from the coordinator's
 * thread only.
 *
 * @param <R> the coordinator's record type
 */
public interface CoordinatorLog<R> {
    /** Appends the records as one batch; the future completes when it is durable, or fails. */
    CompletableFuture<Void> append(List<R> records);

    /** Feeds every record from the log start to the end to {@code sink}, in order. */
    void replay(Consumer<R> sink);

    /** Bytes of storage this log keeps from deletion; the runtime compacts when it grows past a limit. */
    long bytesBehind();

    /** Writes {@code live} (every record that still matters) at the tail and drops what came before. */
    CompletableFuture<Void> compact(List<R> live);
}
