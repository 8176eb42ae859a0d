package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
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
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The consumer group protocol and its effect on the other group APIs, version by version on the wire. */
@Timeout(60)
class ConsumerProtocolWireTest {
    @TempDir
    Path dir;
    private Handlers handlers;

    @BeforeEach
    void start() throws Exception {
        handlers = Handlers.open(dir, ConsumerProtocolTest.FAST_GROUPS);
        new GroupWire(handlers).createTopic("orders", 2);
    }

    @AfterEach
    void stop() {
        handlers.close();
    }

    private ApiVersionsResponseData apiVersions(short v) throws Exception {
        return new ApiVersionsResponseData(handlers.exchange(ApiKeys.API_VERSIONS, v,
                new ApiVersionsRequestData().setClientSoftwareName("t").setClientSoftwareVersion("1")), v);
    }

    private ConsumerGroupHeartbeatResponseData heartbeat(short v, ConsumerGroupHeartbeatRequestData req)
            throws Exception {
        return new ConsumerGroupHeartbeatResponseData(handlers.exchange(ApiKeys.CONSUMER_GROUP_HEARTBEAT,
                v, req), v);
    }

    private static ConsumerGroupHeartbeatRequestData join(String group, String memberId) {
        return new ConsumerGroupHeartbeatRequestData().setGroupId(group).setMemberId(memberId).setMemberEpoch(0)
                .setRebalanceTimeoutMs(30_000).setSubscribedTopicNames(List.of("orders"))
                .setTopicPartitions(List.of());
    }

    private OffsetCommitResponseData commit(short v, String group, String memberId, int epoch) throws Exception {
        OffsetCommitRequestData req = new OffsetCommitRequestData().setGroupId(group).setMemberId(memberId)
                .setGenerationIdOrMemberEpoch(epoch).setTopics(List.of(new OffsetCommitRequestTopic()
                        .setName("orders").setPartitions(List.of(new OffsetCommitRequestPartition()
                                .setPartitionIndex(0).setCommittedOffset(5)))));
        return new OffsetCommitResponseData(handlers.exchange(ApiKeys.OFFSET_COMMIT, v, req), v);
    }

    private short commitError(short v, String group, String memberId, int epoch) throws Exception {
        return commit(v, group, memberId, epoch).topics().get(0).partitions().get(0).errorCode();
    }

    private OffsetFetchResponseData.OffsetFetchResponseGroup fetch(String group, String memberId, int epoch)
            throws Exception {
        short v = 9;
        OffsetFetchRequestData req = new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestGroup()
                .setGroupId(group).setMemberId(memberId).setMemberEpoch(epoch).setTopics(List.of(
                        new OffsetFetchRequestTopics().setName("orders").setPartitionIndexes(List.of(0))))));
        return new OffsetFetchResponseData(handlers.exchange(ApiKeys.OFFSET_FETCH, v, req), v).groups()
                .get(0);
    }

    @Test
    void apiVersionsFinalizesGroupVersionOneAndListsItFromVersionFour() throws Exception {
        ApiVersionsResponseData v4 = apiVersions((short) 4);
        assertEquals(1, v4.apiKeys().find(ApiKeys.CONSUMER_GROUP_HEARTBEAT.id).maxVersion());
        assertEquals(1, v4.apiKeys().find(ApiKeys.CONSUMER_GROUP_DESCRIBE.id).maxVersion());
        ApiVersionsResponseData.SupportedFeatureKey supported = v4.supportedFeatures().find("group.version");
        assertEquals(0, supported.minVersion());
        assertEquals(1, supported.maxVersion());
        ApiVersionsResponseData.FinalizedFeatureKey finalized = v4.finalizedFeatures().find("group.version");
        assertEquals(1, finalized.minVersionLevel());
        assertEquals(1, finalized.maxVersionLevel());
        assertTrue(v4.finalizedFeaturesEpoch() >= 0);

        ApiVersionsResponseData v3 = apiVersions((short) 3);
        assertNull(v3.supportedFeatures().find("group.version"), "level 0 features are left out below v4");
        assertEquals(1, v3.finalizedFeatures().find("group.version").maxVersionLevel());
        assertTrue(apiVersions((short) 2).finalizedFeatures().isEmpty());
    }

    @Test
    void heartbeatVersionsZeroAndOneDifferInWhoChoosesTheMemberId() throws Exception {
        ConsumerGroupHeartbeatResponseData v0 = heartbeat((short) 0, join("g0", ""));
        assertEquals(0, v0.errorCode(), v0.errorMessage());
        assertFalse(v0.memberId().isEmpty(), "the coordinator chose one");
        assertEquals(2, v0.memberEpoch(), "a new group is at epoch 1 before its first member, as in Kafka 4.3");
        assertEquals(500, v0.heartbeatIntervalMs());
        assertNotNull(v0.assignment());

        ConsumerGroupHeartbeatResponseData v1 = heartbeat((short) 1, join("g1", ""));
        assertEquals(Errors.INVALID_REQUEST.code(), v1.errorCode());
        assertEquals("MemberId can't be empty.", v1.errorMessage());
        String id = Uuid.randomUuid().toString();
        assertEquals(id, heartbeat((short) 1, join("g1", id)).memberId());
    }

    @Test
    void commitsAndFetchesOfAConsumerGroupCheckTheMemberAndItsEpoch() throws Exception {
        String id = Uuid.randomUuid().toString();
        int epoch = heartbeat((short) 1, join("readers", id)).memberEpoch();
        assertEquals(0, commitError((short) 9, "readers", id, epoch));
        assertEquals(Errors.STALE_MEMBER_EPOCH.code(), commitError((short) 9, "readers", id, epoch + 1));
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), commitError((short) 9, "readers", "someone", epoch));
        assertEquals(Errors.UNSUPPORTED_VERSION.code(), commitError((short) 8, "readers", id, epoch),
                "a member of the consumer protocol commits with v9+");
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), commitError((short) 9, "readers", "", -1),
                "a group with members takes no commit from outside");

        OffsetFetchResponseData.OffsetFetchResponseGroup ok = fetch("readers", id, epoch);
        assertEquals(0, ok.errorCode());
        assertEquals(5, ok.topics().get(0).partitions().get(0).committedOffset());
        assertEquals(Errors.STALE_MEMBER_EPOCH.code(), fetch("readers", id, epoch + 1).errorCode());
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), fetch("readers", "someone", epoch).errorCode());

        short dv = 0;
        OffsetDeleteResponseData deleted = new OffsetDeleteResponseData(handlers.exchange(ApiKeys.OFFSET_DELETE, dv, new OffsetDeleteRequestData().setGroupId("readers").setTopics(
                        new OffsetDeleteRequestTopicCollection(List.of(new OffsetDeleteRequestTopic()
                                .setName("orders").setPartitions(List.of(new OffsetDeleteRequestPartition()
                                        .setPartitionIndex(0)))).iterator()))), dv);
        assertEquals(0, deleted.errorCode(), "a consumer group with members may delete offsets...");
        assertEquals(Errors.GROUP_SUBSCRIBED_TO_TOPIC.code(), deleted.topics().find("orders").partitions()
                .find(0).errorCode(), "...of topics it does not subscribe to");
    }

    @Test
    void theGroupApisSeeAConsumerGroupAsKafkaShowsIt() throws Exception {
        String id = Uuid.randomUuid().toString();
        heartbeat((short) 1, join("modern", id));

        short lv = 5;
        ListGroupsResponseData listed = new ListGroupsResponseData(handlers.exchange(ApiKeys.LIST_GROUPS,
                lv, new ListGroupsRequestData().setTypesFilter(List.of("Consumer"))), lv);
        ListGroupsResponseData.ListedGroup g = listed.groups().stream().filter(x -> x.groupId().equals("modern"))
                .findFirst().orElseThrow();
        assertEquals("consumer", g.groupType());
        assertEquals("consumer", g.protocolType());
        assertEquals("Stable", g.groupState());
        ListGroupsResponseData empty = new ListGroupsResponseData(handlers.exchange(ApiKeys.LIST_GROUPS,
                lv, new ListGroupsRequestData().setStatesFilter(List.of("assigning"))), lv);
        assertTrue(empty.groups().isEmpty());

        for (short v : new short[]{5, 6}) {
            DescribeGroupsResponseData.DescribedGroup d = new DescribeGroupsResponseData(handlers.exchange(ApiKeys.DESCRIBE_GROUPS, v, new DescribeGroupsRequestData().setGroups(List.of("modern"))), v)
                    .groups().get(0);
            assertEquals("Dead", d.groupState(), "DescribeGroups describes classic groups only");
            assertEquals(v >= 6 ? Errors.GROUP_ID_NOT_FOUND.code() : 0, d.errorCode());
        }

        for (short v : new short[]{0, 1}) {
            ConsumerGroupDescribeResponseData described = new ConsumerGroupDescribeResponseData(handlers.exchange(ApiKeys.CONSUMER_GROUP_DESCRIBE, v, new ConsumerGroupDescribeRequestData()
                            .setGroupIds(List.of("modern", "nobody", ""))), v);
            ConsumerGroupDescribeResponseData.DescribedGroup modern = described.groups().get(0);
            assertEquals(0, modern.errorCode());
            assertEquals("Stable", modern.groupState());
            assertEquals(2, modern.groupEpoch());
            assertEquals(2, modern.assignmentEpoch());
            assertEquals("uniform", modern.assignorName());
            ConsumerGroupDescribeResponseData.Member m = modern.members().get(0);
            assertEquals(id, m.memberId());
            assertEquals(List.of("orders"), m.subscribedTopicNames());
            assertEquals("orders", m.assignment().topicPartitions().get(0).topicName());
            assertEquals(List.of(0, 1), m.targetAssignment().topicPartitions().get(0).partitions());
            assertEquals(v >= 1 ? 1 : -1, m.memberType());
            assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), described.groups().get(1).errorCode());
            assertEquals(Errors.INVALID_GROUP_ID.code(), described.groups().get(2).errorCode());
        }
    }

    @Test
    void classicAndConsumerGroupsKeepTheirIds() throws Exception {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        short jv = 3; // before member ids were required: the member is in at once
        JoinGroupResponseData joined = new JoinGroupResponseData(handlers.exchange(ApiKeys.JOIN_GROUP, jv,
                new JoinGroupRequestData().setGroupId("classic").setMemberId("").setSessionTimeoutMs(10_000)
                        .setRebalanceTimeoutMs(10_000).setProtocolType("consumer").setProtocols(protocols)), jv);
        assertEquals(0, joined.errorCode());
        ConsumerGroupHeartbeatResponseData r = heartbeat((short) 1, join("classic", Uuid.randomUuid().toString()));
        assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), r.errorCode());

        String modern = Uuid.randomUuid().toString();
        heartbeat((short) 1, join("modern", modern));
        JoinGroupRequestData classicJoin = new JoinGroupRequestData().setGroupId("modern").setMemberId("")
                .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000).setProtocolType("consumer")
                .setProtocols(protocols);
        JoinGroupResponseData refused = new JoinGroupResponseData(handlers.exchange(ApiKeys.JOIN_GROUP, jv,
                classicJoin), jv);
        assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), refused.errorCode());

        // Once empty, the consumer group gives its id up to a classic member.
        assertEquals(0, heartbeat((short) 1, new ConsumerGroupHeartbeatRequestData().setGroupId("modern")
                .setMemberId(modern).setMemberEpoch(-1)).errorCode());
        assertEquals(0, new JoinGroupResponseData(handlers.exchange(ApiKeys.JOIN_GROUP, jv, classicJoin),
                jv).errorCode());
        short lv = 5;
        ListGroupsResponseData listed = new ListGroupsResponseData(handlers.exchange(ApiKeys.LIST_GROUPS,
                lv, new ListGroupsRequestData()), lv);
        assertEquals("classic", listed.groups().stream().filter(x -> x.groupId().equals("modern")).findFirst()
                .orElseThrow().groupType());

        ConsumerGroupDescribeResponseData.DescribedGroup d = new ConsumerGroupDescribeResponseData(handlers.exchange(ApiKeys.CONSUMER_GROUP_DESCRIBE, (short) 0, new ConsumerGroupDescribeRequestData()
                        .setGroupIds(List.of("classic"))), (short) 0).groups().get(0);
        assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), d.errorCode());
        assertTrue(d.errorMessage().contains("not a consumer group"), d.errorMessage());
    }
}
