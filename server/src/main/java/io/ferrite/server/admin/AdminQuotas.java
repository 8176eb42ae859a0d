package io.ferrite.server.admin;

import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.RequestContext;
import io.ferrite.server.network.Throttling;
import io.ferrite.server.quota.ClientQuotaManager;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;
import org.apache.kafka.common.errors.ThrottlingQuotaExceededException;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Topic changes against {@code controller_mutation_rate} (KIP-599), as Kafka's controller counts them: each
 * topic's partitions created (CreateTopics, CreatePartitions) or deleted (DeleteTopics), in request order. From
 * CreateTopics v6, CreatePartitions v3 and DeleteTopics v5 the quota is strict: a topic met while the client's
 * bucket is empty is not changed and is answered THROTTLING_QUOTA_EXCEEDED; older versions are only told to
 * wait. Either way the answer carries the throttle time and the connection is not read until it has passed.
 */
final class AdminQuotas {
    private static final short EXCEEDED = Errors.THROTTLING_QUOTA_EXCEEDED.code();

    private final ClientQuotaManager quotas;
    private final TopicRegistry topics;
    private final int defaultPartitions;
    private final Clock clock;

    AdminQuotas(ClientQuotaManager quotas, TopicRegistry topics, int defaultPartitions, Clock clock) {
        this.quotas = quotas;
        this.topics = topics;
        this.defaultPartitions = defaultPartitions;
        this.clock = clock;
    }

    /** Counts each of {@code items}; returns those refused, and the throttle time in {@code throttle[0]}. */
    private <T> List<T> count(RequestContext context, Iterable<T> items, ToIntFunction<T> partitions, boolean strict,
                              long[] throttle) {
        List<T> refused = new ArrayList<>();
        long now = clock.millis();
        for (T item : items) {
            int n = partitions.applyAsInt(item);
            if (n <= 0) {
                continue; // nothing to change (an unknown topic, a count not raised): the handler says why
            }
            try {
                throttle[0] = Math.max(throttle[0], quotas.mutate(context.principal(), context.clientId(), n,
                        strict, now));
            } catch (ThrottlingQuotaExceededException e) {
                throttle[0] = Math.max(throttle[0], e.throttleTimeMs());
                refused.add(item);
            }
        }
        return refused;
    }

    private static int throttled(RequestContext context, long throttle) {
        if (throttle > 0) {
            context.throttle().accept(throttle);
        }
        return (int) Math.min(Integer.MAX_VALUE, throttle);
    }

    Throttling<CreateTopicsRequestData> createTopics() {
        return (context, request, next) -> {
            long[] throttle = {0};
            List<CreateTopicsRequestData.CreatableTopic> refused = request.validateOnly() ? List.of()
                    : count(context, request.topics(), t -> topics.get(t.name()) != null ? 0
                            : !t.assignments().isEmpty() ? t.assignments().size()
                            : t.numPartitions() == -1 ? defaultPartitions : t.numPartitions(),
                    context.apiVersion() >= 6, throttle);
            request.topics().removeAll(refused);
            return next.handle(context, request).thenApply(r -> {
                CreateTopicsResponseData response = (CreateTopicsResponseData) r;
                refused.forEach(t -> response.topics().add(new CreateTopicsResponseData.CreatableTopicResult()
                        .setName(t.name()).setErrorCode(EXCEEDED).setErrorMessage(Errors.THROTTLING_QUOTA_EXCEEDED
                                .message()).setNumPartitions(-1).setReplicationFactor((short) -1)));
                int ms = throttled(context, throttle[0]);
                return ms > 0 ? response.setThrottleTimeMs(Math.max(ms, response.throttleTimeMs())) : response;
            });
        };
    }

    Throttling<CreatePartitionsRequestData> createPartitions() {
        return (context, request, next) -> {
            long[] throttle = {0};
            List<CreatePartitionsRequestData.CreatePartitionsTopic> refused = request.validateOnly() ? List.of()
                    : count(context, request.topics(), t -> {
                        Topic existing = topics.get(t.name());
                        return existing == null ? 0 : t.count() - existing.partitions();
                    }, context.apiVersion() >= 3, throttle);
            request.topics().removeAll(refused);
            return next.handle(context, request).thenApply(r -> {
                CreatePartitionsResponseData response = (CreatePartitionsResponseData) r;
                refused.forEach(t -> response.results().add(new CreatePartitionsResponseData
                        .CreatePartitionsTopicResult().setName(t.name()).setErrorCode(EXCEEDED)
                        .setErrorMessage(Errors.THROTTLING_QUOTA_EXCEEDED.message())));
                int ms = throttled(context, throttle[0]);
                return ms > 0 ? response.setThrottleTimeMs(Math.max(ms, response.throttleTimeMs())) : response;
            });
        };
    }

    Throttling<DeleteTopicsRequestData> deleteTopics() {
        return (context, request, next) -> {
            long[] throttle = {0};
            boolean strict = context.apiVersion() >= 5;
            List<String> refusedNames = count(context, request.topicNames(), name -> {
                Topic t = topics.get(name);
                return t == null ? 0 : t.partitions();
            }, strict, throttle);
            List<DeleteTopicsRequestData.DeleteTopicState> refused = count(context, request.topics(), s -> {
                String name = topics.nameOf(s.name(), s.topicId());
                Topic t = name == null ? null : topics.get(name);
                return t == null ? 0 : t.partitions();
            }, strict, throttle);
            request.topicNames().removeAll(refusedNames);
            request.topics().removeAll(refused);
            return next.handle(context, request).thenApply(r -> {
                DeleteTopicsResponseData response = (DeleteTopicsResponseData) r;
                refusedNames.forEach(n -> response.responses().add(new DeleteTopicsResponseData.DeletableTopicResult()
                        .setName(n).setErrorCode(EXCEEDED).setErrorMessage(Errors.THROTTLING_QUOTA_EXCEEDED.message())));
                refused.forEach(s -> response.responses().add(new DeleteTopicsResponseData.DeletableTopicResult()
                        .setName(s.name()).setTopicId(s.topicId()).setErrorCode(EXCEEDED)
                        .setErrorMessage(Errors.THROTTLING_QUOTA_EXCEEDED.message())));
                int ms = throttled(context, throttle[0]);
                return ms > 0 ? response.setThrottleTimeMs(Math.max(ms, response.throttleTimeMs())) : response;
            });
        };
    }
}
