package io.ferrite.server;

import io.ferrite.group.ConsumerGroupConfig;
import io.ferrite.group.GroupCoordinator;
import io.ferrite.group.GroupConfig;
import io.ferrite.storage.Store;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.function.IntSupplier;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Wires the store and the network server, and owns their lifecycle. Each API it serves is registered once,
 * with its versions and its handler, in an {@link ApiRegistry}.
 */
public final class Broker implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(Broker.class);

    private final Store store;
    private final KafkaServer server;
    private final FetchWaiters fetches;
    private final AdminExecutor admin;
    private final GroupCoordinator groups;

    private Broker(Store store, KafkaServer server, FetchWaiters fetches, AdminExecutor admin,
                   GroupCoordinator groups) {
        this.store = store;
        this.server = server;
        this.fetches = fetches;
        this.admin = admin;
        this.groups = groups;
    }

    /** Opens the store (recovering it if needed) and the topic registry, and starts listening. */
    public static Broker start(BrokerConfig config, Clock clock) throws Exception {
        GroupConfig groupConfig = GroupConfig.fromProperties(config.properties());
        Store store = Store.open(config.store(), clock, List.of(GroupCoordinator.LOG_PARTITION));
        FetchWaiters fetches = new FetchWaiters();
        AdminExecutor admin = new AdminExecutor();
        GroupCoordinator groups = null;
        try {
            Path dataDir = config.store().dataDir();
            ClusterIdentity identity = ClusterIdentity.load(dataDir, config.nodeId());
            TopicRegistry topics = TopicRegistry.open(dataDir, store, config.topicDefaults());
            groups = GroupCoordinator.start(store, clock, groupConfig,
                    ConsumerGroupConfig.fromProperties(config.properties()), topics.lookup());
            topics.onDelete(groups::onTopicDeleted);
            KafkaServer[] server = new KafkaServer[1];
            IntSupplier advertisedPort = () -> config.advertisedPort() > 0 ? config.advertisedPort() : server[0].port();
            TopicConfigChanger configChanger = new TopicConfigChanger(topics, config.topicDefaults());
            ApiRegistry apis = new ApiRegistry()
                    .register(ApiKeys.METADATA, 0, 13, new MetadataHandler(topics, identity, config.advertisedHost(),
                            advertisedPort, config.autoCreateTopics(), config.numPartitions(), admin))
                    // 0-2 advertised as Kafka does, for old librdkafka's feature checks; served from 3
                    .register(ApiKeys.PRODUCE, 0, 13, new ProduceHandler(topics, store, clock, fetches))
                    .register(ApiKeys.LIST_OFFSETS, 1, 11, new ListOffsetsHandler(topics, store))
                    .register(ApiKeys.FETCH, 4, 18, new FetchHandler(topics, store, fetches))
                    .register(ApiKeys.OFFSET_FOR_LEADER_EPOCH, 2, 4, new OffsetForLeaderEpochHandler(topics, store))
                    .register(ApiKeys.INIT_PRODUCER_ID, 0, 6,
                            admin.offload(new InitProducerIdHandler(new ProducerIds(dataDir))))
                    .register(ApiKeys.CREATE_TOPICS, 2, 7, admin.offload(new CreateTopicsHandler(topics,
                            config.topicDefaults(), config.nodeId(), config.numPartitions())))
                    .register(ApiKeys.DELETE_TOPICS, 1, 6, admin.offload(new DeleteTopicsHandler(topics)))
                    .register(ApiKeys.CREATE_PARTITIONS, 0, 3,
                            admin.offload(new CreatePartitionsHandler(topics, config.nodeId())))
                    .register(ApiKeys.DELETE_RECORDS, 0, 2, admin.offload(new DeleteRecordsHandler(topics, store)))
                    .register(ApiKeys.DESCRIBE_CLUSTER, 0, 2, new DescribeClusterHandler(identity,
                            config.advertisedHost(), advertisedPort))
                    .register(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, 0, 0,
                            new DescribeTopicPartitionsHandler(topics, config.nodeId()))
                    .register(ApiKeys.DESCRIBE_LOG_DIRS, 1, 5, new DescribeLogDirsHandler(topics, store))
                    .register(ApiKeys.DESCRIBE_CONFIGS, 1, 4, new DescribeConfigsHandler(topics, config))
                    .register(ApiKeys.ALTER_CONFIGS, 0, 2,
                            admin.offload(new AlterConfigsHandler(configChanger, config.nodeId())))
                    .register(ApiKeys.INCREMENTAL_ALTER_CONFIGS, 0, 1,
                            admin.offload(new IncrementalAlterConfigsHandler(configChanger, config.nodeId())));
            new GroupApis(groups, config.nodeId(), config.advertisedHost(), advertisedPort).register(apis);
            server[0] = new KafkaServer(config, apis).start();
            LOG.info("node {} of cluster {} is up with {} topics", identity.nodeId(), identity.clusterId(),
                    topics.all().size());
            return new Broker(store, server[0], fetches, admin, groups);
        } catch (Exception e) { // includes a BindException Netty rethrows undeclared
            admin.close();
            if (groups != null) {
                groups.close();
            }
            fetches.close();
            store.close();
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
        try {
            server.close();
            admin.close(); // an admin change already running finishes before the store closes
            groups.close();
            fetches.close();
        } finally {
            store.close();
        }
    }
}
