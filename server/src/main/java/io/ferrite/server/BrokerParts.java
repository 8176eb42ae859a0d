package io.ferrite.server;

import io.ferrite.group.GroupCoordinator;
import io.ferrite.server.admin.AdminApis;
import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.group.GroupApis;
import io.ferrite.server.log.KafkaRecordCleaning;
import io.ferrite.server.log.LogApis;
import io.ferrite.server.metadata.BrokerEndpoints;
import io.ferrite.server.metrics.BrokerMetrics;
import io.ferrite.server.metrics.BrokerTopicMetrics;
import io.ferrite.server.metrics.GroupMetrics;
import io.ferrite.server.metrics.LogMetrics;
import io.ferrite.server.metrics.RequestMetrics;
import io.ferrite.server.metrics.StoreMetrics;
import io.ferrite.server.metadata.ClusterIdentity;
import io.ferrite.server.metadata.DynamicBrokerConfigs;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.AdminExecutor;
import io.ferrite.server.network.ApiRegistry;
import io.ferrite.server.network.SaslApis;
import io.ferrite.server.quota.ClientQuotaManager;
import io.ferrite.server.quota.ClientQuotas;
import io.ferrite.server.security.AclStore;
import io.ferrite.server.security.Authorization;
import io.ferrite.server.security.ScramCredentials;
import io.ferrite.server.txn.TxnApis;
import io.ferrite.storage.Store;
import io.ferrite.txn.TransactionCoordinator;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.function.ToIntFunction;

/**
 * Everything the broker runs but its network server: the store, the topic registry, the group and transaction
 * coordinators, the admin thread, the metrics, and the registry of every API, which each package fills through its
 * {@code register}. The broker puts a {@code KafkaServer} in front; tests call the registry directly.
 */
final class BrokerParts implements AutoCloseable {
    final Store store;
    final TopicRegistry topics;
    final ClusterIdentity identity;
    final ApiRegistry apis;
    private final AdminExecutor admin;
    private final GroupCoordinator groups;
    private final TxnApis txns;
    private final LogApis logs;

    private final Authorization authorization;
    final ClientQuotaManager quotaManager;
    /** Every metric, published to JMX while the broker runs; unpublished first on close. */
    final BrokerMetrics metrics;
    final BrokerTopicMetrics topicMetrics;
    private final LogMetrics logMetrics;

    private BrokerParts(Store store, TopicRegistry topics, ClusterIdentity identity, ApiRegistry apis,
                        AdminExecutor admin, GroupCoordinator groups, TxnApis txns, LogApis logs,
                        Authorization authorization, ClientQuotaManager quotaManager, BrokerMetrics metrics,
                        BrokerTopicMetrics topicMetrics, LogMetrics logMetrics) {
        this.metrics = metrics;
        this.logMetrics = logMetrics;
        this.topicMetrics = topicMetrics;
        this.authorization = authorization;
        this.quotaManager = quotaManager;
        this.store = store;
        this.topics = topics;
        this.identity = identity;
        this.apis = apis;
        this.admin = admin;
        this.groups = groups;
        this.txns = txns;
        this.logs = logs;
    }

    /**
     * Opens the store (recovering it if needed), the registry and the coordinators; {@code boundPort} gives a
     * listener's bound port once the broker listens, for listeners that advertise none; {@code dynamic}: the
     * configs set while it runs; {@code scram}: the SCRAM users.
     */
    static BrokerParts open(BrokerConfig config, Clock clock, ToIntFunction<String> boundPort,
                            DynamicBrokerConfigs dynamic, ScramCredentials scram) {
        return open(config, config, Set.of(), clock, boundPort, dynamic, scram);
    }

    /**
     * As above, the store and the topic defaults taken from {@code running}: the properties file's configuration
     * ({@code config}, which DescribeConfigs tells as static) with {@code dynamicKeys} set over it while an
     * earlier run ran.
     */
    static BrokerParts open(BrokerConfig config, BrokerConfig running, Set<String> dynamicKeys, Clock clock,
                            ToIntFunction<String> boundPort, DynamicBrokerConfigs dynamic, ScramCredentials scram) {
        Store store = Store.open(running.store(), clock,
                List.of(GroupCoordinator.LOG_PARTITION, TransactionCoordinator.LOG_PARTITION),
                new KafkaRecordCleaning());
        BrokerMetrics metrics = new BrokerMetrics();
        AdminExecutor admin = new AdminExecutor();
        GroupCoordinator groups = null;
        TxnApis txns = null;
        LogApis logs = new LogApis();
        LogMetrics logMetrics = null;
        Authorization authorization = Authorization.none();
        ClientQuotaManager quotaManager = null;
        try {
            store.observeWith(new StoreMetrics(metrics, store));
            BrokerTopicMetrics topicMetrics = new BrokerTopicMetrics(metrics);
            Path dataDir = config.store().dataDir();
            ClusterIdentity identity = ClusterIdentity.load(dataDir, config.nodeId());
            if (config.authorizerClassName() != null) {
                authorization = Authorization.start(config.authorizerClassName(), config.properties(),
                        AclStore.load(dataDir), identity.clusterId(), config.nodeId(), config.endpoints());
            }
            TopicRegistry topics = TopicRegistry.open(dataDir, store, running.topicDefaults().withDynamic(dynamicKeys),
                    config.maxPartitions());
            groups = GroupCoordinator.start(store, clock, config.group(), config.consumerGroups(), config.shareGroups(),
                    topics.lookup());
            topics.onDelete(groups::onTopicDeleted);
            logMetrics = new LogMetrics(metrics, topics, store, topicMetrics);
            topics.onChange(logMetrics::sync);
            logMetrics.registerExisting();
            new GroupMetrics(metrics, groups);
            ApiRegistry apis = new ApiRegistry().authorizeWith(authorization).measureWith(new RequestMetrics(metrics));
            txns = TxnApis.register(apis, config, store, topics, groups, clock, admin, logs::appended);
            ClientQuotas clientQuotas = ClientQuotas.load(dataDir);
            quotaManager = new ClientQuotaManager(clientQuotas, config.quotaWindows(), config.quotaWindowSeconds(),
                    config.mutationQuotaWindows(), config.mutationQuotaWindowSeconds());
            ClientQuotaManager requestQuotas = quotaManager;
            apis.requestQuotaWith((context, nanos) -> requestQuotas.recordRequestTime(context.principal(),
                    context.clientId(), nanos, clock.millis()));
            logs.register(apis, topics, store, clock, admin, txns.coordinator(), config.fetchMaxBytes(),
                            config.fetchSessionSlots(), quotaManager, topicMetrics)
                    .registerShare(apis, topics, store, groups, config.shareGroups(), config.nodeId(),
                            config.fetchMaxBytes(), clock);
            AdminApis.register(apis, topics, identity, config, new BrokerEndpoints(config.listeners(), boundPort),
                    dynamic, scram, authorization, clientQuotas, quotaManager, groups, clock, admin);
            GroupApis.register(apis, groups, topics);
            SaslApis.register(apis);
            return new BrokerParts(store, topics, identity, apis, admin, groups, txns, logs, authorization,
                    quotaManager, metrics, topicMetrics, logMetrics);
        } catch (RuntimeException e) {
            if (quotaManager != null) {
                quotaManager.close();
            }
            if (logMetrics != null) {
                logMetrics.close();
            }
            metrics.close();
            closeAll(admin, txns, groups, logs, authorization, store);
            throw e;
        }
    }

    /** The group coordinator, for tests that drive its timers by hand. */
    GroupCoordinator groupCoordinator() {
        return groups;
    }

    /**
     * Closes in order: an admin change already running finishes, and the coordinators' last writes land (the
     * transaction coordinator's first, since its markers reach the group coordinator), before the store closes
     * (final flush and checkpoint, abort file removed), even if another part fails.
     */
    @Override
    public void close() {
        logMetrics.close(); // no gauge registered after the metrics close
        metrics.close(); // no gauge reads a part closing below
        quotaManager.close();
        closeAll(admin, txns, groups, logs, authorization, store);
    }

    private static void closeAll(AdminExecutor admin, TxnApis txns, GroupCoordinator groups, LogApis logs,
                                 Authorization authorization, Store store) {
        try {
            admin.close();
            if (txns != null) {
                txns.close();
            }
            if (groups != null) {
                groups.close();
            }
            if (logs != null) {
                logs.close();
            }
            authorization.close();
        } finally {
            store.close();
        }
    }
}
