package io.ferrite.server;

import static io.ferrite.server.GroupWire.assign;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Groups and committed offsets live in the coordinator log: a restart, a kill -9 after an acknowledged
 * commit in sync-flush mode, and the log's compaction all give back the same state.
 */
@Timeout(120)
class GroupDurabilityTest {
    @TempDir
    Path dir;

    @Test
    void aStableGroupAndItsOffsetsSurviveARestart() throws Exception {
        String memberId;
        try (Broker broker = Wire.startBroker(dir, GroupsWireTest.GROUPS);
             GroupWire wire = new GroupWire(broker.port())) {
            wire.createTopic("t", 2);
            JoinGroupResponseData m = wire.joinNew("g", 30_000, 30_000, "t");
            memberId = m.memberId();
            assertEquals(0, wire.sync("g", memberId, 1, List.of(assign(memberId, new byte[] {4, 2}))).errorCode());
            assertEquals(Errors.NONE, wire.commit("g", memberId, null, 1, "t", 1, 77));
        }
        try (Broker broker = Wire.startBroker(dir, GroupsWireTest.GROUPS);
             GroupWire wire = new GroupWire(broker.port())) {
            DescribedGroup d = describe(wire, "g");
            assertEquals("Stable", d.groupState());
            assertEquals(GroupWire.PROTOCOL, d.protocolData());
            assertEquals(memberId, d.members().get(0).memberId());
            assertArrayEquals(new byte[] {4, 2}, d.members().get(0).memberAssignment());
            assertEquals(Errors.NONE, wire.heartbeat("g", memberId, null, 1), "the member goes on in generation 1");
            assertEquals(77, wire.committed("g", "t", 1));
        }
    }

    @Test
    void offsetsAcknowledgedInSyncModeSurviveKillNine() throws Exception {
        Path data = dir.resolve("data");
        int port = ChildBroker.freePort();
        Process child = ChildBroker.start(dir, data, port, Map.of("group.initial.rebalance.delay.ms", "0"));
        long lastAcked;
        String memberId;
        try {
            ChildBroker.awaitUp(dir, port, child);
            try (GroupWire wire = new GroupWire(port)) {
                wire.createTopic("t", 1);
                JoinGroupResponseData m = wire.joinNew("killed", 30_000, 30_000, "t");
                memberId = m.memberId();
                assertEquals(0, wire.sync("killed", memberId, 1, List.of(assign(memberId, new byte[] {9})))
                        .errorCode());
                lastAcked = -1;
                for (long offset = 1; offset <= 200; offset++) {
                    assertEquals(Errors.NONE, wire.commit("killed", memberId, null, 1, "t", 0, offset));
                    lastAcked = offset;
                }
                // One more in flight when the kill comes: it may or may not have made it, never half.
                wire.send(ApiKeys.OFFSET_COMMIT, (short) 9, new OffsetCommitRequestData().setGroupId("killed")
                        .setMemberId(memberId).setGenerationIdOrMemberEpoch(1).setTopics(List.of(
                                new OffsetCommitRequestTopic().setName("t").setPartitions(List.of(
                                        new OffsetCommitRequestPartition().setPartitionIndex(0)
                                                .setCommittedOffset(1000))))));
            }
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no final flush
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        try (Broker broker = Wire.startBroker(dir, Map.of("store.flush.mode", "sync"));
             GroupWire wire = new GroupWire(broker.port())) {
            long committed = wire.committed("killed", "t", 0);
            assertTrue(committed == lastAcked || committed == 1000, "committed " + committed);
            DescribedGroup d = describe(wire, "killed");
            assertEquals("Stable", d.groupState());
            assertArrayEquals(new byte[] {9}, d.members().get(0).memberAssignment());
        }
    }

    @Test
    void compactionKeepsTheStateAndLetsOldCommitLogFilesGo() throws Exception {
        Map<String, String> props = new HashMap<>(GroupsWireTest.GROUPS);
        props.put("store.coordinator.compact.bytes", "262144");
        props.put("log.retention.check.interval.ms", "100");
        Path commitLog = dir.resolve("data").resolve("commitlog");
        String firstFile;
        try (Broker broker = Wire.startBroker(dir, props); GroupWire wire = new GroupWire(broker.port())) {
            wire.createTopic("t", 4);
            JoinGroupResponseData m = wire.joinNew("members", 30_000, 30_000, "t");
            assertEquals(0, wire.sync("members", m.memberId(), 1, List.of(assign(m.memberId(), new byte[] {5})))
                    .errorCode());
            firstFile = files(commitLog).get(0);
            String metadata = "x".repeat(2000);
            // About 4 MiB of commits through 1 MiB files; only the latest per key stays live.
            for (int round = 0; round < 250; round++) {
                OffsetCommitRequestData req = new OffsetCommitRequestData().setGroupId("g" + (round % 10))
                        .setMemberId("").setGenerationIdOrMemberEpoch(-1);
                OffsetCommitRequestTopic topic = new OffsetCommitRequestTopic().setName("t");
                for (int p = 0; p < 4; p++) {
                    topic.partitions().add(new OffsetCommitRequestPartition().setPartitionIndex(p)
                            .setCommittedOffset(round * 10L + p).setCommittedMetadata(metadata));
                }
                req.topics().add(topic);
                OffsetCommitResponseData resp = new OffsetCommitResponseData(wire.call(ApiKeys.OFFSET_COMMIT,
                        (short) 9, req), (short) 9);
                assertEquals(0, resp.topics().get(0).partitions().get(0).errorCode());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (files(commitLog).contains(firstFile) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertFalse(files(commitLog).contains(firstFile), "the first CommitLog file is deleted: "
                    + files(commitLog));
        }
        try (Broker broker = Wire.startBroker(dir, props); GroupWire wire = new GroupWire(broker.port())) {
            for (int g = 0; g < 10; g++) {
                int lastRound = 240 + g;
                for (int p = 0; p < 4; p++) {
                    assertEquals(lastRound * 10L + p, wire.committed("g" + g, "t", p), "g" + g + " p" + p);
                }
            }
            DescribedGroup d = describe(wire, "members");
            assertEquals("Stable", d.groupState());
            assertArrayEquals(new byte[] {5}, d.members().get(0).memberAssignment());
        }
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+")).sorted().toList();
        }
    }

    private static DescribedGroup describe(GroupWire wire, String group) throws IOException {
        return new DescribeGroupsResponseData(wire.call(ApiKeys.DESCRIBE_GROUPS, (short) 5,
                new DescribeGroupsRequestData().setGroups(List.of(group))), (short) 5).groups().get(0);
    }
}
