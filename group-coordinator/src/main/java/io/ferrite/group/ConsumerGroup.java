package io.ferrite.group;

import io.ferrite.group.GroupRecord.ConsumerCurrentAssignment;
import io.ferrite.group.GroupRecord.ConsumerGroupEpoch;
import io.ferrite.group.GroupRecord.ConsumerKey;
import io.ferrite.group.GroupRecord.ConsumerMemberSubscription;
import io.ferrite.group.GroupRecord.ConsumerTargetEpoch;
import io.ferrite.group.GroupRecord.ConsumerTargetMember;
import io.ferrite.group.GroupRecord.ConsumerTombstone;
import io.ferrite.group.assignor.Assignment;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.StaleMemberEpochException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.DescribedGroup;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.Member;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.TopicPartitions;

/**
 * A group of the consumer protocol (KIP-848): the coordinator assigns. Its state is what its records say
 * ({@link #replay}): the group epoch (bumped by every change of membership, subscriptions or subscribed
 * topics), the target assignment and its epoch, and each member's subscription and current assignment. Kafka's
 * state names follow from them: Empty, Assigning (the target is behind the group epoch), Reconciling (a member
 * is not at the target yet), Stable. The flows are in {@link ConsumerGroups}. Coordinator thread only.
 */
final class ConsumerGroup implements Group {
    /**
     * The group epoch and target assignment epoch of a group that has just been created, before its first
     * member's records: 1, with an empty target, as in Kafka 4.3, so the first member to join gets epoch 2.
     */
    static final int INITIAL_EPOCH = 1;

    final String groupId;
    int groupEpoch = INITIAL_EPOCH;
    long metadataHash;
    int assignmentEpoch = INITIAL_EPOCH;
    /** By member id, in id order so that everything computed from them is deterministic. */
    final Map<String, ConsumerGroupMember> members = new TreeMap<>();
    /** The target assignment, by member id. */
    final Map<String, Map<Uuid, Set<Integer>>> targets = new HashMap<>();
    /** group.instance.id to the member id that has it. */
    final Map<String, String> staticMembers = new HashMap<>();
    /** Who holds each partition (assigned or pending revocation): the holder's member epoch. */
    private final Map<Uuid, Map<Integer, Integer>> holders = new HashMap<>();
    /** The members' regexes as resolved at the last heartbeat; derived from the topics, so not stored. */
    Map<String, Set<String>> resolvedRegexes = Map.of();
    private long emptySince;

    ConsumerGroup(String groupId, long now) {
        this.groupId = groupId;
        this.emptySince = now;
    }

    @Override
    public String groupId() {
        return groupId;
    }

    @Override
    public String type() {
        return "consumer";
    }

    @Override
    public String protocolType() {
        return "consumer";
    }

    @Override
    public String stateName() {
        if (members.isEmpty()) {
            return "Empty";
        }
        if (groupEpoch > assignmentEpoch) {
            return "Assigning";
        }
        for (ConsumerGroupMember m : members.values()) {
            if (!m.isReconciledTo(assignmentEpoch)) {
                return "Reconciling";
            }
        }
        return "Stable";
    }

    @Override
    public boolean isEmpty() {
        return members.isEmpty();
    }

    @Override
    public long emptySince() {
        return emptySince;
    }

    @Override
    public boolean isSubscribedTo(String topic) {
        return subscribedTopicNames().contains(topic);
    }

    /** Every topic name a member subscribes to, by name or through its resolved regex. */
    Set<String> subscribedTopicNames() {
        Set<String> out = new HashSet<>();
        for (ConsumerGroupMember m : members.values()) {
            out.addAll(topicsOf(m));
        }
        return out;
    }

    /** The topic names one member subscribes to. */
    Set<String> topicsOf(ConsumerGroupMember m) {
        Set<String> out = new HashSet<>(m.topicNames());
        if (m.hasRegex()) {
            out.addAll(resolvedRegexes.getOrDefault(m.topicRegex(), Set.of()));
        }
        return out;
    }

    @Override
    public void validateOffsetCommit(String memberId, String groupInstanceId, int memberEpoch, short apiVersion) {
        validateOffsetCommit(memberId, groupInstanceId, memberEpoch, apiVersion, null);
    }

    /**
     * Commits of a consumer group name their member and its epoch (v9+); with no member (epoch -1) only an empty
     * group takes commits, as from admin tools. An epoch behind the member's is good for partitions the member
     * has held since that epoch or before (KIP-1251, Kafka 4.3): a commit sent just before the heartbeat answer
     * that moved the member on still counts.
     */
    @Override
    public void validateOffsetCommit(String memberId, String groupInstanceId, int memberEpoch, short apiVersion,
                                     Map<Uuid, Set<Integer>> partitions) {
        if (memberEpoch < 0 && members.isEmpty()) {
            return;
        }
        ConsumerGroupMember m = requireMember(memberId);
        if (m.usesClassic()) {
            requireGeneration(m, memberEpoch); // a classic member commits with its generation, at any version
            return;
        }
        if (apiVersion < 9) {
            throw new UnsupportedVersionException("OffsetCommit version 9 or above must be used by members using"
                    + " the modern group protocol");
        }
        if (memberEpoch == m.memberEpoch()) {
            return;
        }
        if (memberEpoch > m.memberEpoch() || partitions == null) {
            requireEpoch(m, memberEpoch);
        }
        partitions.forEach((topic, ps) -> ps.forEach(p -> {
            Integer since = m.assignmentEpoch(topic, p);
            if (since == null || memberEpoch < since) {
                throw new StaleMemberEpochException("the received member epoch " + memberEpoch + " is older than "
                        + "the member's " + m.memberEpoch() + " and partition " + p + " of topic " + topic
                        + " was not held by the member at it");
            }
        }));
    }

    @Override
    public void validateTransactionalOffsetCommit(String memberId, String groupInstanceId, int memberEpoch) {
        if (memberEpoch < 0 && members.isEmpty()) {
            return;
        }
        try {
            requireEpoch(requireMember(memberId), memberEpoch);
        } catch (StaleMemberEpochException e) {
            throw new IllegalGenerationException(e.getMessage());
        }
    }

    @Override
    public void validateOffsetFetch(String memberId, int memberEpoch) {
        if (memberId == null && memberEpoch < 0) {
            return;
        }
        ConsumerGroupMember m = requireMember(memberId);
        if (m.usesClassic()) {
            requireGeneration(m, memberEpoch);
        } else {
            requireEpoch(m, memberEpoch);
        }
    }

    private static void requireGeneration(ConsumerGroupMember m, int generation) {
        if (generation != m.memberEpoch()) {
            throw new IllegalGenerationException("the received generation id " + generation + " does not match "
                    + "the member's " + m.memberEpoch());
        }
    }

    private static void requireEpoch(ConsumerGroupMember m, int memberEpoch) {
        if (memberEpoch != m.memberEpoch()) {
            throw new StaleMemberEpochException("the received member epoch " + memberEpoch + " does not match the "
                    + "expected member epoch " + m.memberEpoch());
        }
    }

    ConsumerGroupMember requireMember(String memberId) {
        ConsumerGroupMember m = memberId == null ? null : members.get(memberId);
        if (m == null) {
            throw new UnknownMemberIdException("member " + memberId + " is not a member of group " + groupId);
        }
        return m;
    }

    ConsumerGroupMember staticMember(String instanceId) {
        String id = instanceId == null ? null : staticMembers.get(instanceId);
        return id == null ? null : members.get(id);
    }

    Map<Uuid, Set<Integer>> target(String memberId) {
        return targets.getOrDefault(memberId, Assignment.EMPTY);
    }

    /** The epoch of the member holding the partition, or null if no member does. */
    Integer holderEpoch(Uuid topic, int partition) {
        Map<Integer, Integer> ps = holders.get(topic);
        return ps == null ? null : ps.get(partition);
    }

    /** The server assignor most members name (ties to the first by name), or {@code fallback} if none names one. */
    String preferredAssignor(String fallback) {
        Map<String, Integer> votes = new TreeMap<>();
        for (ConsumerGroupMember m : members.values()) {
            if (m.serverAssignor() != null) {
                votes.merge(m.serverAssignor(), 1, Integer::sum);
            }
        }
        String best = fallback;
        int most = 0;
        for (Map.Entry<String, Integer> e : votes.entrySet()) {
            if (e.getValue() > most) {
                best = e.getKey();
                most = e.getValue();
            }
        }
        return best;
    }

    // ---- records ---------------------------------------------------------------------------------------------

    /** Applies one of this group's records (read back on start, or just written). */
    void replay(GroupRecord r, long now) {
        if (r instanceof ConsumerGroupEpoch e) {
            groupEpoch = e.epoch();
            metadataHash = e.metadataHash();
        } else if (r instanceof ConsumerTargetEpoch e) {
            assignmentEpoch = e.epoch();
        } else if (r instanceof ConsumerTargetMember t) {
            targets.put(t.memberId(), t.partitions());
        } else if (r instanceof ConsumerMemberSubscription s) {
            ConsumerGroupMember old = members.getOrDefault(s.memberId(), ConsumerGroupMember.joining(s.memberId()));
            put(old, old.withSubscription(s));
        } else if (r instanceof ConsumerCurrentAssignment c) {
            ConsumerGroupMember old = members.getOrDefault(c.memberId(), ConsumerGroupMember.joining(c.memberId()));
            put(old, old.withAssignment(c));
        } else if (r instanceof ConsumerTombstone t) {
            ConsumerKey k = t.consumerKey();
            switch (k.part()) {
                case TARGET_MEMBER -> targets.remove(k.memberId());
                case CURRENT_ASSIGNMENT, MEMBER_SUBSCRIPTION -> remove(k.memberId(), now);
                default -> { } // the group itself goes in ConsumerGroups
            }
        }
    }

    private void put(ConsumerGroupMember old, ConsumerGroupMember m) {
        if (members.containsKey(old.memberId())) {
            release(old);
        }
        if (old.instanceId() != null && !old.instanceId().equals(m.instanceId())
                && old.memberId().equals(staticMembers.get(old.instanceId()))) {
            staticMembers.remove(old.instanceId());
        }
        members.put(m.memberId(), m);
        if (m.instanceId() != null) {
            staticMembers.put(m.instanceId(), m.memberId());
        }
        hold(m);
    }

    private void remove(String memberId, long now) {
        ConsumerGroupMember m = members.remove(memberId);
        if (m == null) {
            return;
        }
        release(m);
        if (m.instanceId() != null && memberId.equals(staticMembers.get(m.instanceId()))) {
            staticMembers.remove(m.instanceId());
        }
        if (members.isEmpty()) {
            emptySince = now;
        }
    }

    private void hold(ConsumerGroupMember m) {
        for (Map<Uuid, Set<Integer>> ps : List.of(m.assigned(), m.pendingRevocation())) {
            ps.forEach((topic, parts) -> {
                Map<Integer, Integer> byPartition = holders.computeIfAbsent(topic, t -> new HashMap<>());
                parts.forEach(p -> byPartition.put(p, m.memberEpoch()));
            });
        }
    }

    private void release(ConsumerGroupMember m) {
        for (Map<Uuid, Set<Integer>> ps : List.of(m.assigned(), m.pendingRevocation())) {
            ps.forEach((topic, parts) -> {
                Map<Integer, Integer> byPartition = holders.get(topic);
                if (byPartition != null) {
                    parts.forEach(byPartition::remove);
                    if (byPartition.isEmpty()) {
                        holders.remove(topic);
                    }
                }
            });
        }
    }

    /** The records that recreate this group, in an order replay accepts. */
    void snapshot(List<GroupRecord> out) {
        out.add(new ConsumerGroupEpoch(groupId, groupEpoch, metadataHash));
        for (ConsumerGroupMember m : members.values()) {
            out.add(m.subscriptionRecord(groupId));
        }
        targets.forEach((id, t) -> out.add(new ConsumerTargetMember(groupId, id, t)));
        out.add(new ConsumerTargetEpoch(groupId, assignmentEpoch));
        for (ConsumerGroupMember m : members.values()) {
            out.add(m.assignmentRecord(groupId));
        }
    }

    // ---- ConsumerGroupDescribe -------------------------------------------------------------------------------

    DescribedGroup describe(SubscribedTopics topics, String defaultAssignor) {
        DescribedGroup d = new DescribedGroup().setGroupId(groupId).setGroupState(stateName())
                .setGroupEpoch(groupEpoch).setAssignmentEpoch(assignmentEpoch)
                .setAssignorName(preferredAssignor(defaultAssignor));
        for (ConsumerGroupMember m : members.values()) {
            d.members().add(new Member().setMemberId(m.memberId()).setInstanceId(m.instanceId())
                    .setRackId(m.rackId()).setMemberEpoch(m.memberEpoch()).setClientId(m.clientId())
                    .setClientHost(m.clientHost()).setSubscribedTopicNames(m.topicNames())
                    .setSubscribedTopicRegex(m.topicRegex()).setMemberType((byte) (m.usesClassic() ? 0 : 1))
                    .setAssignment(described(m.assigned(), topics))
                    .setTargetAssignment(described(target(m.memberId()), topics)));
        }
        return d;
    }

    private static org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.Assignment described(
            Map<Uuid, Set<Integer>> partitions, SubscribedTopics topics) {
        var out = new org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.Assignment();
        Assignment.sorted(partitions).forEach((id, ps) -> {
            String name = topics.nameOf(id);
            if (name != null) { // a deleted topic is left out, as Kafka does
                out.topicPartitions().add(new TopicPartitions().setTopicId(id).setTopicName(name).setPartitions(ps));
            }
        });
        return out;
    }
}
