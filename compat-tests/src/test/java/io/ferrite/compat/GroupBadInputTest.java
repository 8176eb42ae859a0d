package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ferrite.launcher.BrokerUnderTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InconsistentGroupProtocolException;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Group requests the coordinator must refuse, each with Kafka's error, through the stock client where it can
 * be made to send them and raw otherwise: a member without a protocol in common with the group, an empty
 * group id, a commit, heartbeat and sync from a generation the group has left, and requests right behind
 * the deletion of their group. After each, the broker goes on serving the groups that did nothing wrong.
 */
@Compat(family = Compat.JAVA, feature = "classic group: refused bad requests")
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(180)
class GroupBadInputTest {
    private static final String TOPIC = "bad-group-input";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static Admin admin;
    private GroupMember member;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        broker = kind.start("GroupBadInputTest", dir.resolve(kind.name()), FastGroups.BROKER);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
        admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of())) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(TOPIC, i % 2, null, Clients.bytes("v" + i)));
            }
            producer.flush();
        }
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        try {
            if (admin != null) {
                admin.close();
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    @AfterEach
    void closeMember() throws Exception {
        if (member != null) {
            member.close();
        }
    }

    private static Map<String, Object> classic(Map<String, Object> extra) {
        Map<String, Object> c = new HashMap<>(Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6_000, ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 300));
        c.putAll(extra);
        return c;
    }

    /** A member of {@code group} holding both partitions, in a stable group. */
    private GroupMember stableMember(String group) throws Exception {
        GroupMember m = GroupMember.start(group + "-member", Clients.groupConsumer(broker.bootstrap(), group,
                classic(Map.of())), TOPIC);
        member = m;
        GroupMember.await(() -> m.assigned().size() == 2 && m.generation() > 0, WAIT, "a member of " + group);
        return m;
    }

    private static ConsumerGroupDescription describe(String group) throws Exception {
        return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS);
    }

    private static JoinGroupRequestData join(String group, String memberId, String protocolType) {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        return new JoinGroupRequestData().setGroupId(group).setMemberId(memberId).setProtocolType(protocolType)
                .setSessionTimeoutMs(6_000).setRebalanceTimeoutMs(6_000).setProtocols(protocols);
    }

    private static OffsetCommitRequestData commit(String group, String memberId, int generation, long offset) {
        return new OffsetCommitRequestData().setGroupId(group).setMemberId(memberId)
                .setGenerationIdOrMemberEpoch(generation).setTopics(List.of(new OffsetCommitRequestTopic()
                        .setName(TOPIC).setPartitions(List.of(new OffsetCommitRequestPartition().setPartitionIndex(0)
                                .setCommittedOffset(offset).setCommittedMetadata("")))));
    }

    private static short commitError(OffsetCommitResponseData r) {
        return r.topics().get(0).partitions().get(0).errorCode();
    }

    /** Another group, untouched by the bad requests, still joins, consumes and commits. */
    private static void anotherGroupIsServed(String group) throws Exception {
        try (KafkaConsumer<byte[], byte[]> c = Clients.groupConsumer(broker.bootstrap(), group, classic(Map.of()))) {
            c.subscribe(List.of(TOPIC));
            int read = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (read < 20) {
                if (System.nanoTime() > deadline) {
                    fail(group + " read only " + read + " records");
                }
                read += c.poll(Duration.ofMillis(100)).count();
            }
            c.commitSync();
        }
        assertEquals(Map.of(0, 10L, 1, 10L), admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS).entrySet().stream()
                .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset())));
    }

    @Test
    void aMemberWithNoProtocolInCommonIsRefusedAndTheGroupCarriesOn() throws Exception {
        String group = "protocol-group";
        GroupMember a = stableMember(group);
        int generation = a.generation();

        // Same protocol type, but only an assignor the group's member does not offer.
        try (KafkaConsumer<byte[], byte[]> other = Clients.groupConsumer(broker.bootstrap(), group, classic(Map.of(
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RoundRobinAssignor.class.getName())))) {
            other.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                try {
                    other.poll(Duration.ofMillis(100));
                } catch (InconsistentGroupProtocolException expected) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    fail("the round-robin-only member was never refused");
                }
            }
        }
        // Another protocol type altogether, which no stock consumer sends.
        try (RawConnection raw = RawConnection.open(broker.bootstrap())) {
            for (String memberId : List.of("", "unknown-member")) {
                JoinGroupResponseData r = raw.exchange(ApiKeys.JOIN_GROUP, (short) 9, join(group, memberId, "connect"));
                assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), r.errorCode(), "member id '" + memberId + "'");
            }
        }
        ConsumerGroupDescription d = describe(group);
        assertEquals(GroupState.STABLE, d.groupState());
        assertEquals(1, d.members().size(), d.toString());
        assertEquals(GroupType.CLASSIC, d.type());
        Thread.sleep(500);
        assertEquals(generation, a.generation(), "the refused joins caused no rebalance");
        assertEquals(Set.of(0, 1), a.assigned());
        a.checkHealthy();
        anotherGroupIsServed("after-protocol");
    }

    /**
     * The membership requests refuse an empty group id with INVALID_GROUP_ID, while OffsetCommit,
     * OffsetFetch, DescribeGroups and DeleteGroups take "" as a group id, for clients of long ago: both brokers
     * alike.
     */
    @Test
    void anEmptyGroupIdIsRefusedByTheMembershipRequestsAndTakenByTheOffsetAndAdminOnes() throws Exception {
        Map<String, Short> answers = new LinkedHashMap<>();
        try (RawConnection raw = RawConnection.open(broker.bootstrap())) {
            JoinGroupResponseData join = raw.exchange(ApiKeys.JOIN_GROUP, (short) 9, join("", "", "consumer"));
            answers.put("JoinGroup", join.errorCode());
            SyncGroupResponseData sync = raw.exchange(ApiKeys.SYNC_GROUP, (short) 5, new SyncGroupRequestData()
                    .setGroupId("").setMemberId("m").setGenerationId(1).setProtocolType("consumer")
                    .setProtocolName("range"));
            answers.put("SyncGroup", sync.errorCode());
            HeartbeatResponseData heartbeat = raw.exchange(ApiKeys.HEARTBEAT, (short) 4, new HeartbeatRequestData()
                    .setGroupId("").setMemberId("m").setGenerationId(1));
            answers.put("Heartbeat", heartbeat.errorCode());
            LeaveGroupResponseData leave = raw.exchange(ApiKeys.LEAVE_GROUP, (short) 5, new LeaveGroupRequestData()
                    .setGroupId("").setMembers(List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId("m"))));
            answers.put("LeaveGroup", leave.errorCode());
            OffsetCommitResponseData commit = raw.exchange(ApiKeys.OFFSET_COMMIT, (short) 8, commit("", "", -1, 3));
            answers.put("OffsetCommit", commitError(commit));
            OffsetFetchResponseData fetch = raw.exchange(ApiKeys.OFFSET_FETCH, (short) 8, new OffsetFetchRequestData()
                    .setGroups(List.of(new OffsetFetchRequestGroup().setGroupId("").setTopics(null))));
            answers.put("OffsetFetch", fetch.groups().get(0).errorCode());
            DescribeGroupsResponseData described = raw.exchange(ApiKeys.DESCRIBE_GROUPS, (short) 5,
                    new DescribeGroupsRequestData().setGroups(List.of("")));
            answers.put("DescribeGroups", described.groups().get(0).errorCode());
            DeleteGroupsResponseData deleted = raw.exchange(ApiKeys.DELETE_GROUPS, (short) 2,
                    new DeleteGroupsRequestData().setGroupsNames(List.of("")));
            answers.put("DeleteGroups", deleted.results().iterator().next().errorCode());
        }
        short invalid = Errors.INVALID_GROUP_ID.code();
        short takenAsAnId = Errors.NONE.code();
        Map<String, Short> expected = new LinkedHashMap<>();
        for (String api : List.of("JoinGroup", "SyncGroup", "Heartbeat", "LeaveGroup")) {
            expected.put(api, invalid);
        }
        for (String api : List.of("OffsetCommit", "OffsetFetch", "DescribeGroups", "DeleteGroups")) {
            expected.put(api, takenAsAnId);
        }
        assertEquals(expected, answers);
        assertFalse(admin.listGroups().all().get(30, TimeUnit.SECONDS).stream().map(GroupListing::groupId)
                .anyMatch(String::isEmpty), "no group without a name is left");
        anotherGroupIsServed("after-empty-id");
    }

    @Test
    void aCommitHeartbeatOrSyncFromAnOldGenerationIsRefused() throws Exception {
        String group = "fenced-group";
        GroupMember a = stableMember(group);
        int old = a.generation();
        String memberId = a.memberId();
        try (GroupMember b = GroupMember.start("fenced-b", Clients.groupConsumer(broker.bootstrap(), group,
                classic(Map.of())), TOPIC)) {
            GroupMember.await(() -> a.generation() > old && a.assigned().size() == 1 && b.assigned().size() == 1,
                    WAIT, "a second generation with two members");
            int current = a.generation();
            try (RawConnection raw = RawConnection.open(broker.bootstrap())) {
                short illegal = Errors.ILLEGAL_GENERATION.code();
                assertEquals(illegal, commitError(raw.exchange(ApiKeys.OFFSET_COMMIT, (short) 8,
                        commit(group, memberId, old, 999))), "OffsetCommit");
                assertEquals(illegal, ((HeartbeatResponseData) raw.exchange(ApiKeys.HEARTBEAT, (short) 4,
                        new HeartbeatRequestData().setGroupId(group).setMemberId(memberId).setGenerationId(old)))
                        .errorCode(), "Heartbeat");
                assertEquals(illegal, ((SyncGroupResponseData) raw.exchange(ApiKeys.SYNC_GROUP, (short) 5,
                        new SyncGroupRequestData().setGroupId(group).setMemberId(memberId).setGenerationId(old)
                                .setProtocolType("consumer").setProtocolName("range"))).errorCode(), "SyncGroup");
                assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), commitError(raw.exchange(ApiKeys.OFFSET_COMMIT,
                        (short) 8, commit(group, "no-such-member", current, 999))), "a stranger's commit");
            }
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            assertTrue(committed.values().stream().allMatch(o -> o == null || o.offset() <= 10),
                    "no refused commit took effect: " + committed);
            Thread.sleep(500);
            assertEquals(current, a.generation(), "the refused requests caused no rebalance");
            assertEquals(GroupState.STABLE, describe(group).groupState());
            b.checkHealthy();
        }
        a.checkHealthy();
        anotherGroupIsServed("after-fencing");
    }

    @Test
    void requestsRightBehindTheDeletionOfTheirGroupFindItGone() throws Exception {
        String group = "doomed-group";
        String memberId;
        int generation;
        try (KafkaConsumer<byte[], byte[]> c = Clients.groupConsumer(broker.bootstrap(), group, classic(Map.of()))) {
            c.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (c.assignment().size() < 2 && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100));
            }
            c.commitSync(Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(1),
                    new TopicPartition(TOPIC, 1), new OffsetAndMetadata(1)));
            memberId = c.groupMetadata().memberId();
            generation = c.groupMetadata().generationId();
        }
        assertTrue(generation > 0, "the member had joined: " + generation);

        // A non-empty group cannot be deleted.
        String busy = "busy-group";
        stableMember(busy);
        try (RawConnection raw = RawConnection.open(broker.bootstrap())) {
            DeleteGroupsResponseData refused = raw.exchange(ApiKeys.DELETE_GROUPS, (short) 2,
                    new DeleteGroupsRequestData().setGroupsNames(List.of(busy)));
            assertEquals(Errors.NON_EMPTY_GROUP.code(), refused.results().find(busy).errorCode());

            // Sent all at once: each is answered, in order, by a coordinator that has just deleted the group.
            int delete = raw.send(ApiKeys.DELETE_GROUPS, (short) 2,
                    new DeleteGroupsRequestData().setGroupsNames(List.of(group)));
            int heartbeat = raw.send(ApiKeys.HEARTBEAT, (short) 4, new HeartbeatRequestData().setGroupId(group)
                    .setMemberId(memberId).setGenerationId(generation));
            int commitV8 = raw.send(ApiKeys.OFFSET_COMMIT, (short) 8, commit(group, memberId, generation, 5));
            int commitV9 = raw.send(ApiKeys.OFFSET_COMMIT, (short) 9, commit(group, memberId, generation, 5));
            int fetch = raw.send(ApiKeys.OFFSET_FETCH, (short) 8, new OffsetFetchRequestData()
                    .setGroups(List.of(new OffsetFetchRequestGroup().setGroupId(group).setTopics(null))));
            int rejoin = raw.send(ApiKeys.JOIN_GROUP, (short) 9, join(group, memberId, "consumer"));
            int deleteAgain = raw.send(ApiKeys.DELETE_GROUPS, (short) 2,
                    new DeleteGroupsRequestData().setGroupsNames(List.of(group)));
            int describe = raw.send(ApiKeys.DESCRIBE_GROUPS, (short) 5,
                    new DescribeGroupsRequestData().setGroups(List.of(group)));

            DeleteGroupsResponseData deleted = raw.receive(ApiKeys.DELETE_GROUPS, (short) 2, delete);
            assertEquals(Errors.NONE.code(), deleted.results().find(group).errorCode(), "DeleteGroups");
            HeartbeatResponseData hb = raw.receive(ApiKeys.HEARTBEAT, (short) 4, heartbeat);
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), hb.errorCode(), "Heartbeat");
            OffsetCommitResponseData c8 = raw.receive(ApiKeys.OFFSET_COMMIT, (short) 8, commitV8);
            assertEquals(Errors.ILLEGAL_GENERATION.code(), commitError(c8), "OffsetCommit v8");
            OffsetCommitResponseData c9 = raw.receive(ApiKeys.OFFSET_COMMIT, (short) 9, commitV9);
            assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), commitError(c9), "OffsetCommit v9");
            OffsetFetchResponseData fetched = raw.receive(ApiKeys.OFFSET_FETCH, (short) 8, fetch);
            assertEquals(Errors.NONE.code(), fetched.groups().get(0).errorCode(), "OffsetFetch");
            assertEquals(List.of(), fetched.groups().get(0).topics(), "no offsets left");
            JoinGroupResponseData joined = raw.receive(ApiKeys.JOIN_GROUP, (short) 9, rejoin);
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), joined.errorCode(), "JoinGroup with the old member id");
            DeleteGroupsResponseData again = raw.receive(ApiKeys.DELETE_GROUPS, (short) 2, deleteAgain);
            assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), again.results().find(group).errorCode(), "DeleteGroups again");
            DescribeGroupsResponseData described = raw.receive(ApiKeys.DESCRIBE_GROUPS, (short) 5, describe);
            assertEquals(Errors.NONE.code(), described.groups().get(0).errorCode(), "DescribeGroups v5");
            assertEquals("Dead", described.groups().get(0).groupState());
        }
        assertFalse(admin.listGroups().all().get(30, TimeUnit.SECONDS).stream().map(GroupListing::groupId)
                .anyMatch(group::equals), "the group is gone");
        assertEquals(GroupState.STABLE, describe(busy).groupState(), "the busy group was left alone");
        member.checkHealthy();
        anotherGroupIsServed("after-deletion");
    }
}
