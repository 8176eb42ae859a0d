package io.ferrite.group;

import io.ferrite.group.assignor.Assignment;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.FencedMemberEpochException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.errors.UnsupportedAssignorException;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData.TopicPartitions;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;

/**
 * The checks of a ConsumerGroupHeartbeat before it changes anything, with Kafka's errors: INVALID_REQUEST for
 * fields that do not fit the member epoch, UNSUPPORTED_ASSIGNOR, and for the member it names UNKNOWN_MEMBER_ID,
 * FENCED_INSTANCE_ID and FENCED_MEMBER_EPOCH.
 */
final class HeartbeatChecks {
    /** ConsumerGroupHeartbeat v1 has the client choose its member id. */
    private static final short CLIENT_MEMBER_ID_VERSION = 1;

    private HeartbeatChecks() {
    }

    /** Kafka's INVALID_REQUEST checks of the fields, and UNSUPPORTED_ASSIGNOR. */
    static void validate(ConsumerGroupHeartbeatRequestData req, short version, List<String> assignors) {
        if (version >= CLIENT_MEMBER_ID_VERSION || req.memberEpoch() > 0 || req.memberEpoch() == -1) {
            requireNotBlank(req.memberId(), "MemberId can't be empty.");
        }
        if (req.groupId() == null || req.groupId().isBlank()) {
            throw new InvalidRequestException("GroupId can't be empty.");
        }
        if (req.instanceId() != null && req.instanceId().isBlank()) {
            throw new InvalidRequestException("InstanceId can't be empty.");
        }
        if (req.rackId() != null && req.rackId().isBlank()) {
            throw new InvalidRequestException("RackId can't be empty.");
        }
        if (req.memberEpoch() == 0) {
            if (req.rebalanceTimeoutMs() == -1) {
                throw new InvalidRequestException("RebalanceTimeoutMs must be provided in first request.");
            }
            if (req.topicPartitions() == null || !req.topicPartitions().isEmpty()) {
                throw new InvalidRequestException("TopicPartitions must be empty when (re-)joining.");
            }
            boolean names = req.subscribedTopicNames() != null && !req.subscribedTopicNames().isEmpty();
            boolean regex = req.subscribedTopicRegex() != null && !req.subscribedTopicRegex().isEmpty();
            if (!names && !regex) {
                throw new InvalidRequestException("SubscribedTopicNames or SubscribedTopicRegex must be set in "
                        + "first request.");
            }
        } else if (req.memberEpoch() == ConsumerGroupMember.STATIC_LEFT_EPOCH && req.instanceId() == null) {
            throw new InvalidRequestException("InstanceId can't be null.");
        } else if (req.memberEpoch() < ConsumerGroupMember.STATIC_LEFT_EPOCH) {
            throw new InvalidRequestException("MemberEpoch is invalid.");
        }
        if (req.serverAssignor() != null && !assignors.contains(req.serverAssignor())) {
            throw new UnsupportedAssignorException("ServerAssignor " + req.serverAssignor() + " is not supported. "
                    + "Supported assignors: " + String.join(", ", assignors) + ".");
        }
    }

    private static void requireNotBlank(String value, String message) {
        if (value == null || value.isBlank()) {
            throw new InvalidRequestException(message);
        }
    }

    static ConsumerGroupMember requireStatic(ConsumerGroup group, String instanceId, String memberId) {
        ConsumerGroupMember m = group.staticMember(instanceId);
        if (m == null) {
            throw new UnknownMemberIdException("Instance id " + instanceId + " is unknown.");
        }
        if (!m.memberId().equals(memberId)) {
            throw new FencedInstanceIdException("Static member " + memberId + " with instance id " + instanceId
                    + " was fenced by member " + m.memberId() + ".");
        }
        return m;
    }

    /**
     * The epoch must be the member's, or its previous one while it owns no more than it has now (the answer that
     * bumped it may have been lost); else FENCED_MEMBER_EPOCH.
     */
    static void requireEpoch(ConsumerGroupMember m, int epoch, Map<Uuid, Set<Integer>> owned) {
        if (epoch > m.memberEpoch()) {
            throw new FencedMemberEpochException("The consumer group member has a greater member epoch (" + epoch
                    + ") than the one known by the group coordinator (" + m.memberEpoch() + "). The member must "
                    + "abandon all its partitions and rejoin.");
        }
        if (epoch < m.memberEpoch() && (epoch != m.previousMemberEpoch() || !isSubset(owned, m.assigned()))) {
            throw new FencedMemberEpochException("The consumer group member has a smaller member epoch (" + epoch
                    + ") than the one known by the group coordinator (" + m.memberEpoch() + "). The member must "
                    + "abandon all its partitions and rejoin.");
        }
    }

    private static boolean isSubset(Map<Uuid, Set<Integer>> owned, Map<Uuid, Set<Integer>> assigned) {
        if (owned == null) {
            return false;
        }
        for (Map.Entry<Uuid, Set<Integer>> e : owned.entrySet()) {
            if (!assigned.getOrDefault(e.getKey(), Set.of()).containsAll(e.getValue())) {
                return false;
            }
        }
        return true;
    }

    static Map<Uuid, Set<Integer>> owned(List<TopicPartitions> partitions) {
        if (partitions == null) {
            return null;
        }
        Map<Uuid, Set<Integer>> out = new HashMap<>();
        for (TopicPartitions t : partitions) {
            out.computeIfAbsent(t.topicId(), id -> new HashSet<>()).addAll(t.partitions());
        }
        return Assignment.copyOf(out);
    }
}
