package io.ferrite.server.admin;

import io.ferrite.group.GroupCoordinator;
import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.metadata.BrokerEndpoints;
import io.ferrite.server.metadata.ClusterIdentity;
import io.ferrite.server.metadata.DynamicBrokerConfigs;
import io.ferrite.server.metadata.TopicConfigChanger;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.AdminExecutor;
import io.ferrite.server.network.ApiRegistry;
import io.ferrite.server.network.Access;
import io.ferrite.server.quota.ClientQuotaManager;
import io.ferrite.server.quota.ClientQuotas;
import java.time.Clock;
import io.ferrite.server.security.Authorization;
import io.ferrite.server.security.ScramCredentials;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The topic, config, cluster, client quota, SCRAM credential and ACL APIs, and FindCoordinator. What changes the registry or creates files runs on the
 * admin thread.
 */
public final class AdminApis {
    private AdminApis() {
    }

    /** Registers them at their versions; clients reach this broker at {@code endpoints}. */
    public static void register(ApiRegistry apis, TopicRegistry topics, ClusterIdentity identity, BrokerConfig config,
                                BrokerEndpoints endpoints, DynamicBrokerConfigs dynamic, ScramCredentials scram,
                                Authorization authorization, ClientQuotas quotas, ClientQuotaManager quotaManager,
                                GroupCoordinator groups, Clock clock, AdminExecutor admin) {
        AdminQuotas mutations = new AdminQuotas(quotaManager, topics, config.numPartitions(), clock);
        ClientQuotaHandlers quotaHandlers = new ClientQuotaHandlers(quotas);
        UserScramCredentialsHandlers scramHandlers = new UserScramCredentialsHandlers(scram);
        AclHandlers acls = new AclHandlers(authorization);
        AdminAccess access = new AdminAccess(topics, config.autoCreateTopics());
        TopicConfigChanger configChanger = new TopicConfigChanger(topics);
        BrokerConfigChanger brokerChanger = new BrokerConfigChanger(config, dynamic);
        GroupConfigResources groupConfigs = new GroupConfigResources(groups, config);
        apis.register(ApiKeys.METADATA, 0, 13, new MetadataHandler(topics, identity, endpoints, config.rack(),
                        config.autoCreateTopics(), config.numPartitions(), admin), access.metadata())
                .register(ApiKeys.CREATE_TOPICS, 2, 7, admin.offload(new CreateTopicsHandler(topics,
                        config.nodeId(), config.numPartitions())), access.createTopics())
                .register(ApiKeys.DELETE_TOPICS, 1, 6, admin.offload(new DeleteTopicsHandler(topics)),
                        access.deleteTopics())
                .register(ApiKeys.CREATE_PARTITIONS, 0, 3,
                        admin.offload(new CreatePartitionsHandler(topics, config.nodeId())), access.createPartitions())
                .register(ApiKeys.FIND_COORDINATOR, new FindCoordinatorHandler(config.nodeId(), endpoints),
                        access.findCoordinator())
                .register(ApiKeys.DESCRIBE_CLUSTER, 0, 2, new DescribeClusterHandler(identity, endpoints, config.rack()),
                        access.describeCluster())
                .register(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, 0, 0,
                        new DescribeTopicPartitionsHandler(topics, config.nodeId()), access.describeTopicPartitions())
                .register(ApiKeys.DESCRIBE_CONFIGS, 1, 4, new DescribeConfigsHandler(topics, config, dynamic, groupConfigs),
                        access.describeConfigs())
                .register(ApiKeys.ALTER_CONFIGS, 0, 2,
                        admin.offload(new AlterConfigsHandler(configChanger, brokerChanger, groupConfigs)), access.alterConfigs())
                .register(ApiKeys.INCREMENTAL_ALTER_CONFIGS, 0, 1,
                        admin.offload(new IncrementalAlterConfigsHandler(configChanger, brokerChanger,
                                groupConfigs)),
                        access.incrementalAlterConfigs())
                .register(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, 0, 0, scramHandlers.describe(),
                        Access.cluster(AclOperation.DESCRIBE))
                .register(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, 0, 0, admin.offload(scramHandlers.alter()),
                        Access.cluster(AclOperation.ALTER))
                .register(ApiKeys.DESCRIBE_CLIENT_QUOTAS, quotaHandlers.describe(),
                        Access.cluster(AclOperation.DESCRIBE_CONFIGS))
                .register(ApiKeys.ALTER_CLIENT_QUOTAS, admin.offload(quotaHandlers.alter()),
                        Access.cluster(AclOperation.ALTER_CONFIGS))
                .register(ApiKeys.DESCRIBE_ACLS, acls.describe(), Access.cluster(AclOperation.DESCRIBE))
                .register(ApiKeys.CREATE_ACLS, admin.offload(acls.create()), Access.cluster(AclOperation.ALTER))
                .register(ApiKeys.DELETE_ACLS, admin.offload(acls.delete()), Access.cluster(AclOperation.ALTER))
                .throttle(ApiKeys.CREATE_TOPICS, mutations.createTopics())
                .throttle(ApiKeys.CREATE_PARTITIONS, mutations.createPartitions())
                .throttle(ApiKeys.DELETE_TOPICS, mutations.deleteTopics());
    }
}
