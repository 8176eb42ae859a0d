package io.ferrite.storage;

import java.nio.ByteBuffer;

/**
 * The record-level half of cleaning, which the store leaves to its owner: the store knows batch headers only,
 * while reading keys and rewriting a batch without some of its records needs Kafka's record format (varints,
 * compression). The broker supplies it with kafka-clients; the decisions stay in the store's {@link Cleaner}.
 */
public interface RecordCleaning {
    /**
     * Calls {@code keys} with the key and offset of every record that has a key in {@code batch} (one v2 batch,
     * not a control batch), in offset order, until it returns false. Returns false if it was stopped.
     */
    boolean forEachKey(ByteBuffer batch, KeyVisitor keys);

    /**
     * Rewrites {@code batch} keeping what {@code rules} say: the result is zero or more v2 batches back to back,
     * from position 0 to the limit of the buffer returned ({@code scratch}, or a larger one if it did not fit).
     * A batch whose records are all kept, and that needs no delete horizon, is kept byte for byte; a batch with a
     * tombstone kept, or a transaction marker the rules say may go, gets its delete horizon set to
     * {@code rules.now() + rules.deleteRetentionMs()} if it has none.
     */
    ByteBuffer filter(ByteBuffer batch, Rules rules, ByteBuffer scratch);

    @FunctionalInterface
    interface KeyVisitor {
        boolean visit(ByteBuffer key, long offset);
    }

    /** What becomes of a batch as a whole. */
    enum BatchRule {
        /** Gone, records and all. */
        DROP,
        /** Its records are each asked about; if none is kept, the batch goes. */
        FILTER,
        /** As FILTER, but if none is kept an empty batch with the same header fields stays (a producer's last). */
        FILTER_KEEP_EMPTY
    }

    /**
     * What becomes of one batch: its rule, and whether it is a transaction marker with nothing of its transaction
     * left, whose delete horizon starts now if it has none (Kafka's rule: the marker goes once that has passed).
     */
    record BatchDecision(BatchRule rule, boolean markerMayGo) {
    }

    /** The cleaner's decisions, asked for while a batch is rewritten. */
    interface Rules {
        long now();

        long deleteRetentionMs();

        /**
         * For the batch {@code batch} holds (its header, and for a control batch its record). Asked once per batch,
         * in offset order: the answer for a transaction marker depends on the batches asked about before it.
         */
        BatchDecision batch(ByteBuffer batch);

        /**
         * Whether to keep one record of {@code batch}: its key (null when it has none), offset, whether it is a
         * tombstone, and its batch's delete horizon (-1 if none is set yet).
         */
        boolean keep(ByteBuffer batch, ByteBuffer key, long offset, boolean tombstone, long deleteHorizonMs);
    }
}
