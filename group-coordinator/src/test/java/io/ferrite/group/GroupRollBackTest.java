package io.ferrite.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.ferrite.coordinator.FaultyLog;
import io.ferrite.coordinator.StoreCoordinatorLog;
import io.ferrite.storage.FlushMode;
import io.ferrite.storage.MutableClock;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write the coordinator log refuses (a full disk) leaves the group state as the log has it: the change is
 * not in memory either, and members waiting for an answer are told to find the coordinator again.
 */
class GroupRollBackTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final TestTopics topics = new TestTopics();
    private Store store;
    private FaultyLog<GroupRecord> log;
    private GroupCoordinator coordinator;

    @BeforeEach
    void start() {
        topics.create("orders", 3);
        store = Store.open(StoreConfig.builder(dir, FlushMode.ASYNC).commitLogFileSize(1 << 20).build(), clock,
                List.of(GroupCoordinator.LOG_PARTITION));
        log = new FaultyLog<>(new StoreCoordinatorLog<>(store, GroupCoordinator.LOG_PARTITION,
                GroupRecordSerde.INSTANCE, clock));
        coordinator = GroupCoordinator.start(log, clock, GroupConfig.fromProperties(Map.of()),
                ConsumerGroupConfig.defaults(), ShareGroupConfig.defaults(), topics);
    }

    @AfterEach
    void stop() {
        coordinator.close();
        store.close();
    }

    private short commit(String group, long offset) throws Exception {
        OffsetCommitRequestData req = new OffsetCommitRequestData().setGroupId(group).setGenerationIdOrMemberEpoch(-1)
                .setMemberId("").setTopics(List.of(new OffsetCommitRequestTopic().setName("orders").setPartitions(
                        List.of(new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(offset)))));
        OffsetCommitResponseData resp = coordinator.commitOffsets(req, (short) 8).get(10, TimeUnit.SECONDS);
        return resp.topics().get(0).partitions().get(0).errorCode();
    }

    private long committed(String group) throws Exception {
        OffsetFetchRequestGroup g = new OffsetFetchRequestGroup().setGroupId(group).setTopics(List.of(
                new OffsetFetchRequestTopics().setName("orders").setPartitionIndexes(List.of(0))));
        return coordinator.fetchOffsets(List.of(g), (short) 8, false).get(10, TimeUnit.SECONDS).get(0).topics().get(0)
                .partitions().get(0).committedOffset();
    }

    @Test
    void aFailedOffsetCommitLeavesTheCommittedOffsetAsItWas() throws Exception {
        assertEquals(Errors.NONE.code(), commit("g", 5));
        log.fail = true;
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), commit("g", 7));
        assertEquals(5, committed("g"));
        assertEquals(-1, committed("other"));

        log.fail = false;
        assertEquals(Errors.NONE.code(), commit("g", 9));
        assertEquals(9, committed("g"));
    }

    @Test
    void aFailedGroupDeletionKeepsTheGroupAndItsOffsets() throws Exception {
        assertEquals(Errors.NONE.code(), commit("g", 5));
        log.fail = true;
        short error = coordinator.deleteGroups(new DeleteGroupsRequestData().setGroupsNames(List.of("g")))
                .get(10, TimeUnit.SECONDS).results().find("g").errorCode();
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), error);
        assertEquals(5, committed("g"));
    }

    @Test
    void aMemberWaitingToJoinIsToldToFindTheCoordinatorAgain() throws Exception {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        JoinGroupRequestData join = new JoinGroupRequestData().setGroupId("joining").setMemberId("")
                .setProtocolType("consumer").setProtocols(protocols).setSessionTimeoutMs(30_000)
                .setRebalanceTimeoutMs(60_000);
        // The group's initial rebalance delay holds the first member's answer back.
        CompletableFuture<JoinGroupResponseData> waiting = coordinator.joinGroup(join, (short) 3, "c", "/127.0.0.1");
        coordinator.runDueTimers().get(10, TimeUnit.SECONDS);
        assertFalse(waiting.isDone());

        log.fail = true;
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), commit("g", 7));
        assertEquals(Errors.NOT_COORDINATOR.code(), waiting.get(10, TimeUnit.SECONDS).errorCode());
    }
}
