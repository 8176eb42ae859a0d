package io.ferrite.group;

import io.ferrite.group.GroupRecord.ConsumerCurrentAssignment;
import io.ferrite.group.GroupRecord.ConsumerMemberSubscription;
import io.ferrite.group.assignor.Assignment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;

/**
 * One member of a consumer group, as its two records leave it: what it subscribes to
 * ({@link ConsumerMemberSubscription}) and where its reconciliation stands ({@link ConsumerCurrentAssignment}).
 * Immutable: a change is a new member, compared with the old one to decide what to write.
 *
 * @param topicNames         subscribed topic names, sorted (the order a client sends them in does not matter)
 * @param topicRegex         a subscription by regular expression (RE2/J syntax), or null
 * @param rebalanceTimeoutMs how long it may take to revoke partitions, -1 until it says
 * @param memberEpoch        its epoch: 0 before its first assignment, -2 while a static member is away
 * @param assigned           partitions it may use
 * @param pendingRevocation  partitions it must give up before anyone else gets them
 * @param assignmentEpochs   for each of those partitions, the epoch it was given to the member at; one missing
 *                           is taken to be given now, at {@code memberEpoch}
 * @param classic            for a member that speaks the classic protocol, what its last JoinGroup said; null
 *                           for one that speaks the consumer protocol
 */
record ConsumerGroupMember(String memberId, String instanceId, String rackId, String clientId, String clientHost,
                           int rebalanceTimeoutMs, List<String> topicNames, String topicRegex, String serverAssignor,
                           int memberEpoch, int previousMemberEpoch, MemberState state,
                           Map<Uuid, Set<Integer>> assigned, Map<Uuid, Set<Integer>> pendingRevocation,
                           Map<Uuid, Map<Integer, Integer>> assignmentEpochs, ClassicProtocols classic) {
    /** The epoch of a static member that left and said it would come back. */
    static final int STATIC_LEFT_EPOCH = -2;

    ConsumerGroupMember {
        topicNames = List.copyOf(new TreeSet<>(topicNames));
        assigned = Assignment.copyOf(assigned);
        pendingRevocation = Assignment.copyOf(pendingRevocation);
        assignmentEpochs = epochsOf(assigned, pendingRevocation, assignmentEpochs, memberEpoch);
    }

    /** The epochs of the held partitions: kept where known, {@code now} for the others. */
    private static Map<Uuid, Map<Integer, Integer>> epochsOf(Map<Uuid, Set<Integer>> assigned,
                                                             Map<Uuid, Set<Integer>> pending,
                                                             Map<Uuid, Map<Integer, Integer>> known, int now) {
        Map<Uuid, Map<Integer, Integer>> out = new HashMap<>();
        for (Map<Uuid, Set<Integer>> held : List.of(assigned, pending)) {
            held.forEach((topic, ps) -> {
                Map<Integer, Integer> was = known.getOrDefault(topic, Map.of());
                Map<Integer, Integer> epochs = out.computeIfAbsent(topic, t -> new HashMap<>());
                ps.forEach(p -> epochs.put(p, was.getOrDefault(p, now)));
            });
        }
        return Assignment.copyOfEpochs(out);
    }

    /** The epoch the partition was given to the member at, or null if it does not hold it. */
    Integer assignmentEpoch(Uuid topic, int partition) {
        return assignmentEpochs.getOrDefault(topic, Map.of()).get(partition);
    }

    /** A member that has just joined: no subscription yet, epoch 0, nothing assigned. */
    static ConsumerGroupMember joining(String memberId) {
        return new ConsumerGroupMember(memberId, null, null, "", "", -1, List.of(), null, null, 0, 0,
                MemberState.STABLE, Assignment.EMPTY, Assignment.EMPTY, Map.of(), null);
    }

    /** Whether it speaks the classic protocol (JoinGroup, SyncGroup, Heartbeat) rather than the consumer one. */
    boolean usesClassic() {
        return classic != null;
    }

    /** The member as a classic JoinGroup leaves it; null makes it a consumer-protocol member. */
    ConsumerGroupMember withClassic(ClassicProtocols newClassic) {
        return new ConsumerGroupMember(memberId, instanceId, rackId, clientId, clientHost, rebalanceTimeoutMs,
                topicNames, topicRegex, serverAssignor, memberEpoch, previousMemberEpoch, state, assigned,
                pendingRevocation, assignmentEpochs, newClassic);
    }

    boolean hasRegex() {
        return topicRegex != null && !topicRegex.isEmpty();
    }

    /** At the target epoch with nothing left to do: neither revoking nor waiting for partitions. */
    boolean isReconciledTo(int targetEpoch) {
        return memberEpoch == targetEpoch && state == MemberState.STABLE;
    }

    ConsumerGroupMember withSubscription(ConsumerMemberSubscription r) {
        return new ConsumerGroupMember(memberId, r.instanceId(), r.rackId(), r.clientId(), r.clientHost(),
                r.rebalanceTimeoutMs(), r.topicNames(), r.topicRegex(), r.serverAssignor(), memberEpoch,
                previousMemberEpoch, state, assigned, pendingRevocation, assignmentEpochs, r.classic());
    }

    ConsumerGroupMember withAssignment(ConsumerCurrentAssignment r) {
        return new ConsumerGroupMember(memberId, instanceId, rackId, clientId, clientHost, rebalanceTimeoutMs,
                topicNames, topicRegex, serverAssignor, r.memberEpoch(), r.previousMemberEpoch(), r.state(),
                r.assigned(), r.pendingRevocation(), r.assignmentEpochs(), classic);
    }

    /** The member at a new point of its reconciliation; partitions it did not hold are given at {@code epoch}. */
    ConsumerGroupMember withAssignment(int epoch, int previousEpoch, MemberState newState,
                                       Map<Uuid, Set<Integer>> newAssigned, Map<Uuid, Set<Integer>> newPending) {
        return new ConsumerGroupMember(memberId, instanceId, rackId, clientId, clientHost, rebalanceTimeoutMs,
                topicNames, topicRegex, serverAssignor, epoch, previousEpoch, newState, newAssigned, newPending,
                assignmentEpochs, classic);
    }

    /**
     * A static member away for a restart: epoch -2, nothing left to revoke, and its partitions held from epoch
     * 0, so that the member that comes back with its instance id holds them and commits under the old member id
     * are refused.
     */
    ConsumerGroupMember leftForNow() {
        Map<Uuid, Map<Integer, Integer>> zero = new HashMap<>();
        assigned.forEach((topic, ps) -> ps.forEach(p -> zero.computeIfAbsent(topic, t -> new HashMap<>()).put(p, 0)));
        return new ConsumerGroupMember(memberId, instanceId, rackId, clientId, clientHost, rebalanceTimeoutMs,
                topicNames, topicRegex, serverAssignor, STATIC_LEFT_EPOCH, previousMemberEpoch, state, assigned,
                Assignment.EMPTY, zero, classic);
    }

    /** The same member under another member id (a static member back after a restart). */
    ConsumerGroupMember withMemberId(String newId) {
        return new ConsumerGroupMember(newId, instanceId, rackId, clientId, clientHost, rebalanceTimeoutMs,
                topicNames, topicRegex, serverAssignor, memberEpoch, previousMemberEpoch, state, assigned,
                pendingRevocation, assignmentEpochs, classic);
    }

    /**
     * The member after a heartbeat: each field the request sets (not null, not -1) replaces the old value; the
     * client id and host are the connection's.
     */
    ConsumerGroupMember updatedBy(String newInstanceId, String newRackId, int newRebalanceTimeoutMs,
                                  List<String> newTopicNames, String newTopicRegex, String newServerAssignor,
                                  String newClientId, String newClientHost) {
        return new ConsumerGroupMember(memberId, newInstanceId != null ? newInstanceId : instanceId,
                newRackId != null ? newRackId : rackId, newClientId, newClientHost,
                newRebalanceTimeoutMs != -1 ? newRebalanceTimeoutMs : rebalanceTimeoutMs,
                newTopicNames != null ? newTopicNames : topicNames,
                newTopicRegex != null ? newTopicRegex : topicRegex,
                newServerAssignor != null ? newServerAssignor : serverAssignor, memberEpoch, previousMemberEpoch,
                state, assigned, pendingRevocation, assignmentEpochs, classic);
    }

    ConsumerMemberSubscription subscriptionRecord(String group) {
        return new ConsumerMemberSubscription(group, memberId, instanceId, rackId, clientId, clientHost,
                rebalanceTimeoutMs, topicNames, topicRegex, serverAssignor, classic);
    }

    ConsumerCurrentAssignment assignmentRecord(String group) {
        return new ConsumerCurrentAssignment(group, memberId, memberEpoch, previousMemberEpoch, state, assigned,
                pendingRevocation, assignmentEpochs);
    }
}
