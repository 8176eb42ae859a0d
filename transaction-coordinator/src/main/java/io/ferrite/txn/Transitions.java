package io.ferrite.txn;

import io.ferrite.txn.TransactionRecord.Metadata;
import java.util.HashSet;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * How a transactional id's state changes for the requests of a transaction (version 1 of Kafka's transaction
 * protocol), as functions of its state: each returns the state to write, or null when the request is answered
 * without a change, or throws {@link Refused} with Kafka's error, checked in Kafka's order.
 */
final class Transitions {
    private Transitions() {
    }

    /** The producer's id and epoch must be the id's own. */
    private static void checkProducer(Metadata m, long producerId, short epoch) {
        if (m == null || producerId != m.producerId()) {
            throw new Refused(Errors.INVALID_PRODUCER_ID_MAPPING);
        }
        if (epoch != m.producerEpoch()) {
            throw new Refused(Errors.PRODUCER_FENCED);
        }
    }

    /** AddPartitionsToTxn (and AddOffsetsToTxn, with {@link #GROUP_OFFSETS}): the transaction holds them. */
    static Metadata addPartitions(Metadata m, long producerId, short epoch, Set<TopicPartition> partitions,
                                  short clientVersion, long now) {
        checkProducer(m, producerId, epoch);
        if (m.state().isPreparing()) {
            throw new Refused(Errors.CONCURRENT_TRANSACTIONS);
        }
        boolean open = m.state() == TransactionState.ONGOING;
        if (open && m.partitions().containsAll(partitions)) {
            return null;
        }
        Set<TopicPartition> all = new HashSet<>(m.partitions());
        all.addAll(partitions);
        return m.transitionTo(TransactionState.ONGOING, now)
                .withTransaction(all, open ? m.startTimestamp() : now, clientVersion);
    }

    /**
     * KIP-890's check that a producer's transaction is open and already holds {@code partitions}, before it may
     * write to them (or commit a group's offsets in it): nothing changes either way.
     */
    static void verify(Metadata m, long producerId, short epoch, Set<TopicPartition> partitions) {
        checkProducer(m, producerId, epoch);
        if (m.state().isPreparing()) {
            throw new Refused(Errors.CONCURRENT_TRANSACTIONS);
        }
        if (m.state() != TransactionState.ONGOING || !m.partitions().containsAll(partitions)) {
            throw new Refused(Errors.INVALID_TXN_STATE);
        }
    }

    /**
     * EndTxn before version 5: an open transaction is decided (its markers follow); a retry of a decision
     * already completed is answered NONE, one still being completed CONCURRENT_TRANSACTIONS; the other result,
     * or no transaction, INVALID_TXN_STATE.
     */
    static Metadata end(Metadata m, long producerId, short epoch, boolean commit, long now) {
        checkProducer(m, producerId, epoch);
        TransactionState same = commit ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
        TransactionState deciding = commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT;
        if (m.state() == TransactionState.ONGOING) {
            return m.transitionTo(deciding, now);
        }
        if (m.state() == same) {
            return null;
        }
        throw new Refused(m.state() == deciding ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE);
    }

    /**
     * EndTxn from version 5 (KIP-890 part 2, transaction protocol 2): the decision is prepared under the next
     * epoch, which fences every batch of the ending one, and the markers carry it; once the epoch would reach
     * {@link TransactionCoordinator#EXHAUSTED_EPOCH}, a new producer id ({@code newProducerId}) takes over at
     * epoch 0 when the transaction completes. An abort with no transaction open is taken too (the producer may
     * have written nowhere). Returns the state to write, or null for a retry of a decision already taken with
     * the epoch before the bump (its answer is the current producer id and epoch, or CONCURRENT_TRANSACTIONS
     * while the markers are being written).
     */
    static Metadata endBumping(Metadata m, long producerId, short epoch, boolean commit, LongSupplier newProducerId,
                               long now) {
        TransactionState deciding = commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT;
        TransactionState decided = commit ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
        boolean endedOrEnding = m != null && (m.state().isPreparing() || m.state() == TransactionState.COMPLETE_COMMIT
                || m.state() == TransactionState.COMPLETE_ABORT);
        if (endedOrEnding && producerId == m.producerId() && epoch == m.producerEpoch() - 1
                && epoch == m.lastProducerEpoch()) {
            if (m.state() == decided) {
                return null;
            }
            throw new Refused(m.state() == deciding ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE);
        }
        checkProducer(m, producerId, epoch);
        if (m.state().isPreparing()) {
            throw new Refused(Errors.CONCURRENT_TRANSACTIONS);
        }
        if (m.state() != TransactionState.ONGOING && commit) {
            throw new Refused(Errors.INVALID_TXN_STATE);
        }
        short bumped = (short) (epoch + 1);
        Metadata prepared = m.withProducer(producerId, m.previousProducerId(), bumped, epoch)
                .transitionTo(deciding, now);
        if (m.state() != TransactionState.ONGOING) { // an abort of nothing: no partitions, started now
            prepared = prepared.withTransaction(Set.of(), now, (short) 2);
        }
        return bumped >= TransactionCoordinator.EXHAUSTED_EPOCH
                ? prepared.withNextProducerId(newProducerId.getAsLong()) : prepared;
    }

    /** The open transaction's abort, prepared under an epoch one above its producer's, which fences it. */
    static Metadata fenceAndAbort(Metadata m, long now) {
        short fenced = m.producerEpoch() == Short.MAX_VALUE ? m.producerEpoch() : (short) (m.producerEpoch() + 1);
        return m.withProducer(m.producerId(), m.previousProducerId(), fenced, (short) -1)
                .transitionTo(TransactionState.PREPARE_ABORT, now);
    }

    /**
     * Every marker is written: the transaction is complete, with no partitions, and a producer id set aside
     * for an exhausted epoch takes over.
     */
    static Metadata complete(Metadata m, long now) {
        TransactionState done = m.state() == TransactionState.PREPARE_COMMIT ? TransactionState.COMPLETE_COMMIT
                : TransactionState.COMPLETE_ABORT;
        Metadata next = m.transitionTo(done, now).cleared();
        return m.nextProducerId() == -1 ? next
                : next.withProducer(m.nextProducerId(), m.producerId(), (short) 0, (short) -1);
    }
}
