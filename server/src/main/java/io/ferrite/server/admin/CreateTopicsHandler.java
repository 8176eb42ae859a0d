package io.ferrite.server.admin;

import io.ferrite.server.config.TopicConfigs;
import io.ferrite.server.config.TopicDefaults;
import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicNames;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableReplicaAssignment;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * CreateTopics v2-7 on a single broker: a replication factor above 1, or an assignment naming another
 * broker, cannot be met; -1 takes the defaults. validateOnly checks without creating.
 */
final class CreateTopicsHandler implements ApiHandler<CreateTopicsRequestData> {
    private final TopicRegistry topics;
    private final TopicDefaults defaults;
    private final int nodeId;
    private final int defaultPartitions;

    CreateTopicsHandler(TopicRegistry topics, TopicDefaults defaults, int nodeId, int defaultPartitions) {
        this.topics = topics;
        this.defaults = defaults;
        this.nodeId = nodeId;
        this.defaultPartitions = defaultPartitions;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, CreateTopicsRequestData req) {
        CreateTopicsResponseData resp = new CreateTopicsResponseData();
        Set<String> seen = new HashSet<>();
        Set<String> repeated = new HashSet<>();
        for (CreatableTopic t : req.topics()) {
            if (!seen.add(t.name())) {
                repeated.add(t.name());
            }
        }
        for (CreatableTopic t : req.topics()) {
            CreatableTopicResult r = new CreatableTopicResult().setName(t.name()).setTopicId(Uuid.ZERO_UUID)
                    .setNumPartitions(-1).setReplicationFactor((short) -1);
            if (resp.topics().find(t.name()) != null) {
                continue; // answered once, below
            }
            resp.topics().add(r);
            if (repeated.contains(t.name())) {
                fail(r, Errors.INVALID_REQUEST, "topic " + t.name() + " appears more than once in the request");
                continue;
            }
            create(t, r, req.validateOnly());
        }
        return CompletableFuture.completedFuture(resp);
    }

    private void create(CreatableTopic t, CreatableTopicResult r, boolean validateOnly) {
        // Kafka checks the name and whether the topic exists before anything else in the request.
        String nameProblem = TopicNames.problem(t.name());
        if (nameProblem != null) {
            fail(r, Errors.INVALID_TOPIC_EXCEPTION, nameProblem);
            return;
        }
        if (topics.get(t.name()) != null) {
            fail(r, Errors.TOPIC_ALREADY_EXISTS, TopicRegistry.alreadyExists(t.name()));
            return;
        }
        int partitions = t.numPartitions() == -1 ? defaultPartitions : t.numPartitions();
        short replication = t.replicationFactor() == -1 ? 1 : t.replicationFactor();
        if (!t.assignments().isEmpty()) {
            if (t.numPartitions() != -1 || t.replicationFactor() != -1) {
                fail(r, Errors.INVALID_REQUEST, "give either partitions and replication factor or an assignment");
                return;
            }
            for (CreatableReplicaAssignment a : t.assignments()) {
                if (!a.brokerIds().equals(java.util.List.of(nodeId))) {
                    fail(r, Errors.INVALID_REPLICA_ASSIGNMENT, "this cluster has one broker, node " + nodeId);
                    return;
                }
            }
            partitions = t.assignments().size();
        }
        if (partitions <= 0) {
            fail(r, Errors.INVALID_PARTITIONS, "number of partitions must be larger than 0");
            return;
        }
        if (replication <= 0) {
            fail(r, Errors.INVALID_REPLICATION_FACTOR, "replication factor must be larger than 0");
            return;
        }
        if (replication > 1) {
            // Kafka's wording, which kafka-topics prints as it is.
            fail(r, Errors.INVALID_REPLICATION_FACTOR, "Unable to replicate the partition " + replication
                    + " time(s): The target replication factor of " + replication
                    + " cannot be reached because only 1 broker(s) are registered or some brokers have all their"
                    + " log directories cordoned.");
            return;
        }
        Map<String, String> configs = new LinkedHashMap<>();
        for (CreatableTopicConfig c : t.configs()) {
            configs.put(c.name(), c.value());
        }
        String problem = TopicConfigs.problem(configs, defaults);
        if (problem != null) {
            fail(r, Errors.INVALID_CONFIG, problem);
            return;
        }
        r.setNumPartitions(partitions).setReplicationFactor(replication);
        // v5+ answers with the configs the topic runs with, from the table DescribeConfigs uses.
        for (DescribeConfigsResourceResult e : ConfigDescriptions.topic(defaults, configs, false, false)) {
            r.configs().add(new CreatableTopicConfigs().setName(e.name()).setValue(e.value())
                    .setReadOnly(e.readOnly()).setConfigSource(e.configSource()).setIsSensitive(e.isSensitive()));
        }
        if (validateOnly) {
            return;
        }
        try {
            Topic created = topics.create(t.name(), partitions, configs);
            r.setTopicId(created.id());
        } catch (ApiException e) {
            fail(r, Errors.forException(e), e.getMessage());
        } catch (RuntimeException e) {
            fail(r, Errors.KAFKA_STORAGE_ERROR, "the topic could not be written: " + e.getMessage());
        }
    }

    private static void fail(CreatableTopicResult r, Errors error, String message) {
        r.setErrorCode(error.code()).setErrorMessage(message).setNumPartitions(-1).setReplicationFactor((short) -1)
                .setConfigs(new ArrayList<>());
    }
}
