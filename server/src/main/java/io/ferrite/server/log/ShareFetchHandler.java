package io.ferrite.server.log;

import io.ferrite.group.GroupCoordinator;
import io.ferrite.group.share.Acquisitions;
import io.ferrite.group.share.SharePartition.Acquired;
import io.ferrite.group.share.ShareAck;
import io.ferrite.group.share.SharedPartition;
import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.ReadResult;
import io.ferrite.storage.Slice;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ShareFetchRequestData;
import org.apache.kafka.common.message.ShareFetchResponseData;
import org.apache.kafka.common.message.ShareFetchResponseData.AcquiredRecords;
import org.apache.kafka.common.message.ShareFetchResponseData.LeaderIdAndEpoch;
import org.apache.kafka.common.message.ShareFetchResponseData.PartitionData;
import org.apache.kafka.common.message.ShareFetchResponseData.ShareFetchableTopicResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;

/**
 * ShareFetch v1-2 (KIP-932): in the member's share session ({@link ShareSessions}), applies the acknowledgements
 * it carries, then has the group coordinator hand the member up to {@code MaxRecords} records over the session's
 * partitions and answers with the batches holding them and the acquired offset ranges (a client delivers only
 * those). With nothing to hand out it waits, up to {@code MaxWaitMs}, for an append to one of the partitions and
 * tries once more. The final epoch (-1) only acknowledges, then closes the session and releases what the member
 * still holds.
 *
 * <p>Records are copied into the answer, not sent from the store's files as Fetch sends them: share consumption
 * reads a few hundred records a request, and the zero-copy path is for later measurement.
 */
final class ShareFetchHandler implements ApiHandler<ShareFetchRequestData> {
    /** The longest a ShareFetch waits for records, whatever it asks: Kafka's cap on fetch waits too. */
    private static final long MAX_WAIT_MS = 30_000;
    /** MaxRecords of a request that sets none or less. */
    private static final int DEFAULT_MAX_RECORDS = 500;

    private final TopicRegistry topics;
    private final Store store;
    private final FetchWaiters waiters;
    private final GroupCoordinator groups;
    private final ShareSessions sessions;
    private final int nodeId;

    ShareFetchHandler(TopicRegistry topics, Store store, FetchWaiters waiters, GroupCoordinator groups,
                      ShareSessions sessions, int nodeId) {
        this.topics = topics;
        this.store = store;
        this.waiters = waiters;
        this.groups = groups;
        this.sessions = sessions;
        this.nodeId = nodeId;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, ShareFetchRequestData req) {
        try {
            if (req.groupId() == null || req.groupId().isEmpty() || req.memberId() == null
                    || req.memberId().isEmpty()) {
                throw new InvalidRequestException("A ShareFetch must name its group and member.");
            }
            Map<SharedPartition, List<ShareAck>> acks = ShareAcks.of(req);
            if (req.shareSessionEpoch() == 0 && !acks.isEmpty()) {
                throw new InvalidRequestException("The first request of a share session cannot acknowledge.");
            }
            List<SharedPartition> wanted = new ArrayList<>();
            req.topics().forEach(t -> t.partitions().forEach(p -> wanted.add(new SharedPartition(t.topicId(),
                    p.partitionIndex()))));
            List<SharedPartition> forgotten = new ArrayList<>();
            req.forgottenTopicsData().forEach(t -> t.partitions().forEach(p -> forgotten.add(
                    new SharedPartition(t.topicId(), p))));
            List<SharedPartition> reading = sessions.fetch(req.groupId(), req.memberId(), req.shareSessionEpoch(),
                    wanted, forgotten);
            CompletableFuture<Map<SharedPartition, Errors>> acked = acks.isEmpty()
                    ? CompletableFuture.completedFuture(Map.of())
                    : groups.shareAcknowledge(req.groupId(), req.memberId(), acks);
            if (req.shareSessionEpoch() == ShareSessions.FINAL_EPOCH) {
                return acked.thenCompose(a -> groups.shareRelease(req.groupId(), req.memberId())
                        .thenApply(v -> (ApiMessage) respond(a, new Acquisitions(0, Map.of()), Map.of())))
                        .exceptionally(ShareFetchHandler::error);
            }
            int maxRecords = req.maxRecords() > 0 ? req.maxRecords() : DEFAULT_MAX_RECORDS;
            return acked.thenCompose(a -> acquire(req, reading, maxRecords, true).thenApply(got ->
                    (ApiMessage) respond(a, got, read(got)))).exceptionally(ShareFetchHandler::error);
        } catch (ApiException e) {
            return CompletableFuture.completedFuture(error(e));
        }
    }

    private static ShareFetchResponseData error(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        Errors e = Errors.forException(cause);
        return new ShareFetchResponseData().setErrorCode(e.code()).setErrorMessage(cause.getMessage());
    }

    /** The acquisition, after a wait for appends when it found nothing and the request may wait. */
    private CompletableFuture<Acquisitions> acquire(ShareFetchRequestData req,
                                                                             List<SharedPartition> reading,
                                                                             int maxRecords, boolean mayWait) {
        List<PartitionKey> keys = new ArrayList<>();
        List<Long> ends = new ArrayList<>();
        for (SharedPartition p : reading) {
            Topic t = topics.get(p.topicId());
            if (t != null && p.partition() >= 0 && p.partition() < t.partitions()) {
                PartitionKey key = new PartitionKey(t.name(), p.partition());
                keys.add(key);
                ends.add(store.logEndOffset(key));
            }
        }
        return groups.shareAcquire(req.groupId(), req.memberId(), reading, maxRecords).thenCompose(got -> {
            if (!got.empty() || !mayWait || req.maxWaitMs() <= 0 || keys.isEmpty()) {
                return CompletableFuture.completedFuture(got);
            }
            CompletableFuture<Acquisitions> again = new CompletableFuture<>();
            FetchWaiters.Waiter w = new FetchWaiters.Waiter(() -> acquire(req, reading, maxRecords, false)
                    .whenComplete((r, e) -> {
                        if (e != null) {
                            again.completeExceptionally(e);
                        } else {
                            again.complete(r);
                        }
                    }));
            waiters.await(w, keys, Math.min(req.maxWaitMs(), MAX_WAIT_MS));
            for (int i = 0; i < keys.size(); i++) { // an append before the wait began is not missed
                if (store.logEndOffset(keys.get(i)) != ends.get(i)) {
                    w.fire();
                    break;
                }
            }
            return again;
        });
    }

    /** The record batches holding each partition's acquired offsets, as one records field each. */
    private Map<SharedPartition, MemoryRecords> read(Acquisitions got) {
        Map<SharedPartition, MemoryRecords> out = new LinkedHashMap<>();
        got.partitions().forEach((p, a) -> {
            if (a.acquired().isEmpty()) {
                return;
            }
            Topic t = topics.get(p.topicId());
            if (t == null) {
                return;
            }
            PartitionKey key = new PartitionKey(t.name(), p.partition());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            long next = a.acquired().get(0).firstOffset();
            long last = a.acquired().get(a.acquired().size() - 1).lastOffset();
            try {
                while (next <= last) {
                    try (ReadResult r = store.read(key, next, 1 << 20)) {
                        if (r.batches().isEmpty()) {
                            break;
                        }
                        long after = next;
                        for (Slice s : r.batches()) {
                            for (MutableRecordBatch b : MemoryRecords.readableRecords(s.buffer().duplicate())
                                    .batches()) {
                                if (b.lastOffset() >= next && b.baseOffset() <= last) {
                                    ByteBuffer copy = ByteBuffer.allocate(b.sizeInBytes());
                                    b.writeTo(copy);
                                    bytes.write(copy.array(), 0, copy.position());
                                }
                                after = Math.max(after, b.lastOffset() + 1);
                            }
                        }
                        if (after == next) {
                            break;
                        }
                        next = after;
                    }
                }
            } catch (StoreException e) { // the partition went meanwhile: the client asks again
                return;
            }
            out.put(p, MemoryRecords.readableRecords(ByteBuffer.wrap(bytes.toByteArray())));
        });
        return out;
    }

    private ShareFetchResponseData respond(Map<SharedPartition, Errors> acked, Acquisitions got,
                                           Map<SharedPartition, MemoryRecords> records) {
        Map<Uuid, ShareFetchableTopicResponse> byTopic = new LinkedHashMap<>();
        Map<SharedPartition, PartitionData> parts = new LinkedHashMap<>();
        java.util.function.Function<SharedPartition, PartitionData> partition = p -> parts.computeIfAbsent(p, x -> {
            PartitionData d = new PartitionData().setPartitionIndex(x.partition())
                    .setCurrentLeader(new LeaderIdAndEpoch().setLeaderId(nodeId).setLeaderEpoch(leaderEpoch(x)))
                    .setRecords(MemoryRecords.EMPTY);
            byTopic.computeIfAbsent(x.topicId(), id -> new ShareFetchableTopicResponse().setTopicId(id))
                    .partitions().add(d);
            return d;
        });
        got.partitions().forEach((p, a) -> {
            PartitionData d = partition.apply(p).setErrorCode(a.error().code()).setErrorMessage(a.message());
            for (Acquired r : a.acquired()) {
                d.acquiredRecords().add(new AcquiredRecords().setFirstOffset(r.firstOffset())
                        .setLastOffset(r.lastOffset()).setDeliveryCount((short) r.deliveryCount()));
            }
            if (records.containsKey(p)) {
                d.setRecords(records.get(p));
            }
        });
        acked.forEach((p, e) -> partition.apply(p).setAcknowledgeErrorCode(e.code()));
        ShareFetchResponseData resp = new ShareFetchResponseData().setAcquisitionLockTimeoutMs(got.lockDurationMs());
        byTopic.values().forEach(t -> resp.responses().add(t));
        return resp;
    }

    private int leaderEpoch(SharedPartition p) {
        Topic t = topics.get(p.topicId());
        return t == null ? -1 : t.leaderEpoch();
    }
}
