package io.ferrite.compat.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ferrite.compat.Clients;
import io.ferrite.compat.Compat;
import io.ferrite.launcher.FerriteProcess;
import io.ferrite.compat.GroupMember;
import io.ferrite.launcher.FerriteProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Classic consumer groups with an older kafka-clients, run by the build once per older version: two members
 * that subscribe share the partitions, and after a commitSync and a close a new member resumes right after
 * the committed offsets. Only API of 2.8 is used.
 */
@Timeout(180)
class LegacyGroupsTest {
    private static final int PARTITIONS = 2; // num.partitions for auto-created topics

    @TempDir
    static Path dir;
    private static FerriteProcess broker;

    @BeforeAll
    static void start() throws Exception {
        String version = System.getProperty("compat.kafka.clients.version", "unknown");
        broker = FerriteProcess.start("LegacyGroupsTest-" + version, dir.resolve("data"), Map.of(
                "num.partitions", Integer.toString(PARTITIONS), "group.initial.rebalance.delay.ms", "0"));
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static List<Clients.Sent> produce(String topic, int count, String tag) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of())) {
            return Clients.sendKeyed(producer, topic, count, tag);
        }
    }

    @Compat(family = Compat.JAVA, feature = "classic group: members share partitions")
    @Test
    void twoSubscribedMembersSplitThePartitionsAndConsumeEverything() throws Exception {
        String topic = "legacy-group-share";
        List<Clients.Sent> sent = produce(topic, 400, "share");
        Set<String> expected = sent.stream().map(s -> s.partition() + "@" + s.offset()).collect(Collectors.toSet());
        try (GroupMember a = GroupMember.start("a", Clients.groupConsumer(broker.bootstrap(), "legacy-share", Map.of()), topic);
             GroupMember b = GroupMember.start("b", Clients.groupConsumer(broker.bootstrap(), "legacy-share", Map.of()), topic)) {
            GroupMember.await(() -> a.assigned().size() == 1 && b.assigned().size() == 1
                    && !a.assigned().equals(b.assigned()), Duration.ofSeconds(60), "one partition each");
            GroupMember.await(() -> {
                Set<String> seen = new HashSet<>();
                for (GroupMember m : List.of(a, b)) {
                    m.consumed().forEach(r -> seen.add(r.partition() + "@" + r.offset()));
                }
                return seen.containsAll(expected);
            }, Duration.ofSeconds(60), "every record to be consumed");
            a.checkHealthy();
            b.checkHealthy();
        }
    }

    @Compat(family = Compat.JAVA, feature = "classic group: consume, commit, resume")
    @Test
    void afterCommitSyncAndCloseANewMemberResumesAfterTheCommittedOffsets() throws Exception {
        String topic = "legacy-group-resume";
        String group = "legacy-resume";
        produce(topic, 300, "first");
        List<TopicPartition> partitions = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(topic, p))
                .collect(Collectors.toList());
        Map<TopicPartition, OffsetAndMetadata> committed;
        try (KafkaConsumer<byte[], byte[]> first = Clients.groupConsumer(broker.bootstrap(), group,
                Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 30))) {
            first.subscribe(List.of(topic));
            int read = 0;
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (read < 100) {
                if (System.nanoTime() > deadline) {
                    fail("read only " + read);
                }
                read += first.poll(Duration.ofMillis(200)).count();
            }
            first.commitSync();
            committed = first.committed(new HashSet<>(partitions));
        }
        long committedTotal = committed.values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
        assertTrue(committedTotal >= 100 && committedTotal < 300, "committed part of the topic: " + committed);
        List<Clients.Sent> more = produce(topic, 60, "second");
        Map<Integer, Long> ends = new HashMap<>();
        more.forEach(s -> ends.merge(s.partition(), s.offset() + 1, Math::max));

        Map<Integer, List<Long>> offsets = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> second = Clients.groupConsumer(broker.bootstrap(), group, Map.of())) {
            second.subscribe(List.of(topic));
            long expected = 360 - committedTotal;
            int read = 0;
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (read < expected) {
                if (System.nanoTime() > deadline) {
                    fail("read " + read + " of " + expected);
                }
                for (ConsumerRecord<byte[], byte[]> r : second.poll(Duration.ofMillis(200))) {
                    offsets.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.offset());
                    read++;
                }
            }
            second.commitSync();
            assertEquals(ends, second.committed(new HashSet<>(partitions)).entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset())));
        }
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata c = committed.get(tp);
            long from = c == null ? 0 : c.offset();
            assertEquals(LongStream.range(from, ends.get(tp.partition())).boxed().collect(Collectors.toList()),
                    offsets.getOrDefault(tp.partition(), List.of()), "partition " + tp.partition());
        }
    }
}
