package io.ferrite.server;

import static io.ferrite.server.GroupWire.assign;
import static io.ferrite.server.GroupWire.joinRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The group APIs' refusals, each with Kafka's error code, while the broker goes on serving other groups. */
@Timeout(60)
class GroupErrorsWireTest {
    @TempDir
    Path dir;
    private Handlers handlers;
    private GroupWire wire;

    @BeforeEach
    void start() throws Exception {
        Map<String, String> props = new HashMap<>(GroupsWireTest.GROUPS);
        props.put("group.max.size", "2");
        handlers = Handlers.open(dir, props);
        wire = new GroupWire(handlers);
        wire.createTopic("t", 2);
        wire.createTopic("u", 1);
    }

    @AfterEach
    void stop() throws Exception {
        wire.close();
        handlers.close();
    }

    /** A member of a Stable group of one, subscribed to "t". */
    private JoinGroupResponseData stableMember(String group) throws Exception {
        JoinGroupResponseData joined = wire.joinNew(group, 10_000, 20_000, "t");
        assertEquals(0, joined.errorCode());
        assertEquals(0, wire.sync(group, joined.memberId(), joined.generationId(),
                List.of(assign(joined.memberId(), new byte[0]))).errorCode());
        return joined;
    }

    /**
     * A second member (on {@code other}) joins the Stable group of {@code first}, and {@code first} rejoins once
     * the group is rebalancing, so both are in generation 2. Returns both JoinGroup answers.
     */
    private JoinGroupResponseData[] secondGeneration(JoinGroupResponseData first, GroupWire other, String group)
            throws Exception {
        JoinGroupResponseData idOnly = other.join((short) 9, joinRequest(group, "", null, 10_000, 20_000, "t"));
        int pending = other.send(ApiKeys.JOIN_GROUP, (short) 9, joinRequest(group, idOnly.memberId(), null, 10_000,
                20_000, "t"));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!wire.state(group).equals("PreparingRebalance") && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        JoinGroupResponseData rejoined = wire.join((short) 9, joinRequest(group, first.memberId(), null, 10_000,
                20_000, "t"));
        JoinGroupResponseData second = new JoinGroupResponseData(other.await(ApiKeys.JOIN_GROUP, (short) 9, pending),
                (short) 9);
        assertEquals(0, rejoined.errorCode());
        assertEquals(0, second.errorCode());
        return new JoinGroupResponseData[] {rejoined, second};
    }

    private OffsetCommitResponseData commit(short v, OffsetCommitRequestData req) throws Exception {
        return new OffsetCommitResponseData(wire.call(ApiKeys.OFFSET_COMMIT, v, req), v);
    }

    @Test
    void anEmptyGroupIdIsRefusedByTheMembershipApisButIsAGroupForOffsets() throws Exception {
        assertEquals(Errors.INVALID_GROUP_ID.code(),
                wire.join((short) 9, joinRequest("", "", null, 10_000, 20_000, "t")).errorCode());
        assertEquals(Errors.INVALID_GROUP_ID.code(), wire.sync("", "m", 1, List.of()).errorCode());
        assertEquals(Errors.INVALID_GROUP_ID, wire.heartbeat("", "m", null, 1));
        assertEquals(Errors.INVALID_GROUP_ID.code(), new LeaveGroupResponseData(wire.call(ApiKeys.LEAVE_GROUP,
                (short) 5, new LeaveGroupRequestData().setGroupId("").setMembers(List.of(new MemberIdentity()
                        .setMemberId("m")))), (short) 5).errorCode());
        assertEquals(Errors.INVALID_GROUP_ID.code(), new OffsetDeleteResponseData(wire.call(ApiKeys.OFFSET_DELETE,
                (short) 0, new OffsetDeleteRequestData().setGroupId("")), (short) 0).errorCode());
        // Kafka keeps the empty id working for commits and fetches, for old clients.
        assertEquals(Errors.NONE, wire.commit("", "", null, -1, "t", 0, 11));
        assertEquals(11, wire.committed("", "t", 0));
    }

    @Test
    void joinsThatDoNotFitTheGroupAreRefused() throws Exception {
        JoinGroupResponseData member = stableMember("g");
        JoinGroupRequestData otherType = joinRequest("g", "", null, 10_000, 20_000, "t").setProtocolType("connect");
        assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), wire.join((short) 9, otherType).errorCode());
        JoinGroupRequestProtocolCollection other = new JoinGroupRequestProtocolCollection();
        other.add(new JoinGroupRequestProtocol().setName("roundrobin").setMetadata(GroupWire.subscription("t")));
        JoinGroupRequestData noShared = joinRequest("g", "", null, 10_000, 20_000).setProtocols(other);
        assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), wire.join((short) 9, noShared).errorCode());
        JoinGroupRequestData none = joinRequest("fresh", "", null, 10_000, 20_000)
                .setProtocols(new JoinGroupRequestProtocolCollection());
        assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), wire.join((short) 9, none).errorCode());

        assertEquals(Errors.INVALID_SESSION_TIMEOUT.code(),
                wire.join((short) 9, joinRequest("g", "", null, 999, 20_000, "t")).errorCode());
        assertEquals(Errors.INVALID_SESSION_TIMEOUT.code(),
                wire.join((short) 9, joinRequest("g", "", null, 1_800_001, 20_000, "t")).errorCode());
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(),
                wire.join((short) 9, joinRequest("g", "nobody", null, 10_000, 20_000, "t")).errorCode());
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(),
                wire.join((short) 9, joinRequest("no-such-group", "nobody", null, 10_000, 20_000, "t")).errorCode());
        assertEquals("Stable", wire.state("g"), "refused joins leave the group alone");
        assertEquals(Errors.NONE, wire.heartbeat("g", member.memberId(), null, 1));
    }

    @Test
    void syncAndHeartbeatCheckMemberGenerationAndProtocol() throws Exception {
        JoinGroupResponseData m = stableMember("g");
        assertEquals(Errors.UNKNOWN_MEMBER_ID, wire.heartbeat("g", "nobody", null, 1));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, wire.heartbeat("no-such-group", "nobody", null, 1));
        assertEquals(Errors.ILLEGAL_GENERATION, wire.heartbeat("g", m.memberId(), null, 7));
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), wire.sync("g", "nobody", 1, List.of()).errorCode());
        assertEquals(Errors.ILLEGAL_GENERATION.code(), wire.sync("g", m.memberId(), 2, List.of()).errorCode());
        SyncGroupRequestData wrongName = new SyncGroupRequestData().setGroupId("g").setMemberId(m.memberId())
                .setGenerationId(1).setProtocolType(GroupWire.TYPE).setProtocolName("roundrobin");
        assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), new SyncGroupResponseData(
                wire.call(ApiKeys.SYNC_GROUP, (short) 5, wrongName), (short) 5).errorCode());
        SyncGroupRequestData noType = new SyncGroupRequestData().setGroupId("g").setMemberId(m.memberId())
                .setGenerationId(1).setProtocolType(null).setProtocolName(GroupWire.PROTOCOL);
        assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), new SyncGroupResponseData(
                wire.call(ApiKeys.SYNC_GROUP, (short) 5, noType), (short) 5).errorCode(), "v5 needs both");
        assertEquals(0, wire.sync("g", m.memberId(), 1, List.of()).errorCode(), "still a member");
    }

    @Test
    void aStaticMemberReplacedByARestartIsFenced() throws Exception {
        JoinGroupResponseData first = wire.join((short) 9, joinRequest("s", "", "i-1", 10_000, 20_000, "t"));
        assertEquals(0, wire.sync("s", first.memberId(), 1, List.of(assign(first.memberId(), new byte[] {1})))
                .errorCode());
        JoinGroupResponseData second = wire.join((short) 9, joinRequest("s", "", "i-1", 10_000, 20_000, "t"));
        assertEquals(0, second.errorCode());
        assertNotEquals(first.memberId(), second.memberId());
        assertEquals(1, second.generationId(), "a restart of a static member is no rebalance");
        assertEquals(Errors.FENCED_INSTANCE_ID, wire.heartbeat("s", first.memberId(), "i-1", 1));
        assertEquals(Errors.FENCED_INSTANCE_ID, wire.commit("s", first.memberId(), "i-1", 1, "t", 0, 1));
        assertEquals(Errors.FENCED_INSTANCE_ID.code(), wire.sync((short) 5, "s", first.memberId(), "i-1", 1,
                List.of()).errorCode());
        assertEquals(Errors.NONE, wire.heartbeat("s", second.memberId(), "i-1", 1));
        assertEquals(Errors.NONE, wire.commit("s", second.memberId(), "i-1", 1, "t", 0, 1));
    }

    @Test
    void commitsAreCheckedAgainstTheGroupAsKafkaChecksThem() throws Exception {
        JoinGroupResponseData m = stableMember("g");
        assertEquals(Errors.ILLEGAL_GENERATION, wire.commit("g", m.memberId(), null, 0, "t", 0, 1));
        assertEquals(Errors.UNKNOWN_MEMBER_ID, wire.commit("g", "", null, -1, "t", 0, 1),
                "no membership in a group with members");
        assertEquals(Errors.UNKNOWN_MEMBER_ID, wire.commit("g", "nobody", null, 1, "t", 0, 1));

        // A second member makes the group rebalance; once the join phase is over it is CompletingRebalance.
        try (GroupWire other = new GroupWire(handlers)) {
            JoinGroupResponseData[] both = secondGeneration(m, other, "g");
            assertEquals(2, both[0].generationId());
            assertEquals(Errors.REBALANCE_IN_PROGRESS, wire.commit("g", m.memberId(), null, 2, "t", 0, 1));
            assertEquals(Errors.ILLEGAL_GENERATION, wire.commit("g", m.memberId(), null, 1, "t", 0, 1));
        }

        OffsetCommitRequestData unknownGroup = new OffsetCommitRequestData().setGroupId("nope").setMemberId("x")
                .setGenerationIdOrMemberEpoch(4).setTopics(List.of(new OffsetCommitRequestTopic().setName("t")
                        .setPartitions(List.of(new OffsetCommitRequestPartition().setPartitionIndex(0)))));
        assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), commit((short) 9, unknownGroup).topics().get(0).partitions()
                .get(0).errorCode());
        assertEquals(Errors.ILLEGAL_GENERATION.code(), commit((short) 8, unknownGroup).topics().get(0).partitions()
                .get(0).errorCode());
        // Unknown topics are answered before the group is looked at: with nothing valid the group check never runs.
        OffsetCommitRequestData onlyUnknown = unknownGroup.duplicate().setTopics(List.of(new OffsetCommitRequestTopic()
                .setName("missing").setPartitions(List.of(new OffsetCommitRequestPartition().setPartitionIndex(0)))));
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), commit((short) 9, onlyUnknown).topics().get(0)
                .partitions().get(0).errorCode());

        OffsetCommitRequestData metadata = new OffsetCommitRequestData().setGroupId("meta").setMemberId("")
                .setGenerationIdOrMemberEpoch(-1).setTopics(List.of(new OffsetCommitRequestTopic().setName("t")
                        .setPartitions(List.of(
                                new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(5)
                                        .setCommittedMetadata("x".repeat(4097)),
                                new OffsetCommitRequestPartition().setPartitionIndex(1).setCommittedOffset(6)
                                        .setCommittedMetadata("x".repeat(4096)),
                                new OffsetCommitRequestPartition().setPartitionIndex(2).setCommittedOffset(7)))));
        OffsetCommitResponseData r = commit((short) 9, metadata);
        assertEquals(Errors.OFFSET_METADATA_TOO_LARGE.code(), r.topics().get(0).partitions().get(0).errorCode());
        assertEquals(0, r.topics().get(0).partitions().get(1).errorCode());
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), r.topics().get(0).partitions().get(2).errorCode());
        assertEquals(-1, wire.committed("meta", "t", 0));
        assertEquals(6, wire.committed("meta", "t", 1));
    }

    @Test
    void anUnknownGroupHasNoOffsetsAndNoError() throws Exception {
        OffsetFetchRequestData req = new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestGroup()
                .setGroupId("nobody-home").setMemberId("m").setMemberEpoch(3).setTopics(List.of(
                        new OffsetFetchRequestTopics().setName("t").setPartitionIndexes(List.of(0))))));
        OffsetFetchResponseGroup g = new OffsetFetchResponseData(wire.call(ApiKeys.OFFSET_FETCH, (short) 9, req),
                (short) 9).groups().get(0);
        assertEquals(0, g.errorCode());
        assertEquals(-1, g.topics().get(0).partitions().get(0).committedOffset());
    }

    @Test
    void offsetsOfATopicTheGroupReadsAndGroupsWithMembersAreNotDeleted() throws Exception {
        JoinGroupResponseData m = stableMember("g");
        assertEquals(Errors.NONE, wire.commit("g", m.memberId(), null, 1, "t", 0, 1));
        assertEquals(Errors.NONE, wire.commit("g", m.memberId(), null, 1, "u", 0, 1));
        OffsetDeleteRequestTopicCollection topics = new OffsetDeleteRequestTopicCollection();
        topics.add(new OffsetDeleteRequestTopic().setName("t").setPartitions(List.of(
                new OffsetDeleteRequestPartition().setPartitionIndex(0))));
        topics.add(new OffsetDeleteRequestTopic().setName("u").setPartitions(List.of(
                new OffsetDeleteRequestPartition().setPartitionIndex(0))));
        OffsetDeleteResponseData resp = new OffsetDeleteResponseData(wire.call(ApiKeys.OFFSET_DELETE, (short) 0,
                new OffsetDeleteRequestData().setGroupId("g").setTopics(topics)), (short) 0);
        assertEquals(Errors.GROUP_SUBSCRIBED_TO_TOPIC.code(), resp.topics().find("t").partitions().find(0)
                .errorCode());
        assertEquals(0, resp.topics().find("u").partitions().find(0).errorCode());
        assertEquals(1, wire.committed("g", "t", 0));
        assertEquals(-1, wire.committed("g", "u", 0));

        DeleteGroupsResponseData deleted = new DeleteGroupsResponseData(wire.call(ApiKeys.DELETE_GROUPS, (short) 2,
                new DeleteGroupsRequestData().setGroupsNames(List.of("g"))), (short) 2);
        assertEquals(Errors.NON_EMPTY_GROUP.code(), deleted.results().find("g").errorCode());

        JoinGroupRequestData connect = joinRequest("c", "", null, 10_000, 20_000, "t").setProtocolType("connect");
        JoinGroupResponseData c = wire.join((short) 9, connect.setMemberId(wire.join((short) 9, connect).memberId()));
        assertEquals(0, c.errorCode());
        assertEquals(Errors.NON_EMPTY_GROUP.code(), new OffsetDeleteResponseData(wire.call(ApiKeys.OFFSET_DELETE,
                (short) 0, new OffsetDeleteRequestData().setGroupId("c")), (short) 0).errorCode());
    }

    @Test
    void groupMaxSizeTurnsAwayTheThirdMember() throws Exception {
        JoinGroupResponseData a = stableMember("full");
        try (GroupWire b = new GroupWire(handlers); GroupWire c = new GroupWire(handlers)) {
            assertEquals(2, secondGeneration(a, b, "full")[1].generationId());
            JoinGroupResponseData third = c.joinNew("full", 10_000, 20_000, "t");
            assertEquals(Errors.GROUP_MAX_SIZE_REACHED.code(), third.errorCode());
            assertEquals("", third.memberId());
        }
    }

    @Test
    void requestsRightBehindADeleteSeeTheGroupGoneAndTheLogKeepsTheirOrder() throws Exception {
        assertEquals(Errors.NONE, wire.commit("doomed", "", null, -1, "t", 0, 10));
        assertEquals(Errors.NONE, wire.commit("doomed", "", null, -1, "t", 1, 20));
        int delete = wire.send(ApiKeys.DELETE_GROUPS, (short) 2, new DeleteGroupsRequestData()
                .setGroupsNames(List.of("doomed")));
        OffsetCommitRequestData again = new OffsetCommitRequestData().setGroupId("doomed").setMemberId("")
                .setGenerationIdOrMemberEpoch(-1).setTopics(List.of(new OffsetCommitRequestTopic().setName("t")
                        .setPartitions(List.of(new OffsetCommitRequestPartition().setPartitionIndex(1)
                                .setCommittedOffset(30)))));
        int commit = wire.send(ApiKeys.OFFSET_COMMIT, (short) 9, again);
        assertEquals(0, new DeleteGroupsResponseData(wire.await(ApiKeys.DELETE_GROUPS, (short) 2, delete), (short) 2)
                .results().find("doomed").errorCode());
        assertEquals(0, new OffsetCommitResponseData(wire.await(ApiKeys.OFFSET_COMMIT, (short) 9, commit), (short) 9)
                .topics().get(0).partitions().get(0).errorCode());
        assertEquals(-1, wire.committed("doomed", "t", 0));
        assertEquals(30, wire.committed("doomed", "t", 1));

        wire.close();
        handlers.close();
        handlers = Handlers.open(dir, GroupsWireTest.GROUPS);
        wire = new GroupWire(handlers);
        assertEquals(-1, wire.committed("doomed", "t", 0), "the delete replays before the later commit");
        assertEquals(30, wire.committed("doomed", "t", 1));
        // And the broker serves a new group as usual.
        JoinGroupResponseData fresh = stableMember("fresh");
        assertEquals(Errors.NONE, wire.commit("fresh", fresh.memberId(), null, 1, "t", 0, 2));
        assertEquals(2, wire.committed("fresh", "t", 0));
    }
}
