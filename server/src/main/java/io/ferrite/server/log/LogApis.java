package io.ferrite.server.log;

import io.ferrite.server.metrics.BrokerTopicMetrics;
import io.ferrite.group.GroupCoordinator;
import io.ferrite.group.ShareGroupConfig;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.AdminExecutor;
import io.ferrite.server.network.Access;
import io.ferrite.server.quota.ClientQuotaManager;
import io.ferrite.server.network.ApiRegistry;
import org.apache.kafka.common.acl.AclOperation;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.Store;
import io.ferrite.txn.TransactionCoordinator;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The data plane's APIs: Produce, Fetch, ListOffsets, OffsetForLeaderEpoch, DeleteRecords, DescribeLogDirs,
 * DescribeProducers, WriteTxnMarkers, ShareFetch and ShareAcknowledge, on the store. Owns the fetches waiting for data ({@link FetchWaiters}, thread
 * {@code ferrite-fetch-timer}) and the threads compressed batches are checked on, both stopped by {@link #close}.
 * Made before its APIs are registered, so that the transaction coordinator's markers
 * can wake fetches ({@link #appended}) while Produce asks that coordinator.
 */
public final class LogApis implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(LogApis.class);

    private final FetchWaiters fetches = new FetchWaiters();
    /**
     * Threads {@code ferrite-log-io-N}, one per core, for the data plane's work that may take long or wait for
     * the disk, which on an event loop would stall every connection of that loop: inflating and checking
     * compressed produce batches, a partition's first append (it creates an index file), fetches whose data is
     * not in the page cache, and ListOffsets by timestamp.
     */
    private final ExecutorService offLoop = Executors.newFixedThreadPool(
            Runtime.getRuntime().availableProcessors(), new DefaultThreadFactory("ferrite-log-io", true));

    /** Fetches waiting on the partition answer: something was written to it outside Produce. */
    public void appended(PartitionKey key) {
        fetches.appended(key);
    }

    /**
     * Registers the data plane's APIs at their versions; DeleteRecords runs on the admin thread, and Produce has
     * {@code transactions} confirm a transactional batch's transaction.
     */
    public LogApis register(ApiRegistry apis, TopicRegistry topics, Store store, Clock clock, AdminExecutor admin,
                            TransactionCoordinator transactions, int fetchMaxBytes, int fetchSessionSlots,
                            ClientQuotaManager quotaManager, BrokerTopicMetrics topicMetrics) {
        LogAccess access = new LogAccess(topics);
        FetchSessions sessions = new FetchSessions(fetchSessionSlots, clock);
        LogQuotas quotas = new LogQuotas(quotaManager, clock);
        // Produce 0-2 advertised as Kafka does, for old librdkafka's feature checks; served from 3.
        apis.register(ApiKeys.PRODUCE, 0, 13, new ProduceHandler(topics, store, clock, fetches, transactions,
                offLoop, topicMetrics), access.produce())
                .register(ApiKeys.LIST_OFFSETS, 1, 11, new ListOffsetsHandler(topics, store, offLoop),
                        access.listOffsets())
                .register(ApiKeys.FETCH, 4, 18, new FetchHandler(topics, store, fetches, fetchMaxBytes, offLoop,
                        topicMetrics, sessions), access.fetch(sessions))
                .register(ApiKeys.OFFSET_FOR_LEADER_EPOCH, 2, 4, new OffsetForLeaderEpochHandler(topics, store),
                        access.offsetForLeaderEpoch())
                .register(ApiKeys.DELETE_RECORDS, 0, 2, admin.offload(new DeleteRecordsHandler(topics, store)),
                        access.deleteRecords())
                .register(ApiKeys.DESCRIBE_LOG_DIRS, 1, 5, new DescribeLogDirsHandler(topics, store),
                        Access.cluster(AclOperation.DESCRIBE))
                .register(ApiKeys.DESCRIBE_PRODUCERS, 0, 0, new DescribeProducersHandler(topics, store),
                        access.describeProducers())
                .register(ApiKeys.WRITE_TXN_MARKERS, 1, 2, new WriteTxnMarkersHandler(topics, store, clock, fetches),
                        Access.cluster(AclOperation.CLUSTER_ACTION))
                .throttle(ApiKeys.PRODUCE, quotas.produce())
                .throttle(ApiKeys.FETCH, quotas.fetch(sessions));
        return this;
    }

    /**
     * Registers ShareFetch and ShareAcknowledge (KIP-932), reading the store, on the off-loop threads, for records
     * the group coordinator hands out.
     */
    public LogApis registerShare(ApiRegistry apis, TopicRegistry topics, Store store, GroupCoordinator groups,
                                 ShareGroupConfig config, int nodeId, int fetchMaxBytes, Clock clock) {
        LogAccess access = new LogAccess(topics);
        ShareSessions sessions = new ShareSessions(config.maxShareSessions(), config.maxSessionTimeoutMs(), clock);
        apis.register(ApiKeys.SHARE_FETCH, 1, 2, new ShareFetchHandler(topics, store, fetches, groups, sessions, nodeId,
                        offLoop, fetchMaxBytes), access.shareFetch())
                .register(ApiKeys.SHARE_ACKNOWLEDGE, 1, 2, new ShareAcknowledgeHandler(topics, groups, sessions, nodeId),
                        access.shareAcknowledge());
        return this;
    }

    /** Releases the waiting fetches and stops their timer thread; lets batches being checked finish (bounded). */
    @Override
    public void close() {
        fetches.close();
        offLoop.shutdown();
        try {
            if (!offLoop.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("off-loop produce, fetch or list-offsets work still running after 10 s; stopping");
                offLoop.shutdownNow();
            }
        } catch (InterruptedException e) {
            offLoop.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
