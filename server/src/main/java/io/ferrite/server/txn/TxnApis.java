package io.ferrite.server.txn;

import io.ferrite.group.GroupCoordinator;
import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.AdminExecutor;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.ApiRegistry;
import io.ferrite.server.network.RequestContext;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.Store;
import io.ferrite.txn.TransactionCoordinator;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * Producer ids and transactions: InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, TxnOffsetCommit,
 * DescribeTransactions and ListTransactions, in both versions of Kafka's transaction protocol (the feature
 * {@code transaction.version} is finalized at 2, as in Kafka 4.3: its clients let their writes add partitions
 * and bump the epoch at every EndTxn; older clients add partitions and offsets explicitly). Owns the {@link TransactionCoordinator}
 * (thread {@code ferrite-transaction-coordinator}), stopped by {@link #close}.
 */
public final class TxnApis implements AutoCloseable {
    /** The feature naming the transaction protocol in force, as Kafka 4.x names it. */
    static final String TRANSACTION_VERSION = "transaction.version";

    private final TransactionCoordinator coordinator;

    private TxnApis(TransactionCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    /**
     * Starts the transaction coordinator on its log in {@code store} (which must have
     * {@link TransactionCoordinator#LOG_PARTITION} pinned) and registers the APIs. Idempotent producer ids come
     * from a block file in the data directory, handed out on the admin thread since a new block is fsynced;
     * markers are written straight into the store, and {@code appended} is told of each partition they reach.
     */
    public static TxnApis register(ApiRegistry apis, BrokerConfig config, Store store, TopicRegistry topics,
                                   GroupCoordinator groups, Clock clock, AdminExecutor admin,
                                   Consumer<PartitionKey> appended) {
        ProducerIds ids = new ProducerIds(config.store().dataDir());
        TransactionCoordinator coordinator = TransactionCoordinator.start(store, clock, config.transactions(),
                ids::next, new StoreTransactionMarkers(topics, store, clock, groups, appended));
        ApiHandler<InitProducerIdRequestData> idempotent = admin.offload(new InitProducerIdHandler(ids));
        TransactionAdminHandlers admins = new TransactionAdminHandlers(coordinator, clock);
        // InitProducerId v6 (two-phase commit, KIP-939) is unstable in Kafka 4.3 and not advertised there either.
        apis.register(ApiKeys.INIT_PRODUCER_ID, 0, 5, (RequestContext c, InitProducerIdRequestData q) ->
                        q.transactionalId() == null ? idempotent.handle(c, q)
                                : coordinator.initProducerId(q, c.apiVersion()), TxnAccess.initProducerId())
                .register(ApiKeys.ADD_PARTITIONS_TO_TXN, 0, 5, new AddPartitionsToTxnHandler(coordinator, topics),
                        TxnAccess.addPartitionsToTxn())
                .register(ApiKeys.ADD_OFFSETS_TO_TXN, 0, 4, (RequestContext c, AddOffsetsToTxnRequestData q) ->
                        coordinator.addOffsets(q.transactionalId(), q.producerId(), q.producerEpoch(), c.apiVersion())
                                .thenApply(e -> new AddOffsetsToTxnResponseData().setErrorCode(e.code())),
                        TxnAccess.addOffsetsToTxn())
                .register(ApiKeys.END_TXN, 0, 5, (RequestContext c, EndTxnRequestData q) ->
                        coordinator.endTransaction(q.transactionalId(), q.producerId(), q.producerEpoch(),
                                q.committed(), c.apiVersion()), TxnAccess.endTxn())
                .register(ApiKeys.TXN_OFFSET_COMMIT, 0, 5, (RequestContext c, TxnOffsetCommitRequestData q) ->
                        commitOffsets(coordinator, groups, q, c.apiVersion()), TxnAccess.txnOffsetCommit())
                .register(ApiKeys.DESCRIBE_TRANSACTIONS, 0, 0, admins::describe, TxnAccess.describeTransactions())
                .register(ApiKeys.LIST_TRANSACTIONS, 0, 2, admins::list, TxnAccess.listTransactions())
                // Level 2 (KIP-890 part 2), as Kafka 4.3 finalizes it; clients of protocol 1 go on as before.
                .feature(TRANSACTION_VERSION, 0, 2, 2);
        return new TxnApis(coordinator);
    }

    /**
     * TxnOffsetCommit: the group coordinator takes the offsets as pending once the transaction coordinator has
     * confirmed that the transaction holds the group's offsets (AddOffsetsToTxn; from v5, transaction protocol
     * 2, it adds them itself); its refusal answers every partition, a fenced producer as INVALID_PRODUCER_EPOCH,
     * which every client version knows.
     */
    private static CompletableFuture<ApiMessage> commitOffsets(TransactionCoordinator coordinator,
                                                               GroupCoordinator groups, TxnOffsetCommitRequestData q,
                                                               short version) {
        return coordinator.inTransaction(q.transactionalId(), q.producerId(), q.producerEpoch(),
                Set.of(TransactionCoordinator.GROUP_OFFSETS), version >= 5, () -> groups.commitOffsetsInTransaction(q))
                .handle((resp, e) -> {
                    if (e == null) {
                        return resp;
                    }
                    Errors error = Errors.forException(e); // unwraps a CompletionException itself
                    Errors told = error == Errors.PRODUCER_FENCED ? Errors.INVALID_PRODUCER_EPOCH : error;
                    TxnOffsetCommitResponseData out = new TxnOffsetCommitResponseData();
                    q.topics().forEach(t -> {
                        TxnOffsetCommitResponseTopic rt = new TxnOffsetCommitResponseTopic().setName(t.name());
                        t.partitions().forEach(p -> rt.partitions().add(new TxnOffsetCommitResponsePartition()
                                .setPartitionIndex(p.partitionIndex()).setErrorCode(told.code())));
                        out.topics().add(rt);
                    });
                    return out;
                });
    }

    /** The coordinator, which Produce asks before a transactional batch opens its transaction in a partition. */
    public TransactionCoordinator coordinator() {
        return coordinator;
    }

    /** Stops the coordinator; its last writes land first. */
    @Override
    public void close() {
        coordinator.close();
    }
}
