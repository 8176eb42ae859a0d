package io.ferrite.server;

import static io.ferrite.server.GroupWire.assign;
import static io.ferrite.server.GroupWire.joinRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.storage.MutableClock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The classic protocol's timeouts and offset expiry, on a clock moved by hand: each step moves the clock and
 * runs the coordinator's due timers, then checks what members see on the wire.
 */
@Timeout(60)
class ClassicGroupTimersTest {
    private static final int SESSION = 10_000;
    private static final int REBALANCE = 20_000;
    private static final int DELAY = 3_000;

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private Handlers handlers;
    private final List<GroupWire> connections = new ArrayList<>();
    /** A client that never waits in a rebalance, to look at groups while others wait. */
    private GroupWire observer;

    @BeforeEach
    void start() throws Exception {
        handlers = Handlers.open(dir, Map.of("group.initial.rebalance.delay.ms", Integer.toString(DELAY),
                "group.min.session.timeout.ms", "1000", "offsets.retention.minutes", "1",
                "offsets.retention.check.interval.ms", "1000"), clock);
        observer = connect();
        observer.createTopic("t", 2);
        observer.createTopic("other", 1);
    }

    @AfterEach
    void stop() throws Exception {
        for (GroupWire c : connections) {
            c.close();
        }
        handlers.close();
    }

    private GroupWire connect() throws Exception {
        GroupWire c = new GroupWire(handlers);
        connections.add(c);
        return c;
    }

    /** Moves the clock and runs what fell due. */
    private void advance(long ms) throws Exception {
        clock.advance(ms);
        handlers.groupCoordinator().runDueTimers().get(10, TimeUnit.SECONDS);
    }

    /** Members on their own connections joining a new group together: after the initial delay, one generation. */
    private List<JoinGroupResponseData> joinTogether(String group, int session, int rebalance, GroupWire... members)
            throws Exception {
        List<Integer> pending = new ArrayList<>();
        for (GroupWire m : members) {
            JoinGroupResponseData id = m.join((short) 9, joinRequest(group, "", null, session, rebalance, "t"));
            pending.add(m.send(ApiKeys.JOIN_GROUP, (short) 9, joinRequest(group, id.memberId(), null, session,
                    rebalance, "t")));
        }
        awaitState(group, "PreparingRebalance", members.length);
        advance(DELAY);
        if (members.length > 1) {
            advance(DELAY); // the later members came during the delay, which then runs once more
        }
        List<JoinGroupResponseData> out = new ArrayList<>();
        for (int i = 0; i < members.length; i++) {
            out.add(new JoinGroupResponseData(members[i].await(ApiKeys.JOIN_GROUP, (short) 9, pending.get(i)),
                    (short) 9));
        }
        return out;
    }

    /** Waits (in real time) until the group is in {@code state} with {@code members} members, as requests land. */
    private void awaitState(String group, String state, int members) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            var d = new org.apache.kafka.common.message.DescribeGroupsResponseData(observer.call(ApiKeys.DESCRIBE_GROUPS,
                    (short) 5, new org.apache.kafka.common.message.DescribeGroupsRequestData()
                            .setGroups(List.of(group))), (short) 5).groups().get(0);
            if (d.groupState().equals(state) && d.members().size() == members) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError(group + " never reached " + state + " with " + members + " members");
    }

    /** Two members, synced and Stable at generation 1; a is the leader. */
    private List<JoinGroupResponseData> stablePair(String group, int session, GroupWire a, GroupWire b)
            throws Exception {
        List<JoinGroupResponseData> joined = joinTogether(group, session, REBALANCE, a, b);
        JoinGroupResponseData leader = joined.get(0).memberId().equals(joined.get(0).leader()) ? joined.get(0)
                : joined.get(1);
        GroupWire leaderWire = leader == joined.get(0) ? a : b;
        GroupWire followerWire = leaderWire == a ? b : a;
        JoinGroupResponseData follower = leader == joined.get(0) ? joined.get(1) : joined.get(0);
        int pending = followerWire.send(ApiKeys.SYNC_GROUP, (short) 5, syncRequest(group, follower));
        assertEquals(0, leaderWire.sync(group, leader.memberId(), 1, List.of(assign(leader.memberId(), new byte[] {1}),
                assign(follower.memberId(), new byte[] {2}))).errorCode());
        followerWire.await(ApiKeys.SYNC_GROUP, (short) 5, pending);
        assertEquals("Stable", observer.state(group));
        return leaderWire == a ? List.of(leader, follower) : List.of(follower, leader);
    }

    private static org.apache.kafka.common.message.SyncGroupRequestData syncRequest(String group,
                                                                                    JoinGroupResponseData m) {
        return new org.apache.kafka.common.message.SyncGroupRequestData().setGroupId(group).setMemberId(m.memberId())
                .setGenerationId(m.generationId()).setProtocolType(GroupWire.TYPE).setProtocolName(GroupWire.PROTOCOL);
    }

    @Test
    void theInitialDelayWaitsAgainWhileMembersKeepArriving() throws Exception {
        GroupWire a = connect();
        GroupWire b = connect();
        JoinGroupResponseData aId = a.join((short) 9, joinRequest("g", "", null, SESSION, REBALANCE, "t"));
        int aJoin = a.send(ApiKeys.JOIN_GROUP, (short) 9, joinRequest("g", aId.memberId(), null, SESSION, REBALANCE,
                "t"));
        awaitState("g", "PreparingRebalance", 1);
        advance(DELAY - 1);
        JoinGroupResponseData bId = b.join((short) 9, joinRequest("g", "", null, SESSION, REBALANCE, "t"));
        int bJoin = b.send(ApiKeys.JOIN_GROUP, (short) 9, joinRequest("g", bId.memberId(), null, SESSION, REBALANCE,
                "t"));
        awaitState("g", "PreparingRebalance", 2);
        advance(1);
        assertEquals("PreparingRebalance", observer.state("g"), "a member came during the delay: it waits again");
        advance(DELAY - 1);
        assertEquals("PreparingRebalance", observer.state("g"));
        advance(1);
        JoinGroupResponseData aJoined = new JoinGroupResponseData(a.await(ApiKeys.JOIN_GROUP, (short) 9, aJoin),
                (short) 9);
        JoinGroupResponseData bJoined = new JoinGroupResponseData(b.await(ApiKeys.JOIN_GROUP, (short) 9, bJoin),
                (short) 9);
        assertEquals(1, aJoined.generationId());
        assertEquals(1, bJoined.generationId());
        assertEquals(2, (aJoined.members().size() + bJoined.members().size()), "the leader sees both");
    }

    @Test
    void aMemberThatMissesItsSessionTimeoutIsRemovedAndTheOtherGetsANewGeneration() throws Exception {
        GroupWire a = connect();
        GroupWire b = connect();
        List<JoinGroupResponseData> pair = stablePair("g", SESSION, a, b);
        String aId = pair.get(0).memberId();
        String bId = pair.get(1).memberId();
        advance(SESSION - 1000);
        assertEquals(Errors.NONE, a.heartbeat("g", aId, null, 1));
        advance(1000);
        assertEquals(Errors.REBALANCE_IN_PROGRESS, a.heartbeat("g", aId, null, 1), "b timed out");
        JoinGroupResponseData again = a.join((short) 9, joinRequest("g", aId, null, SESSION, REBALANCE, "t"));
        assertEquals(2, again.generationId());
        assertEquals(List.of(aId), again.members().stream().map(m -> m.memberId()).toList());
        assertEquals(Errors.UNKNOWN_MEMBER_ID, b.heartbeat("g", bId, null, 1));
    }

    @Test
    void theRebalanceTimeoutRemovesMembersThatDidNotRejoin() throws Exception {
        GroupWire a = connect();
        GroupWire b = connect();
        int longSession = 60_000;
        List<JoinGroupResponseData> pair = stablePair("g", longSession, a, b);
        String aId = pair.get(0).memberId();
        String bId = pair.get(1).memberId();
        int rejoin = a.send(ApiKeys.JOIN_GROUP, (short) 9, joinRequest("g", aId, null, longSession, REBALANCE, "t"));
        awaitState("g", "PreparingRebalance", 2);
        assertEquals(Errors.REBALANCE_IN_PROGRESS, b.heartbeat("g", bId, null, 1), "b hears of it but stays away");
        advance(REBALANCE - 1);
        assertEquals("PreparingRebalance", observer.state("g"));
        advance(1);
        JoinGroupResponseData joined = new JoinGroupResponseData(a.await(ApiKeys.JOIN_GROUP, (short) 9, rejoin),
                (short) 9);
        assertEquals(2, joined.generationId());
        assertEquals(1, joined.members().size());
        assertEquals(Errors.UNKNOWN_MEMBER_ID, b.heartbeat("g", bId, null, 1));
    }

    @Test
    void aPendingMemberThatNeverJoinsWithItsIdHoldsTheRebalanceOnlyForItsSessionTimeout() throws Exception {
        GroupWire a = connect();
        GroupWire p = connect();
        JoinGroupResponseData member = joinTogether("g", SESSION, REBALANCE, a).get(0);
        assertEquals(0, a.sync("g", member.memberId(), 1, List.of()).errorCode());
        JoinGroupResponseData pendingId = p.join((short) 9, joinRequest("g", "", null, SESSION, REBALANCE, "t"));
        assertEquals(Errors.MEMBER_ID_REQUIRED.code(), pendingId.errorCode());
        int rejoin = a.send(ApiKeys.JOIN_GROUP, (short) 9, joinRequest("g", member.memberId(), null, SESSION,
                REBALANCE, "t"));
        awaitState("g", "PreparingRebalance", 1);
        advance(SESSION - 1);
        assertEquals("PreparingRebalance", observer.state("g"), "the pending member may still come");
        assertEquals(Errors.REBALANCE_IN_PROGRESS, observer.heartbeat("g", member.memberId(), null, 1));
        advance(1);
        JoinGroupResponseData joined = new JoinGroupResponseData(a.await(ApiKeys.JOIN_GROUP, (short) 9, rejoin),
                (short) 9);
        assertEquals(2, joined.generationId());
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), p.join((short) 9, joinRequest("g", pendingId.memberId(), null,
                SESSION, REBALANCE, "t")).errorCode(), "its place is gone");
    }

    @Test
    void aMemberThatNeverSyncsIsRemovedWhenTheSyncWaitEnds() throws Exception {
        GroupWire a = connect();
        GroupWire b = connect();
        int longSession = 60_000;
        List<JoinGroupResponseData> joined = joinTogether("g", longSession, REBALANCE, a, b);
        JoinGroupResponseData leader = joined.get(0).memberId().equals(joined.get(0).leader()) ? joined.get(0)
                : joined.get(1);
        GroupWire leaderWire = leader == joined.get(0) ? a : b;
        JoinGroupResponseData follower = leader == joined.get(0) ? joined.get(1) : joined.get(0);
        assertEquals(0, leaderWire.sync("g", leader.memberId(), 1, List.of(assign(leader.memberId(), new byte[0])))
                .errorCode());
        assertEquals("Stable", observer.state("g"));
        advance(REBALANCE - 1);
        assertEquals(Errors.NONE, leaderWire.heartbeat("g", leader.memberId(), null, 1));
        advance(1);
        assertEquals(Errors.REBALANCE_IN_PROGRESS, leaderWire.heartbeat("g", leader.memberId(), null, 1));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, (leaderWire == a ? b : a).heartbeat("g", follower.memberId(), null, 1));
    }

    @Test
    void anEmptyGroupsOffsetsExpireARetentionAfterItEmptied() throws Exception {
        GroupWire a = connect();
        JoinGroupResponseData member = joinTogether("g", 120_000, REBALANCE, a).get(0);
        assertEquals(0, a.sync("g", member.memberId(), 1, List.of()).errorCode());
        assertEquals(Errors.NONE, a.commit("g", member.memberId(), null, 1, "t", 0, 5));
        assertEquals(Errors.NONE, a.commit("g", member.memberId(), null, 1, "other", 0, 6));
        assertEquals(Errors.NONE, a.commit("simple", "", null, -1, "t", 1, 7));
        advance(70_000);
        assertEquals(Errors.NONE, a.heartbeat("g", member.memberId(), null, 1));
        assertEquals(5, a.committed("g", "t", 0), "a Stable group keeps what it reads");
        assertEquals(-1, a.committed("g", "other", 0), "but not a topic it does not read");
        assertEquals(-1, a.committed("simple", "t", 1), "a simple group's offsets expire by commit time");

        a.call(ApiKeys.LEAVE_GROUP, (short) 5, new LeaveGroupRequestData().setGroupId("g").setMembers(List.of(
                new MemberIdentity().setMemberId(member.memberId()))));
        assertEquals("Empty", observer.state("g"));
        advance(59_000);
        assertEquals(5, a.committed("g", "t", 0), "empty for less than the retention");
        advance(1_000);
        assertEquals(-1, a.committed("g", "t", 0));
        assertTrue(listGroups(a).isEmpty(), "empty groups with nothing left are gone: " + listGroups(a));
    }

    @Test
    void deletingATopicRemovesItsCommittedOffsets() throws Exception {
        GroupWire a = connect();
        assertEquals(Errors.NONE, a.commit("g", "", null, -1, "other", 0, 3));
        assertEquals(Errors.NONE, a.commit("g", "", null, -1, "t", 0, 4));
        DeleteTopicsRequestData delete = new DeleteTopicsRequestData().setTopicNames(List.of("other"))
                .setTimeoutMs(10_000);
        assertEquals(0, new DeleteTopicsResponseData(a.call(ApiKeys.DELETE_TOPICS, (short) 5, delete), (short) 5)
                .responses().find("other").errorCode());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (a.committed("g", "other", 0) != -1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(-1, a.committed("g", "other", 0));
        assertEquals(4, a.committed("g", "t", 0));
    }

    private static List<String> listGroups(GroupWire c) throws Exception {
        return new ListGroupsResponseData(c.call(ApiKeys.LIST_GROUPS, (short) 5, new ListGroupsRequestData()),
                (short) 5).groups().stream().map(g -> g.groupId()).toList();
    }
}
