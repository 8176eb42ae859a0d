package io.ferrite.server.log;

import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.Store;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * WriteTxnMarkers: commit or abort markers written as asked. The coordinator here writes its own markers
 * without this request; it is what the admin client sends to abort a hanging transaction
 * ({@code kafka-transactions.sh abort}). A marker of an older producer epoch than the partition holds is
 * INVALID_PRODUCER_EPOCH; each partition is answered once its marker is durable.
 */
final class WriteTxnMarkersHandler implements ApiHandler<WriteTxnMarkersRequestData> {
    private final TopicRegistry topics;
    private final Store store;
    private final Clock clock;
    private final FetchWaiters fetches;

    WriteTxnMarkersHandler(TopicRegistry topics, Store store, Clock clock, FetchWaiters fetches) {
        this.topics = topics;
        this.store = store;
        this.clock = clock;
        this.fetches = fetches;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, WriteTxnMarkersRequestData req) {
        WriteTxnMarkersResponseData resp = new WriteTxnMarkersResponseData();
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (WritableTxnMarker m : req.markers()) {
            WritableTxnMarkerResult rm = new WritableTxnMarkerResult().setProducerId(m.producerId());
            resp.markers().add(rm);
            ControlRecordType type = m.transactionResult() ? ControlRecordType.COMMIT : ControlRecordType.ABORT;
            for (WritableTxnMarkerTopic t : m.topics()) {
                Topic topic = topics.get(t.name());
                WritableTxnMarkerTopicResult rt = new WritableTxnMarkerTopicResult().setName(t.name());
                rm.topics().add(rt);
                for (int p : t.partitionIndexes()) {
                    WritableTxnMarkerPartitionResult rp = new WritableTxnMarkerPartitionResult().setPartitionIndex(p);
                    rt.partitions().add(rp);
                    if (topic == null || p < 0 || p >= topic.partitions()) {
                        rp.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                        continue;
                    }
                    PartitionKey key = new PartitionKey(topic.name(), p);
                    CompletableFuture<?> written;
                    try {
                        written = store.append(key, MemoryRecords.withEndTransactionMarker(clock.millis(),
                                m.producerId(), m.producerEpoch(), new EndTransactionMarker(type,
                                        m.coordinatorEpoch())).buffer(), topic.leaderEpoch(), false);
                        fetches.appended(key);
                    } catch (RuntimeException e) {
                        written = CompletableFuture.failedFuture(e);
                    }
                    writes.add(written.handle((v, e) -> rp.setErrorCode(e == null ? 0 : StoreErrors.of(e).code())));
                }
            }
        }
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenApply(v -> resp);
    }
}
