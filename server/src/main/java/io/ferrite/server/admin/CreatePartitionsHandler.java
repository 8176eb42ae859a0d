package io.ferrite.server.admin;

import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.AdminExecutor;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsAssignment;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * CreatePartitions v0-3: raises topics' partition counts, checked in the order Kafka's controller checks
 * them. A topic named twice gets one INVALID_REQUEST answer; an assignment must give one replica list per
 * added partition, each naming only this broker. validateOnly checks without changing anything. The work
 * runs on the {@link AdminExecutor} (see {@code Broker}): growing a topic fsyncs the topics file and the store's checkpoint.
 */
final class CreatePartitionsHandler implements ApiHandler<CreatePartitionsRequestData> {
    private final TopicRegistry topics;
    private final int nodeId;

    CreatePartitionsHandler(TopicRegistry topics, int nodeId) {
        this.topics = topics;
        this.nodeId = nodeId;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, CreatePartitionsRequestData req) {
        return CompletableFuture.completedFuture(answer(req));
    }

    private CreatePartitionsResponseData answer(CreatePartitionsRequestData req) {
        CreatePartitionsResponseData resp = new CreatePartitionsResponseData();
        Set<String> seen = new HashSet<>();
        Set<String> repeated = new LinkedHashSet<>();
        for (CreatePartitionsTopic t : req.topics()) {
            if (!seen.add(t.name())) {
                repeated.add(t.name());
            }
        }
        for (String name : repeated) { // Kafka answers these first, once each
            resp.results().add(result(name, Errors.INVALID_REQUEST, "topic " + name + " appears more than once"));
        }
        long added = 0;
        for (CreatePartitionsTopic t : req.topics()) {
            if (repeated.contains(t.name())) {
                continue;
            }
            Topic topic = topics.get(t.name());
            long more = topic == null ? 0 : Math.max(0, (long) t.count() - topic.partitions());
            if (added + more > TopicRegistry.MAX_PARTITIONS_PER_REQUEST) { // the bound Kafka puts on CreateTopics
                resp.results().add(result(t.name(), Errors.POLICY_VIOLATION,
                        TopicRegistry.TOO_MANY_PARTITIONS_PER_REQUEST));
                continue;
            }
            added += more;
            resp.results().add(grow(t, req.validateOnly()));
        }
        return resp;
    }

    private CreatePartitionsTopicResult grow(CreatePartitionsTopic t, boolean validateOnly) {
        Topic topic = topics.get(t.name());
        if (topic == null) {
            return result(t.name(), Errors.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + t.name() + "' does not exist");
        }
        if (t.count() == topic.partitions()) {
            return result(t.name(), Errors.INVALID_PARTITIONS, "topic " + t.name() + " has " + t.count()
                    + " partitions already");
        }
        if (t.count() < topic.partitions()) {
            return result(t.name(), Errors.INVALID_PARTITIONS, "topic " + t.name() + " has "
                    + topic.partitions() + " partitions; partitions can only be added, not removed");
        }
        int added = t.count() - topic.partitions();
        if (t.assignments() != null) {
            String problem = assignmentProblem(t.assignments(), added);
            if (problem != null) {
                return result(t.name(), Errors.INVALID_REPLICA_ASSIGNMENT, problem);
            }
        }
        if (validateOnly) {
            return result(t.name(), Errors.NONE, null);
        }
        try {
            topics.addPartitions(t.name(), t.count());
            return result(t.name(), Errors.NONE, null);
        } catch (ApiException e) { // changed since the checks above, by a concurrent request
            return result(t.name(), Errors.forException(e), e.getMessage());
        } catch (RuntimeException e) {
            return result(t.name(), Errors.KAFKA_STORAGE_ERROR, "the partitions could not be written: "
                    + e.getMessage());
        }
    }

    /** Why the manual assignment cannot be met on this one-broker cluster, or null. */
    private String assignmentProblem(List<CreatePartitionsAssignment> assignments, int added) {
        if (assignments.size() != added) {
            return assignments.size() + " assignments given for " + added + " new partitions";
        }
        for (CreatePartitionsAssignment a : assignments) {
            if (a.brokerIds().isEmpty()) {
                return "an assignment names no broker";
            }
            for (int broker : a.brokerIds()) {
                if (broker != nodeId) {
                    return "broker " + broker + " does not exist: this cluster is node " + nodeId + " alone";
                }
            }
            if (a.brokerIds().size() > 1) {
                return "an assignment names broker " + nodeId + " more than once";
            }
        }
        return null;
    }

    private static CreatePartitionsTopicResult result(String name, Errors error, String message) {
        return new CreatePartitionsTopicResult().setName(name).setErrorCode(error.code()).setErrorMessage(message);
    }
}
