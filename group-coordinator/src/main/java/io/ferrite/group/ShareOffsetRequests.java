package io.ferrite.group;

import io.ferrite.coordinator.CoordinatorRuntime;
import io.ferrite.group.share.SharePartition;
import io.ferrite.group.share.SharedPartition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AlterShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.AlterShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.AlterShareGroupOffsetsResponseData.AlterShareGroupOffsetsResponsePartition;
import org.apache.kafka.common.message.AlterShareGroupOffsetsResponseData.AlterShareGroupOffsetsResponseTopic;
import org.apache.kafka.common.message.DeleteShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.DeleteShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.DeleteShareGroupOffsetsResponseData.DeleteShareGroupOffsetsResponseTopic;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsRequestData.DescribeShareGroupOffsetsRequestGroup;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseGroup;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponsePartition;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseTopic;
import org.apache.kafka.common.protocol.Errors;

/**
 * The share groups' offset admin APIs (KIP-932), as {@code kafka-share-groups.sh} uses them: describe each
 * share-partition's start offset and lag, set start offsets, and delete a topic's state, the last two only while
 * the group has no members (NON_EMPTY_GROUP otherwise, as Kafka answers). Coordinator thread only.
 */
final class ShareOffsetRequests {
    private final Map<String, Group> groups;
    private final CoordinatorRuntime<GroupRecord> runtime;
    private final ShareStates states;
    private final TopicLookup topics;

    ShareOffsetRequests(Map<String, Group> groups, CoordinatorRuntime<GroupRecord> runtime, ShareStates states,
                        TopicLookup topics) {
        this.groups = groups;
        this.runtime = runtime;
        this.states = states;
        this.topics = topics;
    }

    /**
     * One group of a DescribeShareGroupOffsets: the partitions asked for (all the group has read when the request
     * names none), each with its start offset and lag (records not yet done), or -1 for both where the group has
     * not read it.
     */
    DescribeShareGroupOffsetsResponseGroup describe(DescribeShareGroupOffsetsRequestGroup req) {
        DescribeShareGroupOffsetsResponseGroup out = new DescribeShareGroupOffsetsResponseGroup()
                .setGroupId(req.groupId());
        if (!(groups.get(req.groupId()) instanceof ShareGroup)) {
            return out.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()).setErrorMessage(
                    groups.containsKey(req.groupId()) ? "Group " + req.groupId() + " is not a share group."
                            : "Group " + req.groupId() + " not found.");
        }
        Map<String, List<Integer>> wanted = new TreeMap<>();
        if (req.topics() == null) {
            for (SharedPartition p : states.partitions(req.groupId())) {
                String name = topics.name(p.topicId());
                if (name != null) {
                    wanted.computeIfAbsent(name, n -> new ArrayList<>()).add(p.partition());
                }
            }
        } else {
            req.topics().forEach(t -> wanted.put(t.topicName(), t.partitions()));
        }
        wanted.forEach((name, partitions) -> {
            Uuid id = topics.id(name);
            DescribeShareGroupOffsetsResponseTopic t = new DescribeShareGroupOffsetsResponseTopic().setTopicName(name)
                    .setTopicId(id);
            for (int p : new TreeSet<>(partitions)) {
                DescribeShareGroupOffsetsResponsePartition d = new DescribeShareGroupOffsetsResponsePartition()
                        .setPartitionIndex(p).setStartOffset(-1).setLeaderEpoch(-1).setLag(-1);
                if (Uuid.ZERO_UUID.equals(id) || p < 0 || p >= topics.partitions(name)) {
                    d.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                            .setErrorMessage(Errors.UNKNOWN_TOPIC_OR_PARTITION.message());
                } else {
                    SharePartition sp = states.get(req.groupId(), new SharedPartition(id, p));
                    if (sp != null) {
                        long end = topics.logEndOffset(id, p);
                        d.setStartOffset(sp.startOffset()).setLeaderEpoch(0)
                                .setLag(end < 0 ? -1 : Math.max(0, end - sp.startOffset() - sp.doneInFlight()));
                    }
                }
                t.partitions().add(d);
            }
            out.topics().add(t);
        });
        return out;
    }

    CompletableFuture<AlterShareGroupOffsetsResponseData> alter(AlterShareGroupOffsetsRequestData req) {
        AlterShareGroupOffsetsResponseData resp = new AlterShareGroupOffsetsResponseData();
        Errors refused = refusal(req.groupId());
        if (refused != Errors.NONE) {
            return CompletableFuture.completedFuture(resp.setErrorCode(refused.code())
                    .setErrorMessage(message(refused, req.groupId())));
        }
        List<GroupRecord> records = new ArrayList<>();
        req.topics().forEach(t -> {
            Uuid id = topics.id(t.topicName());
            AlterShareGroupOffsetsResponseTopic out = new AlterShareGroupOffsetsResponseTopic()
                    .setTopicName(t.topicName()).setTopicId(id);
            t.partitions().forEach(p -> {
                AlterShareGroupOffsetsResponsePartition r = new AlterShareGroupOffsetsResponsePartition()
                        .setPartitionIndex(p.partitionIndex());
                long logStart = Uuid.ZERO_UUID.equals(id) ? -1 : topics.logStartOffset(id, p.partitionIndex());
                if (logStart < 0) {
                    r.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                            .setErrorMessage(Errors.UNKNOWN_TOPIC_OR_PARTITION.message());
                } else if (p.startOffset() < 0) {
                    r.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("The start offset must not be "
                            + "negative.");
                } else {
                    // Within the log, as a share-partition's start offset can only be there.
                    long end = topics.logEndOffset(id, p.partitionIndex());
                    if (end < 0) { // deleted meanwhile
                        r.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                                .setErrorMessage(Errors.UNKNOWN_TOPIC_OR_PARTITION.message());
                    } else {
                        records.add(states.reset(req.groupId(), new SharedPartition(id, p.partitionIndex()),
                                Math.min(Math.max(p.startOffset(), logStart), end)));
                    }
                }
                out.partitions().add(r);
            });
            resp.responses().add(out);
        });
        return written(records, resp, r -> r.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()));
    }

    CompletableFuture<DeleteShareGroupOffsetsResponseData> delete(DeleteShareGroupOffsetsRequestData req) {
        DeleteShareGroupOffsetsResponseData resp = new DeleteShareGroupOffsetsResponseData();
        Errors refused = refusal(req.groupId());
        if (refused != Errors.NONE) {
            return CompletableFuture.completedFuture(resp.setErrorCode(refused.code())
                    .setErrorMessage(message(refused, req.groupId())));
        }
        List<GroupRecord> records = new ArrayList<>();
        req.topics().forEach(t -> {
            Uuid id = topics.id(t.topicName());
            DeleteShareGroupOffsetsResponseTopic out = new DeleteShareGroupOffsetsResponseTopic()
                    .setTopicName(t.topicName()).setTopicId(id);
            if (Uuid.ZERO_UUID.equals(id)) {
                out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                        .setErrorMessage(Errors.UNKNOWN_TOPIC_OR_PARTITION.message());
            } else {
                records.addAll(states.remove(req.groupId(), id));
            }
            resp.responses().add(out);
        });
        return written(records, resp, r -> r.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()));
    }

    /** Why the group's offsets may not change now: no such share group, or members in it. */
    private Errors refusal(String groupId) {
        Group g = groups.get(groupId);
        if (!(g instanceof ShareGroup)) {
            return Errors.GROUP_ID_NOT_FOUND;
        }
        return g.isEmpty() ? Errors.NONE : Errors.NON_EMPTY_GROUP;
    }

    private String message(Errors e, String groupId) {
        return e == Errors.NON_EMPTY_GROUP ? "The share group " + groupId + " has members: its offsets change only "
                + "while it has none." : groups.containsKey(groupId) ? "Group " + groupId + " is not a share group."
                : "Group " + groupId + " not found.";
    }

    private <T> CompletableFuture<T> written(List<GroupRecord> records, T resp, java.util.function.Consumer<T> failed) {
        return runtime.write(records).handle((v, e) -> {
            if (e != null) {
                failed.accept(resp);
            }
            return resp;
        });
    }
}
