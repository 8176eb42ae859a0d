package io.ferrite.txn;

import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * A change to the transaction coordinator's state, as written to its log: a transactional id's whole state
 * after the change, or its removal. Replaying the log in order, last record per id winning, rebuilds the state.
 * Byte layout: {@link TransactionRecordSerde}.
 */
public sealed interface TransactionRecord {
    /** The transactional id the record is about: records of one id replace one another. */
    String transactionalId();

    /**
     * A transactional id's state, as Kafka's transaction log value holds it.
     *
     * @param producerId          the producer id its producer holds now
     * @param previousProducerId  the one it held before the last change of producer id, or -1
     * @param nextProducerId      the one it moves to when this transaction completes (epoch exhausted), or -1
     * @param producerEpoch       the producer epoch in force; -1 before the first InitProducerId completes
     * @param lastProducerEpoch   the epoch before the last bump, to recognise a retried request; -1 for none (not
     *                            kept across a restart, as in Kafka)
     * @param timeoutMs           the producer's transaction.timeout.ms
     * @param state               where its transaction stands
     * @param partitions          the partitions its open transaction wrote to (empty unless Ongoing or Prepare*)
     * @param startTimestamp      when its open transaction started, or -1
     * @param lastUpdateTimestamp when the id last changed (expiry counts from it)
     * @param clientVersion       the transaction version its client speaks (0, or 2 for KIP-890 clients)
     */
    record Metadata(String transactionalId, long producerId, long previousProducerId, long nextProducerId,
                    short producerEpoch, short lastProducerEpoch, int timeoutMs, TransactionState state,
                    Set<TopicPartition> partitions, long startTimestamp, long lastUpdateTimestamp,
                    short clientVersion) implements TransactionRecord {
        public Metadata {
            Objects.requireNonNull(transactionalId, "transactionalId");
            Objects.requireNonNull(state, "state");
            partitions = Set.copyOf(partitions);
            if (state == TransactionState.DEAD || state == TransactionState.PREPARE_EPOCH_FENCE) {
                throw new IllegalArgumentException(state + " is never a stored state");
            }
        }

        /** The same id in {@code next}, checked against Kafka's transitions, changed at {@code now}. */
        Metadata transitionTo(TransactionState next, long now) {
            if (!next.validPrevious().contains(state)) {
                throw new IllegalStateException(transactionalId + ": " + state.kafkaName() + " cannot become "
                        + next.kafkaName());
            }
            return new Metadata(transactionalId, producerId, previousProducerId, nextProducerId, producerEpoch,
                    lastProducerEpoch, timeoutMs, next, partitions, startTimestamp, now, clientVersion);
        }

        Metadata withProducer(long producerId, long previousProducerId, short epoch, short lastEpoch) {
            return new Metadata(transactionalId, producerId, previousProducerId, nextProducerId, epoch, lastEpoch,
                    timeoutMs, state, partitions, startTimestamp, lastUpdateTimestamp, clientVersion);
        }

        Metadata withTimeout(int timeoutMs) {
            return new Metadata(transactionalId, producerId, previousProducerId, nextProducerId, producerEpoch,
                    lastProducerEpoch, timeoutMs, state, partitions, startTimestamp, lastUpdateTimestamp,
                    clientVersion);
        }

        /** The open transaction's partitions and start, and the transaction version of its client. */
        Metadata withTransaction(Set<TopicPartition> partitions, long startTimestamp, short clientVersion) {
            return new Metadata(transactionalId, producerId, previousProducerId, nextProducerId, producerEpoch,
                    lastProducerEpoch, timeoutMs, state, partitions, startTimestamp, lastUpdateTimestamp,
                    clientVersion);
        }

        /** The producer id that takes over, at epoch 0, when the transaction being prepared completes. */
        Metadata withNextProducerId(long next) {
            return new Metadata(transactionalId, producerId, previousProducerId, next, producerEpoch,
                    lastProducerEpoch, timeoutMs, state, partitions, startTimestamp, lastUpdateTimestamp,
                    clientVersion);
        }

        /** No open transaction: no partitions, no start time. */
        Metadata cleared() {
            return new Metadata(transactionalId, producerId, previousProducerId, -1, producerEpoch,
                    lastProducerEpoch, timeoutMs, state, Set.of(), -1, lastUpdateTimestamp, clientVersion);
        }
    }

    /** The transactional id is gone (it expired). */
    record Tombstone(String transactionalId) implements TransactionRecord {
        public Tombstone {
            Objects.requireNonNull(transactionalId, "transactionalId");
        }
    }
}
