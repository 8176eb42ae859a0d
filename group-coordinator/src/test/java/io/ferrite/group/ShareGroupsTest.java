package io.ferrite.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.storage.FlushMode;
import io.ferrite.storage.MutableClock;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreConfig;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.ShareGroupDescribeResponseData.DescribedGroup;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ShareGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Share group membership on the group coordinator: members join, share a topic's partitions through the simple
 * assignor, leave and time out; Kafka's errors for bad heartbeats; the group in ListGroups and DeleteGroups; and
 * all of it read back after a restart.
 */
class ShareGroupsTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final TestTopics topics = new TestTopics();
    private Uuid orders;
    private Store store;
    private GroupCoordinator coordinator;

    @BeforeEach
    void start() {
        orders = topics.create("orders", 1);
        topics.create("wide", 8);
        open();
    }

    private void open() {
        open(64L << 20);
    }

    private void open(long compactAfterBytes) {
        store = Store.open(StoreConfig.builder(dir, FlushMode.SYNC).commitLogFileSize(1 << 20).build(), clock,
                List.of(GroupCoordinator.LOG_PARTITION));
        coordinator = GroupCoordinator.start(store, clock, GroupConfig.fromProperties(Map.of(
                "store.coordinator.compact.bytes", Long.toString(compactAfterBytes))), ConsumerGroupConfig.defaults(),
                ShareGroupConfig.fromProperties(Map.of("group.share.max.size", "9")), topics);
    }

    @AfterEach
    void stop() {
        coordinator.close();
        store.close();
    }

    private ShareGroupHeartbeatResponseData beat(String group, String member, int epoch, List<String> topicNames)
            throws Exception {
        return coordinator.shareGroupHeartbeat(new ShareGroupHeartbeatRequestData().setGroupId(group)
                .setMemberId(member).setMemberEpoch(epoch).setSubscribedTopicNames(topicNames), "client", "/127.0.0.1")
                .get(10, TimeUnit.SECONDS);
    }

    private DescribedGroup describe(String group) throws Exception {
        return coordinator.shareGroupDescribe(List.of(group)).get(10, TimeUnit.SECONDS).get(0);
    }

    @Test
    void membersShareOnePartitionAndEachIsAtTheGroupsEpoch() throws Exception {
        for (int i = 0; i < 4; i++) {
            ShareGroupHeartbeatResponseData r = beat("queue", "m" + i, 0, List.of("orders"));
            assertEquals(Errors.NONE.code(), r.errorCode(), r.errorMessage());
            assertEquals(i + 1, r.memberEpoch());
            assertEquals(5_000, r.heartbeatIntervalMs());
            assertEquals(orders, r.assignment().topicPartitions().get(0).topicId());
            assertEquals(List.of(0), r.assignment().topicPartitions().get(0).partitions());
        }
        ShareGroupHeartbeatResponseData first = beat("queue", "m0", 1, null);
        assertEquals(4, first.memberEpoch(), "moved to the group's epoch");
        assertNull(first.assignment(), "nothing changed for it");
        assertEquals(Errors.NONE.code(), beat("queue", "m0", 1, null).errorCode(), "its answer may have been lost");
        assertEquals(Errors.FENCED_MEMBER_EPOCH.code(), beat("queue", "m1", 4, null).errorCode(), "ahead of it");
        assertEquals(4, beat("queue", "m1", 2, null).memberEpoch());

        DescribedGroup d = describe("queue");
        assertEquals("Stable", d.groupState());
        assertEquals(4, d.groupEpoch());
        assertEquals("simple", d.assignorName());
        assertEquals(4, d.members().size());
        d.members().forEach(m -> assertEquals("orders", m.assignment().topicPartitions().get(0).topicName()));
    }

    @Test
    void eightMembersOnEightPartitionsGetOneEachAndALeaverIsReplaced() throws Exception {
        int[] epochs = new int[8];
        for (int i = 0; i < 8; i++) {
            epochs[i] = beat("wide-readers", "m" + i, 0, List.of("wide")).memberEpoch();
        }
        assertEquals(8, describe("wide-readers").members().get(0).assignment().topicPartitions().get(0).partitions()
                .size(), "the first member has all eight until its next heartbeat");
        for (int i = 0; i < 8; i++) { // each takes its part of the target at its next heartbeat
            assertEquals(8, beat("wide-readers", "m" + i, epochs[i], null).memberEpoch());
        }
        Set<Integer> seen = new HashSet<>();
        for (var m : describe("wide-readers").members()) {
            List<Integer> ps = m.assignment().topicPartitions().get(0).partitions();
            assertEquals(1, ps.size(), m.memberId());
            assertTrue(seen.add(ps.get(0)));
        }
        ShareGroupHeartbeatResponseData left = beat("wide-readers", "m3", -1, null);
        assertEquals(Errors.NONE.code(), left.errorCode());
        assertEquals(-1, left.memberEpoch());
        for (int i = 0; i < 8; i++) {
            if (i != 3) {
                assertEquals(9, beat("wide-readers", "m" + i, 8, null).memberEpoch());
            }
        }
        Set<Integer> covered = new HashSet<>();
        describe("wide-readers").members().forEach(m -> covered.addAll(m.assignment().topicPartitions().get(0)
                .partitions()));
        assertEquals(8, covered.size(), "the leaver's partition went to another member");
        assertEquals(7, describe("wide-readers").members().size());
    }

    @Test
    void aSilentMemberIsRemovedAfterItsGroupsSessionTimeout() throws Exception {
        coordinator.alterGroupConfigs("queue", c -> Map.of(GroupConfigKeys.SHARE_SESSION_TIMEOUT_MS, "50000"), false)
                .get(10, TimeUnit.SECONDS);
        beat("queue", "quiet", 0, List.of("orders"));
        beat("queue", "busy", 0, List.of("orders"));
        clock.advance(46_000);
        coordinator.runDueTimers().get(10, TimeUnit.SECONDS);
        assertEquals(2, describe("queue").members().size(), "within the group's own 50 s");
        assertEquals(Errors.NONE.code(), beat("queue", "busy", 2, null).errorCode());
        clock.advance(5_000);
        coordinator.runDueTimers().get(10, TimeUnit.SECONDS);
        assertEquals(List.of("busy"), describe("queue").members().stream().map(m -> m.memberId()).toList());
    }

    @Test
    void badHeartbeatsGetKafkasErrors() throws Exception {
        assertEquals(Errors.INVALID_REQUEST.code(), beat("queue", "", 0, List.of("orders")).errorCode());
        assertEquals(Errors.INVALID_REQUEST.code(), beat("", "m", 0, List.of("orders")).errorCode());
        assertEquals(Errors.INVALID_REQUEST.code(), beat("queue", "m", 0, null).errorCode());
        assertEquals(Errors.INVALID_REQUEST.code(), beat("queue", "m", -2, null).errorCode());
        assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), beat("queue", "m", 5, null).errorCode());
        beat("queue", "m", 0, List.of("orders"));
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), beat("queue", "stranger", 1, null).errorCode());
        assertEquals(Errors.FENCED_MEMBER_EPOCH.code(), beat("queue", "m", 7, null).errorCode());
        for (int i = 1; i < 9; i++) {
            beat("queue", "m" + i, 0, List.of("orders"));
        }
        assertEquals(Errors.GROUP_MAX_SIZE_REACHED.code(), beat("queue", "tenth", 0, List.of("orders")).errorCode());

        OffsetCommitRequestData commit = new OffsetCommitRequestData().setGroupId("queue")
                .setGenerationIdOrMemberEpoch(-1).setTopics(List.of(new OffsetCommitRequestData
                        .OffsetCommitRequestTopic().setName("orders").setPartitions(List.of(
                                new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
                                        .setCommittedOffset(3)))));
        assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), coordinator.commitOffsets(commit, (short) 9)
                .get(10, TimeUnit.SECONDS).topics().get(0).partitions().get(0).errorCode());
    }

    @Test
    void theGroupIsListedDeletedOnlyWhenEmptyAndReadBackAfterARestart() throws Exception {
        beat("queue", "m1", 0, List.of("orders"));
        beat("queue", "m2", 0, List.of("orders", "wide"));
        List<ListedGroup> listed = coordinator.listGroups(new ListGroupsRequestData().setTypesFilter(List.of("share")))
                .get(10, TimeUnit.SECONDS).groups();
        assertEquals(1, listed.size());
        assertEquals("share", listed.get(0).groupType());
        assertEquals("Stable", listed.get(0).groupState());

        DescribedGroup before = describe("queue");
        stop();
        open();
        assertEquals(before, describe("queue"));
        assertEquals(Errors.NON_EMPTY_GROUP.code(), coordinator.deleteGroups(new DeleteGroupsRequestData()
                .setGroupsNames(List.of("queue"))).get(10, TimeUnit.SECONDS).results().iterator().next().errorCode());
        beat("queue", "m1", -1, null);
        beat("queue", "m2", -1, null);
        assertEquals("Empty", describe("queue").groupState());
        assertEquals(Errors.NONE.code(), coordinator.deleteGroups(new DeleteGroupsRequestData()
                .setGroupsNames(List.of("queue"))).get(10, TimeUnit.SECONDS).results().iterator().next().errorCode());
        assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), describe("queue").errorCode());
        stop();
        open();
        assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), describe("queue").errorCode(), "gone for good");
    }

    @Test
    void aCompactedLogReplaysToTheSameGroup() throws Exception {
        stop();
        open(1); // compact after every write
        int[] epochs = new int[4];
        for (int i = 0; i < 4; i++) {
            epochs[i] = beat("wide-readers", "m" + i, 0, List.of("wide", "orders")).memberEpoch();
        }
        beat("wide-readers", "m1", epochs[1], null);
        beat("wide-readers", "m2", -1, null);
        DescribedGroup before = describe("wide-readers");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (store.logStartOffset(GroupCoordinator.LOG_PARTITION) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(store.logStartOffset(GroupCoordinator.LOG_PARTITION) > 0, "the log was compacted");
        stop();
        open();
        assertEquals(before, describe("wide-readers"));
        // The target survived too: a member behind the epoch gets the same part as before the restart.
        ShareGroupHeartbeatResponseData r = beat("wide-readers", "m3", epochs[3], null);
        assertEquals(Errors.NONE.code(), r.errorCode());
        assertEquals(before.groupEpoch(), r.memberEpoch());
        var m3 = describe("wide-readers").members().stream().filter(m -> m.memberId().equals("m3")).findFirst()
                .orElseThrow();
        int partitions = m3.assignment().topicPartitions().stream().mapToInt(t -> t.partitions().size()).sum();
        assertTrue(partitions >= 3, "its part of nine partitions among three members: " + m3.assignment());
    }
}
