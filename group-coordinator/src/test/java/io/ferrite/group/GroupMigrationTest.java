package io.ferrite.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.group.ConsumerGroupConfig.MigrationPolicy;
import io.ferrite.storage.FlushMode;
import io.ferrite.storage.MutableClock;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreConfig;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live group moving between the classic and consumer protocols (KIP-848's online migration) on the group
 * coordinator: classic members keep their partitions when a consumer-protocol member joins and are assigned by
 * the coordinator from then on; the group is classic again when that member leaves; the policy can forbid
 * either way; a restart keeps the classic members of a consumer group.
 */
class GroupMigrationTest {
    private static final String GROUP = "mixed";

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final TestTopics topics = new TestTopics();
    private Store store;
    private GroupCoordinator coordinator;
    private MigrationPolicy policy = MigrationPolicy.BIDIRECTIONAL;
    private int consumerMaxSize = Integer.MAX_VALUE;

    private void open() {
        store = Store.open(StoreConfig.builder(dir, FlushMode.SYNC).commitLogFileSize(1 << 20).build(), clock,
                List.of(GroupCoordinator.LOG_PARTITION));
        ConsumerGroupConfig defaults = ConsumerGroupConfig.defaults();
        ConsumerGroupConfig consumerConfig = new ConsumerGroupConfig(defaults.sessionTimeoutMs(),
                defaults.minSessionTimeoutMs(), defaults.maxSessionTimeoutMs(), defaults.heartbeatIntervalMs(),
                defaults.minHeartbeatIntervalMs(), defaults.maxHeartbeatIntervalMs(), consumerMaxSize,
                defaults.assignors(), policy);
        coordinator = GroupCoordinator.start(store, clock, GroupConfig.fromProperties(Map.of(
                "group.initial.rebalance.delay.ms", "0")), consumerConfig, ShareGroupConfig.defaults(), topics);
    }

    @AfterEach
    void stop() {
        if (coordinator != null) {
            coordinator.close();
            store.close();
        }
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    /** A classic consumer: range assignor, cooperative (it reports what it owns when it rejoins). */
    private final class Classic {
        String memberId = "";
        String instanceId;
        int generation = -1;
        List<TopicPartition> owned = List.of();
        JoinGroupResponseData lastJoin;

        CompletableFuture<JoinGroupResponseData> joinAsync() throws Exception {
            JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
            ByteBuffer sub = ConsumerProtocol.serializeSubscription(new ConsumerPartitionAssignor.Subscription(
                    List.of("orders"), null, owned), (short) 3);
            protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(bytes(sub)));
            JoinGroupRequestData req = new JoinGroupRequestData().setGroupId(GROUP).setMemberId(memberId)
                    .setGroupInstanceId(instanceId).setSessionTimeoutMs(45_000).setRebalanceTimeoutMs(30_000).setProtocolType("consumer")
                    .setProtocols(protocols);
            if (!memberId.isEmpty()) {
                return coordinator.joinGroup(req, (short) 9, "classic", "/127.0.0.1").thenApply(this::joined);
            }
            JoinGroupResponseData r = get(coordinator.joinGroup(req, (short) 9, "classic", "/127.0.0.1"));
            if (r.errorCode() == Errors.MEMBER_ID_REQUIRED.code()) {
                memberId = r.memberId();
                req.setMemberId(memberId);
                return coordinator.joinGroup(req, (short) 9, "classic", "/127.0.0.1").thenApply(this::joined);
            }
            return CompletableFuture.completedFuture(joined(r));
        }

        private JoinGroupResponseData joined(JoinGroupResponseData r) {
            lastJoin = r;
            if (r.errorCode() == 0) {
                memberId = r.memberId();
                generation = r.generationId();
            }
            return r;
        }

        /** SyncGroup; a leader (of a classic group) hands out {@code plan}. */
        SyncGroupResponseData sync(Map<String, List<TopicPartition>> plan) throws Exception {
            SyncGroupRequestData req = new SyncGroupRequestData().setGroupId(GROUP).setMemberId(memberId)
                    .setGenerationId(generation).setProtocolType("consumer").setProtocolName("range");
            plan.forEach((id, parts) -> req.assignments().add(new SyncGroupRequestAssignment().setMemberId(id)
                    .setAssignment(bytes(ConsumerProtocol.serializeAssignment(
                            new ConsumerPartitionAssignor.Assignment(parts), (short) 3)))));
            SyncGroupResponseData r = get(coordinator.syncGroup(req, (short) 5));
            if (r.errorCode() == 0) {
                owned = ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(r.assignment())).partitions();
            }
            return r;
        }

        Errors heartbeat() throws Exception {
            return Errors.forCode(get(coordinator.heartbeat(new HeartbeatRequestData().setGroupId(GROUP)
                    .setMemberId(memberId).setGroupInstanceId(instanceId).setGenerationId(generation))).errorCode());
        }

        /** Rejoins and syncs while the coordinator asks it to, as a cooperative client would. */
        void settle() throws Exception {
            for (int i = 0; i < 10 && heartbeat() == Errors.REBALANCE_IN_PROGRESS; i++) {
                JoinGroupResponseData j = get(joinAsync());
                assertEquals(0, j.errorCode(), "rejoined: " + j);
                assertEquals("", j.leader(), "nobody assigns in a consumer group");
                assertEquals(0, sync(Map.of()).errorCode());
            }
            assertEquals(Errors.NONE, heartbeat());
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static List<TopicPartition> orders(int... ps) {
        List<TopicPartition> out = new ArrayList<>();
        for (int p : ps) {
            out.add(new TopicPartition("orders", p));
        }
        return out;
    }

    /** Two classic members, a: orders 0-2 and b: 3-5, Stable. */
    private List<Classic> classicGroup() throws Exception {
        Classic a = new Classic();
        JoinGroupResponseData alone = get(a.joinAsync());
        assertEquals(a.memberId, alone.leader());
        assertEquals(0, a.sync(Map.of(a.memberId, orders(0, 1, 2, 3, 4, 5))).errorCode());
        Classic b = new Classic();
        CompletableFuture<JoinGroupResponseData> bJoin = b.joinAsync();
        assertEquals(Errors.REBALANCE_IN_PROGRESS, a.heartbeat());
        JoinGroupResponseData aJoin = get(a.joinAsync());
        get(bJoin);
        assertEquals(a.memberId, aJoin.leader());
        CompletableFuture<SyncGroupResponseData> bSync = CompletableFuture.supplyAsync(() -> {
            try {
                return b.sync(Map.of());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(0, a.sync(Map.of(a.memberId, orders(0, 1, 2), b.memberId, orders(3, 4, 5))).errorCode());
        assertEquals(0, bSync.get(10, TimeUnit.SECONDS).errorCode());
        assertEquals(orders(3, 4, 5), b.owned);
        return List.of(a, b);
    }

    private ConsumerGroupHeartbeatResponseData consumerJoin(String memberId) throws Exception {
        return get(coordinator.consumerGroupHeartbeat(new ConsumerGroupHeartbeatRequestData().setGroupId(GROUP)
                .setMemberId(memberId).setMemberEpoch(0).setRebalanceTimeoutMs(30_000)
                .setSubscribedTopicNames(List.of("orders")).setTopicPartitions(List.of()), (short) 1, "new",
                "/127.0.0.1"));
    }

    private ConsumerGroupDescribeResponseData.DescribedGroup describe() throws Exception {
        return get(coordinator.consumerGroupDescribe(List.of(GROUP))).get(0);
    }

    private String classicState() throws Exception {
        return get(coordinator.describeGroups(new DescribeGroupsRequestData().setGroups(List.of(GROUP)), (short) 5))
                .groups().get(0).groupState();
    }

    @Test
    void aConsumerMemberJoiningAClassicGroupMakesItAConsumerGroupThatAssignsEveryone() throws Exception {
        topics.create("orders", 6);
        open();
        List<Classic> classics = classicGroup();
        Classic a = classics.get(0);
        Classic b = classics.get(1);
        int generation = a.generation;

        ConsumerGroupHeartbeatResponseData c = consumerJoin("c");
        assertEquals(0, c.errorCode(), c.toString());
        assertEquals(generation + 1, c.memberEpoch(), "the classic generation goes on as the group epoch");
        ConsumerGroupDescribeResponseData.DescribedGroup d = describe();
        assertEquals(3, d.members().size());
        for (ConsumerGroupDescribeResponseData.Member m : d.members()) {
            assertEquals(m.memberId().equals("c") ? 1 : 0, m.memberType(), m.memberId());
        }
        // The classic members keep committing under their generation until they rejoin.
        assertEquals(0, commit(a, a.generation).topics().get(0).partitions().get(0).errorCode());
        assertEquals(Errors.ILLEGAL_GENERATION.code(),
                commit(a, a.generation + 5).topics().get(0).partitions().get(0).errorCode());

        a.settle();
        b.settle();
        int epoch = 0;
        Set<TopicPartition> cOwned = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            ConsumerGroupHeartbeatResponseData beat = get(coordinator.consumerGroupHeartbeat(
                    new ConsumerGroupHeartbeatRequestData().setGroupId(GROUP).setMemberId("c")
                            .setMemberEpoch(i == 0 ? c.memberEpoch() : epoch).setTopicPartitions(List.of()), (short) 1,
                    "new", "/127.0.0.1"));
            assertEquals(0, beat.errorCode(), beat.toString());
            epoch = beat.memberEpoch();
            if (beat.assignment() != null) {
                cOwned.clear();
                beat.assignment().topicPartitions().forEach(tp -> tp.partitions()
                        .forEach(p -> cOwned.add(new TopicPartition("orders", p))));
            }
            a.settle();
            b.settle();
        }
        Set<TopicPartition> all = new TreeSet<>((x, y) -> Integer.compare(x.partition(), y.partition()));
        all.addAll(a.owned);
        all.addAll(b.owned);
        all.addAll(cOwned);
        assertEquals(6, all.size(), "every partition held once: " + a.owned + b.owned + cOwned);
        assertEquals(6, a.owned.size() + b.owned.size() + cOwned.size(), "by one member each");
        assertEquals(2, cOwned.size(), "the consumer member got its share");
        assertEquals("Stable", describe().groupState());

        // The last consumer-protocol member leaves: a classic group again, which rebalances among its members.
        assertEquals(0, get(coordinator.consumerGroupHeartbeat(new ConsumerGroupHeartbeatRequestData()
                .setGroupId(GROUP).setMemberId("c").setMemberEpoch(-1), (short) 1, "new", "/127.0.0.1")).errorCode());
        assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), describe().errorCode());
        assertEquals("PreparingRebalance", classicState());
        assertEquals(Errors.REBALANCE_IN_PROGRESS, a.heartbeat());
        CompletableFuture<JoinGroupResponseData> aJoin = a.joinAsync();
        JoinGroupResponseData bJoin = get(b.joinAsync());
        assertEquals(0, bJoin.errorCode());
        assertEquals(0, get(aJoin).errorCode());
        Classic leader = a.lastJoin.leader().equals(a.memberId) ? a : b;
        Classic follower = leader == a ? b : a;
        assertEquals(2, leader.lastJoin.members().size(), "the leader assigns again");
        CompletableFuture<SyncGroupResponseData> fSync = CompletableFuture.supplyAsync(() -> {
            try {
                return follower.sync(Map.of());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(0, leader.sync(Map.of(leader.memberId, orders(0, 1, 2), follower.memberId, orders(3, 4, 5)))
                .errorCode());
        assertEquals(0, fSync.get(10, TimeUnit.SECONDS).errorCode());
        assertEquals("Stable", classicState());
    }

    private org.apache.kafka.common.message.OffsetCommitResponseData commit(Classic m, int generation)
            throws Exception {
        OffsetCommitRequestData req = new OffsetCommitRequestData().setGroupId(GROUP).setMemberId(m.memberId)
                .setGenerationIdOrMemberEpoch(generation);
        req.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("orders").setPartitions(
                List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
                        .setCommittedOffset(5))));
        return get(coordinator.commitOffsets(req, (short) 8));
    }

    @Test
    void withMigrationDisabledALiveClassicGroupRefusesConsumerMembers() throws Exception {
        topics.create("orders", 6);
        policy = MigrationPolicy.DISABLED;
        open();
        classicGroup();
        assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), consumerJoin("c").errorCode());
        assertEquals("Stable", classicState());
    }

    @Test
    void aJoinRefusedForTheGroupsSizeLeavesTheClassicGroupAsItWas() throws Exception {
        topics.create("orders", 6);
        consumerMaxSize = 2;
        open();
        List<Classic> classics = classicGroup();
        assertEquals(Errors.GROUP_MAX_SIZE_REACHED.code(), consumerJoin("c").errorCode());
        assertEquals("Stable", classicState());
        assertEquals(Errors.NONE, classics.get(0).heartbeat());
    }

    @Test
    void aConsumerMemberTakesAClassicStaticMembersInstanceIdAndPartitions() throws Exception {
        topics.create("orders", 6);
        open();
        Classic a = new Classic();
        a.instanceId = "host-a";
        get(a.joinAsync());
        assertEquals(0, a.sync(Map.of(a.memberId, orders(0, 1, 2, 3, 4, 5))).errorCode());
        ConsumerGroupHeartbeatResponseData c = get(coordinator.consumerGroupHeartbeat(
                new ConsumerGroupHeartbeatRequestData().setGroupId(GROUP).setMemberId("c").setMemberEpoch(0)
                        .setInstanceId("host-a").setRebalanceTimeoutMs(30_000)
                        .setSubscribedTopicNames(List.of("orders")).setTopicPartitions(List.of()), (short) 1, "new",
                "/127.0.0.1"));
        assertEquals(0, c.errorCode(), c.toString());
        assertEquals(6, c.assignment().topicPartitions().get(0).partitions().size(), "the restarted member's own");
        assertEquals(1, describe().members().size());
        assertEquals(Errors.FENCED_INSTANCE_ID, a.heartbeat(), "the old classic member is fenced");
    }

    @Test
    void withUpgradeOnlyTheGroupStaysAConsumerGroupOfClassicMembers() throws Exception {
        topics.create("orders", 6);
        policy = MigrationPolicy.UPGRADE;
        open();
        List<Classic> classics = classicGroup();
        ConsumerGroupHeartbeatResponseData c = consumerJoin("c");
        assertEquals(0, c.errorCode());
        assertEquals(0, get(coordinator.consumerGroupHeartbeat(new ConsumerGroupHeartbeatRequestData()
                .setGroupId(GROUP).setMemberId("c").setMemberEpoch(-1), (short) 1, "new", "/127.0.0.1")).errorCode());
        assertEquals(2, describe().members().size(), "still a consumer group");
        for (int i = 0; i < 3; i++) { // one may wait for what the other gives up
            classics.get(0).settle();
            classics.get(1).settle();
        }
        assertEquals(6, classics.get(0).owned.size() + classics.get(1).owned.size());
    }

    @Test
    void aRestartKeepsTheClassicMembersOfAConsumerGroup() throws Exception {
        topics.create("orders", 6);
        open();
        List<Classic> classics = classicGroup();
        assertEquals(0, consumerJoin("c").errorCode());
        stop();
        open();
        ConsumerGroupDescribeResponseData.DescribedGroup d = describe();
        assertEquals(3, d.members().size());
        assertEquals(2, d.members().stream().filter(m -> m.memberType() == 0).count());
        Classic a = classics.get(0);
        assertEquals(Errors.REBALANCE_IN_PROGRESS, a.heartbeat(), "its epoch is behind the group's");
        a.settle();
        assertFalse(a.owned.isEmpty());
        assertTrue(a.owned.size() <= 3);
    }
}
