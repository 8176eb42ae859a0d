package io.ferrite.server.log;

import io.ferrite.group.GroupCoordinator;
import io.ferrite.group.share.Acquisitions;
import io.ferrite.group.share.SharePartition.Acquired;
import io.ferrite.group.share.SharedPartition;
import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.ProducerStateTable;
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
import java.util.concurrent.Executor;
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
 * <p>Records are copied into the answer, up to {@code MaxBytes} (the first batch always); acquired offsets that
 * do not fit are given back uncounted. They are not sent from the store's files as Fetch sends them: share
 * consumption reads a few hundred records a request, and the zero-copy path is for later measurement.
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
    private final Executor offLoop;
    private final int fetchMaxBytes;

    ShareFetchHandler(TopicRegistry topics, Store store, FetchWaiters waiters, GroupCoordinator groups,
                      ShareSessions sessions, int nodeId, Executor offLoop, int fetchMaxBytes) {
        this.offLoop = offLoop;
        this.fetchMaxBytes = fetchMaxBytes;
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
            ShareAcks acks = ShareAcks.of(req);
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
            CompletableFuture<Map<SharedPartition, Errors>> acked = acks.acknowledge(groups, req.groupId(),
                    req.memberId());
            if (req.shareSessionEpoch() == ShareSessions.FINAL_EPOCH) {
                return acked.thenCompose(a -> groups.shareRelease(req.groupId(), req.memberId())
                        .thenApply(v -> (ApiMessage) respond(req, a, new Acquisitions(0, false, Map.of()), Map.of())))
                        .exceptionally(ShareFetchHandler::error);
            }
            int maxRecords = req.maxRecords() > 0 ? req.maxRecords() : DEFAULT_MAX_RECORDS;
            // Off the coordinator's thread (its futures complete there) and off the event loop: reads may wait for
            // the disk. The session's partitions start one further on each request, so none starves the others.
            List<SharedPartition> order = rotate(reading, req.shareSessionEpoch());
            return acked.thenCompose(a -> acquire(req, order, maxRecords, true).thenApplyAsync(got ->
                    (ApiMessage) respond(req, a, got, read(got, req.maxBytes())), offLoop)).exceptionally(ShareFetchHandler::error);
        } catch (ApiException e) {
            return CompletableFuture.completedFuture(error(e));
        }
    }

    private static List<SharedPartition> rotate(List<SharedPartition> partitions, int epoch) {
        if (partitions.size() < 2) {
            return partitions;
        }
        int from = Math.floorMod(epoch, partitions.size());
        List<SharedPartition> out = new ArrayList<>(partitions.subList(from, partitions.size()));
        out.addAll(partitions.subList(0, from));
        return out;
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

    /**
     * A partition's records for the answer, the offset after the last batch read, and (read_committed) the offset
     * ranges of batches left out: aborted transactions' records and transaction markers.
     */
    private record Read(MemoryRecords records, long sentUpTo, List<Acquired> leftOut) {
    }

    /**
     * The record batches holding each partition's acquired offsets, as one records field each, up to
     * {@code maxBytes} in all (the first batch always, as Fetch does): acquired offsets past what fits are not
     * sent, and given back.
     */
    private Map<SharedPartition, Read> read(Acquisitions got, int maxBytes) {
        Map<SharedPartition, Read> out = new LinkedHashMap<>();
        // The client's limit, never above the broker's fetch.max.bytes, as for Fetch.
        long budget = maxBytes > 0 ? Math.min(maxBytes, fetchMaxBytes) : fetchMaxBytes;
        boolean any = false;
        for (Map.Entry<SharedPartition, Acquisitions.Partition> e : got.partitions().entrySet()) {
            List<Acquired> acquired = e.getValue().acquired();
            if (acquired.isEmpty()) {
                continue;
            }
            SharedPartition p = e.getKey();
            long first = acquired.get(0).firstOffset();
            long last = acquired.get(acquired.size() - 1).lastOffset();
            Topic t = topics.get(p.topicId());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            List<Acquired> leftOut = new ArrayList<>();
            long next = first;
            boolean full = false;
            try {
                PartitionKey key = t == null ? null : new PartitionKey(t.name(), p.partition());
                List<ProducerStateTable.AbortedTransaction> aborted = key == null || !got.readCommitted() ? List.of()
                        : store.abortedTransactions(key, first, last + 1);
                reading:
                while (key != null && next <= last) {
                    if (any && budget <= 0) {
                        full = true;
                        break;
                    }
                    try (ReadResult r = store.read(key, next, (int) Math.min(1 << 20, Math.max(budget, 1)))) {
                        long before = next;
                        for (Slice slice : r.batches()) {
                            for (MutableRecordBatch batch : MemoryRecords.readableRecords(slice.buffer().duplicate())
                                    .batches()) {
                                if (batch.lastOffset() < next) {
                                    continue;
                                }
                                if (batch.baseOffset() > last) {
                                    break reading;
                                }
                                if (any && batch.sizeInBytes() > budget) {
                                    full = true;
                                    break reading;
                                }
                                if (got.readCommitted() && (batch.isControlBatch() || inAborted(batch, aborted))) {
                                    leftOut.add(new Acquired(Math.max(batch.baseOffset(), first),
                                            Math.min(batch.lastOffset(), last), 0));
                                    next = batch.lastOffset() + 1;
                                    continue;
                                }
                                ByteBuffer copy = ByteBuffer.allocate(batch.sizeInBytes());
                                batch.writeTo(copy);
                                bytes.write(copy.array(), 0, copy.position());
                                budget -= batch.sizeInBytes();
                                any = true;
                                next = batch.lastOffset() + 1;
                            }
                        }
                        if (next == before) {
                            break;
                        }
                    }
                }
                if (!full && key != null) {
                    // No batch holds the rest (removed by compaction or with an aborted transaction's data): the
                    // offsets go out as acquired with no records, and the client acknowledges them as GAP.
                    next = Math.max(next, last + 1);
                }
            } catch (StoreException gone) { // the partition went meanwhile: what was not read is given back
                // next stays where reading stopped
            }
            out.put(p, new Read(MemoryRecords.readableRecords(ByteBuffer.wrap(bytes.toByteArray())), next, leftOut));
        }
        return out;
    }

    /** Whether a transactional batch belongs to one of its producer's aborted transactions. */
    private static boolean inAborted(MutableRecordBatch batch, List<ProducerStateTable.AbortedTransaction> aborted) {
        if (!batch.isTransactional()) {
            return false;
        }
        for (ProducerStateTable.AbortedTransaction a : aborted) {
            if (a.producerId() == batch.producerId() && batch.baseOffset() >= a.firstOffset()
                    && batch.baseOffset() <= a.lastOffset()) {
                return true;
            }
        }
        return false;
    }

    /** {@code ranges} without the offsets of {@code removed} (both in offset order). */
    private static List<Acquired> minus(List<Acquired> ranges, List<Acquired> removed) {
        List<Acquired> out = new ArrayList<>(ranges);
        for (Acquired r : removed) {
            List<Acquired> next = new ArrayList<>();
            for (Acquired a : out) {
                if (r.lastOffset() < a.firstOffset() || r.firstOffset() > a.lastOffset()) {
                    next.add(a);
                    continue;
                }
                if (a.firstOffset() < r.firstOffset()) {
                    next.add(new Acquired(a.firstOffset(), r.firstOffset() - 1, a.deliveryCount()));
                }
                if (a.lastOffset() > r.lastOffset()) {
                    next.add(new Acquired(r.lastOffset() + 1, a.lastOffset(), a.deliveryCount()));
                }
            }
            out = next;
        }
        return out;
    }

    /** The acquired ranges below {@code upTo}; the rest into {@code unsent}. */
    private static List<Acquired> sent(List<Acquired> acquired, long upTo, List<Acquired> unsent) {
        List<Acquired> out = new ArrayList<>();
        for (Acquired r : acquired) {
            if (r.lastOffset() < upTo) {
                out.add(r);
            } else if (r.firstOffset() >= upTo) {
                unsent.add(r);
            } else {
                out.add(new Acquired(r.firstOffset(), upTo - 1, r.deliveryCount()));
                unsent.add(new Acquired(upTo, r.lastOffset(), r.deliveryCount()));
            }
        }
        return out;
    }

    private ShareFetchResponseData respond(ShareFetchRequestData req, Map<SharedPartition, Errors> acked,
                                           Acquisitions got, Map<SharedPartition, Read> records) {
        Map<SharedPartition, List<Acquired>> unsent = new LinkedHashMap<>();
        Map<SharedPartition, List<Acquired>> archived = new LinkedHashMap<>();
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
            Read read = records.get(p);
            List<Acquired> notSent = new ArrayList<>();
            List<Acquired> delivered = read == null ? a.acquired()
                    : minus(sent(a.acquired(), read.sentUpTo(), notSent), read.leftOut());
            if (read != null && !read.leftOut().isEmpty()) {
                archived.put(p, minus(sent(a.acquired(), read.sentUpTo(), new ArrayList<>()), delivered));
            }
            for (Acquired r : delivered) {
                d.acquiredRecords().add(new AcquiredRecords().setFirstOffset(r.firstOffset())
                        .setLastOffset(r.lastOffset()).setDeliveryCount((short) r.deliveryCount()));
            }
            if (!notSent.isEmpty()) {
                unsent.put(p, notSent);
            }
            if (read != null) {
                d.setRecords(read.records());
            }
        });
        if (!unsent.isEmpty()) {
            groups.shareGiveBack(req.groupId(), req.memberId(), unsent);
        }
        if (!archived.isEmpty()) {
            groups.shareArchive(req.groupId(), req.memberId(), archived);
        }
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
