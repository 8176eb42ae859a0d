package io.ferrite.server.txn;

import io.ferrite.group.GroupCoordinator;
import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.Store;
import io.ferrite.txn.TransactionCoordinator;
import io.ferrite.txn.TransactionMarkers;
import io.ferrite.txn.TransactionRecord.Metadata;
import io.ferrite.txn.TransactionState;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * A decided transaction's markers, written straight into this broker's store (one node: no WriteTxnMarkers
 * round trip): a commit or abort control batch, under the prepared producer id and epoch, in every partition
 * the transaction wrote to. A partition whose topic is gone gets none, as Kafka skips a partition without a
 * leader. The transaction's group offsets ({@link TransactionCoordinator#GROUP_OFFSETS}) are the group
 * coordinator's to commit or drop. Appends only start here; the future completes once every marker is durable.
 */
final class StoreTransactionMarkers implements TransactionMarkers {
    private final TopicRegistry topics;
    private final Store store;
    private final Clock clock;
    private final GroupCoordinator groups;
    private final Consumer<PartitionKey> appended;

    /** {@code appended} is told of every partition a marker was written to (fetches waiting on it answer). */
    StoreTransactionMarkers(TopicRegistry topics, Store store, Clock clock, GroupCoordinator groups,
                            Consumer<PartitionKey> appended) {
        this.topics = topics;
        this.store = store;
        this.clock = clock;
        this.groups = groups;
        this.appended = appended;
    }

    @Override
    public CompletableFuture<Void> write(Metadata prepared) {
        ControlRecordType type = prepared.state() == TransactionState.PREPARE_COMMIT ? ControlRecordType.COMMIT
                : ControlRecordType.ABORT;
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (TopicPartition tp : prepared.partitions()) {
            if (tp.equals(TransactionCoordinator.GROUP_OFFSETS)) {
                // Queued from the coordinator's thread, after any TxnOffsetCommit it let through: applied after them.
                writes.add(groups.endTransaction(prepared.producerId(), type == ControlRecordType.COMMIT));
                continue;
            }
            Topic topic = topics.get(tp.topic());
            if (topic == null || tp.partition() >= topic.partitions()) {
                continue;
            }
            ByteBuffer marker = MemoryRecords.withEndTransactionMarker(clock.millis(), prepared.producerId(),
                    prepared.producerEpoch(), new EndTransactionMarker(type, TransactionCoordinator.COORDINATOR_EPOCH)).buffer();
            PartitionKey key = new PartitionKey(tp.topic(), tp.partition());
            try {
                writes.add(store.append(key, marker, topic.leaderEpoch(), false));
                appended.accept(key);
            } catch (RuntimeException e) { // deleted meanwhile, or the store refused: the coordinator retries
                writes.add(CompletableFuture.failedFuture(e));
            }
        }
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }
}
