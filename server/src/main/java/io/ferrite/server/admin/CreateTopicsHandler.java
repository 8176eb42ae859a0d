package io.ferrite.server.admin;

import io.ferrite.server.config.TopicConfigs;
import io.ferrite.server.metadata.TopicNames;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
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
    private final int nodeId;
    private final int defaultPartitions;

    CreateTopicsHandler(TopicRegistry topics, int nodeId, int defaultPartitions) {
        this.topics = topics;
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
        boolean tooMany = requestedPartitions(req) > TopicRegistry.MAX_PARTITIONS_PER_REQUEST;
        List<TopicRegistry.NewTopic> valid = new ArrayList<>();
        for (CreatableTopic t : req.topics()) {
            CreatableTopicResult r = new CreatableTopicResult().setName(t.name()).setTopicId(Uuid.ZERO_UUID)
                    .setNumPartitions(-1).setReplicationFactor((short) -1);
            if (resp.topics().find(t.name()) != null) {
                continue; // answered once, below
            }
            resp.topics().add(r);
            if (tooMany) { // as Kafka's controller: the whole request, before any other check
                fail(r, Errors.POLICY_VIOLATION, TopicRegistry.TOO_MANY_PARTITIONS_PER_REQUEST);
            } else if (repeated.contains(t.name())) {
                fail(r, Errors.INVALID_REQUEST, "topic " + t.name() + " appears more than once in the request");
            } else {
                TopicRegistry.NewTopic n = validate(t, r);
                if (n != null) {
                    valid.add(n);
                }
            }
        }
        if (!req.validateOnly() && !valid.isEmpty()) {
            create(valid, resp);
        }
        return CompletableFuture.completedFuture(resp);
    }

    /** Kafka's count: the default for -1, the assignments when given, nothing for an invalid count. */
    private long requestedPartitions(CreateTopicsRequestData req) {
        long total = 0;
        for (CreatableTopic t : req.topics()) {
            if (!t.assignments().isEmpty()) {
                total += t.assignments().size();
            } else if (t.numPartitions() == -1) {
                total += defaultPartitions;
            } else if (t.numPartitions() > 0) {
                total += t.numPartitions();
            }
        }
        return total;
    }

    /** Creates the topics that passed validation together: one durable write for all of them. */
    private void create(List<TopicRegistry.NewTopic> valid, CreateTopicsResponseData resp) {
        try {
            for (TopicRegistry.Creation c : topics.createAll(valid)) {
                CreatableTopicResult r = resp.topics().find(c.name());
                if (c.error() != null) {
                    fail(r, Errors.forException(c.error()), c.error().getMessage());
                } else {
                    r.setTopicId(c.topic().id());
                }
            }
        } catch (RuntimeException e) {
            for (TopicRegistry.NewTopic n : valid) {
                fail(resp.topics().find(n.name()), Errors.KAFKA_STORAGE_ERROR,
                        "the topic could not be written: " + e.getMessage());
            }
        }
    }

    /** The topic to create if the request for it is valid; null after failing {@code r} with Kafka's error. */
    private TopicRegistry.NewTopic validate(CreatableTopic t, CreatableTopicResult r) {
        // Kafka checks the name and whether the topic exists before anything else in the request.
        String nameProblem = TopicNames.problem(t.name());
        if (nameProblem != null) {
            fail(r, Errors.INVALID_TOPIC_EXCEPTION, nameProblem);
            return null;
        }
        if (topics.get(t.name()) != null) {
            fail(r, Errors.TOPIC_ALREADY_EXISTS, TopicRegistry.alreadyExists(t.name()));
            return null;
        }
        int partitions = t.numPartitions() == -1 ? defaultPartitions : t.numPartitions();
        short replication = t.replicationFactor() == -1 ? 1 : t.replicationFactor();
        if (!t.assignments().isEmpty()) {
            if (t.numPartitions() != -1 || t.replicationFactor() != -1) {
                fail(r, Errors.INVALID_REQUEST, "give either partitions and replication factor or an assignment");
                return null;
            }
            for (CreatableReplicaAssignment a : t.assignments()) {
                if (!a.brokerIds().equals(List.of(nodeId))) {
                    fail(r, Errors.INVALID_REPLICA_ASSIGNMENT, "this cluster has one broker, node " + nodeId);
                    return null;
                }
            }
            partitions = t.assignments().size();
        }
        if (partitions <= 0) {
            fail(r, Errors.INVALID_PARTITIONS, "number of partitions must be larger than 0");
            return null;
        }
        if (replication <= 0) {
            fail(r, Errors.INVALID_REPLICATION_FACTOR, "replication factor must be larger than 0");
            return null;
        }
        if (replication > 1) {
            // Kafka's wording, which kafka-topics prints as it is.
            fail(r, Errors.INVALID_REPLICATION_FACTOR, "Unable to replicate the partition " + replication
                    + " time(s): The target replication factor of " + replication
                    + " cannot be reached because only 1 broker(s) are registered or some brokers have all their"
                    + " log directories cordoned.");
            return null;
        }
        Map<String, String> configs = new LinkedHashMap<>();
        for (CreatableTopicConfig c : t.configs()) {
            configs.put(c.name(), c.value());
        }
        String problem = TopicConfigs.problem(configs, topics.defaults());
        if (problem != null) {
            fail(r, Errors.INVALID_CONFIG, problem);
            return null;
        }
        r.setNumPartitions(partitions).setReplicationFactor(replication);
        // v5+ answers with the configs the topic runs with, from the table DescribeConfigs uses.
        for (DescribeConfigsResourceResult e : ConfigDescriptions.topic(topics.defaults(), configs, false, false)) {
            r.configs().add(new CreatableTopicConfigs().setName(e.name()).setValue(e.value())
                    .setReadOnly(e.readOnly()).setConfigSource(e.configSource()).setIsSensitive(e.isSensitive()));
        }
        return new TopicRegistry.NewTopic(t.name(), partitions, configs);
    }

    private static void fail(CreatableTopicResult r, Errors error, String message) {
        r.setErrorCode(error.code()).setErrorMessage(message).setNumPartitions(-1).setReplicationFactor((short) -1)
                .setConfigs(new ArrayList<>());
    }
}
