package io.ferrite.server.log;

import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.ReadResult;
import io.ferrite.storage.Slice;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData;
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
 * A request with a timestamp look-up (which reads batches, maybe from disk) is answered on an off-loop thread.
 */
final class ListOffsetsHandler implements ApiHandler<ListOffsetsRequestData> {
    private static final long LATEST = -1;
    private static final long EARLIEST = -2;
    private static final long MAX_TIMESTAMP = -3;
    private static final long EARLIEST_LOCAL = -4;

    private final TopicRegistry topics;
    private final Store store;
    private final Executor offLoop;

    ListOffsetsHandler(TopicRegistry topics, Store store, Executor offLoop) {
        this.topics = topics;
        this.store = store;
        this.offLoop = offLoop;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, ListOffsetsRequestData req) {
        boolean readsBatches = req.topics().stream().flatMap(t -> t.partitions().stream())
                .anyMatch(p -> p.timestamp() >= 0 || p.timestamp() == MAX_TIMESTAMP);
        if (!readsBatches) {
            return CompletableFuture.completedFuture(answer(context, req));
        }
        try {
            return CompletableFuture.supplyAsync(() -> answer(context, req), offLoop);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("the broker is shutting down", e));
        }
    }

    private ApiMessage answer(RequestContext context, ListOffsetsRequestData req) {
        List<ListOffsetsTopicResponse> out = new ArrayList<>();
        for (ListOffsetsRequestData.ListOffsetsTopic t : req.topics()) {
            Topic topic = topics.get(t.name());
            List<ListOffsetsPartitionResponse> parts = new ArrayList<>();
            for (ListOffsetsRequestData.ListOffsetsPartition p : t.partitions()) {
                parts.add(answer(topic, p, context.apiVersion(),
                        req.isolationLevel() == IsolationLevel.READ_COMMITTED.id()));
            }
            out.add(new ListOffsetsTopicResponse().setName(t.name()).setPartitions(parts));
        }
        return new ListOffsetsResponseData().setTopics(out);
    }

    /**
     * One partition's answer. Under read_committed the latest offset is the last stable offset, and an offset
     * found by timestamp at or past it is no answer, as in Kafka.
     */
    private ListOffsetsPartitionResponse answer(Topic topic, ListOffsetsRequestData.ListOffsetsPartition p,
                                                short version, boolean readCommitted) {
        ListOffsetsPartitionResponse r = find(topic, p, version, readCommitted);
        if (readCommitted && r.errorCode() == 0 && p.timestamp() != LATEST && r.offset() >= 0) {
            PartitionKey key = new PartitionKey(topic.name(), p.partitionIndex());
            if (r.offset() >= store.lastStableOffset(key) && p.timestamp() != EARLIEST
                    && p.timestamp() != EARLIEST_LOCAL) {
                r.setOffset(-1).setTimestamp(-1);
            }
        }
        return r;
    }

    private ListOffsetsPartitionResponse find(Topic topic, ListOffsetsRequestData.ListOffsetsPartition p,
                                              short version, boolean readCommitted) {
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
            return r.setOffset(readCommitted ? store.lastStableOffset(key) : store.logEndOffset(key));
        }
        if (ts == EARLIEST || ts == EARLIEST_LOCAL) {
            return r.setOffset(store.logStartOffset(key));
        }
        if (ts == MAX_TIMESTAMP) {
            try (ReadResult batch = store.batchWithMaxTimestamp(key)) {
                return maxRecord(batch, r);
            }
        }
        if (ts >= 0) {
            return firstAtOrAfter(key, ts, r);
        }
        return r; // -5 (latest tiered) and other negative specs: no such offset here
    }

    /**
     * The first record at or after {@code ts} that is at or after the log start. DeleteRecords can leave the
     * log start inside the batch the store finds; if that batch's only match lies before it, the batches
     * after it are searched one at a time.
     */
    private ListOffsetsPartitionResponse firstAtOrAfter(PartitionKey key, long ts, ListOffsetsPartitionResponse r) {
        long start = store.logStartOffset(key);
        long next;
        try (ReadResult found = store.batchForTimestamp(key, ts)) {
            if (found.batches().isEmpty()) {
                return r;
            }
            next = scan(found, ts, start, r);
        }
        try {
            while (next >= 0 && next < store.logEndOffset(key)) {
                try (ReadResult more = store.read(key, next, 1)) {
                    if (more.batches().isEmpty()) {
                        break;
                    }
                    next = scan(more, ts, start, r);
                }
            }
        } catch (StoreException e) { // the log start moved past us meanwhile: no answer, as for an empty log
            return r;
        }
        return r;
    }

    /**
     * Sets {@code r} to the first record in {@code result} at or after both {@code ts} and {@code start}, and
     * returns -1; or, finding none, the offset after the batches scanned.
     */
    private static long scan(ReadResult result, long ts, long start, ListOffsetsPartitionResponse r) {
        long next = -1;
        for (Slice s : result.batches()) {
            for (MutableRecordBatch b : MemoryRecords.readableRecords(s.buffer().duplicate()).batches()) {
                for (Record rec : b) {
                    long t = b.timestampType() == TimestampType.LOG_APPEND_TIME ? b.maxTimestamp() : rec.timestamp();
                    if (rec.offset() >= start && t >= ts) {
                        r.setOffset(rec.offset()).setTimestamp(t);
                        return -1;
                    }
                }
                next = b.lastOffset() + 1;
            }
        }
        return next;
    }

    /** The first record holding the batch's max timestamp. */
    private static ListOffsetsPartitionResponse maxRecord(ReadResult result, ListOffsetsPartitionResponse r) {
        if (result.batches().isEmpty()) {
            return r;
        }
        for (MutableRecordBatch b : MemoryRecords.readableRecords(result.batches().get(0).buffer().duplicate())
                .batches()) {
            for (Record rec : b) {
                long t = b.timestampType() == TimestampType.LOG_APPEND_TIME ? b.maxTimestamp() : rec.timestamp();
                if (t == b.maxTimestamp()) {
                    return r.setOffset(rec.offset()).setTimestamp(t);
                }
            }
        }
        return r;
    }
}
