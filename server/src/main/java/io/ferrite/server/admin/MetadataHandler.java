package io.ferrite.server.admin;

import io.ferrite.server.metadata.BrokerEndpoints;
import io.ferrite.server.metadata.ClusterIdentity;
import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicNames;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.AdminExecutor;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBrokerCollection;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopicCollection;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Metadata v0-13: this broker is the only broker, the controller, and the leader and only replica of every
 * partition. Unknown topics are created when {@code auto.create.topics.enable} and the request allow it;
 * such a request is answered on the admin thread, since creating a topic writes and fsyncs files.
 */
final class MetadataHandler implements ApiHandler<MetadataRequestData> {
    private static final Logger LOG = LogManager.getLogger(MetadataHandler.class);

    private final TopicRegistry topics;
    private final ClusterIdentity identity;
    private final BrokerEndpoints endpoints;
    private final boolean autoCreate;
    private final int defaultPartitions;
    private final AdminExecutor admin;
    private final String rack;

    MetadataHandler(TopicRegistry topics, ClusterIdentity identity, BrokerEndpoints endpoints, String rack,
                    boolean autoCreate, int defaultPartitions, AdminExecutor admin) {
        this.topics = topics;
        this.rack = rack;
        this.admin = admin;
        this.identity = identity;
        this.endpoints = endpoints;
        this.autoCreate = autoCreate;
        this.defaultPartitions = defaultPartitions;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, MetadataRequestData req) {
        short version = context.apiVersion();
        BrokerEndpoints.Endpoint at = endpoints.of(context.listener());
        boolean all = req.topics() == null || (version == 0 && req.topics().isEmpty());
        boolean create = !all && autoCreate && (version < 4 || req.allowAutoTopicCreation())
                && req.topics().stream().anyMatch(t -> !byId(t) && topics.get(t.name()) == null);
        return create ? admin.run(() -> CompletableFuture.completedFuture(answer(req, version, true, at)))
                : CompletableFuture.completedFuture(answer(req, version, false, at));
    }

    private MetadataResponseData answer(MetadataRequestData req, short version, boolean create,
                                        BrokerEndpoints.Endpoint at) {
        MetadataResponseTopicCollection out = new MetadataResponseTopicCollection();
        // v0: an empty list means every topic; v1 and later: null means every topic, empty means none.
        if (req.topics() == null || (version == 0 && req.topics().isEmpty())) {
            topics.all().forEach(t -> out.add(describe(t)));
        } else {
            Map<String, Errors> notCreated = create ? createMissing(req.topics()) : Map.of();
            for (MetadataRequestData.MetadataRequestTopic wanted : req.topics()) {
                out.add(lookUp(wanted, notCreated));
            }
        }
        MetadataResponseBrokerCollection brokers = new MetadataResponseBrokerCollection();
        brokers.add(new MetadataResponseBroker().setNodeId(identity.nodeId()).setHost(at.host())
                .setPort(at.port()).setRack(rack));
        return new MetadataResponseData().setBrokers(brokers).setClusterId(identity.clusterId())
                .setControllerId(identity.nodeId()).setTopics(out);
    }

    /**
     * Creates the named topics that do not exist, all with one durable write, and returns the error each one
     * not created gets. As in Kafka, whose controller refuses a creation of more than
     * {@link TopicRegistry#MAX_PARTITIONS_PER_REQUEST} partitions whole, too many new topics in one request
     * create none: they are answered LEADER_NOT_AVAILABLE, Kafka's answer while a topic is not (yet) there.
     */
    private Map<String, Errors> createMissing(List<MetadataRequestData.MetadataRequestTopic> wanted) {
        Set<String> missing = new LinkedHashSet<>();
        for (MetadataRequestData.MetadataRequestTopic w : wanted) {
            if (!byId(w) && topics.get(w.name()) == null && TopicNames.problem(w.name()) == null) {
                missing.add(w.name());
            }
        }
        Map<String, Errors> notCreated = new HashMap<>();
        if ((long) missing.size() * defaultPartitions > TopicRegistry.MAX_PARTITIONS_PER_REQUEST) {
            LOG.warn("not auto-creating {} topics of {} partition(s) each asked for in one Metadata request: {}",
                    missing.size(), defaultPartitions, TopicRegistry.TOO_MANY_PARTITIONS_PER_REQUEST);
            missing.forEach(name -> notCreated.put(name, Errors.LEADER_NOT_AVAILABLE));
            return notCreated;
        }
        List<TopicRegistry.NewTopic> creations = missing.stream()
                .map(name -> new TopicRegistry.NewTopic(name, defaultPartitions, Map.of())).toList();
        try {
            for (TopicRegistry.Creation c : topics.createAll(creations, false)) {
                if (c.error() != null && topics.get(c.name()) == null) { // not raced by another creation
                    LOG.warn("auto-creating topic '{}' failed: {}", c.name(), c.error().getMessage());
                    notCreated.put(c.name(), Errors.forException(c.error()));
                }
            }
        } catch (RuntimeException e) { // the registry file or the store could not be written
            LOG.error("auto-creating {} topic(s) failed", missing.size(), e);
            missing.forEach(name -> notCreated.put(name, Errors.KAFKA_STORAGE_ERROR));
        }
        return notCreated;
    }

    /**
     * A lookup by topic id (v12+): the name is null, or empty as the Java client's id-only requests leave it
     * (the consumer of KIP-848 resolves the topic ids of its assignment this way).
     */
    private static boolean byId(MetadataRequestData.MetadataRequestTopic wanted) {
        return wanted.name() == null || (wanted.name().isEmpty() && !Uuid.ZERO_UUID.equals(wanted.topicId()));
    }

    private MetadataResponseTopic lookUp(MetadataRequestData.MetadataRequestTopic wanted, Map<String, Errors> notCreated) {
        if (byId(wanted)) {
            Topic t = topics.get(wanted.topicId());
            return t != null ? describe(t) : new MetadataResponseTopic().setTopicId(wanted.topicId())
                    .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code());
        }
        Topic t = topics.get(wanted.name());
        if (t != null) {
            return describe(t);
        }
        if (TopicNames.problem(wanted.name()) != null) {
            return error(wanted.name(), Errors.INVALID_TOPIC_EXCEPTION);
        }
        return error(wanted.name(), notCreated.getOrDefault(wanted.name(), Errors.UNKNOWN_TOPIC_OR_PARTITION));
    }

    private static MetadataResponseTopic error(String name, Errors error) {
        return new MetadataResponseTopic().setName(name).setTopicId(Uuid.ZERO_UUID).setErrorCode(error.code());
    }

    private MetadataResponseTopic describe(Topic t) {
        List<MetadataResponsePartition> parts = new ArrayList<>(t.partitions());
        List<Integer> self = List.of(identity.nodeId());
        for (int p = 0; p < t.partitions(); p++) {
            parts.add(new MetadataResponsePartition().setPartitionIndex(p).setLeaderId(identity.nodeId())
                    .setLeaderEpoch(t.leaderEpoch()).setReplicaNodes(self).setIsrNodes(self)
                    .setOfflineReplicas(List.of()));
        }
        return new MetadataResponseTopic().setName(t.name()).setTopicId(t.id()).setIsInternal(false)
                .setPartitions(parts);
    }
}
