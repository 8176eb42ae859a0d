package io.ferrite.group;

import io.ferrite.group.GroupRecord.ShareGroupEpoch;
import io.ferrite.group.GroupRecord.ShareKey;
import io.ferrite.group.GroupRecord.ShareMember;
import io.ferrite.group.GroupRecord.SharePart;
import io.ferrite.group.GroupRecord.ShareTombstone;
import io.ferrite.group.assignor.Assignment;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.message.ShareGroupDescribeResponseData.DescribedGroup;
import org.apache.kafka.common.message.ShareGroupDescribeResponseData.Member;
import org.apache.kafka.common.message.ShareGroupDescribeResponseData.TopicPartitions;

/**
 * A share group (KIP-932): members that read the same partitions together, each record handed to one of them
 * at a time. Membership works as in a consumer group without revocation: at its next heartbeat a member gets
 * its part of the target assignment at once, at the group's epoch, since nothing has to be given up before a
 * partition is shared. Its state is what its records say ({@link #replay}): the group epoch (which the target
 * assignment is always at), the target, and each member. Kafka's state names: Empty without members, else
 * Stable. The flows are in {@link ShareGroups}. Coordinator thread only.
 */
final class ShareGroup implements Group {
    final String groupId;
    int groupEpoch;
    long metadataHash;
    /** By member id, in id order so that everything computed from them is deterministic. */
    final Map<String, ShareMember> members = new TreeMap<>();
    /** The target assignment, by member id. */
    final Map<String, Map<Uuid, Set<Integer>>> targets = new java.util.HashMap<>();
    private long emptySince;

    ShareGroup(String groupId, long now) {
        this.groupId = groupId;
        this.emptySince = now;
    }

    @Override
    public String groupId() {
        return groupId;
    }

    @Override
    public String type() {
        return "share";
    }

    @Override
    public String protocolType() {
        return "share";
    }

    @Override
    public String stateName() {
        return members.isEmpty() ? "Empty" : "Stable";
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

    Set<String> subscribedTopicNames() {
        Set<String> out = new HashSet<>();
        members.values().forEach(m -> out.addAll(m.topicNames()));
        return out;
    }

    /** A share group has no committed offsets of the consumer kind: Kafka answers GROUP_ID_NOT_FOUND. */
    @Override
    public void validateOffsetCommit(String memberId, String groupInstanceId, int generationOrEpoch,
                                     short apiVersion) {
        throw notConsumerGroup();
    }

    @Override
    public void validateTransactionalOffsetCommit(String memberId, String groupInstanceId, int generationOrEpoch) {
        throw notConsumerGroup();
    }

    @Override
    public void validateOffsetFetch(String memberId, int memberEpoch) {
        throw notConsumerGroup();
    }

    private GroupIdNotFoundException notConsumerGroup() {
        return new GroupIdNotFoundException("Group " + groupId + " is not a consumer group.");
    }

    ShareMember requireMember(String memberId) {
        ShareMember m = members.get(memberId);
        if (m == null) {
            throw new UnknownMemberIdException("Member " + memberId + " is not a member of share group " + groupId
                    + ".");
        }
        return m;
    }

    /** Applies one of this group's records, written now or read back from the log. */
    void replay(GroupRecord r, long now) {
        if (r instanceof ShareGroupEpoch e) {
            groupEpoch = e.epoch();
            metadataHash = e.metadataHash();
        } else if (r instanceof ShareMember m) {
            members.put(m.memberId(), m);
        } else if (r instanceof GroupRecord.ShareTargetMember t) {
            targets.put(t.memberId(), t.partitions());
        } else if (r instanceof ShareTombstone t && t.shareKey().part() == SharePart.TARGET_MEMBER) {
            targets.remove(t.shareKey().memberId());
        } else if (r instanceof ShareTombstone t && t.shareKey().part() == SharePart.MEMBER) {
            if (members.remove(t.shareKey().memberId()) != null && members.isEmpty()) {
                emptySince = now;
            }
        }
    }

    /** The member's part of the target assignment; nothing if it has none. */
    Map<Uuid, Set<Integer>> target(String memberId) {
        return targets.getOrDefault(memberId, Assignment.EMPTY);
    }

    /** The records that recreate this group: its epoch, its target, then each member. */
    void snapshot(List<GroupRecord> out) {
        out.add(new ShareGroupEpoch(groupId, groupEpoch, metadataHash));
        targets.forEach((id, ps) -> out.add(new GroupRecord.ShareTargetMember(groupId, id, ps)));
        out.addAll(members.values());
    }

    /** The records that remove this group, members first. */
    List<GroupRecord> tombstones() {
        List<GroupRecord> out = new java.util.ArrayList<>();
        members.keySet().forEach(id -> out.add(new ShareTombstone(new ShareKey(SharePart.MEMBER, groupId, id))));
        targets.keySet().forEach(id -> out.add(new ShareTombstone(new ShareKey(SharePart.TARGET_MEMBER, groupId,
                id))));
        out.add(new ShareTombstone(new ShareKey(SharePart.GROUP_EPOCH, groupId, null)));
        return out;
    }

    DescribedGroup describe(SubscribedTopics topics) {
        DescribedGroup d = new DescribedGroup().setGroupId(groupId).setGroupState(stateName())
                .setGroupEpoch(groupEpoch).setAssignmentEpoch(groupEpoch).setAssignorName("simple");
        for (ShareMember m : members.values()) {
            d.members().add(new Member().setMemberId(m.memberId()).setRackId(m.rackId())
                    .setMemberEpoch(m.memberEpoch()).setClientId(m.clientId()).setClientHost(m.clientHost())
                    .setSubscribedTopicNames(m.topicNames()).setAssignment(described(m.assigned(), topics)));
        }
        return d;
    }

    private static org.apache.kafka.common.message.ShareGroupDescribeResponseData.Assignment described(
            Map<Uuid, Set<Integer>> partitions, SubscribedTopics topics) {
        var out = new org.apache.kafka.common.message.ShareGroupDescribeResponseData.Assignment();
        Assignment.sorted(partitions).forEach((id, ps) -> {
            String name = topics.nameOf(id);
            if (name != null) { // a deleted topic is left out
                out.topicPartitions().add(new TopicPartitions().setTopicId(id).setTopicName(name).setPartitions(ps));
            }
        });
        return out;
    }
}
