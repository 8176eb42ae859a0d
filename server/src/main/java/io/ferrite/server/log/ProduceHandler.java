package io.ferrite.server.log;

import io.ferrite.server.metrics.BrokerTopicMetrics;
import io.ferrite.protocol.BatchValidator;
import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.CloseConnection;
import io.ferrite.server.network.RequestContext;
import io.ferrite.storage.AppendResult;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.RecordBatchHeader;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreException;
import io.ferrite.txn.TransactionCoordinator;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ConcurrentTransactionsException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData.BatchIndexAndErrorMessage;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Produce: each partition's records are validated as Kafka validates them, then appended to the store
 * before this method returns (the store copies them, so the request buffer may go). The response waits for
 * every append to count as done: at once in async flush mode, after the group fsync in sync mode.
 * acks=0 gets no response; if anything failed the connection is closed instead, as Kafka does. From v8
 * a refusal that is the fault of particular records names them (record errors), so the producer fails
 * just those records with their reason. A transactional batch that would open its transaction in a partition
 * is confirmed and appended by the transaction coordinator ({@link #appendVerified}).
 */
final class ProduceHandler implements ApiHandler<ProduceRequestData> {
    private static final int COMPRESSION_MASK = 0x07;
    private static final int ZSTD = 4;

    private final TopicRegistry topics;
    private final Store store;
    private final Clock clock;
    private final FetchWaiters fetches;
    private final TransactionCoordinator transactions;
    private final BrokerTopicMetrics metrics;
    /**
     * Per producer and partition, how many transactional batches wait in the coordinator's queue. A producer's
     * requests to this broker come on one connection and are handled one after another, so checking here and
     * joining the queue cannot race with its own earlier batch leaving it.
     */
    private final ConcurrentHashMap<Queued, Integer> queued = new ConcurrentHashMap<>();

    private record Queued(long producerId, PartitionKey key) {
    }

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    /** Where compressed batches are inflated and checked: {@link LogApis}'s {@code ferrite-log-io} threads. */
    private final Executor offLoop;
    /**
     * Per partition, the last append handed to the off-loop threads and not yet done (appended, refused, or
     * queued for the transaction coordinator); the partition's next appends run after it, on those threads.
     */
    private final ConcurrentHashMap<PartitionKey, CompletableFuture<?>> ordered = new ConcurrentHashMap<>();

    /** Topics are looked up per request, so a changed config applies from the next produce on. */
    ProduceHandler(TopicRegistry topics, Store store, Clock clock, FetchWaiters fetches,
                   TransactionCoordinator transactions, Executor offLoop, BrokerTopicMetrics metrics) {
        this.offLoop = offLoop;
        this.metrics = metrics;
        this.topics = topics;
        this.store = store;
        this.clock = clock;
        this.fetches = fetches;
        this.transactions = transactions;
    }

    /** One partition's batch: its topic's name and size for the metrics, its answer, and its append. */
    private record Part(String topic, int bytes, PartitionProduceResponse response,
                        CompletableFuture<AppendResult> append) {
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, ProduceRequestData req) {
        short acks = req.acks();
        ProduceResponseData resp = new ProduceResponseData();
        List<Part> parts = new ArrayList<>();
        for (ProduceRequestData.TopicProduceData td : req.topicData()) {
            Topic topic = td.name() == null || td.name().isEmpty() ? topics.get(td.topicId()) : topics.get(td.name());
            TopicProduceResponse tr = new TopicProduceResponse().setName(td.name()).setTopicId(td.topicId());
            resp.responses().add(tr);
            for (ProduceRequestData.PartitionProduceData pd : td.partitionData()) {
                PartitionProduceResponse pr = new PartitionProduceResponse().setIndex(pd.index());
                tr.partitionResponses().add(pr);
                if (acks != 0 && acks != 1 && acks != -1) {
                    pr.setErrorCode(Errors.INVALID_REQUIRED_ACKS.code());
                } else if (topic == null) {
                    pr.setErrorCode(context.apiVersion() >= 13 && (td.name() == null || td.name().isEmpty())
                            ? Errors.UNKNOWN_TOPIC_ID.code() : Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                } else if (pd.index() < 0 || pd.index() >= topic.partitions()) {
                    pr.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                } else {
                    parts.add(new Part(topic.name(), pd.records() == null ? 0 : pd.records().sizeInBytes(), pr,
                            append(topic, pd, pr, context.apiVersion(), req.transactionalId())));
                }
            }
        }
        CompletableFuture<?>[] all = parts.stream().map(Part::append).toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(all).handle((v, e) -> null).thenApply(v -> {
            boolean failed = false;
            for (Part p : parts) {
                AppendResult r = p.append.handle((ok, err) -> ok).join();
                if (r == null) {
                    Errors error = StoreErrors.of(p.append.handle((ok, err) -> err).join());
                    p.response.setErrorCode(error.code()).setBaseOffset(-1).setLogAppendTimeMs(-1)
                            .setLogStartOffset(-1);
                    metrics.produceFailed(p.topic, p.bytes, error);
                } else {
                    if (!r.duplicate()) { // a retried batch was counted when first appended
                        metrics.produced(p.topic, r.lastOffset() - r.baseOffset() + 1, p.bytes);
                    }
                    p.response.setBaseOffset(r.baseOffset()).setLogAppendTimeMs(r.logAppendTime())
                            .setLogStartOffset(r.logStartOffset());
                }
            }
            for (TopicProduceResponse t : resp.responses()) {
                for (PartitionProduceResponse p : t.partitionResponses()) {
                    failed |= p.errorCode() != Errors.NONE.code();
                }
            }
            if (acks == 0) {
                if (failed) {
                    throw new CloseConnection("acks=0 produce failed; closing the connection"
                            + " as Kafka does");
                }
                return null;
            }
            return resp;
        });
    }

    /**
     * Validates and appends one partition's batch; failures come back as an already failed future. An
     * uncompressed batch is checked in place on the calling event loop. A compressed one must be inflated to be
     * checked, which can take long (a bomb inflates up to the broker's bound), and a partition's first append
     * creates its first index file (unless CreateTopics had it made ahead), which may wait for the disk: either
     * is copied out of the request and checked and appended on an off-loop thread. Until that is done, later
     * batches to the partition follow it there ({@link #ordered}), so appends keep the order the requests came
     * in.
     */
    private CompletableFuture<AppendResult> append(Topic topic, ProduceRequestData.PartitionProduceData pd,
                                                   PartitionProduceResponse pr, short version, String transactionalId) {
        ByteBuffer records = pd.records() instanceof MemoryRecords m ? m.buffer() : ByteBuffer.allocate(0);
        PartitionKey key = new PartitionKey(topic.name(), pd.index());
        if (!BatchValidator.isCompressed(records) && !ordered.containsKey(key) && !store.appendCreatesFile(key)) {
            return validateAndAppend(topic, key, records, pr, version, transactionalId);
        }
        ByteBuffer copy = ByteBuffer.allocate(records.remaining()).put(records.duplicate()).flip();
        CompletableFuture<CompletableFuture<AppendResult>> step = new CompletableFuture<>();
        ordered.compute(key, (k, before) -> {
            try {
                (before == null ? DONE : before).whenCompleteAsync((v, e) -> {
                    try {
                        step.complete(validateAndAppend(topic, key, copy, pr, version, transactionalId));
                    } catch (Throwable t) { // never leave the partition's later batches waiting on this one
                        step.completeExceptionally(t);
                    }
                }, offLoop);
            } catch (RejectedExecutionException e) { // closing
                step.completeExceptionally(new IllegalStateException("the broker is shutting down", e));
            }
            return step;
        });
        step.whenComplete((f, e) -> ordered.remove(key, step));
        return step.thenCompose(f -> f);
    }

    private CompletableFuture<AppendResult> validateAndAppend(Topic topic, PartitionKey key, ByteBuffer records,
                                                              PartitionProduceResponse pr, short version,
                                                              String transactionalId) {
        BatchValidator.Rules rules = topic.produceRules();
        boolean logAppendTime = rules.timestampType() == TimestampType.LOG_APPEND_TIME;
        try {
            ByteBuffer batch = BatchValidator.validate(records, rules, clock.millis());
            short attributes = RecordBatchHeader.attributes(batch);
            if ((attributes & COMPRESSION_MASK) == ZSTD && version < 7) {
                return failed(pr, Errors.UNSUPPORTED_COMPRESSION_TYPE, "zstd needs produce v7 or later");
            }
            if (RecordBatchHeader.isTransactional(batch) && transactionalId == null) {
                return failed(pr, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
                        "a transactional batch needs the request's transactional id");
            }
            if (RecordBatchHeader.isTransactional(batch)) {
                Queued q = new Queued(RecordBatchHeader.producerId(batch), key);
                if (!queued.containsKey(q)) { // nothing of this producer waits for the coordinator here
                    try {
                        CompletableFuture<AppendResult> appended = store.append(key, batch, topic.leaderEpoch(),
                                logAppendTime);
                        fetches.appended(key);
                        return appended;
                    } catch (StoreException e) {
                        if (e.category() != StoreException.Category.TRANSACTION_NOT_VERIFIED) {
                            throw e;
                        }
                    }
                }
                return appendVerified(topic, key, q, batch, logAppendTime, transactionalId, version);
            }
            CompletableFuture<AppendResult> appended = store.append(key, batch, topic.leaderEpoch(), logAppendTime);
            fetches.appended(key); // readable now: fetches waiting on it answer
            return appended;
        } catch (BatchValidator.InvalidBatchException e) {
            for (BatchValidator.RecordError r : e.recordErrors()) { // sent from v8; older versions drop them
                pr.recordErrors().add(new BatchIndexAndErrorMessage().setBatchIndex(r.batchIndex())
                        .setBatchIndexErrorMessage(r.message()));
            }
            return failed(pr, e.error(), e.getMessage());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * A transactional batch that would open its transaction in the partition: appended on the transaction
     * coordinator's thread once it has confirmed that the transaction is open and holds the partition (KIP-890),
     * so that no marker of a later decision can come before it. While it waits there, the producer's next
     * batches to the partition follow it through the same queue ({@link #queued}) rather than overtaking it.
     * The batch is copied, since the request's buffer is released when the handler returns. The coordinator's refusals are told in Produce's words:
     * a fenced producer as INVALID_PRODUCER_EPOCH, and before v12 a transaction being completed as the
     * retriable NOT_ENOUGH_REPLICAS, as Kafka does.
     */
    private CompletableFuture<AppendResult> appendVerified(Topic topic, PartitionKey key, Queued q, ByteBuffer batch,
                                                           boolean logAppendTime, String transactionalId,
                                                           short version) {
        ByteBuffer copy = ByteBuffer.allocate(batch.remaining()).put(batch.duplicate()).flip();
        TopicPartition tp = new TopicPartition(key.topic(), key.partition());
        queued.merge(q, 1, Integer::sum);
        AtomicBoolean left = new AtomicBoolean();
        Runnable leave = () -> {
            if (left.compareAndSet(false, true)) {
                queued.computeIfPresent(q, (k, n) -> n == 1 ? null : n - 1);
            }
        };
        // From v12 (transaction protocol 2) the batch adds its partition to the transaction, as KIP-890 has it.
        return transactions.inTransaction(transactionalId, q.producerId(), RecordBatchHeader.producerEpoch(copy),
                Set.of(tp), version >= 12, () -> {
                    try {
                        CompletableFuture<AppendResult> appended = store.append(key, copy, topic.leaderEpoch(),
                                logAppendTime, true);
                        fetches.appended(key);
                        return appended;
                    } finally {
                        leave.run(); // appended (or refused by the store): later batches may go directly
                    }
                }).handle((r, e) -> {
                    leave.run();
                    return e == null ? CompletableFuture.completedFuture(r)
                            : CompletableFuture.<AppendResult>failedFuture(inProduceWords(e, version));
                }).thenCompose(f -> f);
    }

    private static Throwable inProduceWords(Throwable t, short version) {
        Throwable c = Errors.maybeUnwrapException(t);
        if (c instanceof ProducerFencedException) {
            return Errors.INVALID_PRODUCER_EPOCH.exception(c.getMessage());
        }
        if (c instanceof ConcurrentTransactionsException && version < 12) { // v12+ clients retry it as it is
            return Errors.NOT_ENOUGH_REPLICAS.exception("the producer's transaction is being completed; retry");
        }
        return c;
    }

    /** A refusal, carried through the append future as Kafka's exception for {@code error}. */
    private static CompletableFuture<AppendResult> failed(PartitionProduceResponse pr, Errors error, String message) {
        pr.setErrorMessage(message);
        return CompletableFuture.failedFuture(error.exception(message));
    }
}
