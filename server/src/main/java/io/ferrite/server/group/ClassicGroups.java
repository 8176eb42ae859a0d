package io.ferrite.server.group;

import io.ferrite.server.group.ClassicGroup.State;
import io.ferrite.server.group.CoordinatorRecord.ClassicGroupMetadata;
import io.ferrite.server.group.CoordinatorRecord.ClassicMember;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The classic protocol's flows, as Kafka's coordinator runs them: JoinGroup (with member-id-required from v4,
 * the initial rebalance delay, static members), SyncGroup (the leader's assignment is written to the log
 * before anyone gets it), Heartbeat, LeaveGroup, and the session, rebalance and pending-member timeouts.
 * Assignment is the clients' business; the coordinator only relays it. Coordinator thread only.
 */
final class ClassicGroups implements CoordinatorState {
    private static final Logger LOG = LogManager.getLogger(ClassicGroups.class);

    private final Map<String, Group> groups;
    private final CoordinatorRuntime runtime;
    private final GroupConfig config;

    ClassicGroups(Map<String, Group> groups, CoordinatorRuntime runtime, GroupConfig config) {
        this.groups = groups;
        this.runtime = runtime;
        this.config = config;
    }

    /** The classic group of that id, or null (also when the id belongs to a group of another type). */
    ClassicGroup get(String groupId) {
        return groups.get(groupId) instanceof ClassicGroup g ? g : null;
    }

    /** The group, created empty if absent (a simple group, as commits from outside group management make). */
    ClassicGroup getOrCreate(String groupId) {
        Group g = groups.get(groupId);
        if (g == null) {
            ClassicGroup created = new ClassicGroup(groupId, runtime.now());
            groups.put(groupId, created);
            return created;
        }
        return g instanceof ClassicGroup c ? c : null;
    }

    // ---- JoinGroup -------------------------------------------------------------------------------------------

    CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData req, short version, String clientId,
                                                  String clientHost) {
        String memberId = req.memberId();
        int rebalanceTimeout = req.rebalanceTimeoutMs() < 0 ? req.sessionTimeoutMs() : req.rebalanceTimeoutMs();
        if (req.groupId() == null || req.groupId().isEmpty()) {
            return joinError(Errors.INVALID_GROUP_ID, memberId);
        }
        if (req.sessionTimeoutMs() < config.minSessionTimeoutMs()
                || req.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
            return joinError(Errors.INVALID_SESSION_TIMEOUT, memberId);
        }
        Map<String, byte[]> protocols = new LinkedHashMap<>();
        for (JoinGroupRequestProtocol p : req.protocols()) {
            protocols.putIfAbsent(p.name(), p.metadata());
        }
        boolean unknown = memberId == null || memberId.isEmpty();
        ClassicGroup group = unknown ? getOrCreate(req.groupId()) : get(req.groupId());
        if (group == null) {
            return joinError(groups.containsKey(req.groupId()) ? Errors.INCONSISTENT_GROUP_PROTOCOL
                    : Errors.UNKNOWN_MEMBER_ID, memberId);
        }
        if (group.is(State.DEAD)) {
            return joinError(Errors.COORDINATOR_NOT_AVAILABLE, memberId);
        }
        if (!group.supports(req.protocolType(), protocols.keySet())) {
            return joinError(Errors.INCONSISTENT_GROUP_PROTOCOL, memberId);
        }
        CompletableFuture<JoinGroupResponseData> answer = new CompletableFuture<>();
        Member joining = new Member(req.groupInstanceId(), clientId, clientHost, rebalanceTimeout,
                req.sessionTimeoutMs(), req.protocolType(), protocols);
        if (unknown) {
            joinUnknown(group, joining, version, answer);
        } else {
            joinKnown(group, memberId, joining, answer);
        }
        return answer;
    }

    /** What a JoinGroup says about the member. */
    private record Member(String groupInstanceId, String clientId, String clientHost, int rebalanceTimeoutMs,
                          int sessionTimeoutMs, String protocolType, Map<String, byte[]> protocols) {
    }

    private void joinUnknown(ClassicGroup group, Member joining, short version,
                             CompletableFuture<JoinGroupResponseData> answer) {
        if (group.members.size() >= config.maxSize()) {
            answer.complete(errorResponse(Errors.GROUP_MAX_SIZE_REACHED, ""));
            return;
        }
        if (joining.groupInstanceId() != null) {
            String existing = group.staticMembers.get(joining.groupInstanceId());
            if (existing != null) {
                rejoinStatic(group, group.members.get(existing), joining, answer);
                return;
            }
            addAndRebalance(group, newMemberId(joining.groupInstanceId()), joining, answer);
            return;
        }
        String memberId = newMemberId(joining.clientId());
        if (version >= 4) {
            // The client must come back with this id; until then it only holds a place for a session timeout.
            group.pendingMembers.add(memberId);
            runtime.schedule(pendingKey(group, memberId), joining.sessionTimeoutMs(), () -> {
                if (group.pendingMembers.remove(memberId) && group.is(State.PREPARING_REBALANCE)) {
                    tryCompleteJoin(group);
                }
            });
            answer.complete(errorResponse(Errors.MEMBER_ID_REQUIRED, memberId));
            return;
        }
        addAndRebalance(group, memberId, joining, answer);
    }

    private void joinKnown(ClassicGroup group, String memberId, Member joining,
                           CompletableFuture<JoinGroupResponseData> answer) {
        if (group.pendingMembers.remove(memberId)) {
            runtime.cancel(pendingKey(group, memberId));
            addAndRebalance(group, memberId, joining, answer);
            return;
        }
        ClassicGroupMember member;
        try {
            member = group.requireMember(memberId, joining.groupInstanceId());
        } catch (ApiException e) {
            answer.complete(errorResponse(Errors.forException(e), memberId));
            return;
        }
        switch (group.state) {
            case PREPARING_REBALANCE -> updateAndRebalance(group, member, joining, answer);
            case COMPLETING_REBALANCE -> {
                if (member.sameProtocols(joining.protocols())) {
                    answer.complete(joinResponse(group, member)); // a retried join of this generation
                } else {
                    updateAndRebalance(group, member, joining, answer);
                }
            }
            case STABLE -> {
                if (member.memberId.equals(group.leaderId) || !member.sameProtocols(joining.protocols())) {
                    updateAndRebalance(group, member, joining, answer);
                } else {
                    answer.complete(joinResponse(group, member)); // a follower with nothing new
                }
            }
            default -> answer.complete(errorResponse(Errors.UNKNOWN_MEMBER_ID, memberId));
        }
    }

    /** A static member back under a new member id: the old id is fenced and the assignment carries over. */
    private void rejoinStatic(ClassicGroup group, ClassicGroupMember old, Member joining,
                              CompletableFuture<JoinGroupResponseData> answer) {
        String newId = newMemberId(joining.groupInstanceId());
        ClassicGroupMember replacement = new ClassicGroupMember(newId, joining.groupInstanceId(), joining.clientId(),
                joining.clientHost(), joining.rebalanceTimeoutMs(), joining.sessionTimeoutMs(), joining.protocols());
        replacement.assignment = old.assignment;
        if (old.awaitingJoin != null) {
            old.awaitingJoin.complete(errorResponse(Errors.FENCED_INSTANCE_ID, old.memberId));
        }
        if (old.awaitingSync != null) {
            old.awaitingSync.complete(syncError(Errors.FENCED_INSTANCE_ID));
        }
        runtime.cancel(heartbeatKey(group, old.memberId));
        Map<String, ClassicGroupMember> reordered = new LinkedHashMap<>();
        group.members.forEach((id, m) -> reordered.put(id.equals(old.memberId) ? newId : id,
                id.equals(old.memberId) ? replacement : m));
        group.members.clear();
        group.members.putAll(reordered);
        group.staticMembers.put(joining.groupInstanceId(), newId);
        if (old.memberId.equals(group.leaderId)) {
            group.leaderId = newId;
        }
        if (group.is(State.STABLE) && Objects.equals(group.protocolName, group.selectProtocol())) {
            // Kafka's static-membership promise: a restart within the session timeout moves nothing. Only the
            // protocol the group would choose counts: a restarted consumer's subscription bytes differ (it
            // owns nothing yet, and names no generation).
            int generation = group.generationId;
            runtime.write(List.of(group.toRecord())).whenComplete((v, e) -> {
                if (e != null) {
                    answer.complete(errorResponse(Errors.UNKNOWN_SERVER_ERROR, ""));
                    return;
                }
                scheduleHeartbeat(group, replacement);
                JoinGroupResponseData r = joinResponse(group, replacement);
                answer.complete(r.setGenerationId(generation).setSkipAssignment(true));
            });
            return;
        }
        updateAndRebalance(group, replacement, joining, answer);
    }

    private void addAndRebalance(ClassicGroup group, String memberId, Member joining,
                                 CompletableFuture<JoinGroupResponseData> answer) {
        ClassicGroupMember m = new ClassicGroupMember(memberId, joining.groupInstanceId(), joining.clientId(),
                joining.clientHost(), joining.rebalanceTimeoutMs(), joining.sessionTimeoutMs(), joining.protocols());
        m.awaitingJoin = answer;
        m.isNew = true;
        if (group.members.isEmpty()) {
            group.protocolType = joining.protocolType();
        }
        group.members.put(memberId, m);
        if (m.isStatic()) {
            group.staticMembers.put(m.groupInstanceId, memberId);
        }
        if (group.leaderId == null) {
            group.leaderId = memberId;
        }
        group.newMemberAdded = true;
        // A new member that never comes back is dropped after this long, not a full session.
        runtime.schedule(heartbeatKey(group, memberId), config.newMemberJoinTimeoutMs(),
                () -> expire(group, memberId));
        maybePrepareRebalance(group, "member " + memberId + " joined");
        if (group.is(State.PREPARING_REBALANCE)) {
            tryCompleteJoin(group);
        }
    }

    private void updateAndRebalance(ClassicGroup group, ClassicGroupMember m, Member joining,
                                    CompletableFuture<JoinGroupResponseData> answer) {
        m.protocols = new LinkedHashMap<>(joining.protocols());
        m.rebalanceTimeoutMs = joining.rebalanceTimeoutMs();
        m.sessionTimeoutMs = joining.sessionTimeoutMs();
        if (m.awaitingJoin != null && m.awaitingJoin != answer) {
            m.awaitingJoin.complete(errorResponse(Errors.REBALANCE_IN_PROGRESS, m.memberId)); // superseded
        }
        m.awaitingJoin = answer;
        runtime.cancel(heartbeatKey(group, m.memberId)); // the rebalance timeout guards it while it waits
        maybePrepareRebalance(group, "member " + m.memberId + " rejoined");
        if (group.is(State.PREPARING_REBALANCE)) {
            tryCompleteJoin(group);
        }
    }

    private void maybePrepareRebalance(ClassicGroup group, String reason) {
        if (group.is(State.STABLE) || group.is(State.COMPLETING_REBALANCE) || group.is(State.EMPTY)) {
            prepareRebalance(group, reason);
        }
    }

    private void prepareRebalance(ClassicGroup group, String reason) {
        if (group.is(State.COMPLETING_REBALANCE)) {
            for (ClassicGroupMember m : group.members.values()) {
                m.assignment = new byte[0];
                if (m.awaitingSync != null) {
                    m.awaitingSync.complete(syncError(Errors.REBALANCE_IN_PROGRESS));
                    m.awaitingSync = null;
                }
            }
            runtime.cancel(syncKey(group));
        }
        int rebalanceTimeout = group.maxRebalanceTimeoutMs();
        if (group.is(State.EMPTY) && config.initialRebalanceDelayMs() > 0) {
            int delay = Math.min(config.initialRebalanceDelayMs(), rebalanceTimeout);
            group.initialDelayRunning = true;
            group.newMemberAdded = false;
            group.initialDelayRemainingMs = Math.max(rebalanceTimeout - delay, 0);
            runtime.schedule(joinKey(group), delay, () -> initialDelayOver(group));
        } else {
            runtime.schedule(joinKey(group), rebalanceTimeout, () -> completeJoin(group));
        }
        LOG.info("group {} rebalances (generation {}): {}", group.groupId, group.generationId, reason);
        group.transitionTo(State.PREPARING_REBALANCE, runtime.now());
    }

    /** The initial delay waits once more for every member that came during it, while the timeout allows. */
    private void initialDelayOver(ClassicGroup group) {
        if (group.newMemberAdded && group.initialDelayRemainingMs > 0) {
            group.newMemberAdded = false;
            long delay = Math.min(config.initialRebalanceDelayMs(), group.initialDelayRemainingMs);
            group.initialDelayRemainingMs = Math.max(group.initialDelayRemainingMs - delay, 0);
            runtime.schedule(joinKey(group), delay, () -> initialDelayOver(group));
            return;
        }
        group.initialDelayRunning = false;
        completeJoin(group);
    }

    private void tryCompleteJoin(ClassicGroup group) {
        if (!group.initialDelayRunning && group.allMembersJoined()) {
            completeJoin(group);
        }
    }

    /** Ends the join phase: who has not rejoined is out, a new generation starts, the leader gets the members. */
    private void completeJoin(ClassicGroup group) {
        if (!group.is(State.PREPARING_REBALANCE)) {
            return;
        }
        runtime.cancel(joinKey(group));
        group.initialDelayRunning = false;
        for (ClassicGroupMember m : new ArrayList<>(group.members.values())) {
            if (m.awaitingJoin == null && !m.isStatic()) {
                removeMember(group, m);
            }
        }
        group.generationId++;
        if (group.members.isEmpty()) {
            group.protocolName = null;
            group.leaderId = null;
            group.transitionTo(State.EMPTY, runtime.now());
            runtime.write(List.of(group.toRecord()));
            return;
        }
        group.protocolName = group.selectProtocol();
        if (group.leaderId == null || !group.members.containsKey(group.leaderId)) {
            group.leaderId = group.members.keySet().iterator().next();
        }
        group.transitionTo(State.COMPLETING_REBALANCE, runtime.now());
        for (ClassicGroupMember m : group.members.values()) {
            if (m.awaitingJoin != null) {
                m.awaitingJoin.complete(joinResponse(group, m));
                m.awaitingJoin = null;
            }
            m.isNew = false;
            scheduleHeartbeat(group, m);
        }
        int generation = group.generationId;
        runtime.schedule(syncKey(group), group.maxRebalanceTimeoutMs(), () -> syncExpired(group, generation));
    }

    /** Members that never sent SyncGroup for this generation are out; the rest rebalance again. */
    private void syncExpired(ClassicGroup group, int generation) {
        if (!group.is(State.COMPLETING_REBALANCE) || group.generationId != generation) {
            return;
        }
        for (ClassicGroupMember m : new ArrayList<>(group.members.values())) {
            if (m.awaitingSync == null) {
                LOG.info("group {}: member {} did not sync in time", group.groupId, m.memberId);
                removeMember(group, m);
            }
        }
        maybePrepareRebalance(group, "members did not sync in time");
    }

    private JoinGroupResponseData joinResponse(ClassicGroup group, ClassicGroupMember m) {
        JoinGroupResponseData r = new JoinGroupResponseData().setGenerationId(group.generationId)
                .setProtocolType(group.protocolType).setProtocolName(group.protocolName)
                .setLeader(group.leaderId).setMemberId(m.memberId);
        if (m.memberId.equals(group.leaderId)) {
            for (ClassicGroupMember each : group.members.values()) {
                r.members().add(new JoinGroupResponseMember().setMemberId(each.memberId)
                        .setGroupInstanceId(each.groupInstanceId).setMetadata(each.metadata(group.protocolName)));
            }
        }
        return r;
    }

    private static JoinGroupResponseData errorResponse(Errors error, String memberId) {
        return new JoinGroupResponseData().setErrorCode(error.code()).setGenerationId(-1)
                .setMemberId(memberId == null ? "" : memberId).setLeader("").setProtocolName(null);
    }

    private static CompletableFuture<JoinGroupResponseData> joinError(Errors error, String memberId) {
        return CompletableFuture.completedFuture(errorResponse(error, memberId));
    }

    private static String newMemberId(String prefix) {
        return (prefix == null ? "" : prefix) + "-" + UUID.randomUUID();
    }

    // ---- SyncGroup -------------------------------------------------------------------------------------------

    CompletableFuture<SyncGroupResponseData> sync(SyncGroupRequestData req, short version) {
        ClassicGroup group = get(req.groupId());
        if (req.groupId() == null || req.groupId().isEmpty()) {
            return CompletableFuture.completedFuture(syncError(Errors.INVALID_GROUP_ID));
        }
        if (group == null) {
            return CompletableFuture.completedFuture(syncError(Errors.UNKNOWN_MEMBER_ID));
        }
        ClassicGroupMember member;
        try {
            member = group.requireMember(req.memberId(), req.groupInstanceId());
        } catch (ApiException e) {
            return CompletableFuture.completedFuture(syncError(Errors.forException(e)));
        }
        if (req.generationId() != group.generationId) {
            return CompletableFuture.completedFuture(syncError(Errors.ILLEGAL_GENERATION));
        }
        if ((req.protocolType() != null && !req.protocolType().equals(group.protocolType))
                || (req.protocolName() != null && !req.protocolName().equals(group.protocolName))) {
            return CompletableFuture.completedFuture(syncError(Errors.INCONSISTENT_GROUP_PROTOCOL));
        }
        switch (group.state) {
            case PREPARING_REBALANCE:
                return CompletableFuture.completedFuture(syncError(Errors.REBALANCE_IN_PROGRESS));
            case STABLE:
                scheduleHeartbeat(group, member);
                return CompletableFuture.completedFuture(syncResponse(group, member));
            case COMPLETING_REBALANCE:
                break;
            default:
                return CompletableFuture.completedFuture(syncError(Errors.UNKNOWN_MEMBER_ID));
        }
        CompletableFuture<SyncGroupResponseData> answer = new CompletableFuture<>();
        if (member.awaitingSync != null) {
            member.awaitingSync.complete(syncError(Errors.REBALANCE_IN_PROGRESS)); // superseded by this one
        }
        member.awaitingSync = answer;
        scheduleHeartbeat(group, member);
        if (member.memberId.equals(group.leaderId)) {
            storeAssignment(group, req.assignments());
        }
        return answer;
    }

    /** Writes the leader's assignment; once durable the group is Stable and every member gets its part. */
    private void storeAssignment(ClassicGroup group, List<SyncGroupRequestAssignment> assignments) {
        Map<String, byte[]> byMember = new LinkedHashMap<>();
        for (SyncGroupRequestAssignment a : assignments) {
            byMember.put(a.memberId(), a.assignment());
        }
        int generation = group.generationId;
        List<ClassicMember> members = new ArrayList<>();
        for (ClassicGroupMember m : group.members.values()) {
            members.add(new ClassicMember(m.memberId, m.groupInstanceId, m.clientId, m.clientHost,
                    m.rebalanceTimeoutMs, m.sessionTimeoutMs, m.metadata(group.protocolName),
                    byMember.getOrDefault(m.memberId, new byte[0])));
        }
        ClassicGroupMetadata record = new ClassicGroupMetadata(group.groupId, group.protocolType, generation,
                group.protocolName, group.leaderId, runtime.now(), members);
        runtime.write(List.of(record)).whenComplete((v, e) -> {
            if (!group.is(State.COMPLETING_REBALANCE) || group.generationId != generation) {
                return; // the group moved on while the write was in flight; its members were told then
            }
            if (e != null) {
                for (ClassicGroupMember m : group.members.values()) {
                    m.assignment = new byte[0];
                    if (m.awaitingSync != null) {
                        m.awaitingSync.complete(syncError(Errors.COORDINATOR_NOT_AVAILABLE));
                        m.awaitingSync = null;
                    }
                }
                prepareRebalance(group, "the assignment could not be stored");
                return;
            }
            runtime.cancel(syncKey(group));
            group.transitionTo(State.STABLE, runtime.now());
            for (ClassicGroupMember m : group.members.values()) {
                m.assignment = byMember.getOrDefault(m.memberId, new byte[0]);
                if (m.awaitingSync != null) {
                    m.awaitingSync.complete(syncResponse(group, m));
                    m.awaitingSync = null;
                }
            }
        });
    }

    private static SyncGroupResponseData syncResponse(ClassicGroup group, ClassicGroupMember m) {
        return new SyncGroupResponseData().setProtocolType(group.protocolType).setProtocolName(group.protocolName)
                .setAssignment(m.assignment);
    }

    private static SyncGroupResponseData syncError(Errors error) {
        return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0])
                .setProtocolType(null).setProtocolName(null);
    }

    // ---- Heartbeat and leaving -------------------------------------------------------------------------------

    /** Kafka's Heartbeat answer for this member; a live member's session timer restarts. */
    Errors heartbeat(String groupId, String memberId, String groupInstanceId, int generation) {
        ClassicGroup group = get(groupId);
        if (groupId == null || groupId.isEmpty()) {
            return Errors.INVALID_GROUP_ID;
        }
        if (group == null || group.is(State.EMPTY)) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (group.is(State.DEAD)) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        ClassicGroupMember m;
        try {
            m = group.requireMember(memberId, groupInstanceId);
        } catch (ApiException e) {
            return Errors.forException(e);
        }
        if (generation != group.generationId) {
            return Errors.ILLEGAL_GENERATION;
        }
        if (m.awaitingJoin == null) {
            scheduleHeartbeat(group, m);
        }
        return group.is(State.PREPARING_REBALANCE) ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
    }

    /** One member leaving (LeaveGroup): by member id, or by group.instance.id when the member id is unknown. */
    Errors leave(ClassicGroup group, String memberId, String groupInstanceId) {
        if (groupInstanceId != null && (memberId == null || memberId.isEmpty())) {
            memberId = group.staticMembers.get(groupInstanceId);
            if (memberId == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
        }
        if (group.pendingMembers.remove(memberId)) {
            runtime.cancel(pendingKey(group, memberId));
            if (group.is(State.PREPARING_REBALANCE)) {
                tryCompleteJoin(group);
            }
            return Errors.NONE;
        }
        ClassicGroupMember m;
        try {
            m = group.requireMember(memberId, groupInstanceId);
        } catch (ApiException e) {
            return Errors.forException(e);
        }
        removeMemberAndUpdate(group, m, "member " + m.memberId + " left");
        return Errors.NONE;
    }

    private void expire(ClassicGroup group, String memberId) {
        ClassicGroupMember m = group.members.get(memberId);
        if (m != null && groups.get(group.groupId) == group) {
            LOG.info("group {}: member {} missed its session timeout", group.groupId, memberId);
            removeMemberAndUpdate(group, m, "member " + memberId + " timed out");
        }
    }

    private void removeMemberAndUpdate(ClassicGroup group, ClassicGroupMember m, String reason) {
        removeMember(group, m);
        switch (group.state) {
            case STABLE, COMPLETING_REBALANCE -> prepareRebalance(group, reason);
            case PREPARING_REBALANCE -> tryCompleteJoin(group);
            default -> { }
        }
    }

    private void removeMember(ClassicGroup group, ClassicGroupMember m) {
        runtime.cancel(heartbeatKey(group, m.memberId));
        group.members.remove(m.memberId);
        if (m.isStatic() && m.memberId.equals(group.staticMembers.get(m.groupInstanceId))) {
            group.staticMembers.remove(m.groupInstanceId);
        }
        if (m.awaitingJoin != null) {
            m.awaitingJoin.complete(errorResponse(Errors.UNKNOWN_MEMBER_ID, m.memberId));
            m.awaitingJoin = null;
        }
        if (m.awaitingSync != null) {
            m.awaitingSync.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
            m.awaitingSync = null;
        }
        if (m.memberId.equals(group.leaderId)) {
            group.leaderId = group.members.isEmpty() ? null : group.members.keySet().iterator().next();
        }
    }

    private void scheduleHeartbeat(ClassicGroup group, ClassicGroupMember m) {
        String memberId = m.memberId;
        runtime.schedule(heartbeatKey(group, memberId), m.sessionTimeoutMs, () -> expire(group, memberId));
    }

    /** Dropping a whole group (DeleteGroups, or its offsets all expired while empty). */
    void forget(ClassicGroup group) {
        group.transitionTo(State.DEAD, runtime.now());
        groups.remove(group.groupId);
    }

    private static String heartbeatKey(ClassicGroup g, String memberId) {
        return "heartbeat|" + g.groupId + "|" + memberId;
    }

    private static String pendingKey(ClassicGroup g, String memberId) {
        return "pending|" + g.groupId + "|" + memberId;
    }

    private static String joinKey(ClassicGroup g) {
        return "join|" + g.groupId;
    }

    private static String syncKey(ClassicGroup g) {
        return "sync|" + g.groupId;
    }

    // ---- log -------------------------------------------------------------------------------------------------

    @Override
    public void replay(CoordinatorRecord record) {
        if (record instanceof ClassicGroupMetadata m) {
            groups.put(m.group(), ClassicGroup.fromRecord(m));
        } else if (record instanceof CoordinatorRecord.GroupTombstone t) {
            groups.remove(t.group());
        }
    }

    @Override
    public void loaded() {
        // Members loaded from the log have a session from now on to show they are still there.
        for (Group g : groups.values()) {
            if (g instanceof ClassicGroup c) {
                for (ClassicGroupMember m : c.members.values()) {
                    scheduleHeartbeat(c, m);
                }
            }
        }
    }

    @Override
    public void snapshot(List<CoordinatorRecord> out) {
        for (Group g : groups.values()) {
            if (g instanceof ClassicGroup c && (!c.members.isEmpty() || c.generationId > 0)) {
                out.add(c.toRecord());
            }
        }
    }
}
