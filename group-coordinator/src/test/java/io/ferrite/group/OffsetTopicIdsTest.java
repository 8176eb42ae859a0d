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
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Committed offsets remember the id of their topic (Kafka 4.3): an OffsetFetch by topic id (v10) gets no offset
 * committed to an earlier topic of the same name, even before the deletion's clean-up reached the group, and a
 * restart keeps the id.
 */
class OffsetTopicIdsTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final TestTopics topics = new TestTopics();
    private Store store;
    private GroupCoordinator coordinator;

    @BeforeEach
    void open() {
        store = Store.open(StoreConfig.builder(dir, FlushMode.SYNC).commitLogFileSize(1 << 20).build(), clock,
                List.of(GroupCoordinator.LOG_PARTITION));
        coordinator = GroupCoordinator.start(store, clock, GroupConfig.fromProperties(Map.of()), topics);
    }

    @AfterEach
    void stop() {
        coordinator.close();
        store.close();
    }

    private void commit(String topic, long offset) throws Exception {
        OffsetCommitRequestData req = new OffsetCommitRequestData().setGroupId("g").setMemberId("")
                .setGenerationIdOrMemberEpoch(-1);
        req.topics().add(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName(topic).setPartitions(List.of(
                new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0)
                        .setCommittedOffset(offset))));
        assertEquals(0, coordinator.commitOffsets(req, (short) 9).get(10, TimeUnit.SECONDS).topics().get(0)
                .partitions().get(0).errorCode());
    }

    private OffsetFetchResponsePartitions fetch(short version, String name, Uuid id) throws Exception {
        OffsetFetchRequestTopics t = new OffsetFetchRequestTopics().setPartitionIndexes(List.of(0));
        if (version >= 10) {
            t.setTopicId(id);
        } else {
            t.setName(name);
        }
        return coordinator.fetchOffsets(List.of(new OffsetFetchRequestGroup().setGroupId("g").setTopics(List.of(t))),
                version, false).get(10, TimeUnit.SECONDS).get(0).topics().get(0).partitions().get(0);
    }

    @Test
    void anOffsetOfAnEarlierTopicOfTheSameNameIsNoneWhenFetchedById() throws Exception {
        Uuid first = topics.create("orders", 1);
        commit("orders", 42);
        assertEquals(42, fetch((short) 10, null, first).committedOffset());

        topics.delete("orders"); // recreated before the group coordinator heard of the deletion
        Uuid second = topics.create("orders", 1);
        assertEquals(-1, fetch((short) 10, null, second).committedOffset(), "another topic's offset");
        assertEquals(42, fetch((short) 9, "orders", null).committedOffset(), "by name, as Kafka answers");

        stop();
        open();
        assertEquals(-1, fetch((short) 10, null, second).committedOffset(), "the id survives a restart");
        commit("orders", 7);
        assertEquals(7, fetch((short) 10, null, second).committedOffset(), "a new commit is the new topic's");
    }

    @Test
    void theDeletionOfAnEarlierTopicLeavesTheOffsetsOfTheNewOne() throws Exception {
        Uuid first = topics.create("orders", 1);
        commit("orders", 42);
        topics.delete("orders");
        Uuid second = topics.create("orders", 1);
        commit("orders", 7); // to the new topic, before the old one's deletion reached the group coordinator
        coordinator.onTopicDeleted("orders", first).get(10, TimeUnit.SECONDS);
        assertEquals(7, fetch((short) 10, null, second).committedOffset(), "the new topic's offset stays");
        coordinator.onTopicDeleted("orders", second).get(10, TimeUnit.SECONDS);
        assertEquals(-1, fetch((short) 9, "orders", null).committedOffset(), "its own deletion takes it");
    }
}
