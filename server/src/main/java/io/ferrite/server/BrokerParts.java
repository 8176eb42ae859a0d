package io.ferrite.server;

import io.ferrite.group.GroupCoordinator;
import io.ferrite.server.admin.AdminApis;
import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.group.GroupApis;
import io.ferrite.server.log.LogApis;
import io.ferrite.server.metadata.ClusterIdentity;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.AdminExecutor;
import io.ferrite.server.network.ApiRegistry;
import io.ferrite.server.txn.TxnApis;
import io.ferrite.storage.Store;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * Everything the broker runs but its network server: the store, the topic registry, the group coordinator,
 * the admin thread, and the registry of every API, which each package fills through its {@code register}.
 * The broker puts a {@code KafkaServer} in front; tests call the registry directly.
 */
final class BrokerParts implements AutoCloseable {
    final Store store;
    final TopicRegistry topics;
    final ClusterIdentity identity;
    final ApiRegistry apis;
    private final AdminExecutor admin;
    private final GroupCoordinator groups;
    private final LogApis logs;

    private BrokerParts(Store store, TopicRegistry topics, ClusterIdentity identity, ApiRegistry apis,
                        AdminExecutor admin, GroupCoordinator groups, LogApis logs) {
        this.store = store;
        this.topics = topics;
        this.identity = identity;
        this.apis = apis;
        this.admin = admin;
        this.groups = groups;
        this.logs = logs;
    }

    /** Opens the store (recovering it if needed), the registry and the coordinator; {@code port} is advertised. */
    static BrokerParts open(BrokerConfig config, Clock clock, IntSupplier port) {
        Store store = Store.open(config.store(), clock, List.of(GroupCoordinator.LOG_PARTITION));
        AdminExecutor admin = new AdminExecutor();
        GroupCoordinator groups = null;
        LogApis logs = null;
        try {
            Path dataDir = config.store().dataDir();
            ClusterIdentity identity = ClusterIdentity.load(dataDir, config.nodeId());
            TopicRegistry topics = TopicRegistry.open(dataDir, store, config.topicDefaults());
            groups = GroupCoordinator.start(store, clock, config.group(), config.consumerGroups(), topics.lookup());
            topics.onDelete(groups::onTopicDeleted);
            ApiRegistry apis = new ApiRegistry();
            logs = LogApis.register(apis, topics, store, clock, admin);
            AdminApis.register(apis, topics, identity, config, port, admin);
            GroupApis.register(apis, groups, config.nodeId(), config.advertisedHost(), port);
            TxnApis.register(apis, dataDir, admin);
            return new BrokerParts(store, topics, identity, apis, admin, groups, logs);
        } catch (RuntimeException e) {
            closeAll(admin, groups, logs, store);
            throw e;
        }
    }

    /** The group coordinator, for tests that drive its timers by hand. */
    GroupCoordinator groupCoordinator() {
        return groups;
    }

    /**
     * Closes in order: an admin change already running finishes, and the coordinator's last writes land,
     * before the store closes (final flush and checkpoint, abort file removed), even if another part fails.
     */
    @Override
    public void close() {
        closeAll(admin, groups, logs, store);
    }

    private static void closeAll(AdminExecutor admin, GroupCoordinator groups, LogApis logs, Store store) {
        try {
            admin.close();
            if (groups != null) {
                groups.close();
            }
            if (logs != null) {
                logs.close();
            }
        } finally {
            store.close();
        }
    }
}
