package io.ferrite.group;

import io.ferrite.coordinator.CoordinatorRuntime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerProtocolSubscription;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Members of a consumer group that speak the classic protocol, as in Kafka while a group migrates between
 * protocols (KIP-848): a consumer still on {@code group.protocol=classic} joins a consumer group with JoinGroup
 * and is assigned by the coordinator like any member. JoinGroup answers at once, naming no leader so the
 * client assigns nothing; SyncGroup hands the member its part; Heartbeat answers REBALANCE_IN_PROGRESS when the
 * member has partitions to give up or to get, and the member rejoins, reporting what it still owns in its
 * subscription, which is how it revokes. The group's changes are {@link ConsumerGroups}'; coordinator thread only.
 */
final class ClassicMembers {
    private final ConsumerGroups consumers;
    private final ClassicGroups classic;
    private final CoordinatorRuntime<GroupRecord> runtime;
    private final GroupConfig config;
    private final ConsumerGroupConfig consumerConfig;
    private final TopicLookup topics;

    ClassicMembers(ConsumerGroups consumers, ClassicGroups classic, CoordinatorRuntime<GroupRecord> runtime,
                   GroupConfig config, ConsumerGroupConfig consumerConfig, TopicLookup topics) {
        this.consumers = consumers;
        this.classic = classic;
        this.runtime = runtime;
        this.config = config;
        this.consumerConfig = consumerConfig;
        this.topics = topics;
    }

    // ---- JoinGroup -------------------------------------------------------------------------------------------

    CompletableFuture<JoinGroupResponseData> join(ConsumerGroup group, JoinGroupRequestData req, short version,
                                                  String clientId, String clientHost) {
        String groupId = group.groupId;
        String asked = req.memberId() == null ? "" : req.memberId();
        if (req.sessionTimeoutMs() < config.minSessionTimeoutMs()
                || req.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
            return joinError(Errors.INVALID_SESSION_TIMEOUT, asked);
        }
        boolean unknown = asked.isEmpty();
        String memberId = unknown ? Uuid.randomUuid().toString() : asked;
        if (!group.members.containsKey(memberId) && group.members.size() >= consumerConfig.maxSize()) {
            return joinError(Errors.GROUP_MAX_SIZE_REACHED, asked);
        }
        Map<String, byte[]> protocols = new LinkedHashMap<>();
        for (JoinGroupRequestProtocol p : req.protocols()) {
            protocols.putIfAbsent(p.name(), p.metadata());
        }
        if (!"consumer".equals(req.protocolType()) || !ClassicProtocols.parseable(protocols)
                || !supported(group, protocols.keySet())) {
            return joinError(Errors.INCONSISTENT_GROUP_PROTOCOL, asked);
        }
        String instanceId = req.groupInstanceId();
        if (unknown && instanceId == null && version >= 4) {
            return joinError(Errors.MEMBER_ID_REQUIRED, memberId); // rejoin with this id, as with a classic group
        }
        ConsumerGroupMember member;
        ConsumerGroupMember replaced = null;
        ConsumerGroupMember known = group.members.get(memberId);
        if (instanceId == null) {
            if (known != null && !known.usesClassic()) {
                return joinError(Errors.UNKNOWN_MEMBER_ID, asked);
            }
            member = known != null ? known : ConsumerGroupMember.joining(memberId);
        } else {
            ConsumerGroupMember current = group.staticMember(instanceId);
            if (current == null && !unknown) {
                return joinError(Errors.UNKNOWN_MEMBER_ID, asked);
            } else if (current == null) {
                member = ConsumerGroupMember.joining(memberId);
            } else if (unknown && consumers.downgrades(group, current, 1)) {
                // A classic member takes the instance id of the last consumer-protocol member: the group is
                // classic again, and the member joins it there.
                List<GroupRecord> records = new ArrayList<>();
                consumers.fence(group, current, records);
                runtime.write(records);
                return classic.join(req, version, clientId, clientHost);
            } else if (unknown) {
                replaced = current; // a static member restarted: the new one takes its place and partitions
                member = current.withMemberId(memberId).withAssignment(0, 0, current.state(), current.assigned(),
                        current.pendingRevocation());
            } else if (!current.memberId().equals(memberId)) {
                return joinError(Errors.FENCED_INSTANCE_ID, asked);
            } else {
                member = current;
            }
        }
        ConsumerProtocolSubscription subscription = ClassicProtocols.parse(protocols.values().iterator().next());
        Map<Uuid, Set<Integer>> owned = ClassicProtocols.owned(subscription, topics::id);
        int rebalanceTimeoutMs = req.rebalanceTimeoutMs() < 0 ? req.sessionTimeoutMs() : req.rebalanceTimeoutMs();

        // Nothing fails from here on: the records are applied as they are made.
        List<GroupRecord> records = new ArrayList<>();
        if (replaced != null) {
            consumers.replace(group, replaced, member, records);
        }
        ConsumerGroupMember updated = member.updatedBy(instanceId, subscription.rackId(), rebalanceTimeoutMs,
                subscription.topics(), null, null, clientId, clientHost)
                .withClassic(ClassicProtocols.of(req.sessionTimeoutMs(), protocols));
        ConsumerGroupMember current = consumers.update(groupId, member, updated, owned, records);
        consumers.cancelJoinTimeout(groupId, memberId);
        consumers.scheduleSession(groupId, memberId);
        consumers.scheduleSyncTimeout(groupId, memberId, rebalanceTimeoutMs);
        JoinGroupResponseData answer = new JoinGroupResponseData().setMemberId(memberId)
                .setGenerationId(current.memberEpoch()).setProtocolType("consumer")
                .setProtocolName(current.classic().preferred()).setLeader("");
        return runtime.write(records).handle((v, e) -> e == null ? answer
                : ClassicResponses.joinError(Errors.COORDINATOR_NOT_AVAILABLE, memberId));
    }

    /** Whether one of {@code names} is supported by every classic member of the group (any, if it has none). */
    private static boolean supported(ConsumerGroup group, Set<String> names) {
        Set<String> common = new HashSet<>(names);
        for (ConsumerGroupMember m : group.members.values()) {
            if (m.usesClassic()) {
                common.retainAll(m.classic().names());
            }
        }
        return !common.isEmpty();
    }

    private static CompletableFuture<JoinGroupResponseData> joinError(Errors error, String memberId) {
        return CompletableFuture.completedFuture(ClassicResponses.joinError(error, memberId));
    }

    // ---- SyncGroup, Heartbeat, LeaveGroup --------------------------------------------------------------------

    SyncGroupResponseData sync(ConsumerGroup group, SyncGroupRequestData req) {
        ConsumerGroupMember m;
        try {
            m = classicMember(group, req.memberId(), req.groupInstanceId());
        } catch (RefusedException e) {
            return ClassicResponses.syncError(e.error);
        }
        if (req.generationId() != m.memberEpoch()) {
            return ClassicResponses.syncError(Errors.ILLEGAL_GENERATION);
        }
        if (inconsistent(req.protocolType(), "consumer") || inconsistent(req.protocolName(), m.classic().preferred())) {
            return ClassicResponses.syncError(Errors.INCONSISTENT_GROUP_PROTOCOL);
        }
        if (group.groupEpoch > m.memberEpoch() && m.state() != MemberState.UNREVOKED_PARTITIONS) {
            consumers.scheduleJoinTimeout(group.groupId, m.memberId(), m.rebalanceTimeoutMs());
            return ClassicResponses.syncError(Errors.REBALANCE_IN_PROGRESS);
        }
        consumers.cancelSyncTimeout(group.groupId, m.memberId());
        consumers.scheduleSession(group.groupId, m.memberId());
        return new SyncGroupResponseData().setProtocolType("consumer").setProtocolName(m.classic().preferred())
                .setAssignment(m.classic().encode(m.assigned(), topics::name));
    }

    /** A value the request gives (neither null nor empty) that differs from the group's. */
    private static boolean inconsistent(String asked, String actual) {
        return asked != null && !asked.isEmpty() && !asked.equals(actual);
    }

    /**
     * Kafka's Heartbeat answer for a classic member of a consumer group: REBALANCE_IN_PROGRESS when the group
     * epoch moved past the member's, when it has partitions to revoke, or when those it waits for are free.
     */
    Errors heartbeat(ConsumerGroup group, String memberId, String instanceId, int generation) {
        ConsumerGroupMember m;
        try {
            m = classicMember(group, memberId, instanceId);
        } catch (RefusedException e) {
            return e.error;
        }
        if (generation != m.memberEpoch()) {
            return Errors.ILLEGAL_GENERATION;
        }
        consumers.scheduleSession(group.groupId, m.memberId());
        if (m.memberEpoch() < group.groupEpoch || m.state() == MemberState.UNREVOKED_PARTITIONS
                || (m.state() == MemberState.UNRELEASED_PARTITIONS && !waitsForOthers(group, m))) {
            consumers.scheduleJoinTimeout(group.groupId, m.memberId(), m.rebalanceTimeoutMs());
            return Errors.REBALANCE_IN_PROGRESS;
        }
        return Errors.NONE;
    }

    /** Whether a partition of the member's target is still held by another member. */
    private static boolean waitsForOthers(ConsumerGroup group, ConsumerGroupMember m) {
        for (Map.Entry<Uuid, Set<Integer>> e : group.target(m.memberId()).entrySet()) {
            for (int p : e.getValue()) {
                if (!m.assigned().getOrDefault(e.getKey(), Set.of()).contains(p)
                        && group.holderEpoch(e.getKey(), p) != null) {
                    return true;
                }
            }
        }
        return false;
    }

    /** LeaveGroup of classic members: each answered on its own; a member of the consumer protocol is unknown here. */
    List<MemberResponse> leave(ConsumerGroup group, List<MemberIdentity> leaving, List<GroupRecord> records) {
        List<MemberResponse> out = new ArrayList<>();
        for (MemberIdentity who : leaving) {
            String memberId = who.memberId() == null ? "" : who.memberId();
            MemberResponse r = new MemberResponse().setMemberId(memberId).setGroupInstanceId(who.groupInstanceId());
            out.add(r);
            ConsumerGroupMember m;
            try {
                if (who.groupInstanceId() != null && memberId.isEmpty()) {
                    m = group.staticMember(who.groupInstanceId()); // an administrator removing a static member
                    if (m == null || !m.usesClassic()) {
                        throw new RefusedException(Errors.UNKNOWN_MEMBER_ID);
                    }
                } else {
                    m = classicMember(group, memberId, who.groupInstanceId());
                }
            } catch (RefusedException e) {
                r.setErrorCode(e.error.code());
                continue;
            }
            r.setMemberId(m.memberId());
            consumers.fence(group, m, records);
        }
        return out;
    }

    /** The classic member a request names, with Kafka's checks. */
    private static ConsumerGroupMember classicMember(ConsumerGroup group, String memberId, String instanceId) {
        ConsumerGroupMember m = memberId == null ? null : group.members.get(memberId);
        if (instanceId != null) {
            ConsumerGroupMember holder = group.staticMember(instanceId);
            if (holder == null) {
                throw new RefusedException(Errors.UNKNOWN_MEMBER_ID);
            }
            if (!holder.memberId().equals(memberId)) {
                throw new RefusedException(Errors.FENCED_INSTANCE_ID);
            }
        }
        if (m == null || !m.usesClassic()) {
            throw new RefusedException(Errors.UNKNOWN_MEMBER_ID);
        }
        return m;
    }

    /** A request refused with a Kafka error code; control flow inside this class only. */
    private static final class RefusedException extends RuntimeException {
        final Errors error;

        RefusedException(Errors error) {
            super(error.message(), null, false, false);
            this.error = error;
        }
    }
}
