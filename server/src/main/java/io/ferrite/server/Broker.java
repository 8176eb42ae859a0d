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
import io.ferrite.server.network.KafkaServer;
import io.ferrite.server.txn.TxnApis;
import io.ferrite.storage.Store;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.function.IntSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The composition root: opens the store, the topic registry and the group coordinator, lets each package
 * register its APIs, starts listening, and closes it all in order. Nothing else lives here.
 */
public final class Broker implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(Broker.class);

    private final Store store;
    private final AdminExecutor admin;
    private final GroupCoordinator groups;
    private final LogApis logs;
    private final KafkaServer server;

    private Broker(Store store, AdminExecutor admin, GroupCoordinator groups, LogApis logs, KafkaServer server) {
        this.store = store;
        this.admin = admin;
        this.groups = groups;
        this.logs = logs;
        this.server = server;
    }

    /** Opens the store (recovering it if needed) and the topic registry, and starts listening. */
    public static Broker start(BrokerConfig config, Clock clock) throws Exception {
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
            KafkaServer[] server = new KafkaServer[1];
            IntSupplier port = () -> config.advertisedPort() > 0 ? config.advertisedPort() : server[0].port();
            ApiRegistry apis = new ApiRegistry();
            logs = LogApis.register(apis, topics, store, clock, admin);
            AdminApis.register(apis, topics, identity, config, port, admin);
            GroupApis.register(apis, groups, config.nodeId(), config.advertisedHost(), port);
            TxnApis.register(apis, dataDir, admin);
            server[0] = new KafkaServer(config, apis).start();
            LOG.info("node {} of cluster {} is up with {} topics", identity.nodeId(), identity.clusterId(),
                    topics.all().size());
            return new Broker(store, admin, groups, logs, server[0]);
        } catch (Exception e) { // includes a BindException Netty rethrows undeclared
            closeAll(admin, groups, logs, store);
            throw e;
        }
    }

    public int port() {
        return server.port();
    }

    /** The group coordinator, for tests that drive its timers by hand. */
    GroupCoordinator groupCoordinator() {
        return groups;
    }

    /** Stops accepting, then closes the store cleanly (final flush and checkpoint, abort file removed). */
    @Override
    public void close() {
        LOG.info("shutting down");
        server.close();
        closeAll(admin, groups, logs, store);
    }

    /**
     * Closes in order, skipping what was never opened: an admin change already running finishes, and the
     * coordinator's last writes land, before the store closes; the store closes even if another part fails.
     */
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
