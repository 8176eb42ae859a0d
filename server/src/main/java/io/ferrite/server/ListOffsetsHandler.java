package io.ferrite.server;

import io.ferrite.protocol.RequestCodec.DecodedRequest;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.ReadResult;
import io.ferrite.storage.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;

/**
 * ListOffsets v1-11. -2 and -4 give the log start, -1 the log end (also the last stable offset: there are
 * no transactions yet), -3 the first record holding the largest timestamp, -5 nothing (no tiered storage),
 * and a timestamp the first record at or after it. The store finds the batch; the record is found here.
 */
final class ListOffsetsHandler implements RequestDispatcher.Handler {
    private static final long LATEST = -1;
    private static final long EARLIEST = -2;
    private static final long MAX_TIMESTAMP = -3;
    private static final long EARLIEST_LOCAL = -4;

    private final TopicRegistry topics;
    private final Store store;

    ListOffsetsHandler(TopicRegistry topics, Store store) {
        this.topics = topics;
        this.store = store;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(DecodedRequest request) {
        ListOffsetsRequestData req = (ListOffsetsRequestData) request.body();
        List<ListOffsetsTopicResponse> out = new ArrayList<>();
        for (ListOffsetsRequestData.ListOffsetsTopic t : req.topics()) {
            Topic topic = topics.get(t.name());
            List<ListOffsetsPartitionResponse> parts = new ArrayList<>();
            for (ListOffsetsRequestData.ListOffsetsPartition p : t.partitions()) {
                parts.add(answer(topic, p, request.apiVersion()));
            }
            out.add(new ListOffsetsTopicResponse().setName(t.name()).setPartitions(parts));
        }
        return CompletableFuture.completedFuture(new ListOffsetsResponseData().setTopics(out));
    }

    private ListOffsetsPartitionResponse answer(Topic topic, ListOffsetsRequestData.ListOffsetsPartition p,
                                                short version) {
        ListOffsetsPartitionResponse r = new ListOffsetsPartitionResponse().setPartitionIndex(p.partitionIndex())
                .setTimestamp(-1).setOffset(-1);
        if (topic == null || p.partitionIndex() < 0 || p.partitionIndex() >= topic.partitions()) {
            return r.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        if (p.currentLeaderEpoch() >= 0 && p.currentLeaderEpoch() != topic.leaderEpoch()) {
            return r.setErrorCode(p.currentLeaderEpoch() > topic.leaderEpoch()
                    ? Errors.UNKNOWN_LEADER_EPOCH.code() : Errors.FENCED_LEADER_EPOCH.code());
        }
        if (version >= 4) { // the field exists from v4 on; older responses cannot carry it
            r.setLeaderEpoch(topic.leaderEpoch());
        }
        PartitionKey key = new PartitionKey(topic.name(), p.partitionIndex());
        long ts = p.timestamp();
        if (ts == LATEST) {
            return r.setOffset(store.logEndOffset(key));
        }
        if (ts == EARLIEST || ts == EARLIEST_LOCAL) {
            return r.setOffset(store.logStartOffset(key));
        }
        if (ts == MAX_TIMESTAMP) {
            try (ReadResult batch = store.batchWithMaxTimestamp(key)) {
                return findRecord(batch, Long.MIN_VALUE, true, r);
            }
        }
        if (ts >= 0) {
            try (ReadResult batch = store.batchForTimestamp(key, ts)) {
                return findRecord(batch, ts, false, r);
            }
        }
        return r; // -5 (latest tiered) and other negative specs: no such offset here
    }

    /** The first record at or after {@code ts}, or (for max) the first with the batch's max timestamp. */
    private static ListOffsetsPartitionResponse findRecord(ReadResult result, long ts, boolean max,
                                                           ListOffsetsPartitionResponse r) {
        if (result.batches().isEmpty()) {
            return r;
        }
        for (MutableRecordBatch b : MemoryRecords.readableRecords(result.batches().get(0).buffer().duplicate())
                .batches()) {
            long target = max ? b.maxTimestamp() : ts;
            for (Record rec : b) {
                long t = b.timestampType() == TimestampType.LOG_APPEND_TIME ? b.maxTimestamp() : rec.timestamp();
                if (max ? t == target : t >= target) {
                    return r.setOffset(rec.offset()).setTimestamp(t);
                }
            }
        }
        return r;
    }
}
