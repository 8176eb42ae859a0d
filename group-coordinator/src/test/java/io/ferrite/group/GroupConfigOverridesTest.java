package io.ferrite.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.storage.FlushMode;
import io.ferrite.storage.MutableClock;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group's own configs on the group coordinator: the consumer-group keys change what its members are told and
 * when they time out; a refused set changes nothing; the configs survive a restart and a compaction of the
 * coordinator's log.
 */
class GroupConfigOverridesTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final TestTopics topics = new TestTopics();
    private Store store;
    private GroupCoordinator coordinator;

    private void open(long compactAfterBytes) {
        topics.create("orders", 2);
        store = Store.open(StoreConfig.builder(dir, FlushMode.SYNC).commitLogFileSize(1 << 20).build(), clock,
                List.of(GroupCoordinator.LOG_PARTITION));
        coordinator = GroupCoordinator.start(store, clock, GroupConfig.fromProperties(Map.of(
                "store.coordinator.compact.bytes", Long.toString(compactAfterBytes))), ConsumerGroupConfig.defaults(),
                ShareGroupConfig.defaults(), topics);
    }

    @AfterEach
    void stop() {
        if (coordinator != null) {
            coordinator.close();
            store.close();
        }
    }

    private void set(String group, String name, String value) throws Exception {
        coordinator.alterGroupConfigs(group, c -> {
            Map<String, String> next = new TreeMap<>(c);
            next.put(name, value);
            return next;
        }, false).get(10, TimeUnit.SECONDS);
    }

    private ConsumerGroupHeartbeatResponseData join(String group, String memberId) throws Exception {
        return coordinator.consumerGroupHeartbeat(new ConsumerGroupHeartbeatRequestData().setGroupId(group)
                .setMemberId(memberId).setMemberEpoch(0).setRebalanceTimeoutMs(30_000)
                .setSubscribedTopicNames(List.of("orders")).setTopicPartitions(List.of()), (short) 1, "c",
                "/127.0.0.1").get(10, TimeUnit.SECONDS);
    }

    private int members(String group) throws Exception {
        return coordinator.consumerGroupDescribe(List.of(group)).get(10, TimeUnit.SECONDS).get(0).members().size();
    }

    @Test
    void aGroupsSessionTimeoutAndHeartbeatIntervalAreItsOwn() throws Exception {
        open(64L << 20);
        set("tuned", GroupConfigKeys.CONSUMER_HEARTBEAT_INTERVAL_MS, "8000");
        set("tuned", GroupConfigKeys.CONSUMER_SESSION_TIMEOUT_MS, "55000");
        assertEquals(8000, join("tuned", "m1").heartbeatIntervalMs());
        assertEquals(5000, join("plain", "m2").heartbeatIntervalMs(), "another group keeps the broker's");

        clock.advance(46_000); // past the broker's 45 s, short of the group's 55 s
        coordinator.runDueTimers().get(10, TimeUnit.SECONDS);
        assertEquals(1, members("tuned"));
        assertEquals(0, members("plain"));
        clock.advance(10_000);
        coordinator.runDueTimers().get(10, TimeUnit.SECONDS);
        assertEquals(0, members("tuned"));
    }

    @Test
    void aRefusedOrValidateOnlyChangeStoresNothing() throws Exception {
        open(64L << 20);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> set("g", GroupConfigKeys.CONSUMER_SESSION_TIMEOUT_MS, "70000"));
        assertInstanceOf(InvalidConfigurationException.class, e.getCause());
        assertEquals("consumer.session.timeout.ms must be less than or equal to "
                + "group.consumer.max.session.timeout.ms", e.getCause().getMessage());
        coordinator.alterGroupConfigs("g", c -> Map.of(GroupConfigKeys.SHARE_DELIVERY_COUNT_LIMIT, "3"), true)
                .get(10, TimeUnit.SECONDS);
        assertEquals(Map.of(), coordinator.groupConfigs("g").get(10, TimeUnit.SECONDS));
    }

    @Test
    void configsSurviveARestartAndACompactedLog() throws Exception {
        open(1); // compact after every write
        set("kept", GroupConfigKeys.SHARE_AUTO_OFFSET_RESET, "earliest");
        set("kept", GroupConfigKeys.CONSUMER_SESSION_TIMEOUT_MS, "50000");
        set("dropped", GroupConfigKeys.SHARE_DELIVERY_COUNT_LIMIT, "4");
        coordinator.alterGroupConfigs("dropped", c -> Map.of(), false).get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 20; i++) { // later writes, so the configs' own records fall behind the log start
            OffsetCommitRequestData commit = new OffsetCommitRequestData().setGroupId("other").setGenerationIdOrMemberEpoch(-1)
                    .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("orders")
                            .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                                    .setPartitionIndex(0).setCommittedOffset(i)))));
            assertEquals(Errors.NONE.code(), coordinator.commitOffsets(commit, (short) 8).get(10, TimeUnit.SECONDS)
                    .topics().get(0).partitions().get(0).errorCode());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (store.logStartOffset(GroupCoordinator.LOG_PARTITION) < 3 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(store.logStartOffset(GroupCoordinator.LOG_PARTITION) >= 3, "the configs' records were compacted");
        coordinator.close();
        store.close();
        coordinator = null;

        open(64L << 20);
        assertEquals(Map.of("share.auto.offset.reset", "earliest", "consumer.session.timeout.ms", "50000"),
                coordinator.groupConfigs("kept").get(10, TimeUnit.SECONDS));
        assertEquals(Map.of(), coordinator.groupConfigs("dropped").get(10, TimeUnit.SECONDS));
    }
}
