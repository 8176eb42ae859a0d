package io.ferrite.server.log;

import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.AdminExecutor;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DeleteRecords v0-2: moves each partition's log start forward to the requested offset (-1: the high
 * watermark) and answers with the new log start as the low watermark. As in Kafka, an offset below -1 or
 * past the high watermark is OFFSET_OUT_OF_RANGE, a topic whose cleanup.policy lacks "delete" refuses with
 * POLICY_VIOLATION, and an offset at or below the log start changes nothing.
 *
 * <p>The new starts are in the store's checkpoint before the answer goes out (one write for the whole
 * request), so deleted records never come back after a crash. That write fsyncs, so the request runs on
 * the {@link AdminExecutor} (see {@code Broker}).
 */
final class DeleteRecordsHandler implements ApiHandler<DeleteRecordsRequestData> {
    private static final long HIGH_WATERMARK = -1;
    private static final long NO_LOW_WATERMARK = -1;

    private final TopicRegistry topics;
    private final Store store;

    DeleteRecordsHandler(TopicRegistry topics, Store store) {
        this.topics = topics;
        this.store = store;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DeleteRecordsRequestData req) {
        return CompletableFuture.completedFuture(answer(req));
    }

    private DeleteRecordsResponseData answer(DeleteRecordsRequestData req) {
        // A partition named twice is answered once, for its last offset, as Kafka's map of requests does.
        Map<String, Map<Integer, Long>> wanted = new LinkedHashMap<>();
        for (DeleteRecordsRequestData.DeleteRecordsTopic t : req.topics()) {
            Map<Integer, Long> parts = wanted.computeIfAbsent(t.name(), n -> new LinkedHashMap<>());
            t.partitions().forEach(p -> parts.put(p.partitionIndex(), p.offset()));
        }
        DeleteRecordsResponseData resp = new DeleteRecordsResponseData();
        List<DeleteRecordsPartitionResult> moved = new ArrayList<>();
        wanted.forEach((name, parts) -> {
            DeleteRecordsTopicResult tr = new DeleteRecordsTopicResult().setName(name);
            resp.topics().add(tr);
            Topic topic = topics.get(name);
            parts.forEach((partition, offset) -> {
                DeleteRecordsPartitionResult r = new DeleteRecordsPartitionResult().setPartitionIndex(partition)
                        .setLowWatermark(NO_LOW_WATERMARK);
                tr.partitions().add(r);
                Errors error = delete(topic, partition, offset, moved, r);
                r.setErrorCode(error.code());
            });
        });
        if (!moved.isEmpty()) {
            persist(moved);
        }
        return resp;
    }

    private Errors delete(Topic topic, int partition, long offset, List<DeleteRecordsPartitionResult> moved,
                          DeleteRecordsPartitionResult r) {
        if (topic == null || partition < 0 || partition >= topic.partitions()) {
            return Errors.UNKNOWN_TOPIC_OR_PARTITION;
        }
        if (!deletesRecords(topic.configs())) {
            return Errors.POLICY_VIOLATION;
        }
        PartitionKey key = new PartitionKey(topic.name(), partition);
        try {
            long highWatermark = store.logEndOffset(key);
            long target = offset == HIGH_WATERMARK ? highWatermark : offset;
            if (target < 0 || target > highWatermark) {
                return Errors.OFFSET_OUT_OF_RANGE;
            }
            long before = store.logStartOffset(key);
            r.setLowWatermark(store.advanceLogStart(key, target));
            if (r.lowWatermark() != before) {
                moved.add(r);
            }
            return Errors.NONE;
        } catch (StoreException e) {
            return StoreErrors.of(e);
        }
    }

    /** Makes the moved starts durable; if that fails, no partition may report success. */
    private void persist(List<DeleteRecordsPartitionResult> moved) {
        try {
            store.persistLogStarts();
        } catch (StoreException e) {
            for (DeleteRecordsPartitionResult r : moved) {
                r.setErrorCode(StoreErrors.of(e).code()).setLowWatermark(NO_LOW_WATERMARK);
            }
        }
    }

    /** Kafka lets records be deleted only where cleanup.policy includes "delete" (its default). */
    private static boolean deletesRecords(Map<String, String> configs) {
        String policy = configs.getOrDefault("cleanup.policy", "delete");
        for (String p : policy.split(",")) {
            if (p.trim().equals("delete")) {
                return true;
            }
        }
        return false;
    }
}
