package io.ferrite.group;

import io.ferrite.group.GroupRecord.ClassicGroupMetadata;
import io.ferrite.group.GroupRecord.ConsumerGroupEpoch;
import io.ferrite.group.GroupRecord.ConsumerTargetEpoch;
import io.ferrite.group.GroupRecord.ConsumerTargetMember;
import io.ferrite.group.assignor.Assignment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.message.ConsumerProtocolSubscription;

/**
 * A live group changing protocol (KIP-848's online migration), as Kafka does it under
 * {@code group.consumer.migration.policy}: a classic group becomes a consumer group when a consumer-protocol
 * member joins it, every classic member kept with its last assignment; a consumer group becomes a classic group
 * when its last consumer-protocol member leaves, and the classic members then rebalance among themselves.
 * Pure functions from one group to the records of the other; the flows that call them write those records.
 */
final class GroupConversions {
    private GroupConversions() {
    }

    /**
     * The records making {@code g} a consumer group: each member a classic member of it, at the group's
     * generation, holding what it was last assigned, which is also its target. Fails with GROUP_ID_NOT_FOUND,
     * as Kafka's coordinator does, if a member's subscription or assignment is not the consumer protocol's.
     */
    static List<GroupRecord> toConsumer(ClassicGroup g, SubscribedTopics topics, TopicLookup lookup) {
        int epoch = Math.max(g.generationId, ConsumerGroup.INITIAL_EPOCH);
        List<ConsumerGroupMember> members = new ArrayList<>();
        Set<String> subscribed = new HashSet<>();
        try {
            for (ClassicGroupMember m : g.members.values()) {
                byte[] metadata = g.protocolName != null ? m.metadata(g.protocolName)
                        : m.protocols.values().iterator().next();
                ConsumerProtocolSubscription s = ClassicProtocols.parse(metadata);
                Map<Uuid, Set<Integer>> assigned = ClassicProtocols.decode(m.assignment, lookup::id);
                subscribed.addAll(s.topics());
                members.add(new ConsumerGroupMember(m.memberId, m.groupInstanceId, s.rackId(), m.clientId,
                        m.clientHost, m.rebalanceTimeoutMs, s.topics(), null, null, epoch, epoch, MemberState.STABLE,
                        assigned, Assignment.EMPTY, Map.of(), ClassicProtocols.of(m.sessionTimeoutMs, m.protocols)));
            }
        } catch (RuntimeException e) {
            throw new GroupIdNotFoundException("Cannot upgrade the classic group " + g.groupId + ": its members' "
                    + "subscriptions or assignments are not those of the consumer protocol (" + e.getMessage() + ").");
        }
        List<GroupRecord> out = new ArrayList<>();
        out.add(new ConsumerGroupEpoch(g.groupId, epoch, topics.metadataHash(subscribed)));
        members.forEach(m -> out.add(m.subscriptionRecord(g.groupId)));
        members.forEach(m -> out.add(new ConsumerTargetMember(g.groupId, m.memberId(), m.assigned())));
        out.add(new ConsumerTargetEpoch(g.groupId, epoch));
        members.forEach(m -> out.add(m.assignmentRecord(g.groupId)));
        return out;
    }

    /** Whether {@code g} could become a consumer group: members speaking the consumer protocol's subscriptions. */
    static boolean convertible(ClassicGroup g) {
        if (!"consumer".equals(g.protocolType) || g.members.isEmpty()) {
            return false;
        }
        for (ClassicGroupMember m : g.members.values()) {
            if (!ClassicProtocols.parseable(m.protocols)) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code g} without {@code leaving} as a classic group at its group epoch, each member's target assignment
     * as its assignment and the protocol every member supports chosen by Kafka's vote; Stable, so that the
     * caller starts the rebalance that hands the assignment back to the clients.
     */
    static ClassicGroup toClassic(ConsumerGroup g, String leaving, SubscribedTopics topics, long now) {
        ClassicGroup c = new ClassicGroup(g.groupId, now);
        c.protocolType = "consumer";
        c.generationId = g.groupEpoch;
        for (ConsumerGroupMember m : g.members.values()) {
            if (m.memberId().equals(leaving)) {
                continue;
            }
            ClassicGroupMember cm = new ClassicGroupMember(m.memberId(), m.instanceId(), m.clientId(),
                    m.clientHost(), m.rebalanceTimeoutMs(), m.classic().sessionTimeoutMs(), m.classic().asMap());
            c.members.put(cm.memberId, cm);
            if (cm.groupInstanceId != null) {
                c.staticMembers.put(cm.groupInstanceId, cm.memberId);
            }
        }
        c.protocolName = c.selectProtocol();
        for (ClassicGroupMember cm : c.members.values()) {
            cm.assignment = ClassicProtocols.encode(g.target(cm.memberId), topics::nameOf,
                    cm.metadata(c.protocolName));
        }
        c.leaderId = c.members.keySet().iterator().next();
        c.subscribedTopics = c.computeSubscribedTopics();
        c.transitionTo(ClassicGroup.State.STABLE, now);
        return c;
    }

    /** The record of a group {@link #toClassic} made, noted as its latest. */
    static ClassicGroupMetadata recordOf(ClassicGroup c) {
        return c.store(c.toRecord());
    }
}
