package io.ferrite.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.coordinator.CoordinatorRuntime;
import io.ferrite.coordinator.StoreCoordinatorLog;
import io.ferrite.storage.FlushMode;
import io.ferrite.storage.MutableClock;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.StaleMemberEpochException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The consumer group protocol's flows on the coordinator thread, with a real log and a clock moved by hand. */
class ConsumerGroupFlowsTest {
    private static final int SESSION_MS = 45_000;
    private static final ConsumerGroupConfig CONFIG = new ConsumerGroupConfig(SESSION_MS, 45_000, 60_000, 5_000,
            5_000, 15_000, 3, List.of("uniform", "range"), ConsumerGroupConfig.MigrationPolicy.BIDIRECTIONAL);

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final TestTopics topics = new TestTopics();
    private Store store;
    private CoordinatorRuntime<GroupRecord> runtime;
    private Map<String, Group> groups;
    private ClassicGroups classic;
    private ConsumerGroups consumers;
    private Uuid orders;
    private long compactAfterBytes = 64L << 20;

    @BeforeEach
    void start() {
        orders = topics.create("orders", 6);
        open();
    }

    private void open() {
        store = Store.open(StoreConfig.builder(dir, FlushMode.ASYNC).commitLogFileSize(1 << 20).build(), clock,
                List.of(GroupCoordinator.LOG_PARTITION));
        runtime = new CoordinatorRuntime<>("group-coordinator", new StoreCoordinatorLog<>(store,
                GroupCoordinator.LOG_PARTITION, GroupRecordSerde.INSTANCE, clock), clock, compactAfterBytes);
        groups = new HashMap<>();
        classic = new ClassicGroups(groups, runtime, GroupConfig.fromProperties(Map.of()));
        consumers = new ConsumerGroups(groups, runtime, CONFIG, new GroupConfigs(CONFIG, ShareGroupConfig.defaults()), topics,
                classic);
        runtime.start(List.of(classic, new Offsets(groups, classic), consumers));
    }

    @AfterEach
    void stop() {
        runtime.close();
        store.close();
    }

    private void restart() {
        stop();
        open();
    }

    private <T> T onThread(Supplier<T> op) {
        return runtime.call(() -> CompletableFuture.completedFuture(op.get())).join();
    }

    /** Moves the clock and runs what is due, as the coordinator thread would. */
    private void tick(long ms) {
        clock.advance(ms);
        onThread(() -> {
            runtime.runDueTimers();
            return null;
        });
    }

    private ConsumerGroup group(String id) {
        return onThread(() -> consumers.get(id));
    }

    /** A client of the protocol: it gives up and takes partitions at once when an answer tells it to. */
    private final class Member {
        final String id = Uuid.randomUuid().toString();
        final String group;
        String instanceId;
        List<String> names = List.of("orders");
        String regex;
        int rebalanceTimeoutMs = 30_000;
        int epoch;
        Map<Uuid, Set<Integer>> owned = Map.of();

        Member(String group) {
            this.group = group;
        }

        ConsumerGroupHeartbeatResponseData join() {
            return send(new ConsumerGroupHeartbeatRequestData().setGroupId(group).setMemberId(id).setMemberEpoch(0)
                    .setInstanceId(instanceId).setRebalanceTimeoutMs(rebalanceTimeoutMs)
                    .setSubscribedTopicNames(regex == null ? names : null).setSubscribedTopicRegex(regex)
                    .setTopicPartitions(List.of()));
        }

        ConsumerGroupHeartbeatResponseData beat() {
            return send(new ConsumerGroupHeartbeatRequestData().setGroupId(group).setMemberId(id).setMemberEpoch(epoch)
                    .setInstanceId(instanceId).setTopicPartitions(wire(owned)));
        }

        ConsumerGroupHeartbeatResponseData leave(int leaveEpoch) {
            return send(new ConsumerGroupHeartbeatRequestData().setGroupId(group).setMemberId(id)
                    .setInstanceId(instanceId).setMemberEpoch(leaveEpoch));
        }

        ConsumerGroupHeartbeatResponseData send(ConsumerGroupHeartbeatRequestData req) {
            ConsumerGroupHeartbeatResponseData r = runtime.call(() -> consumers.heartbeat(req, (short) 1, "client",
                    "/127.0.0.1")).join();
            if (r.errorCode() == 0) {
                epoch = r.memberEpoch();
                if (r.assignment() != null) {
                    owned = assignment(r);
                }
            }
            return r;
        }

        Set<Integer> partitions() {
            return owned.getOrDefault(orders, Set.of());
        }
    }

    private static List<ConsumerGroupHeartbeatRequestData.TopicPartitions> wire(Map<Uuid, Set<Integer>> ps) {
        List<ConsumerGroupHeartbeatRequestData.TopicPartitions> out = new ArrayList<>();
        ps.forEach((t, p) -> out.add(new ConsumerGroupHeartbeatRequestData.TopicPartitions().setTopicId(t)
                .setPartitions(new ArrayList<>(p))));
        return out;
    }

    private static Map<Uuid, Set<Integer>> assignment(ConsumerGroupHeartbeatResponseData r) {
        Map<Uuid, Set<Integer>> out = new HashMap<>();
        r.assignment().topicPartitions().forEach(t -> out.put(t.topicId(), new HashSet<>(t.partitions())));
        return out;
    }

    /** Heartbeats every member until none changes any more. */
    private void settle(Member... members) {
        for (int round = 0; round < 10; round++) {
            for (Member m : members) {
                ConsumerGroupHeartbeatResponseData r = m.beat();
                assertEquals(0, r.errorCode(), r.errorMessage());
            }
        }
    }

    /** A new group starts at epoch 1 with an empty target, as Kafka 4.3's does: its first member's join makes it 2. */
    @Test
    void aFirstMemberGetsEveryPartitionAtEpochTwo() {
        Member a = new Member("g");
        ConsumerGroupHeartbeatResponseData r = a.join();
        assertEquals(0, r.errorCode(), r.errorMessage());
        assertEquals(a.id, r.memberId());
        assertEquals(2, r.memberEpoch());
        assertEquals(2, group("g").groupEpoch);
        assertEquals(2, group("g").assignmentEpoch);
        assertEquals(5_000, r.heartbeatIntervalMs());
        assertEquals(Set.of(0, 1, 2, 3, 4, 5), a.partitions());
        assertEquals("Stable", group("g").stateName());
        assertNull(a.beat().assignment(), "an unchanged assignment is not sent again");
    }

    @Test
    void aSecondMemberGetsPartitionsOnlyOnceTheFirstHasRevokedThem() {
        Member a = new Member("g");
        a.join();
        Member b = new Member("g");
        ConsumerGroupHeartbeatResponseData joined = b.join();
        assertEquals(3, joined.memberEpoch());
        assertEquals(Set.of(), b.partitions(), "everything is still held by the first member");
        assertEquals("Reconciling", group("g").stateName());

        // The first member is told to give up three; it keeps its epoch until it says it did.
        ConsumerGroupHeartbeatRequestData stillOwning = new ConsumerGroupHeartbeatRequestData().setGroupId("g")
                .setMemberId(a.id).setMemberEpoch(2).setTopicPartitions(wire(a.owned));
        ConsumerGroupHeartbeatResponseData told = runtime.call(() -> consumers.heartbeat(stillOwning, (short) 1,
                "client", "/h")).join();
        assertEquals(2, told.memberEpoch());
        Set<Integer> kept = assignment(told).get(orders);
        assertEquals(3, kept.size());
        assertEquals(MemberState.UNREVOKED_PARTITIONS, group("g").members.get(a.id).state());
        b.beat();
        assertEquals(Set.of(), b.partitions(), "nothing moves while the first member may still use them");

        a.owned = Map.of(orders, kept);
        assertEquals(3, a.beat().memberEpoch());
        b.beat();
        assertEquals(3, b.partitions().size());
        Set<Integer> all = new HashSet<>(a.partitions());
        all.addAll(b.partitions());
        assertEquals(6, all.size());
        assertEquals("Stable", group("g").stateName());
    }

    @Test
    void aMemberThatStopsHeartbeatingIsRemovedAndItsPartitionsMove() {
        Member a = new Member("g");
        Member b = new Member("g");
        a.join();
        b.join();
        settle(a, b);
        assertEquals(3, b.partitions().size());
        for (int i = 0; i < 8; i++) { // only b heartbeats, every 5 s
            tick(5_000);
            b.beat();
            assertNotNull(group("g").members.get(a.id), "still within the session at " + (i + 1) * 5 + " s");
        }
        tick(5_001);
        assertNull(group("g").members.get(a.id));
        assertEquals("Assigning", group("g").stateName());
        b.beat();
        assertEquals(Set.of(0, 1, 2, 3, 4, 5), b.partitions());
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), a.beat().errorCode());
        assertEquals(0, a.join().errorCode(), "a fenced member joins again with epoch 0");
    }

    @Test
    void aLeavingMemberGoesAtOnce() {
        Member a = new Member("g");
        Member b = new Member("g");
        a.join();
        b.join();
        settle(a, b);
        int epoch = group("g").groupEpoch;
        ConsumerGroupHeartbeatResponseData left = a.leave(-1);
        assertEquals(0, left.errorCode());
        assertEquals(-1, left.memberEpoch());
        assertEquals(epoch + 1, group("g").groupEpoch);
        b.beat();
        assertEquals(6, b.partitions().size());
        b.leave(-1);
        assertEquals("Empty", group("g").stateName());
    }

    @Test
    void aMemberThatDoesNotRevokeInTimeIsRemoved() {
        Member a = new Member("g");
        a.rebalanceTimeoutMs = 10_000;
        a.join();
        Member b = new Member("g");
        b.join();
        Map<Uuid, Set<Integer>> all = a.owned;
        a.beat();
        a.owned = all; // it keeps using everything
        a.beat();
        tick(9_000);
        a.beat();
        assertNotNull(group("g").members.get(a.id));
        tick(1_001);
        assertNull(group("g").members.get(a.id), "fenced: it did not revoke within its rebalance timeout");
        b.beat();
        b.beat();
        assertEquals(6, b.partitions().size());
    }

    @Test
    void errorsAreKafkas() {
        Member a = new Member("g");
        a.join();
        Member stranger = new Member("g");
        stranger.epoch = 1;
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), stranger.beat().errorCode());
        a.epoch = 7;
        assertEquals(Errors.FENCED_MEMBER_EPOCH.code(), a.beat().errorCode());
        Member nowhere = new Member("no-such-group");
        nowhere.epoch = 3;
        assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), nowhere.beat().errorCode());

        Member bad = new Member("g");
        assertEquals(Errors.UNSUPPORTED_ASSIGNOR.code(), bad.send(new ConsumerGroupHeartbeatRequestData()
                .setGroupId("g").setMemberId(bad.id).setMemberEpoch(0).setRebalanceTimeoutMs(1000)
                .setSubscribedTopicNames(List.of("orders")).setTopicPartitions(List.of()).setServerAssignor("sticky"))
                .errorCode());
        assertEquals(Errors.INVALID_REQUEST.code(), bad.send(new ConsumerGroupHeartbeatRequestData()
                .setGroupId("g").setMemberId(bad.id).setMemberEpoch(0).setRebalanceTimeoutMs(1000)
                .setTopicPartitions(List.of())).errorCode(), "joining without a subscription");
        assertEquals(Errors.INVALID_REQUEST.code(), bad.send(new ConsumerGroupHeartbeatRequestData()
                .setGroupId("g").setMemberId("").setMemberEpoch(0).setRebalanceTimeoutMs(1000)
                .setSubscribedTopicNames(List.of("orders")).setTopicPartitions(List.of())).errorCode(),
                "v1 needs the client's member id");
        assertEquals(Errors.INVALID_REQUEST.code(), bad.send(new ConsumerGroupHeartbeatRequestData()
                .setGroupId("g").setMemberId(bad.id).setMemberEpoch(-3)).errorCode());
        bad.regex = "orders[";
        assertEquals(Errors.INVALID_REGULAR_EXPRESSION.code(), bad.join().errorCode());

        Member b = new Member("g");
        Member c = new Member("g");
        assertEquals(0, b.join().errorCode());
        assertEquals(0, c.join().errorCode());
        assertEquals(Errors.GROUP_MAX_SIZE_REACHED.code(), new Member("g").join().errorCode());
    }

    @Test
    void version0MembersGetTheirIdFromTheCoordinator() {
        ConsumerGroupHeartbeatRequestData req = new ConsumerGroupHeartbeatRequestData().setGroupId("g")
                .setMemberId("").setMemberEpoch(0).setRebalanceTimeoutMs(1000)
                .setSubscribedTopicNames(List.of("orders")).setTopicPartitions(List.of());
        ConsumerGroupHeartbeatResponseData r = runtime.call(() -> consumers.heartbeat(req, (short) 0, "c", "/h"))
                .join();
        assertEquals(0, r.errorCode(), r.errorMessage());
        assertFalse(r.memberId().isEmpty());
        assertNotNull(group("g").members.get(r.memberId()));
    }

    @Test
    void aClassicGroupWithMembersKeepsItsIdButAnEmptyOneIsTakenOver() {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        JoinGroupRequestData join = new JoinGroupRequestData().setGroupId("old").setMemberId("")
                .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000).setProtocolType("consumer")
                .setProtocols(protocols);
        runtime.call(() -> {
            classic.join(join, (short) 0, "c", "/h"); // answered when its rebalance completes; the member is in now
            return CompletableFuture.completedFuture(null);
        }).join();
        ConsumerGroupHeartbeatResponseData r = new Member("old").join();
        assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), r.errorCode());
        assertTrue(r.errorMessage().contains("not a consumer group"), r.errorMessage());

        onThread(() -> classic.getOrCreate("simple")); // as offsets committed from outside a group make one
        Member m = new Member("simple");
        assertEquals(0, m.join().errorCode());
        assertEquals("consumer", onThread(() -> groups.get("simple").type()));
    }

    @Test
    void aStaticMemberAwayKeepsItsPartitionsAndGetsThemBackUnderANewId() {
        Member a = new Member("g");
        a.instanceId = "host-1";
        Member b = new Member("g");
        a.join();
        b.join();
        settle(a, b);
        Set<Integer> before = a.partitions();
        assertEquals(3, before.size());

        ConsumerGroupHeartbeatResponseData away = a.leave(-2);
        assertEquals(-2, away.memberEpoch());
        Member impostor = new Member("g");
        impostor.instanceId = "host-2";
        settle(b);
        assertEquals(3, b.partitions().size(), "nobody takes the partitions of a static member that is away");

        Member back = new Member("g");
        back.instanceId = "host-1";
        ConsumerGroupHeartbeatResponseData r = back.join();
        assertEquals(0, r.errorCode(), r.errorMessage());
        assertEquals(before, back.partitions());
        assertEquals(group("g").groupEpoch, r.memberEpoch(), "no rebalance");
        assertNull(group("g").members.get(a.id));

        Member twin = new Member("g");
        twin.instanceId = "host-1";
        assertEquals(Errors.UNRELEASED_INSTANCE_ID.code(), twin.join().errorCode());
        a.epoch = r.memberEpoch();
        assertEquals(Errors.FENCED_INSTANCE_ID.code(), a.beat().errorCode());
    }

    @Test
    void newPartitionsAndNewMatchingTopicsBumpTheEpochAndAreAssigned() {
        Member a = new Member("g");
        a.names = null;
        a.regex = "ord.*";
        a.join();
        assertEquals(6, a.partitions().size());
        int epoch = group("g").groupEpoch;
        topics.create("orders", 8);
        a.beat();
        assertEquals(epoch + 1, group("g").groupEpoch);
        assertEquals(8, a.partitions().size());

        Uuid ordinals = topics.create("ordinals", 2);
        topics.create("invoices", 2);
        a.beat();
        assertEquals(Set.of(0, 1), a.owned.get(ordinals));
        assertEquals(2, a.owned.size(), "only the topics the regex matches");
        assertTrue(group("g").isSubscribedTo("ordinals"));

        topics.delete("ordinals");
        a.beat();
        assertFalse(a.owned.containsKey(ordinals), "a deleted topic's partitions are taken away");
    }

    @Test
    void theGroupAndItsAssignmentsSurviveARestart() {
        Member a = new Member("g");
        Member b = new Member("g");
        a.join();
        b.join();
        settle(a, b);
        ConsumerGroup before = group("g");
        Map<String, ConsumerGroupMember> members = Map.copyOf(before.members);
        int epoch = before.groupEpoch;
        restart();

        ConsumerGroup after = group("g");
        assertEquals(epoch, after.groupEpoch);
        assertEquals(epoch, after.assignmentEpoch);
        assertEquals(members, Map.copyOf(after.members));
        assertEquals("Stable", after.stateName());
        assertEquals(0, a.beat().errorCode(), "members carry on with their epochs");
        tick(SESSION_MS - 5_000);
        assertEquals(0, a.beat().errorCode());
        tick(5_001);
        assertNull(group("g").members.get(b.id), "who does not heartbeat after the restart is removed");
        assertNotNull(group("g").members.get(a.id));
    }

    @Test
    void aCompactedLogReplaysToTheSameGroups() {
        restartCompactingEveryWrite();
        Member a = new Member("g");
        a.instanceId = "host-1";
        Member b = new Member("g");
        a.join();
        b.join();
        a.beat(); // a is asked to revoke: its state is mid-reconciliation
        Map<String, ConsumerGroupMember> members = Map.copyOf(group("g").members);
        Map<String, Map<Uuid, Set<Integer>>> targets = Map.copyOf(group("g").targets);
        long start = onThread(() -> store.logStartOffset(GroupCoordinator.LOG_PARTITION));
        assertTrue(start > 0, "the log was compacted");
        restart();
        assertEquals(members, Map.copyOf(group("g").members));
        assertEquals(targets, Map.copyOf(group("g").targets));
        assertEquals("Reconciling", group("g").stateName());
        a.owned = Map.of(orders, group("g").members.get(a.id).assigned().get(orders));
        a.beat();
        b.beat();
        assertEquals("Stable", group("g").stateName());
    }

    private void restartCompactingEveryWrite() {
        compactAfterBytes = 1;
        restart();
    }

    @Test
    void commitsAndFetchesNameTheMemberAndItsCurrentEpoch() {
        Member a = new Member("g");
        a.join();
        ConsumerGroup g = group("g");
        onThread(() -> {
            g.validateOffsetCommit(a.id, null, 2, (short) 9);
            g.validateOffsetFetch(a.id, 2);
            g.validateOffsetFetch(null, -1);
            return null;
        });
        assertInstanceOf(StaleMemberEpochException.class, assertThrows(RuntimeException.class,
                () -> g.validateOffsetCommit(a.id, null, 0, (short) 9)));
        assertThrows(UnknownMemberIdException.class, () -> g.validateOffsetCommit("x", null, 2, (short) 9));
        assertThrows(UnknownMemberIdException.class, () -> g.validateOffsetCommit("", null, -1, (short) 9),
                "a group with members takes no commit from outside it");
        assertThrows(UnsupportedVersionException.class, () -> g.validateOffsetCommit(a.id, null, 2, (short) 8));
        assertThrows(StaleMemberEpochException.class, () -> g.validateOffsetFetch(a.id, 3));
    }

    @Test
    void aCommitOneEpochBehindIsGoodForPartitionsTheMemberStillHolds() {
        Member a = new Member("g");
        a.join(); // epoch 2, all six
        Member b = new Member("g");
        b.join();
        settle(a, b); // a at epoch 3 with three of its first six
        ConsumerGroup g = group("g");
        int kept = a.partitions().iterator().next();
        Set<Integer> given = new HashSet<>(Set.of(0, 1, 2, 3, 4, 5));
        given.removeAll(a.partitions());
        int gone = given.iterator().next();
        onThread(() -> {
            g.validateOffsetCommit(a.id, null, 2, (short) 9, Map.of(orders, Set.of(kept)));
            return null;
        });
        assertThrows(StaleMemberEpochException.class,
                () -> g.validateOffsetCommit(a.id, null, 2, (short) 9, Map.of(orders, Set.of(kept, gone))),
                "a partition the member no longer holds");
        assertThrows(StaleMemberEpochException.class,
                () -> g.validateOffsetCommit(b.id, null, 2, (short) 9, Map.of(orders, b.owned.get(orders))),
                "b holds its partitions since epoch 3");
        assertThrows(StaleMemberEpochException.class,
                () -> g.validateOffsetCommit(a.id, null, 4, (short) 9, Map.of(orders, Set.of(kept))),
                "an epoch ahead of the member's");
    }
}
