package io.ferrite.server;

import static io.ferrite.server.GroupWire.assign;
import static io.ferrite.server.GroupWire.joinRequest;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
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
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every version of every classic group and offset API on the wire, each answering as Kafka 4.3 does. */
@Timeout(60)
class GroupsWireTest {
    static final Map<String, String> GROUPS = Map.of("group.initial.rebalance.delay.ms", "0",
            "group.min.session.timeout.ms", "1000");

    @TempDir
    Path dir;
    private Handlers handlers;
    private GroupWire wire;

    @BeforeEach
    void start() throws Exception {
        handlers = Handlers.open(dir, GROUPS);
        wire = new GroupWire(handlers);
        wire.createTopic("t", 2);
    }

    @AfterEach
    void stop() throws Exception {
        wire.close();
        handlers.close();
    }

    @Test
    void findCoordinatorNamesThisBrokerForGroupsAndTransactionsInEveryVersionAndRefusesShareKeys()
            throws Exception {
        for (short v = 0; v <= 6; v++) {
            FindCoordinatorRequestData req = new FindCoordinatorRequestData();
            if (v < 4) {
                req.setKey("g");
            } else {
                req.setCoordinatorKeys(List.of("g1", "g2"));
            }
            FindCoordinatorResponseData resp = new FindCoordinatorResponseData(
                    wire.call(ApiKeys.FIND_COORDINATOR, v, req), v);
            if (v < 4) {
                assertEquals(0, resp.errorCode(), "v" + v);
                assertEquals(handlers.port(), resp.port(), "v" + v);
                assertEquals("127.0.0.1", resp.host());
            } else {
                assertEquals(List.of("g1", "g2"), resp.coordinators().stream().map(Coordinator::key).toList());
                for (Coordinator c : resp.coordinators()) {
                    assertEquals(0, c.errorCode());
                    assertEquals(handlers.port(), c.port());
                }
            }
            if (v >= 1) {
                FindCoordinatorRequestData txn = new FindCoordinatorRequestData().setKeyType((byte) 1);
                if (v < 4) {
                    txn.setKey("tx");
                } else {
                    txn.setCoordinatorKeys(List.of("tx"));
                }
                FindCoordinatorResponseData t = new FindCoordinatorResponseData(
                        wire.call(ApiKeys.FIND_COORDINATOR, v, txn), v);
                short error = v < 4 ? t.errorCode() : t.coordinators().get(0).errorCode();
                int port = v < 4 ? t.port() : t.coordinators().get(0).port();
                assertEquals(0, error, "transactional ids are coordinated here, v" + v);
                assertEquals(handlers.port(), port);
            }
            if (v >= 6) { // share groups' key type (2) exists from v6
                FindCoordinatorRequestData share = new FindCoordinatorRequestData().setKeyType((byte) 2)
                        .setCoordinatorKeys(List.of("s:t:0"));
                Coordinator c = new FindCoordinatorResponseData(wire.call(ApiKeys.FIND_COORDINATOR, v, share), v)
                        .coordinators().get(0);
                assertEquals(Errors.INVALID_REQUEST.code(), c.errorCode(), "share groups are not served");
                assertEquals(-1, c.nodeId());
            }
        }
    }

    /**
     * One group per version: JoinGroup 0-9 (member-id-required from v4), then SyncGroup, Heartbeat and
     * LeaveGroup at the same version where they have it (0-5, 0-4, 0-5), so each of their versions runs too.
     */
    @Test
    void aMemberJoinsSyncsHeartbeatsAndLeavesInEveryVersion() throws Exception {
        for (short v = 0; v <= 9; v++) {
            String group = "g" + v;
            JoinGroupResponseData joined = wire.join(v, joinRequest(group, "", null, 10_000, 20_000, "t"));
            if (v >= 4) {
                assertEquals(Errors.MEMBER_ID_REQUIRED.code(), joined.errorCode(), "v" + v);
                assertFalse(joined.memberId().isEmpty());
                joined = wire.join(v, joinRequest(group, joined.memberId(), null, 10_000, 20_000, "t"));
            }
            assertEquals(0, joined.errorCode(), "v" + v);
            assertEquals(1, joined.generationId());
            assertEquals(joined.memberId(), joined.leader());
            assertEquals(1, joined.members().size());
            assertEquals(GroupWire.PROTOCOL, joined.protocolName());
            if (v >= 7) {
                assertEquals(GroupWire.TYPE, joined.protocolType());
            }
            assertFalse(joined.skipAssignment());

            short sv = (short) Math.min(v, 5);
            byte[] assignment = {1, 2, 3};
            SyncGroupResponseData synced = wire.sync(sv, group, joined.memberId(), null, 1,
                    List.of(assign(joined.memberId(), assignment)));
            assertEquals(0, synced.errorCode(), "sync v" + sv);
            assertArrayEquals(assignment, synced.assignment());
            if (sv >= 5) {
                assertEquals(GroupWire.PROTOCOL, synced.protocolName());
            }

            short hv = (short) Math.min(v, 4);
            HeartbeatResponseData beat = new HeartbeatResponseData(wire.call(ApiKeys.HEARTBEAT, hv,
                    new HeartbeatRequestData().setGroupId(group).setMemberId(joined.memberId()).setGenerationId(1)),
                    hv);
            assertEquals(0, beat.errorCode(), "heartbeat v" + hv);

            short lv = (short) Math.min(v, 5);
            LeaveGroupRequestData leave = new LeaveGroupRequestData().setGroupId(group);
            if (lv < 3) {
                leave.setMemberId(joined.memberId());
            } else {
                leave.setMembers(List.of(new MemberIdentity().setMemberId(joined.memberId())));
            }
            LeaveGroupResponseData left = new LeaveGroupResponseData(wire.call(ApiKeys.LEAVE_GROUP, lv, leave), lv);
            assertEquals(0, left.errorCode(), "leave v" + lv);
            if (lv >= 3) {
                assertEquals(0, left.members().get(0).errorCode());
            }
            assertEquals("Empty", describe((short) 5, group).groupState());
        }
    }

    @Test
    void aStaticMemberJoinsWithoutMemberIdRequiredAndLeavesByInstanceIdAlone() throws Exception {
        for (short v = 5; v <= 9; v++) {
            String group = "static" + v;
            JoinGroupResponseData joined = wire.join(v, joinRequest(group, "", "instance-1", 10_000, 20_000, "t"));
            assertEquals(0, joined.errorCode(), "v" + v);
            assertTrue(joined.memberId().startsWith("instance-1-"), joined.memberId());
            assertEquals("instance-1", joined.members().get(0).groupInstanceId());
            LeaveGroupResponseData left = new LeaveGroupResponseData(wire.call(ApiKeys.LEAVE_GROUP, (short) 5,
                    new LeaveGroupRequestData().setGroupId(group).setMembers(List.of(
                            new MemberIdentity().setMemberId("").setGroupInstanceId("instance-1"),
                            new MemberIdentity().setMemberId("").setGroupInstanceId("nobody")))), (short) 5);
            assertEquals(0, left.members().get(0).errorCode());
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), left.members().get(1).errorCode());
            assertEquals("Empty", describe((short) 5, group).groupState());
        }
    }

    @Test
    void offsetsCommittedInEveryVersionAreFetchedInEveryVersion() throws Exception {
        Uuid topicId = topicId("t");
        for (short v = 2; v <= 10; v++) {
            String group = "c" + v;
            OffsetCommitRequestTopic topic = new OffsetCommitRequestTopic().setPartitions(List.of(
                    new OffsetCommitRequestPartition().setPartitionIndex(1).setCommittedOffset(40 + v)
                            .setCommittedLeaderEpoch(3).setCommittedMetadata("m" + v)));
            if (v >= 10) {
                topic.setTopicId(topicId);
            } else {
                topic.setName("t");
            }
            OffsetCommitRequestData req = new OffsetCommitRequestData().setGroupId(group).setMemberId("")
                    .setGenerationIdOrMemberEpoch(-1).setTopics(List.of(topic));
            OffsetCommitResponseData resp = new OffsetCommitResponseData(wire.call(ApiKeys.OFFSET_COMMIT, v, req), v);
            assertEquals(0, resp.topics().get(0).partitions().get(0).errorCode(), "commit v" + v);
            if (v >= 10) {
                assertEquals(topicId, resp.topics().get(0).topicId());
            } else {
                assertEquals("t", resp.topics().get(0).name());
            }
        }
        for (short v = 1; v <= 10; v++) {
            for (short committedIn = 2; committedIn <= 10; committedIn++) {
                String group = "c" + committedIn;
                long expectedEpoch = committedIn >= 6 && v >= 5 ? 3 : -1;
                if (v < 8) {
                    OffsetFetchRequestData req = new OffsetFetchRequestData().setGroupId(group)
                            .setTopics(List.of(new OffsetFetchRequestTopic().setName("t").setPartitionIndexes(List.of(1))));
                    if (v >= 7) {
                        req.setRequireStable(true);
                    }
                    OffsetFetchResponseData resp = new OffsetFetchResponseData(wire.call(ApiKeys.OFFSET_FETCH, v, req),
                            v);
                    OffsetFetchResponseData.OffsetFetchResponsePartition p = resp.topics().get(0).partitions().get(0);
                    assertEquals(40 + committedIn, p.committedOffset(), "fetch v" + v + " of commit v" + committedIn);
                    assertEquals("m" + committedIn, p.metadata());
                    if (v >= 5) {
                        assertEquals(expectedEpoch, p.committedLeaderEpoch());
                    }
                } else {
                    OffsetFetchRequestTopics t = v >= 10 ? new OffsetFetchRequestTopics().setTopicId(topicId)
                            : new OffsetFetchRequestTopics().setName("t");
                    OffsetFetchRequestData req = new OffsetFetchRequestData().setRequireStable(true).setGroups(List.of(
                            new OffsetFetchRequestGroup().setGroupId(group).setTopics(List.of(t.setPartitionIndexes(List.of(1)))),
                            new OffsetFetchRequestGroup().setGroupId("c2").setTopics(null)));
                    OffsetFetchResponseData resp = new OffsetFetchResponseData(wire.call(ApiKeys.OFFSET_FETCH, v, req),
                            v);
                    OffsetFetchResponseGroup g = resp.groups().get(0);
                    assertEquals(40 + committedIn, g.topics().get(0).partitions().get(0).committedOffset(),
                            "fetch v" + v + " of commit v" + committedIn);
                    assertEquals(expectedEpoch, g.topics().get(0).partitions().get(0).committedLeaderEpoch());
                    OffsetFetchResponseGroup all = resp.groups().get(1);
                    assertEquals("c2", all.groupId());
                    assertEquals(42, all.topics().get(0).partitions().get(0).committedOffset());
                    if (v >= 10) {
                        assertEquals(topicId, g.topics().get(0).topicId());
                        assertEquals(topicId, all.topics().get(0).topicId());
                    } else {
                        assertEquals("t", all.topics().get(0).name());
                    }
                }
            }
        }
    }

    @Test
    void offsetDeleteRemovesOnlyWhatIsCommittedAndNamesUnknownTopics() throws Exception {
        assertEquals(Errors.NONE, wire.commit("del", "", null, -1, "t", 0, 5));
        OffsetDeleteRequestTopicCollection topics = new OffsetDeleteRequestTopicCollection();
        topics.add(new OffsetDeleteRequestTopic().setName("t").setPartitions(List.of(
                new OffsetDeleteRequestPartition().setPartitionIndex(0),
                new OffsetDeleteRequestPartition().setPartitionIndex(1),
                new OffsetDeleteRequestPartition().setPartitionIndex(9))));
        topics.add(new OffsetDeleteRequestTopic().setName("missing").setPartitions(List.of(
                new OffsetDeleteRequestPartition().setPartitionIndex(0))));
        OffsetDeleteResponseData resp = new OffsetDeleteResponseData(wire.call(ApiKeys.OFFSET_DELETE, (short) 0,
                new OffsetDeleteRequestData().setGroupId("del").setTopics(topics)), (short) 0);
        assertEquals(0, resp.errorCode());
        OffsetDeleteResponseData.OffsetDeleteResponseTopic t = resp.topics().find("t");
        assertEquals(0, t.partitions().find(0).errorCode());
        assertNull(t.partitions().find(1), "a partition with no offset is not in Kafka's answer");
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), t.partitions().find(9).errorCode());
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                resp.topics().find("missing").partitions().find(0).errorCode());
        assertEquals(-1, wire.committed("del", "t", 0));
    }

    @Test
    void listGroupsInEveryVersionWithStateAndTypeFilters() throws Exception {
        JoinGroupResponseData joined = wire.joinNew("stable", 10_000, 20_000, "t");
        wire.sync("stable", joined.memberId(), 1, List.of(assign(joined.memberId(), new byte[0])));
        assertEquals(Errors.NONE, wire.commit("simple", "", null, -1, "t", 0, 1));
        for (short v = 0; v <= 5; v++) {
            Map<String, ListedGroup> all = list(v, List.of(), List.of());
            assertEquals(Set.of("stable", "simple"), all.keySet(), "v" + v);
            assertEquals(GroupWire.TYPE, all.get("stable").protocolType());
            assertEquals("", all.get("simple").protocolType());
            if (v >= 4) {
                assertEquals("Stable", all.get("stable").groupState());
                assertEquals("Empty", all.get("simple").groupState());
                assertEquals(Set.of("stable"), list(v, List.of("STABLE"), List.of()).keySet());
                assertEquals(Set.of("simple"), list(v, List.of("empty", "dead"), List.of()).keySet());
            }
            if (v >= 5) {
                assertEquals("classic", all.get("stable").groupType());
                assertEquals(2, list(v, List.of(), List.of("Classic")).size());
                assertTrue(list(v, List.of(), List.of("consumer")).isEmpty());
            }
        }
    }

    private Map<String, ListedGroup> list(short v, List<String> states, List<String> types) throws Exception {
        ListGroupsRequestData req = new ListGroupsRequestData().setStatesFilter(states).setTypesFilter(types);
        return new ListGroupsResponseData(wire.call(ApiKeys.LIST_GROUPS, v, req), v).groups().stream()
                .collect(Collectors.toMap(ListedGroup::groupId, g -> g));
    }

    @Test
    void describeGroupsInEveryVersion() throws Exception {
        JoinGroupResponseData joined = wire.joinNew("described", 10_000, 20_000, "t");
        wire.sync("described", joined.memberId(), 1, List.of(assign(joined.memberId(), new byte[] {7})));
        for (short v = 0; v <= 6; v++) {
            DescribeGroupsResponseData resp = new DescribeGroupsResponseData(wire.call(ApiKeys.DESCRIBE_GROUPS, v,
                    new DescribeGroupsRequestData().setGroups(List.of("described", "unknown"))
                            .setIncludeAuthorizedOperations(v >= 3)), v);
            DescribedGroup d = resp.groups().get(0);
            assertEquals(0, d.errorCode(), "v" + v);
            assertEquals("Stable", d.groupState());
            assertEquals(GroupWire.PROTOCOL, d.protocolData());
            assertEquals(joined.memberId(), d.members().get(0).memberId());
            assertArrayEquals(new byte[] {7}, d.members().get(0).memberAssignment());
            assertEquals("test", d.members().get(0).clientId());
            DescribedGroup unknown = resp.groups().get(1);
            assertEquals("Dead", unknown.groupState());
            assertEquals(v >= 6 ? Errors.GROUP_ID_NOT_FOUND.code() : 0, unknown.errorCode(), "v" + v);
        }
    }

    @Test
    void deleteGroupsInEveryVersion() throws Exception {
        for (short v = 0; v <= 2; v++) {
            String group = "d" + v;
            assertEquals(Errors.NONE, wire.commit(group, "", null, -1, "t", 0, 3));
            DeleteGroupsResponseData resp = new DeleteGroupsResponseData(wire.call(ApiKeys.DELETE_GROUPS, v,
                    new DeleteGroupsRequestData().setGroupsNames(List.of(group, "never"))), v);
            assertEquals(0, resp.results().find(group).errorCode(), "v" + v);
            assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), resp.results().find("never").errorCode());
            assertEquals(-1, wire.committed(group, "t", 0));
            assertEquals("Dead", describe((short) 5, group).groupState());
        }
    }

    private DescribedGroup describe(short v, String group) throws Exception {
        return new DescribeGroupsResponseData(wire.call(ApiKeys.DESCRIBE_GROUPS, v,
                new DescribeGroupsRequestData().setGroups(List.of(group))), v).groups().get(0);
    }

    private Uuid topicId(String topic) throws Exception {
        MetadataRequestData req = new MetadataRequestData().setTopics(new ArrayList<>(List.of(
                new MetadataRequestData.MetadataRequestTopic().setName(topic))));
        MetadataResponseData resp = new MetadataResponseData(wire.call(ApiKeys.METADATA, (short) 12, req), (short) 12);
        return resp.topics().find(topic).topicId();
    }
}
