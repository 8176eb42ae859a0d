package io.ferrite.server;

import io.ferrite.server.group.ConsumerGroupConfig;
import io.ferrite.server.group.CoordinatorLog;
import io.ferrite.server.group.GroupConfig;
import io.ferrite.server.group.GroupCoordinator;
import io.ferrite.storage.Store;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Wires the store and the network server, and owns their lifecycle. It advertises exactly the APIs it
 * has handlers for.
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
        Store store = Store.open(config.store(), clock, List.of(CoordinatorLog.PARTITION));
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
            ApiVersionsTable table = new ApiVersionsTable()
                    .add(ApiKeys.API_VERSIONS, 0, 4)
                    .add(ApiKeys.METADATA, 0, 13)
                    .add(ApiKeys.PRODUCE, 0, 13) // 0-2 advertised as Kafka does, for old librdkafka's feature checks
                    .add(ApiKeys.LIST_OFFSETS, 1, 11)
                    .add(ApiKeys.FETCH, 4, 18)
                    .add(ApiKeys.OFFSET_FOR_LEADER_EPOCH, 2, 4)
                    .add(ApiKeys.INIT_PRODUCER_ID, 0, 6)
                    .add(ApiKeys.CREATE_TOPICS, 2, 7)
                    .add(ApiKeys.DELETE_TOPICS, 1, 6)
                    .add(ApiKeys.CREATE_PARTITIONS, 0, 3)
                    .add(ApiKeys.DELETE_RECORDS, 0, 2)
                    .add(ApiKeys.DESCRIBE_CLUSTER, 0, 2)
                    .add(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, 0, 0)
                    .add(ApiKeys.DESCRIBE_LOG_DIRS, 1, 5)
                    .add(ApiKeys.DESCRIBE_CONFIGS, 1, 4)
                    .add(ApiKeys.ALTER_CONFIGS, 0, 2)
                    .add(ApiKeys.INCREMENTAL_ALTER_CONFIGS, 0, 1);
            Map<ApiKeys, RequestDispatcher.Handler> handlers = new EnumMap<>(Map.of(
                    ApiKeys.API_VERSIONS, request -> CompletableFuture.completedFuture(table.response(Errors.NONE,
                            request.apiVersion())),
                    ApiKeys.METADATA, new MetadataHandler(topics, identity, config.advertisedHost(), advertisedPort,
                            config.autoCreateTopics(), config.numPartitions(), admin),
                    ApiKeys.PRODUCE, new ProduceHandler(topics, config.topicDefaults(), store, clock, fetches),
                    ApiKeys.LIST_OFFSETS, new ListOffsetsHandler(topics, store),
                    ApiKeys.FETCH, new FetchHandler(topics, store, fetches),
                    ApiKeys.OFFSET_FOR_LEADER_EPOCH, new OffsetForLeaderEpochHandler(topics, store),
                    ApiKeys.INIT_PRODUCER_ID, admin.offload(new InitProducerIdHandler(new ProducerIds(dataDir))),
                    ApiKeys.CREATE_TOPICS, admin.offload(new CreateTopicsHandler(topics, config.topicDefaults(),
                            config.nodeId(), config.numPartitions())),
                    ApiKeys.DELETE_TOPICS, admin.offload(new DeleteTopicsHandler(topics))));
            handlers.put(ApiKeys.CREATE_PARTITIONS, admin.offload(new CreatePartitionsHandler(topics, config.nodeId())));
            handlers.put(ApiKeys.DELETE_RECORDS, admin.offload(new DeleteRecordsHandler(topics, store)));
            handlers.put(ApiKeys.DESCRIBE_CLUSTER, new DescribeClusterHandler(identity, config.advertisedHost(),
                    advertisedPort));
            handlers.put(ApiKeys.DESCRIBE_TOPIC_PARTITIONS,
                    new DescribeTopicPartitionsHandler(topics, config.nodeId()));
            handlers.put(ApiKeys.DESCRIBE_LOG_DIRS, new DescribeLogDirsHandler(topics, store));
            TopicConfigChanger configChanger = new TopicConfigChanger(topics, config.topicDefaults());
            handlers.put(ApiKeys.DESCRIBE_CONFIGS, new DescribeConfigsHandler(topics, config));
            handlers.put(ApiKeys.ALTER_CONFIGS, admin.offload(new AlterConfigsHandler(configChanger, config.nodeId())));
            handlers.put(ApiKeys.INCREMENTAL_ALTER_CONFIGS,
                    admin.offload(new IncrementalAlterConfigsHandler(configChanger, config.nodeId())));
            new GroupApis(groups, config.nodeId(), config.advertisedHost(), advertisedPort).register(handlers, table);
            server[0] = new KafkaServer(config, table, handlers).start();
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
