package io.ferrite.group;

import io.ferrite.coordinator.CoordinatorRuntime;
import io.ferrite.coordinator.CoordinatorState;
import io.ferrite.group.ClassicGroup.State;
import io.ferrite.group.GroupRecord.ClassicGroupMetadata;
import io.ferrite.group.GroupRecord.ClassicMember;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The classic protocol's requests, as Kafka's coordinator answers them: JoinGroup (member-id-required from
 * v4, static members, {@code group.max.size}), SyncGroup (the leader's assignment is written to the log
 * before anyone gets it), Heartbeat and LeaveGroup. The state machine they drive is {@link ClassicRebalance}.
 * Assignment is the clients' business; the coordinator only relays it. Coordinator thread only.
 */
final class ClassicGroups implements CoordinatorState<GroupRecord> {
    private static final Logger LOG = LogManager.getLogger(ClassicGroups.class);

    private final Map<String, Group> groups;
    private final CoordinatorRuntime<GroupRecord> runtime;
    private final GroupConfig config;
    private final ClassicRebalance rebalance;

    ClassicGroups(Map<String, Group> groups, CoordinatorRuntime<GroupRecord> runtime, GroupConfig config) {
        this.groups = groups;
        this.runtime = runtime;
        this.config = config;
        this.rebalance = new ClassicRebalance(groups, runtime, config);
    }

    /** {@code group.max.size}. */
    int maxSize() {
        return config.maxSize();
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

    /** What a JoinGroup says about the member. */
    private record Joining(String groupInstanceId, String clientId, String clientHost, int rebalanceTimeoutMs,
                           int sessionTimeoutMs, String protocolType, Map<String, byte[]> protocols, short version) {
    }

    CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData req, short version, String clientId,
                                                  String clientHost) {
        String memberId = req.memberId() == null ? "" : req.memberId();
        if (req.groupId() == null || req.groupId().isEmpty()) {
            return joinError(Errors.INVALID_GROUP_ID, memberId);
        }
        if (req.sessionTimeoutMs() < config.minSessionTimeoutMs()
                || req.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
            return joinError(Errors.INVALID_SESSION_TIMEOUT, memberId);
        }
        boolean unknown = memberId.isEmpty();
        boolean created = !groups.containsKey(req.groupId());
        ClassicGroup group = unknown ? getOrCreate(req.groupId()) : get(req.groupId());
        if (group == null) {
            return joinError(groups.containsKey(req.groupId()) ? Errors.INCONSISTENT_GROUP_PROTOCOL
                    : Errors.UNKNOWN_MEMBER_ID, memberId);
        }
        Map<String, byte[]> protocols = new LinkedHashMap<>();
        for (JoinGroupRequestProtocol p : req.protocols()) {
            protocols.putIfAbsent(p.name(), p.metadata());
        }
        Errors refused = Errors.NONE;
        if (!group.admits(memberId, config.maxSize())) {
            dropOnRefusal(group, memberId);
            refused = Errors.GROUP_MAX_SIZE_REACHED;
            memberId = "";
        } else if (group.is(State.DEAD)) {
            refused = Errors.COORDINATOR_NOT_AVAILABLE;
        } else if (!group.supports(req.protocolType(), protocols.keySet())) {
            refused = Errors.INCONSISTENT_GROUP_PROTOCOL;
        }
        if (refused != Errors.NONE) {
            if (created && group.isEmpty() && group.pendingMembers.isEmpty()) {
                groups.remove(group.groupId); // nothing of the refused join remains
            }
            return joinError(refused, memberId);
        }
        int rebalanceTimeout = req.rebalanceTimeoutMs() < 0 ? req.sessionTimeoutMs() : req.rebalanceTimeoutMs();
        Joining joining = new Joining(req.groupInstanceId(), clientId, clientHost, rebalanceTimeout,
                req.sessionTimeoutMs(), req.protocolType(), protocols, version);
        CompletableFuture<JoinGroupResponseData> answer = new CompletableFuture<>();
        if (unknown) {
            joinNew(group, joining, answer);
        } else {
            joinExisting(group, memberId, joining, answer);
        }
        return answer;
    }

    /** A join turned away by {@code group.max.size} also takes the member (or pending member) out, as in Kafka. */
    private void dropOnRefusal(ClassicGroup group, String memberId) {
        if (group.pendingMembers.remove(memberId)) {
            runtime.cancel(ClassicRebalance.heartbeatKey(group, memberId));
        }
        ClassicGroupMember m = group.members.get(memberId);
        if (m != null) {
            rebalance.removeMember(group, m);
        }
    }

    private void joinNew(ClassicGroup group, Joining joining, CompletableFuture<JoinGroupResponseData> answer) {
        String instanceId = joining.groupInstanceId();
        if (instanceId != null) {
            String existing = group.staticMembers.get(instanceId);
            String newId = newMemberId(instanceId);
            if (existing == null) {
                addMemberAndRebalance(group, newId, joining, answer);
            } else {
                rejoinStatic(group, group.members.get(existing), newId, joining, answer);
            }
            return;
        }
        String memberId = newMemberId(joining.clientId());
        if (joining.version() >= 4) {
            // The client must come back with this id; until then it only holds a place for a session timeout.
            group.pendingMembers.add(memberId);
            rebalance.scheduleHeartbeat(group, memberId, joining.sessionTimeoutMs());
            answer.complete(ClassicResponses.joinError(Errors.MEMBER_ID_REQUIRED, memberId));
            return;
        }
        addMemberAndRebalance(group, memberId, joining, answer);
    }

    private void joinExisting(ClassicGroup group, String memberId, Joining joining,
                              CompletableFuture<JoinGroupResponseData> answer) {
        if (group.pendingMembers.remove(memberId)) {
            addMemberAndRebalance(group, memberId, joining, answer);
            return;
        }
        ClassicGroupMember member;
        try {
            member = group.requireMember(memberId, joining.groupInstanceId());
        } catch (ApiException e) {
            answer.complete(ClassicResponses.joinError(Errors.forException(e), memberId));
            return;
        }
        boolean same = member.sameProtocols(joining.protocols());
        switch (group.state) {
            case PREPARING_REBALANCE -> updateMemberAndRebalance(group, member, joining, answer);
            case COMPLETING_REBALANCE -> {
                if (same) {
                    answer.complete(ClassicResponses.join(group, member)); // a retried join of this generation
                } else {
                    updateMemberAndRebalance(group, member, joining, answer);
                }
            }
            case STABLE -> {
                // The leader's join always rebalances: it may have seen a change that alters no member's metadata.
                if (member.memberId.equals(group.leaderId) || !same) {
                    updateMemberAndRebalance(group, member, joining, answer);
                } else {
                    answer.complete(ClassicResponses.joinAs(group, member, group.leaderId, false));
                }
            }
            default -> answer.complete(ClassicResponses.joinError(Errors.UNKNOWN_MEMBER_ID, memberId));
        }
    }

    private void addMemberAndRebalance(ClassicGroup group, String memberId, Joining joining,
                                       CompletableFuture<JoinGroupResponseData> answer) {
        ClassicGroupMember m = new ClassicGroupMember(memberId, joining.groupInstanceId(), joining.clientId(),
                joining.clientHost(), joining.rebalanceTimeoutMs(), joining.sessionTimeoutMs(), joining.protocols());
        m.awaitingJoin = answer;
        m.isNew = true;
        if (group.is(State.PREPARING_REBALANCE) && group.initialDelayRunning) {
            group.newMemberAdded = true;
        }
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
        // A new member cannot heartbeat while its join waits; if it never comes back it goes after this long.
        rebalance.scheduleHeartbeat(group, m, config.newMemberJoinTimeoutMs());
        rebalance.maybePrepareRebalanceOrCompleteJoin(group, "member " + memberId + " joined");
    }

    private void updateMemberAndRebalance(ClassicGroup group, ClassicGroupMember m, Joining joining,
                                          CompletableFuture<JoinGroupResponseData> answer) {
        update(m, joining.protocols(), joining.rebalanceTimeoutMs(), joining.sessionTimeoutMs(), answer);
        rebalance.maybePrepareRebalanceOrCompleteJoin(group, "member " + m.memberId + " rejoined");
    }

    private static void update(ClassicGroupMember m, Map<String, byte[]> protocols, int rebalanceTimeoutMs,
                               int sessionTimeoutMs, CompletableFuture<JoinGroupResponseData> answer) {
        m.protocols = new LinkedHashMap<>(protocols);
        m.rebalanceTimeoutMs = rebalanceTimeoutMs;
        m.sessionTimeoutMs = sessionTimeoutMs;
        if (m.awaitingJoin != null && m.awaitingJoin != answer) {
            m.awaitingJoin.complete(ClassicResponses.joinError(Errors.REBALANCE_IN_PROGRESS, m.memberId));
        }
        m.awaitingJoin = answer;
    }

    /**
     * A static member back under a new member id: the old id is fenced and the assignment carries over. In a
     * Stable group whose protocol stays the same, nothing is rebalanced: the new id is written to the log and the
     * member goes on with its assignment (Kafka's promise for a restart within the session timeout).
     */
    private void rejoinStatic(ClassicGroup group, ClassicGroupMember old, String newId, Joining joining,
                              CompletableFuture<JoinGroupResponseData> answer) {
        String previousLeader = group.leaderId;
        ClassicGroupMember replacement = replaceStatic(group, old, newId);
        rebalance.scheduleHeartbeat(group, replacement, replacement.sessionTimeoutMs);
        Map<String, byte[]> oldProtocols = replacement.protocols;
        int oldRebalanceTimeout = replacement.rebalanceTimeoutMs;
        int oldSessionTimeout = replacement.sessionTimeoutMs;
        update(replacement, joining.protocols(), joining.rebalanceTimeoutMs(), joining.sessionTimeoutMs(), answer);
        switch (group.state) {
            case STABLE -> {
                if (!String.valueOf(group.protocolName).equals(group.selectProtocol())) {
                    rebalance.maybePrepareRebalanceOrCompleteJoin(group, "static member " + newId
                            + " changes the group's protocol");
                    return;
                }
                int generation = group.generationId;
                runtime.write(List.of(group.store(group.toRecord()))).whenComplete((v, e) -> {
                    replacement.awaitingJoin = null;
                    if (e != null) {
                        update(replacement, oldProtocols, oldRebalanceTimeout, oldSessionTimeout, null);
                        if (group.members.containsKey(newId)) {
                            rebalance.scheduleHeartbeat(group, replaceStatic(group, replacement, old.memberId),
                                    oldSessionTimeout);
                        }
                        answer.complete(ClassicResponses.joinError(Errors.UNKNOWN_SERVER_ERROR, ""));
                    } else if (joining.version() >= 9) {
                        boolean leader = newId.equals(group.leaderId);
                        answer.complete(ClassicResponses.joinAs(group, replacement, group.leaderId, leader)
                                .setGenerationId(generation).setSkipAssignment(leader));
                    } else {
                        // Naming the old leader id keeps a rejoining leader from assigning: a Stable group would
                        // not pass its new assignment on.
                        answer.complete(ClassicResponses.joinAs(group, replacement, previousLeader, false)
                                .setGenerationId(generation));
                    }
                });
            }
            // The leader may already be assigning with the old id; only a new rebalance gives the new id a share.
            case COMPLETING_REBALANCE -> rebalance.prepareRebalance(group, "static member " + newId + " rejoined");
            default -> rebalance.maybeCompleteJoinPhase(group);
        }
    }

    /** Puts a copy of {@code old} under {@code newId} in its place, fencing what the old id still waits for. */
    private ClassicGroupMember replaceStatic(ClassicGroup group, ClassicGroupMember old, String newId) {
        ClassicGroupMember replacement = new ClassicGroupMember(newId, old.groupInstanceId, old.clientId,
                old.clientHost, old.rebalanceTimeoutMs, old.sessionTimeoutMs, old.protocols);
        replacement.assignment = old.assignment;
        if (old.awaitingJoin != null) {
            old.awaitingJoin.complete(ClassicResponses.joinError(Errors.FENCED_INSTANCE_ID, old.memberId));
            old.awaitingJoin = null;
        }
        if (old.awaitingSync != null) {
            old.awaitingSync.complete(ClassicResponses.syncError(Errors.FENCED_INSTANCE_ID));
            old.awaitingSync = null;
        }
        runtime.cancel(ClassicRebalance.heartbeatKey(group, old.memberId));
        Map<String, ClassicGroupMember> reordered = new LinkedHashMap<>();
        group.members.forEach((id, m) -> reordered.put(id.equals(old.memberId) ? newId : id,
                id.equals(old.memberId) ? replacement : m));
        group.members.clear();
        group.members.putAll(reordered);
        group.staticMembers.put(old.groupInstanceId, newId);
        if (group.pendingSync.remove(old.memberId)) {
            group.pendingSync.add(newId);
        }
        if (old.memberId.equals(group.leaderId)) {
            group.leaderId = newId;
        }
        return replacement;
    }

    private static CompletableFuture<JoinGroupResponseData> joinError(Errors error, String memberId) {
        return CompletableFuture.completedFuture(ClassicResponses.joinError(error, memberId));
    }

    private static String newMemberId(String prefix) {
        return (prefix == null ? "" : prefix) + "-" + UUID.randomUUID();
    }

    // ---- SyncGroup -------------------------------------------------------------------------------------------

    CompletableFuture<SyncGroupResponseData> sync(SyncGroupRequestData req) {
        if (req.groupId() == null || req.groupId().isEmpty()) {
            return syncError(Errors.INVALID_GROUP_ID);
        }
        ClassicGroup group = get(req.groupId());
        if (group == null || group.is(State.EMPTY)) {
            return syncError(Errors.UNKNOWN_MEMBER_ID);
        }
        if (group.is(State.DEAD)) {
            return syncError(Errors.COORDINATOR_NOT_AVAILABLE);
        }
        ClassicGroupMember member;
        try {
            member = group.requireMember(req.memberId(), req.groupInstanceId());
        } catch (ApiException e) {
            return syncError(Errors.forException(e));
        }
        if (req.generationId() != group.generationId) {
            return syncError(Errors.ILLEGAL_GENERATION);
        }
        if (inconsistent(req.protocolType(), group.protocolType)
                || inconsistent(req.protocolName(), group.protocolName)) {
            return syncError(Errors.INCONSISTENT_GROUP_PROTOCOL);
        }
        if (group.is(State.PREPARING_REBALANCE)) {
            return syncError(Errors.REBALANCE_IN_PROGRESS);
        }
        group.pendingSync.remove(member.memberId);
        rebalance.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
        if (group.is(State.STABLE)) {
            return CompletableFuture.completedFuture(ClassicResponses.sync(group, member));
        }
        CompletableFuture<SyncGroupResponseData> answer = new CompletableFuture<>();
        if (member.awaitingSync != null) {
            member.awaitingSync.complete(ClassicResponses.syncError(Errors.REBALANCE_IN_PROGRESS)); // superseded
        }
        member.awaitingSync = answer;
        if (member.memberId.equals(group.leaderId)) {
            storeAssignment(group, req.assignments());
        }
        return answer;
    }

    private static boolean inconsistent(String asked, String actual) {
        return asked != null && actual != null && !asked.equals(actual);
    }

    private static CompletableFuture<SyncGroupResponseData> syncError(Errors error) {
        return CompletableFuture.completedFuture(ClassicResponses.syncError(error));
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
        runtime.write(List.of(group.store(record))).whenComplete((v, e) -> {
            if (!group.is(State.COMPLETING_REBALANCE) || group.generationId != generation
                    || groups.get(group.groupId) != group) {
                return; // the group moved on while the write was in flight; its members were told then
            }
            if (e != null) {
                LOG.warn("group {}: the assignment of generation {} could not be stored", group.groupId,
                        generation, e);
                rebalance.resetAssignments(group, Errors.COORDINATOR_NOT_AVAILABLE);
                rebalance.maybePrepareRebalanceOrCompleteJoin(group, "the assignment could not be stored");
                return;
            }
            group.transitionTo(State.STABLE, runtime.now());
            for (ClassicGroupMember m : group.members.values()) {
                m.assignment = byMember.getOrDefault(m.memberId, new byte[0]);
                if (m.awaitingSync != null) {
                    m.awaitingSync.complete(ClassicResponses.sync(group, m));
                    m.awaitingSync = null;
                }
            }
        });
    }

    // ---- Heartbeat, offset commits and leaving ---------------------------------------------------------------

    /** Kafka's Heartbeat answer for this member; a live member's session timer restarts. */
    Errors heartbeat(String groupId, String memberId, String groupInstanceId, int generation) {
        if (groupId == null || groupId.isEmpty()) {
            return Errors.INVALID_GROUP_ID;
        }
        ClassicGroup group = get(groupId);
        if (group == null) {
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
        rebalance.scheduleHeartbeat(group, m, m.sessionTimeoutMs);
        return group.is(State.PREPARING_REBALANCE) ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
    }

    /** An accepted offset commit keeps the committing member's session alive, in Stable and PreparingRebalance. */
    void committed(ClassicGroup group, String memberId) {
        ClassicGroupMember m = group.members.get(memberId);
        if (m != null && (group.is(State.STABLE) || group.is(State.PREPARING_REBALANCE))) {
            rebalance.scheduleHeartbeat(group, m, m.sessionTimeoutMs);
        }
    }

    /**
     * LeaveGroup of a batch of members, each answered on its own; one rebalance follows for all of them. A
     * member may be named by group.instance.id alone (an administrator removing a static member).
     */
    List<MemberResponse> leave(ClassicGroup group, List<MemberIdentity> leaving) {
        List<MemberResponse> out = new ArrayList<>();
        boolean anyLeft = false;
        for (MemberIdentity who : leaving) {
            Errors error = leaveOne(group, who.memberId() == null ? "" : who.memberId(), who.groupInstanceId());
            anyLeft |= error == Errors.NONE;
            out.add(new MemberResponse().setMemberId(who.memberId()).setGroupInstanceId(who.groupInstanceId())
                    .setErrorCode(error.code()));
        }
        if (anyLeft) {
            switch (group.state) {
                case STABLE, COMPLETING_REBALANCE -> rebalance.maybePrepareRebalanceOrCompleteJoin(group,
                        "members left the group");
                case PREPARING_REBALANCE -> rebalance.maybeCompleteJoinPhase(group);
                default -> { }
            }
        }
        return out;
    }

    private Errors leaveOne(ClassicGroup group, String memberId, String groupInstanceId) {
        if (memberId.isEmpty()) {
            String current = groupInstanceId == null ? null : group.staticMembers.get(groupInstanceId);
            if (current == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            rebalance.removeMember(group, group.members.get(current));
            return Errors.NONE;
        }
        if (group.pendingMembers.remove(memberId)) {
            runtime.cancel(ClassicRebalance.heartbeatKey(group, memberId));
            return Errors.NONE;
        }
        try {
            rebalance.removeMember(group, group.requireMember(memberId, groupInstanceId));
            return Errors.NONE;
        } catch (ApiException e) {
            return Errors.forException(e);
        }
    }

    /**
     * The group becomes a consumer group ({@link GroupConversions}): whoever waits in its rebalance is told
     * REBALANCE_IN_PROGRESS, to rejoin the group it has become, and its timers stop. Its offsets stay.
     */
    void retire(ClassicGroup group) {
        for (ClassicGroupMember m : group.members.values()) {
            if (m.awaitingJoin != null) {
                m.awaitingJoin.complete(ClassicResponses.joinError(Errors.REBALANCE_IN_PROGRESS, m.memberId));
                m.awaitingJoin = null;
            }
            if (m.awaitingSync != null) {
                m.awaitingSync.complete(ClassicResponses.syncError(Errors.REBALANCE_IN_PROGRESS));
                m.awaitingSync = null;
            }
        }
        rebalance.cancelTimers(group);
        group.transitionTo(State.DEAD, runtime.now());
        groups.remove(group.groupId, group);
    }

    /**
     * A consumer group that has just become this classic group: its members' sessions start, and a rebalance
     * hands them an assignment of their own leader's making.
     */
    void adopt(ClassicGroup group, String reason) {
        groups.put(group.groupId, group);
        for (ClassicGroupMember m : group.members.values()) {
            rebalance.scheduleHeartbeat(group, m, m.sessionTimeoutMs);
        }
        rebalance.prepareRebalance(group, reason);
    }

    /** Dropping a whole group (DeleteGroups, or its offsets all expired while empty). */
    void forget(ClassicGroup group) {
        rebalance.cancelTimers(group);
        group.transitionTo(State.DEAD, runtime.now());
        groups.remove(group.groupId);
    }

    // ---- log -------------------------------------------------------------------------------------------------

    @Override
    public void replay(GroupRecord record) {
        if (record instanceof ClassicGroupMetadata m) {
            groups.put(m.group(), ClassicGroup.fromRecord(m));
        } else if (record instanceof GroupRecord.GroupTombstone t) {
            groups.remove(t.group());
        }
    }

    /**
     * Members waiting for a join or sync answer get NOT_COORDINATOR, as when Kafka unloads a coordinator: they
     * find the coordinator again and rejoin the group as the log has it.
     */
    @Override
    public void unload() {
        for (Group g : List.copyOf(groups.values())) {
            if (g instanceof ClassicGroup c) {
                for (ClassicGroupMember m : c.members.values()) {
                    if (m.awaitingJoin != null) {
                        m.awaitingJoin.complete(ClassicResponses.joinError(Errors.NOT_COORDINATOR, m.memberId));
                        m.awaitingJoin = null;
                    }
                    if (m.awaitingSync != null) {
                        m.awaitingSync.complete(ClassicResponses.syncError(Errors.NOT_COORDINATOR));
                        m.awaitingSync = null;
                    }
                }
                c.transitionTo(State.DEAD, runtime.now());
                groups.remove(c.groupId);
            }
        }
    }

    @Override
    public void loaded() {
        // Members loaded from the log have a session from now on to show they are still there.
        for (Group g : groups.values()) {
            if (g instanceof ClassicGroup c) {
                for (ClassicGroupMember m : c.members.values()) {
                    rebalance.scheduleHeartbeat(c, m, m.sessionTimeoutMs);
                }
            }
        }
    }

    @Override
    public void snapshot(List<GroupRecord> out) {
        for (Group g : groups.values()) {
            if (g instanceof ClassicGroup c && c.stored != null) {
                out.add(c.stored); // mid-rebalance state is not durable: a replay brings back the last record
            }
        }
    }
}
