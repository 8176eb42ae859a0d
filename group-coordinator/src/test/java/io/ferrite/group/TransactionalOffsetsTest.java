package io.ferrite.group;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ferrite.storage.FlushMode;
import io.ferrite.storage.MutableClock;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offsets committed in a transaction: pending until the producer's transaction ends, then committed or dropped;
 * OffsetFetch with require_stable is told they are unstable meanwhile; the group's member and generation are
 * checked as Kafka checks them; and all of it survives a restart.
 */
class TransactionalOffsetsTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final TestTopics topics = new TestTopics();
    private Store store;
    private GroupCoordinator coordinator;

    @BeforeEach
    void start() {
        topics.create("orders", 2);
        open();
    }

    private void open() {
        store = Store.open(StoreConfig.builder(dir, FlushMode.SYNC).commitLogFileSize(1 << 20).build(), clock,
                List.of(GroupCoordinator.LOG_PARTITION));
        coordinator = GroupCoordinator.start(store, clock, GroupConfig.fromProperties(Map.of(
                "group.initial.rebalance.delay.ms", "0")), topics);
    }

    @AfterEach
    void stop() {
        coordinator.close();
        store.close();
    }

    private static TxnOffsetCommitRequestData request(String group, long producerId, long offset) {
        return new TxnOffsetCommitRequestData().setTransactionalId("tx").setGroupId(group).setProducerId(producerId)
                .setProducerEpoch((short) 0).setTopics(List.of(new TxnOffsetCommitRequestTopic().setName("orders")
                        .setPartitions(List.of(new TxnOffsetCommitRequestPartition().setPartitionIndex(0)
                                .setCommittedOffset(offset)))));
    }

    private short commitInTransaction(TxnOffsetCommitRequestData req) throws Exception {
        TxnOffsetCommitResponseData resp = coordinator.commitOffsetsInTransaction(req).get(10, TimeUnit.SECONDS);
        return resp.topics().get(0).partitions().get(0).errorCode();
    }

    private OffsetFetchResponsePartitions fetch(String group, boolean requireStable) throws Exception {
        OffsetFetchRequestGroup g = new OffsetFetchRequestGroup().setGroupId(group).setTopics(List.of(
                new OffsetFetchRequestTopics().setName("orders").setPartitionIndexes(List.of(0))));
        return coordinator.fetchOffsets(List.of(g), (short) 8, requireStable).get(10, TimeUnit.SECONDS).get(0)
                .topics().get(0).partitions().get(0);
    }

    @Test
    void pendingOffsetsAreUnstableUntilCommittedAndDroppedOnAbort() throws Exception {
        assertEquals(Errors.NONE.code(), commitInTransaction(request("g", 7, 40)));
        assertEquals(-1, fetch("g", false).committedOffset(), "not committed yet");
        assertEquals(Errors.UNSTABLE_OFFSET_COMMIT.code(), fetch("g", true).errorCode());
        coordinator.endTransaction(7, true).get(10, TimeUnit.SECONDS);
        assertEquals(40, fetch("g", true).committedOffset());

        assertEquals(Errors.NONE.code(), commitInTransaction(request("g", 7, 90)));
        coordinator.endTransaction(7, false).get(10, TimeUnit.SECONDS);
        OffsetFetchResponsePartitions after = fetch("g", true);
        assertEquals(Errors.NONE.code(), after.errorCode());
        assertEquals(40, after.committedOffset(), "the aborted offset is gone");
        // A producer that committed nothing here ends its transaction without effect.
        coordinator.endTransaction(8, true).get(10, TimeUnit.SECONDS);
        assertEquals(40, fetch("g", false).committedOffset());
    }

    @Test
    void aDeletedTopicsPendingOffsetIsNotCommittedByTheTransaction() throws Exception {
        org.apache.kafka.common.Uuid id = topics.id("orders");
        assertEquals(Errors.NONE.code(), commitInTransaction(request("g", 7, 40)));
        coordinator.onTopicDeleted("orders", id).get(10, TimeUnit.SECONDS);
        topics.delete("orders");
        topics.create("orders", 2);
        assertEquals(Errors.NONE.code(), fetch("g", true).errorCode(), "nothing pending for it any more");
        coordinator.endTransaction(7, true).get(10, TimeUnit.SECONDS);
        assertEquals(-1, fetch("g", false).committedOffset(), "the deleted topic's offset never came back");
        stop();
        open();
        assertEquals(-1, fetch("g", false).committedOffset(), "nor after a restart");
    }

    @Test
    void pendingAndCommittedOffsetsSurviveARestart() throws Exception {
        assertEquals(Errors.NONE.code(), commitInTransaction(request("g", 7, 40)));
        coordinator.endTransaction(7, true).get(10, TimeUnit.SECONDS);
        assertEquals(Errors.NONE.code(), commitInTransaction(request("g", 9, 60)));
        stop();
        open();
        assertEquals(Errors.UNSTABLE_OFFSET_COMMIT.code(), fetch("g", true).errorCode(), "still pending");
        assertEquals(40, fetch("g", false).committedOffset());
        coordinator.endTransaction(9, true).get(10, TimeUnit.SECONDS);
        assertEquals(60, fetch("g", true).committedOffset());
    }

    @Test
    void theGroupsMemberAndGenerationAreChecked() throws Exception {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[0]));
        JoinGroupRequestData join = new JoinGroupRequestData().setGroupId("live").setMemberId("")
                .setProtocolType("consumer").setProtocols(protocols).setSessionTimeoutMs(30_000)
                .setRebalanceTimeoutMs(60_000);
        var joining = coordinator.joinGroup(join, (short) 3, "c", "/127.0.0.1");
        coordinator.runDueTimers().get(10, TimeUnit.SECONDS); // the initial rebalance delay
        JoinGroupResponseData joined = joining.get(10, TimeUnit.SECONDS);
        assertEquals(Errors.NONE.code(), joined.errorCode());
        int generation = joined.generationId();
        String member = joined.memberId();

        assertEquals(Errors.ILLEGAL_GENERATION.code(), commitInTransaction(request("live", 7, 1)
                .setMemberId(member).setGenerationId(generation - 1)), "a stale generation");
        assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), commitInTransaction(request("live", 7, 1)
                .setMemberId("nobody").setGenerationId(generation)));
        assertEquals(Errors.ILLEGAL_GENERATION.code(), commitInTransaction(request("absent", 7, 1)
                .setMemberId("m").setGenerationId(3)), "a generation of a group that does not exist");
        assertEquals(Errors.NONE.code(), fetch("live", true).errorCode(), "nothing refused is pending");
        // Older clients send no member: taken, as in Kafka, even while the group is mid-rebalance.
        assertEquals(Errors.NONE.code(), commitInTransaction(request("live", 7, 1)));
        assertEquals(Errors.NONE.code(), commitInTransaction(request("live", 7, 2).setMemberId(member)
                .setGenerationId(generation)));
    }

    @Test
    void unknownPartitionsAndAnEmptyGroupIdAreRefused() throws Exception {
        TxnOffsetCommitRequestData req = request("g", 7, 1);
        req.topics().get(0).partitions().get(0).setPartitionIndex(5);
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), commitInTransaction(req));
        assertEquals(Errors.INVALID_GROUP_ID.code(), commitInTransaction(request("", 7, 1)));
        assertEquals(Errors.NONE.code(), fetch("g", true).errorCode());
    }
}
