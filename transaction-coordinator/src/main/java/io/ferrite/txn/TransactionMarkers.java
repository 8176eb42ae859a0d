package io.ferrite.txn;

import io.ferrite.txn.TransactionRecord.Metadata;
import java.util.concurrent.CompletableFuture;

/**
 * Writes a decided transaction's markers: a commit or abort control batch, under the producer id and epoch of
 * the prepared state, into every partition the transaction wrote to (and the commit or drop of its pending
 * offsets). The coordinator calls it once the decision is durable, again after a failure and again after a
 * restart, so writing the same markers twice must be harmless.
 */
@FunctionalInterface
public interface TransactionMarkers {
    /**
     * Completes once every marker is durable; fails if any could not be written (the coordinator retries).
     * Called on the coordinator's thread, so it must hand the writing off rather than wait for it.
     */
    CompletableFuture<Void> write(Metadata prepared);
}
