package io.ferrite.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ferrite.group.share.Acquisitions;
import io.ferrite.group.share.ShareAck;
import io.ferrite.group.share.SharePartition.Acquired;
import io.ferrite.group.share.SharedPartition;
import io.ferrite.storage.FlushMode;
import io.ferrite.storage.MutableClock;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Share-partitions on the group coordinator: where a group starts reading, records handed to one member at a
 * time, acknowledgements durable before they are answered, locks that run out, a leaving member's records
 * offered again, and what a restart brings back.
 */
class ShareStatesTest {
    private static final byte ACCEPT = 1;
    private static final byte RELEASE = 2;

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final TestTopics topics = new TestTopics();
    private Uuid orders;
    private SharedPartition p0;
    private Store store;
    private GroupCoordinator coordinator;

    @BeforeEach
    void start() {
        orders = topics.create("orders", 1);
        p0 = new SharedPartition(orders, 0);
        open();
    }

    private void open() {
        store = Store.open(StoreConfig.builder(dir, FlushMode.SYNC).commitLogFileSize(1 << 20).build(), clock,
                List.of(GroupCoordinator.LOG_PARTITION));
        coordinator = GroupCoordinator.start(store, clock, GroupConfig.defaults(), ConsumerGroupConfig.defaults(),
                ShareGroupConfig.defaults(), topics);
    }

    @AfterEach
    void stop() {
        coordinator.close();
        store.close();
    }

    private int join(String group, String member) throws Exception {
        return coordinator.shareGroupHeartbeat(new ShareGroupHeartbeatRequestData().setGroupId(group)
                .setMemberId(member).setMemberEpoch(0).setSubscribedTopicNames(List.of("orders")), "c", "/127.0.0.1")
                .get(10, TimeUnit.SECONDS).memberEpoch();
    }

    private List<Acquired> acquire(String group, String member, int max) throws Exception {
        Acquisitions.Partition a = coordinator.shareAcquire(group, member, List.of(p0), max)
                .get(10, TimeUnit.SECONDS).partitions().get(p0);
        assertEquals(Errors.NONE, a.error());
        return a.acquired();
    }

    private Errors ack(String group, String member, long first, long last, byte type) throws Exception {
        return coordinator.shareAcknowledge(group, member, Map.of(p0, List.of(new ShareAck(first, last,
                List.of(type))))).get(10, TimeUnit.SECONDS).get(p0);
    }

    @Test
    void aGroupStartsAtTheLogEndAndHandsEachRecordToOneMember() throws Exception {
        topics.log(orders, 0, 0, 20);
        join("q", "a");
        join("q", "b");
        assertEquals(List.of(), acquire("q", "a", 10), "latest: the records already there are not read");
        topics.log(orders, 0, 0, 30);
        assertEquals(List.of(new Acquired(20, 24, 1)), acquire("q", "a", 5));
        assertEquals(List.of(new Acquired(25, 29, 1)), acquire("q", "b", 500));
        assertEquals(Errors.NONE, ack("q", "a", 20, 24, ACCEPT));
        assertEquals(Errors.INVALID_RECORD_STATE, ack("q", "a", 25, 25, ACCEPT), "b's");
        assertEquals(Errors.NONE, ack("q", "b", 25, 29, RELEASE));
        assertEquals(List.of(new Acquired(25, 29, 2)), acquire("q", "a", 500), "released: delivered again");
    }

    @Test
    void unknownTopicsAndPartitionsGetKafkasErrors() throws Exception {
        join("q", "a");
        SharedPartition noTopic = new SharedPartition(Uuid.randomUuid(), 0);
        SharedPartition noPartition = new SharedPartition(orders, 5);
        Map<SharedPartition, Acquisitions.Partition> got = coordinator.shareAcquire("q", "a",
                List.of(noTopic, noPartition), 10).get(10, TimeUnit.SECONDS).partitions();
        assertEquals(Errors.UNKNOWN_TOPIC_ID, got.get(noTopic).error());
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, got.get(noPartition).error());
        assertEquals(List.of(noTopic, noPartition), List.copyOf(got.keySet()), "in the request's order");
    }

    @Test
    void aPartitionsBatchesApplyAllOrNone() throws Exception {
        join("q", "a");
        join("q", "b");
        acquire("q", "a", 1);
        topics.log(orders, 0, 0, 6);
        acquire("q", "a", 3); // 0-2 to a
        acquire("q", "b", 3); // 3-5 to b
        Map<SharedPartition, Errors> r = coordinator.shareAcknowledge("q", "a", Map.of(p0, List.of(
                new ShareAck(0, 1, List.of(ACCEPT)), new ShareAck(3, 3, List.of(ACCEPT))))).get(10, TimeUnit.SECONDS);
        assertEquals(Errors.INVALID_RECORD_STATE, r.get(p0), "3 is b's");
        assertEquals(Errors.NONE, ack("q", "a", 0, 2, RELEASE), "0-1 were not accepted: still a's");
        assertEquals(Errors.INVALID_REQUEST, coordinator.shareAcknowledge("q", "b", Map.of(p0, List.of(
                new ShareAck(3, 5, List.of((byte) 9))))).get(10, TimeUnit.SECONDS).get(p0), "no such type");
    }

    @Test
    void renewIsRefusedWhereTheGroupDisablesIt() throws Exception {
        coordinator.alterGroupConfigs("strict", c -> Map.of(GroupConfigKeys.SHARE_RENEW_ACKNOWLEDGE_ENABLE, "false"),
                false).get(10, TimeUnit.SECONDS);
        join("strict", "a");
        join("q", "a");
        acquire("strict", "a", 1);
        acquire("q", "a", 1);
        topics.log(orders, 0, 0, 2);
        acquire("strict", "a", 2);
        acquire("q", "a", 2);
        assertEquals(Errors.INVALID_RECORD_STATE, ack("strict", "a", 0, 0, (byte) 4), "RENEW refused");
        assertEquals(Errors.NONE, ack("q", "a", 0, 0, (byte) 4), "RENEW allowed by default");
        assertEquals(Errors.NONE, ack("strict", "a", 0, 1, ACCEPT), "the refused RENEW changed nothing");
    }

    @Test
    void earliestAndByDurationStartWhereTheGroupSays() throws Exception {
        topics.log(orders, 0, 3, 8);
        coordinator.alterGroupConfigs("early", c -> Map.of(GroupConfigKeys.SHARE_AUTO_OFFSET_RESET, "earliest"),
                false).get(10, TimeUnit.SECONDS);
        join("early", "a");
        assertEquals(List.of(new Acquired(3, 7, 1)), acquire("early", "a", 100));

        coordinator.alterGroupConfigs("recent", c -> Map.of(GroupConfigKeys.SHARE_AUTO_OFFSET_RESET,
                "by_duration:PT0.002S"), false).get(10, TimeUnit.SECONDS);
        topics.timeBase(clock.millis() - 8); // offsets 0-7 written over the last 8 ms
        join("recent", "a");
        assertEquals(List.of(new Acquired(6, 7, 1)), acquire("recent", "a", 100));
    }

    @Test
    void locksRunOutAndALeavingMembersRecordsAreOfferedAgain() throws Exception {
        join("q", "a");
        int bEpoch = join("q", "b");
        acquire("q", "a", 1); // starts the share-partition at the log end: 0
        topics.log(orders, 0, 0, 4);
        assertEquals(List.of(new Acquired(0, 1, 1)), acquire("q", "a", 2));
        clock.advance(30_000);
        coordinator.runDueTimers().get(10, TimeUnit.SECONDS);
        assertEquals(List.of(new Acquired(0, 1, 2), new Acquired(2, 3, 1)), acquire("q", "b", 10));

        coordinator.shareGroupHeartbeat(new ShareGroupHeartbeatRequestData().setGroupId("q").setMemberId("b")
                .setMemberEpoch(-1), "c", "/127.0.0.1").get(10, TimeUnit.SECONDS);
        assertEquals(List.of(new Acquired(0, 1, 3), new Acquired(2, 3, 2)), acquire("q", "a", 10));
        ExecutionException gone = assertThrows(ExecutionException.class, () -> acquire("q", "b", 10));
        assertInstanceOf(UnknownMemberIdException.class, gone.getCause());
        assertEquals(2, bEpoch);
    }

    @Test
    void acceptedRecordsNeverComeBackAfterARestartAndAcquiredOnesDo() throws Exception {
        join("q", "a");
        acquire("q", "a", 1);
        topics.log(orders, 0, 0, 6);
        acquire("q", "a", 6);
        assertEquals(Errors.NONE, ack("q", "a", 0, 1, ACCEPT));
        assertEquals(Errors.NONE, ack("q", "a", 3, 3, ACCEPT));
        stop();
        open();
        join("q", "a");
        // 2, 4 and 5 were acquired, never acknowledged, and come back as delivered once; 0, 1 and 3 were accepted.
        assertEquals(List.of(new Acquired(2, 2, 2), new Acquired(4, 5, 2)), acquire("q", "a", 10));
    }

    @Test
    void aDeletedGroupForgetsWhereItWas() throws Exception {
        join("q", "a");
        acquire("q", "a", 1);
        topics.log(orders, 0, 0, 3);
        acquire("q", "a", 3);
        ack("q", "a", 0, 2, ACCEPT);
        coordinator.shareGroupHeartbeat(new ShareGroupHeartbeatRequestData().setGroupId("q").setMemberId("a")
                .setMemberEpoch(-1), "c", "/127.0.0.1").get(10, TimeUnit.SECONDS);
        assertEquals(Errors.NONE.code(), coordinator.deleteGroups(new DeleteGroupsRequestData()
                .setGroupsNames(List.of("q"))).get(10, TimeUnit.SECONDS).results().iterator().next().errorCode());
        stop();
        open();
        coordinator.alterGroupConfigs("q", c -> Map.of(GroupConfigKeys.SHARE_AUTO_OFFSET_RESET, "earliest"), false)
                .get(10, TimeUnit.SECONDS);
        join("q", "a");
        assertEquals(List.of(new Acquired(0, 2, 1)), acquire("q", "a", 10), "a new group reads from the start");
    }
}
