package io.ferrite.server.txn;

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
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * A decided transaction's markers, written straight into this broker's store (one node: no WriteTxnMarkers
 * round trip): a commit or abort control batch, under the prepared producer id and epoch, in every partition
 * the transaction wrote to. A partition whose topic is gone gets none, as Kafka skips a partition without a
 * leader. Appends only start here; the future completes once every marker is durable. The transaction's group
 * offsets ({@link TransactionCoordinator#GROUP_OFFSETS}) are the group coordinator's, once it holds pending
 * transactional offsets.
 */
final class StoreTransactionMarkers implements TransactionMarkers {
    /** The coordinator epoch markers carry; one node, one coordinator, never moved. */
    static final int COORDINATOR_EPOCH = 0;

    private final TopicRegistry topics;
    private final Store store;
    private final Clock clock;

    StoreTransactionMarkers(TopicRegistry topics, Store store, Clock clock) {
        this.topics = topics;
        this.store = store;
        this.clock = clock;
    }

    @Override
    public CompletableFuture<Void> write(Metadata prepared) {
        ControlRecordType type = prepared.state() == TransactionState.PREPARE_COMMIT ? ControlRecordType.COMMIT
                : ControlRecordType.ABORT;
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (TopicPartition tp : prepared.partitions()) {
            Topic topic = topics.get(tp.topic());
            if (tp.equals(TransactionCoordinator.GROUP_OFFSETS) || topic == null || tp.partition() >= topic.partitions()) {
                continue;
            }
            ByteBuffer marker = MemoryRecords.withEndTransactionMarker(clock.millis(), prepared.producerId(),
                    prepared.producerEpoch(), new EndTransactionMarker(type, COORDINATOR_EPOCH)).buffer();
            try {
                writes.add(store.append(new PartitionKey(tp.topic(), tp.partition()), marker, topic.leaderEpoch(),
                        false));
            } catch (RuntimeException e) { // deleted meanwhile, or the store refused: the coordinator retries
                writes.add(CompletableFuture.failedFuture(e));
            }
        }
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }
}
