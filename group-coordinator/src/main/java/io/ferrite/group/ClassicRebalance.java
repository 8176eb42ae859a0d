package io.ferrite.group;

import io.ferrite.coordinator.CoordinatorRuntime;
import io.ferrite.group.ClassicGroup.State;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.protocol.Errors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The classic group's rebalance state machine and its timers, as Kafka's coordinator runs them: the join
 * phase (with the initial delay of a new group and the rebalance timeout), the next generation, the wait
 * for SyncGroup from every member, and the session timeouts that remove members. The request flows in
 * {@link ClassicGroups} drive it. Coordinator thread only.
 *
 * <p>Timers are keyed per group (join, sync) and per member (heartbeat, also used for a pending member's
 * wait), and each checks on firing that its group is still the live one, so a deleted group's timers are
 * harmless.
 */
final class ClassicRebalance {
    private static final Logger LOG = LogManager.getLogger(ClassicRebalance.class);

    private final Map<String, Group> groups;
    private final CoordinatorRuntime<GroupRecord> runtime;
    private final GroupConfig config;

    ClassicRebalance(Map<String, Group> groups, CoordinatorRuntime<GroupRecord> runtime, GroupConfig config) {
        this.groups = groups;
        this.runtime = runtime;
        this.config = config;
    }

    /** Starts a rebalance if the group may start one, else tries to end the one under way. */
    void maybePrepareRebalanceOrCompleteJoin(ClassicGroup group, String reason) {
        if (group.is(State.STABLE) || group.is(State.COMPLETING_REBALANCE) || group.is(State.EMPTY)) {
            prepareRebalance(group, reason);
        } else {
            maybeCompleteJoinPhase(group);
        }
    }

    /**
     * Enters PreparingRebalance. Members waiting for an assignment are told to rejoin. A group that was Empty
     * waits {@code group.initial.rebalance.delay.ms} (longer while members keep coming); any other waits for
     * every member to rejoin, at most the longest rebalance timeout.
     */
    void prepareRebalance(ClassicGroup group, String reason) {
        if (group.is(State.COMPLETING_REBALANCE)) {
            resetAssignments(group, Errors.REBALANCE_IN_PROGRESS);
        }
        runtime.cancel(syncKey(group));
        boolean initial = group.is(State.EMPTY);
        LOG.info("group {} rebalances (generation {}): {}", group.groupId, group.generationId, reason);
        group.transitionTo(State.PREPARING_REBALANCE, runtime.now());
        group.initialDelayRunning = initial;
        if (initial) {
            int delay = config.initialRebalanceDelayMs();
            int remaining = Math.max(group.maxRebalanceTimeoutMs() - delay, 0);
            group.newMemberAdded = false;
            runtime.schedule(joinKey(group), delay, () -> initialDelayOver(group, delay, remaining));
        } else if (group.allMembersJoined()) {
            completeJoin(group);
        } else {
            runtime.schedule(joinKey(group), group.maxRebalanceTimeoutMs(), () -> completeJoin(group));
        }
    }

    /** The initial delay waits once more whenever a member came during it, while the rebalance timeout allows. */
    private void initialDelayOver(ClassicGroup group, int delay, int remaining) {
        if (!live(group)) {
            return;
        }
        if (group.newMemberAdded && remaining != 0) {
            group.newMemberAdded = false;
            int next = Math.min(config.initialRebalanceDelayMs(), remaining);
            int left = Math.max(remaining - delay, 0);
            runtime.schedule(joinKey(group), next, () -> initialDelayOver(group, next, left));
            return;
        }
        completeJoin(group);
    }

    /** Ends the join phase early once everyone has rejoined; never during a new group's initial delay. */
    void maybeCompleteJoinPhase(ClassicGroup group) {
        if (group.is(State.PREPARING_REBALANCE) && !group.initialDelayRunning && group.allMembersJoined()) {
            completeJoin(group);
        }
    }

    /** Ends the join phase: who has not rejoined is out, a new generation starts, the leader gets the members. */
    void completeJoin(ClassicGroup group) {
        if (!live(group) || !group.is(State.PREPARING_REBALANCE)) {
            return;
        }
        runtime.cancel(joinKey(group));
        for (ClassicGroupMember m : new ArrayList<>(group.members.values())) {
            if (m.awaitingJoin == null && !m.isStatic()) {
                removeMember(group, m); // static members keep their place for their session timeout
            }
        }
        if (!group.members.isEmpty() && !group.electJoinedLeader()) {
            // Nobody rejoined: wait another rebalance timeout, while session timeouts clear out who is gone.
            LOG.warn("group {} could not complete its rebalance: no member rejoined", group.groupId);
            runtime.schedule(joinKey(group), group.maxRebalanceTimeoutMs(), () -> completeJoin(group));
            return;
        }
        group.initialDelayRunning = false;
        group.initNextGeneration(runtime.now());
        if (group.is(State.EMPTY)) {
            group.leaderId = null;
            LOG.info("group {} is empty at generation {}", group.groupId, group.generationId);
            runtime.write(List.of(group.store(group.toRecord())));
            return;
        }
        LOG.info("group {} has generation {} with {} members", group.groupId, group.generationId,
                group.members.size());
        for (ClassicGroupMember m : group.members.values()) {
            if (m.awaitingJoin != null) {
                m.awaitingJoin.complete(ClassicResponses.join(group, m));
                m.awaitingJoin = null;
            }
            m.isNew = false;
            scheduleHeartbeat(group, m, m.sessionTimeoutMs);
            group.pendingSync.add(m.memberId);
        }
        int generation = group.generationId;
        runtime.schedule(syncKey(group), group.maxRebalanceTimeoutMs(), () -> expirePendingSync(group, generation));
    }

    /**
     * The sync wait of a generation is over: members that never sent SyncGroup are out (even once the group is
     * Stable, as in Kafka), and the rest rebalance without them.
     */
    private void expirePendingSync(ClassicGroup group, int generation) {
        if (!live(group) || group.generationId != generation || group.pendingSync.isEmpty()
                || !(group.is(State.COMPLETING_REBALANCE) || group.is(State.STABLE))) {
            return;
        }
        List<String> late = new ArrayList<>(group.pendingSync);
        for (String id : late) {
            ClassicGroupMember m = group.members.get(id);
            if (m != null) {
                removeMember(group, m);
            }
        }
        prepareRebalance(group, "members " + late + " did not send SyncGroup in time");
    }

    /** Drops every member's assignment and answers their waiting SyncGroup with {@code error}. */
    void resetAssignments(ClassicGroup group, Errors error) {
        for (ClassicGroupMember m : group.members.values()) {
            m.assignment = new byte[0];
            if (m.awaitingSync != null) {
                m.awaitingSync.complete(ClassicResponses.syncError(error));
                m.awaitingSync = null;
            }
        }
    }

    /** (Re)starts the member's session timer; a pending member's wait for its second JoinGroup uses it too. */
    void scheduleHeartbeat(ClassicGroup group, String memberId, int timeoutMs) {
        runtime.schedule(heartbeatKey(group, memberId), timeoutMs, () -> heartbeatExpired(group, memberId));
    }

    void scheduleHeartbeat(ClassicGroup group, ClassicGroupMember m, int timeoutMs) {
        scheduleHeartbeat(group, m.memberId, timeoutMs);
    }

    private void heartbeatExpired(ClassicGroup group, String memberId) {
        if (!live(group)) {
            return;
        }
        if (group.pendingMembers.remove(memberId)) {
            LOG.info("group {}: pending member {} did not join in time", group.groupId, memberId);
            if (group.is(State.PREPARING_REBALANCE) && group.allMembersJoined()) {
                completeJoin(group);
            }
            return;
        }
        ClassicGroupMember m = group.members.get(memberId);
        if (m == null) {
            return;
        }
        if (m.hasSatisfiedHeartbeat()) {
            scheduleHeartbeat(group, m, m.sessionTimeoutMs); // checked again once the rebalance is over
            return;
        }
        LOG.info("group {}: member {} missed its session timeout", group.groupId, memberId);
        removeMember(group, m);
        if (group.is(State.STABLE) || group.is(State.COMPLETING_REBALANCE)) {
            maybePrepareRebalanceOrCompleteJoin(group, "member " + memberId + " timed out");
        } else if (group.is(State.PREPARING_REBALANCE) && group.allMembersJoined()) {
            completeJoin(group);
        }
    }

    /** Takes the member out, answering what it still waits for with UNKNOWN_MEMBER_ID so a live client rejoins. */
    void removeMember(ClassicGroup group, ClassicGroupMember m) {
        runtime.cancel(heartbeatKey(group, m.memberId));
        group.members.remove(m.memberId);
        group.pendingSync.remove(m.memberId);
        if (m.isStatic() && m.memberId.equals(group.staticMembers.get(m.groupInstanceId))) {
            group.staticMembers.remove(m.groupInstanceId);
        }
        if (m.awaitingJoin != null) {
            m.awaitingJoin.complete(ClassicResponses.joinError(Errors.UNKNOWN_MEMBER_ID, ""));
            m.awaitingJoin = null;
        }
        if (m.awaitingSync != null) {
            m.awaitingSync.complete(ClassicResponses.syncError(Errors.UNKNOWN_MEMBER_ID));
            m.awaitingSync = null;
        }
        if (m.memberId.equals(group.leaderId)) {
            group.leaderId = group.members.isEmpty() ? null : group.members.keySet().iterator().next();
        }
    }

    /** Stops every timer of a group that is going away. */
    void cancelTimers(ClassicGroup group) {
        runtime.cancel(joinKey(group));
        runtime.cancel(syncKey(group));
        for (String id : group.members.keySet()) {
            runtime.cancel(heartbeatKey(group, id));
        }
        for (String id : group.pendingMembers) {
            runtime.cancel(heartbeatKey(group, id));
        }
    }

    /** Whether the group is still the one registered under its id: timers of a deleted group do nothing. */
    private boolean live(ClassicGroup group) {
        return groups.get(group.groupId) == group && !group.is(State.DEAD);
    }

    static String heartbeatKey(ClassicGroup g, String memberId) {
        return "heartbeat|" + g.groupId + "|" + memberId;
    }

    private static String joinKey(ClassicGroup g) {
        return "join|" + g.groupId;
    }

    private static String syncKey(ClassicGroup g) {
        return "sync|" + g.groupId;
    }
}
