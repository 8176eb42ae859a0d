package io.ferrite.txn;

import java.util.EnumSet;
import java.util.Set;

/**
 * The states of a transactional id, with Kafka's ids (as its transaction log and DescribeTransactions carry
 * them) and the states each may follow.
 *
 * <pre>
 *   Empty ──add──▶ Ongoing ──EndTxn(commit)──▶ PrepareCommit ──markers──▶ CompleteCommit ─┐
 *     ▲               │  └──EndTxn(abort), fence, timeout──▶ PrepareAbort ──markers──▶ CompleteAbort ─┤
 *     └──InitProducerId (epoch bump)──────────────────────────────────────────────────────────────┘
 * </pre>
 *
 * An id that is Empty or complete may also expire (Dead). PrepareEpochFence is Kafka's pending-only step on
 * the way from Ongoing to PrepareAbort; it is never written, and here never held.
 */
public enum TransactionState {
    EMPTY(0, "Empty"),
    ONGOING(1, "Ongoing"),
    PREPARE_COMMIT(2, "PrepareCommit"),
    PREPARE_ABORT(3, "PrepareAbort"),
    COMPLETE_COMMIT(4, "CompleteCommit"),
    COMPLETE_ABORT(5, "CompleteAbort"),
    DEAD(6, "Dead"),
    PREPARE_EPOCH_FENCE(7, "PrepareEpochFence");

    private final byte id;
    private final String kafkaName;

    TransactionState(int id, String kafkaName) {
        this.id = (byte) id;
        this.kafkaName = kafkaName;
    }

    public byte id() {
        return id;
    }

    /** The name DescribeTransactions and ListTransactions use. */
    public String kafkaName() {
        return kafkaName;
    }

    /** The state Kafka calls {@code name} (case-sensitive, as ListTransactions filters take it), or null. */
    public static TransactionState ofKafkaName(String name) {
        for (TransactionState s : values()) {
            if (s.kafkaName.equals(name)) {
                return s;
            }
        }
        return null;
    }

    public static TransactionState of(byte id) {
        for (TransactionState s : values()) {
            if (s.id == id) {
                return s;
            }
        }
        throw new IllegalArgumentException("no transaction state has id " + id);
    }

    /** The states this one may follow (Kafka's transitions). */
    public Set<TransactionState> validPrevious() {
        return switch (this) {
            case EMPTY -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case ONGOING -> EnumSet.of(ONGOING, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_COMMIT -> EnumSet.of(ONGOING);
            case PREPARE_ABORT -> EnumSet.of(ONGOING, PREPARE_EPOCH_FENCE, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case COMPLETE_COMMIT -> EnumSet.of(PREPARE_COMMIT);
            case COMPLETE_ABORT -> EnumSet.of(PREPARE_ABORT);
            case DEAD -> EnumSet.of(EMPTY, COMPLETE_ABORT, COMPLETE_COMMIT);
            case PREPARE_EPOCH_FENCE -> EnumSet.of(ONGOING);
        };
    }

    /** Whether no transaction is open or being completed: a new one may start, and the id may expire. */
    public boolean isIdle() {
        return this == EMPTY || this == COMPLETE_COMMIT || this == COMPLETE_ABORT;
    }

    /** Whether markers are being written for the transaction (its result decided, not yet complete). */
    public boolean isPreparing() {
        return this == PREPARE_COMMIT || this == PREPARE_ABORT;
    }
}
