package io.ferrite.server.admin;

import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicNames;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import io.ferrite.server.security.AuthorizedOperations;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.Cursor;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponsePartition;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeTopicPartitions v0, which Kafka 4 clients use to describe topics, a page at a time.
 *
 * <p>Pagination as Kafka does it: the named topics (or, for an empty list, every topic) at or after the
 * cursor's topic, without repeats, in name order. The cursor's topic starts at the cursor's partition, the
 * others at 0. Partitions are answered until {@code responsePartitionLimit} (at most {@value #MAX_LIMIT},
 * at least 1) is used up; the next cursor then points at the first partition left out, or at partition 0
 * of the next topic when a topic ended exactly at the limit. Unknown names are answered with an error and
 * cost nothing against the limit; when every topic is asked for, none is unknown. A cursor whose partition
 * is negative, or whose topic is not among the named ones, makes the whole request INVALID_REQUEST.
 */
final class DescribeTopicPartitionsHandler implements ApiHandler<DescribeTopicPartitionsRequestData> {
    /** Kafka's {@code max.request.partition.size.limit} default. */
    static final int MAX_LIMIT = 2000;

    private final TopicRegistry topics;
    private final int nodeId;

    DescribeTopicPartitionsHandler(TopicRegistry topics, int nodeId) {
        this.topics = topics;
        this.nodeId = nodeId;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeTopicPartitionsRequestData req) {
        return CompletableFuture.completedFuture(answer(req));
    }

    private DescribeTopicPartitionsResponseData answer(DescribeTopicPartitionsRequestData req) {
        boolean all = req.topics().isEmpty();
        DescribeTopicPartitionsRequestData.Cursor cursor = req.cursor();
        String from = cursor == null ? "" : cursor.topicName();
        TreeSet<String> names = new TreeSet<>();
        if (all) {
            topics.all().forEach(t -> names.add(t.name()));
        } else {
            req.topics().forEach(t -> names.add(t.name()));
        }
        names.removeIf(n -> n.compareTo(from) < 0);
        if (cursor != null && (cursor.partitionIndex() < 0 || (!all && !names.contains(from)))) {
            return invalid(req);
        }
        DescribeTopicPartitionsResponseData resp = new DescribeTopicPartitionsResponseData();
        int remaining = Math.max(Math.min(req.responsePartitionLimit(), MAX_LIMIT), 1);
        for (String name : names) {
            if (remaining == 0) {
                resp.setNextCursor(new Cursor().setTopicName(name).setPartitionIndex(0));
                break;
            }
            Topic t = topics.get(name);
            if (t == null) {
                if (!all) {
                    resp.topics().add(unknown(name));
                }
                continue;
            }
            int first = cursor != null && name.equals(from) ? cursor.partitionIndex() : 0;
            int end = (int) Math.min(t.partitions(), (long) first + remaining);
            resp.topics().add(describe(t, first, end));
            if (end < t.partitions()) {
                resp.setNextCursor(new Cursor().setTopicName(name).setPartitionIndex(end));
                break;
            }
            remaining -= Math.max(end - first, 0);
        }
        return resp;
    }

    private DescribeTopicPartitionsResponseTopic describe(Topic t, int first, int end) {
        List<Integer> self = List.of(nodeId);
        List<DescribeTopicPartitionsResponsePartition> parts = new ArrayList<>(Math.max(end - first, 0));
        for (int p = first; p < end; p++) {
            parts.add(new DescribeTopicPartitionsResponsePartition().setPartitionIndex(p).setLeaderId(nodeId)
                    .setLeaderEpoch(t.leaderEpoch()).setReplicaNodes(self).setIsrNodes(self)
                    .setEligibleLeaderReplicas(List.of()).setLastKnownElr(List.of()).setOfflineReplicas(List.of()));
        }
        return new DescribeTopicPartitionsResponseTopic().setName(t.name()).setTopicId(t.id()).setIsInternal(false)
                .setPartitions(parts).setTopicAuthorizedOperations(AuthorizedOperations.TOPIC);
    }

    private static DescribeTopicPartitionsResponseTopic unknown(String name) {
        Errors error = TopicNames.problem(name) != null ? Errors.INVALID_TOPIC_EXCEPTION
                : Errors.UNKNOWN_TOPIC_OR_PARTITION;
        return new DescribeTopicPartitionsResponseTopic().setName(name).setErrorCode(error.code())
                .setTopicId(Uuid.ZERO_UUID).setIsInternal(false).setPartitions(List.of())
                .setTopicAuthorizedOperations(AuthorizedOperations.TOPIC);
    }

    /** Kafka's answer to a request it rejects whole: every named topic with the error, nothing else. */
    private static DescribeTopicPartitionsResponseData invalid(DescribeTopicPartitionsRequestData req) {
        DescribeTopicPartitionsResponseData resp = new DescribeTopicPartitionsResponseData();
        for (DescribeTopicPartitionsRequestData.TopicRequest t : req.topics()) {
            resp.topics().add(new DescribeTopicPartitionsResponseTopic().setName(t.name())
                    .setErrorCode(Errors.INVALID_REQUEST.code()).setIsInternal(false).setPartitions(List.of()));
        }
        return resp;
    }
}
