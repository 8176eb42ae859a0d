package io.ferrite.server.log;

import io.ferrite.server.metrics.BrokerTopicMetrics;
import io.ferrite.protocol.HeldRecords;
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
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.message.FetchResponseData.AbortedTransaction;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Fetch v4-18, with incremental fetch sessions from v7 ({@link FetchSessions}): a request is first resolved
 * to the partitions it reads (its own, or its session's), and the answer read over them is shaped to the session.
 *
 * <p>Every partition's answer carries its last stable offset. A read_committed fetch reads no batch at or past
 * it and is told the aborted transactions in the range it may read, whose records the consumer drops.
 *
 * <p>Each partition is read from its fetch offset up to its {@code partitionMaxBytes} while the response's
 * {@code maxBytes} lasts; the first batch of the response is returned even if larger, so a consumer always
 * moves on. The response's {@code maxBytes} is bounded by the broker's {@code fetch.max.bytes}, as in Kafka.
 * When fewer than {@code minBytes} are found the fetch waits, off the event loop, until an append to one of
 * its partitions or {@code maxWaitMs} (at most {@link #MAX_WAIT_MS}), then reads once more and answers
 * whatever it has. A fetch whose connection closes while it waits is cancelled and stops waiting.
 *
 * <p>Records are never copied: the response carries the store's slices of the mapped files as
 * {@link HeldRecords}, the frame gathers them, and the files are let go once the socket write is done. Reading
 * them touches every byte (the CRC check), so a fetch any of whose data is not in the page cache is read on an
 * off-loop thread: on an event loop, its wait for the disk would stall every connection of that loop.
 */
final class FetchHandler implements ApiHandler<FetchRequestData> {
    /**
     * The longest a fetch waits for data, whatever it asks: an early answer with what there is is legal, and a
     * longer wait would only hold the broker's memory for a client whose own request timeout (30 s by
     * default) has given up on it.
     */
    static final int MAX_WAIT_MS = 30_000;

    private final TopicRegistry topics;
    private final Store store;
    private final FetchWaiters waiters;
    private final int fetchMaxBytes;
    private final Executor offLoop;
    private final BrokerTopicMetrics metrics;
    private final FetchSessions sessions;

    /** {@code fetchMaxBytes}: the broker's {@code fetch.max.bytes}, the most one response carries. */
    FetchHandler(TopicRegistry topics, Store store, FetchWaiters waiters, int fetchMaxBytes, Executor offLoop,
                 BrokerTopicMetrics metrics, FetchSessions sessions) {
        this.metrics = metrics;
        this.sessions = sessions;
        this.topics = topics;
        this.store = store;
        this.waiters = waiters;
        this.fetchMaxBytes = fetchMaxBytes;
        this.offLoop = offLoop;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, FetchRequestData request) {
        FetchSessions.Fetch fetch = sessions.open(request, context.apiVersion());
        if (fetch.error != Errors.NONE) {
            return CompletableFuture.completedFuture(new FetchResponseData().setSessionId(FetchSessions.NO_SESSION)
                    .setErrorCode(fetch.error.code()));
        }
        FetchRequestData req = fetch.toRead;
        if (inMemory(req, context.apiVersion())) {
            return answer(context, req, fetch);
        }
        try {
            return CompletableFuture.supplyAsync(() -> answer(context, req, fetch), offLoop).thenCompose(f -> f);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("the broker is shutting down", e));
        }
    }

    /** Whether the data each partition would be read from is in the page cache (see {@link Store#inMemory}). */
    private boolean inMemory(FetchRequestData req, short version) {
        for (FetchRequestData.FetchTopic ft : req.topics()) {
            Topic topic = version >= 13 ? topics.get(ft.topicId()) : topics.get(ft.topic());
            if (topic == null) {
                continue;
            }
            for (FetchRequestData.FetchPartition fp : ft.partitions()) {
                int limit = Math.min(fp.partitionMaxBytes(), req.maxBytes() > 0 ? req.maxBytes() : fetchMaxBytes);
                if (!store.inMemory(new PartitionKey(topic.name(), fp.partition()), fp.fetchOffset(), limit)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Reads {@code req} now, or after a wait if it finds less than its minBytes; the answer is the session's. */
    private CompletableFuture<ApiMessage> answer(RequestContext context, FetchRequestData req,
                                                 FetchSessions.Fetch fetch) {
        Read first = read(req, context.apiVersion());
        if (first.bytes >= req.minBytes() || req.maxWaitMs() <= 0 || first.keys.isEmpty() || first.anyError) {
            FetchResponseData resp = fetch.finish(first.response);
            measure(resp);
            return CompletableFuture.completedFuture(resp);
        }
        HeldRecords.releaseAll(first.response); // too little: read again after the wait
        CompletableFuture<ApiMessage> answer = new CompletableFuture<>();
        FetchWaiters.Waiter w = new FetchWaiters.Waiter(() -> {
            if (answer.isDone()) { // cancelled: its connection closed while it waited
                return;
            }
            try {
                FetchResponseData resp = fetch.finish(read(req, context.apiVersion()).response);
                measure(resp);
                if (!answer.complete(resp)) {
                    HeldRecords.releaseAll(resp); // cancelled meanwhile: nobody will write it
                }
            } catch (RuntimeException e) {
                answer.completeExceptionally(e);
            }
        });
        waiters.await(w, first.keys, Math.min(req.maxWaitMs(), MAX_WAIT_MS));
        answer.whenComplete((r, e) -> {
            if (answer.isCancelled()) {
                waiters.forget(w);
            }
        });
        // An append between the first read and the registration above would have been missed: look again.
        if (changedSince(first)) {
            w.fire();
        }
        return answer;
    }

    /** The answer's partitions of known topics, in the BrokerTopicMetrics: bytes out, or a failed fetch. */
    private void measure(FetchResponseData resp) {
        for (FetchableTopicResponse tr : resp.responses()) {
            Topic topic = tr.topic() == null || tr.topic().isEmpty() ? topics.get(tr.topicId()) : topics.get(tr.topic());
            if (topic == null) {
                continue;
            }
            for (PartitionData pd : tr.partitions()) {
                if (pd.errorCode() != Errors.NONE.code()) {
                    metrics.fetchFailed(topic.name(), Errors.forCode(pd.errorCode()));
                } else {
                    metrics.fetched(topic.name(), pd.records() == null ? 0 : pd.records().sizeInBytes());
                }
            }
        }
    }

    private boolean changedSince(Read r) {
        for (int i = 0; i < r.keys.size(); i++) {
            if (store.logEndOffset(r.keys.get(i)) != r.endOffsets.get(i)) {
                return true;
            }
        }
        return false;
    }

    private record Read(FetchResponseData response, int bytes, List<PartitionKey> keys, List<Long> endOffsets,
                        boolean anyError) {
    }

    /** The aborted transactions a read_committed consumer must skip in {@code [from, upTo)}, in Kafka's form. */
    private List<AbortedTransaction> aborted(PartitionKey key, long from, long upTo) {
        List<AbortedTransaction> out = new ArrayList<>();
        for (ProducerStateTable.AbortedTransaction a : store.abortedTransactions(key, from, upTo)) {
            out.add(new AbortedTransaction().setProducerId(a.producerId()).setFirstOffset(a.firstOffset()));
        }
        return out;
    }

    private Read read(FetchRequestData req, short version, FetchResponseData resp) {
        boolean readCommitted = req.isolationLevel() == IsolationLevel.READ_COMMITTED.id();
        int budget = req.maxBytes() > 0 ? Math.min(req.maxBytes(), fetchMaxBytes) : fetchMaxBytes;
        int total = 0;
        boolean anyError = false;
        List<PartitionKey> keys = new ArrayList<>();
        List<Long> ends = new ArrayList<>();
        for (FetchRequestData.FetchTopic ft : req.topics()) {
            boolean byId = version >= 13;
            Topic topic = byId ? topics.get(ft.topicId()) : topics.get(ft.topic());
            FetchableTopicResponse tr = new FetchableTopicResponse().setTopic(byId ? "" : ft.topic())
                    .setTopicId(ft.topicId());
            resp.responses().add(tr);
            for (FetchRequestData.FetchPartition fp : ft.partitions()) {
                PartitionData pd = new PartitionData().setPartitionIndex(fp.partition()).setHighWatermark(-1)
                        .setLastStableOffset(-1).setLogStartOffset(-1).setRecords(MemoryRecords.EMPTY)
                        .setAbortedTransactions(null); // as Kafka: null unless read_committed
                tr.partitions().add(pd);
                if (topic == null || fp.partition() < 0 || fp.partition() >= topic.partitions()) {
                    pd.setErrorCode(byId && topic == null ? Errors.UNKNOWN_TOPIC_ID.code()
                            : Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                    anyError = true;
                    continue;
                }
                if (fp.currentLeaderEpoch() >= 0 && fp.currentLeaderEpoch() != topic.leaderEpoch()) {
                    pd.setErrorCode(fp.currentLeaderEpoch() > topic.leaderEpoch()
                            ? Errors.UNKNOWN_LEADER_EPOCH.code() : Errors.FENCED_LEADER_EPOCH.code());
                    anyError = true;
                    continue;
                }
                PartitionKey key = new PartitionKey(topic.name(), fp.partition());
                int limit = total == 0 ? Math.min(fp.partitionMaxBytes(), budget)
                        : Math.min(fp.partitionMaxBytes(), budget - total);
                ReadResult r = null;
                try {
                    long lso = store.lastStableOffset(key);
                    r = readCommitted ? store.read(key, fp.fetchOffset(), Math.max(limit, 1), lso)
                            : store.read(key, fp.fetchOffset(), Math.max(limit, 1));
                    pd.setHighWatermark(r.highWatermark()).setLastStableOffset(Math.min(lso, r.highWatermark()))
                            .setLogStartOffset(r.logStartOffset());
                    if (readCommitted) {
                        pd.setAbortedTransactions(aborted(key, fp.fetchOffset(), lso));
                    }
                    keys.add(key);
                    ends.add(r.highWatermark());
                    // Only the response's first data may exceed the limits; later partitions must fit, as in Kafka.
                    boolean take = total == 0 || r.sizeInBytes() <= limit;
                    if (take && !r.batches().isEmpty()) {
                        List<ByteBuffer> views = new ArrayList<>(r.batches().size());
                        for (Slice s : r.batches()) {
                            views.add(s.buffer());
                        }
                        pd.setRecords(new HeldRecords(views, r)); // the response holds the files now
                        total += r.sizeInBytes();
                        r = null;
                    }
                } catch (StoreException e) {
                    pd.setErrorCode(StoreErrors.of(e).code());
                    if (e.category() == StoreException.Category.OFFSET_OUT_OF_RANGE) {
                        pd.setHighWatermark(store.logEndOffset(key)).setLastStableOffset(store.lastStableOffset(key))
                                .setLogStartOffset(store.logStartOffset(key));
                    }
                    anyError = true;
                } finally {
                    if (r != null) {
                        r.close(); // read but not sent
                    }
                }
            }
        }
        return new Read(resp, total, keys, ends, anyError);
    }

    private Read read(FetchRequestData req, short version) {
        FetchResponseData resp = new FetchResponseData().setSessionId(0);
        try {
            return read(req, version, resp);
        } catch (RuntimeException e) {
            HeldRecords.releaseAll(resp); // no answer: let go of what was read so far
            throw e;
        }
    }
}
