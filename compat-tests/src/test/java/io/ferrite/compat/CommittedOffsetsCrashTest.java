package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ferrite.launcher.FerriteProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A group commits offsets to a broker in sync flush mode, which is then killed with SIGKILL and started again
 * on the same port and data: the last commit of every partition is there, and a new member of the group
 * resumes right after it. Under both group protocols; the member that committed goes on heartbeating to the
 * restarted broker, which knows it from the coordinator log.
 */
@Timeout(180)
class CommittedOffsetsCrashTest {
    private static final int PARTITIONS = 3;
    private static final int PER_PARTITION = 200;

    @TempDir
    Path dir;
    private FerriteProcess broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Compat(family = Compat.JAVA, feature = "groups, classic and KIP-848: committed offsets across a broker SIGKILL")
    @ParameterizedTest(name = "{0}")
    @EnumSource(GroupProtocol.class)
    void offsetsCommittedBeforeAKillAreThereAfterTheRestart(GroupProtocol protocol) throws Exception {
        String topic = "crash-commits-" + FastGroups.configValue(protocol);
        String group = "crash-group-" + FastGroups.configValue(protocol);
        Map<String, String> overrides = new HashMap<>(FastGroups.BROKER);
        overrides.put("store.flush.mode", "sync");
        broker = FerriteProcess.start("CommittedOffsetsCrashTest-" + protocol, dir.resolve("data"), overrides);
        List<TopicPartition> partitions = IntStream.range(0, PARTITIONS)
                .mapToObj(p -> new TopicPartition(topic, p)).toList();
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of())) {
            for (int i = 0; i < PER_PARTITION; i++) {
                for (int p = 0; p < PARTITIONS; p++) {
                    producer.send(new ProducerRecord<>(topic, p, null, Clients.bytes(p + "-" + i)));
                }
            }
            producer.flush();
        }

        // Many commits, each one a little further: the last of each partition is the one that must survive.
        Map<TopicPartition, OffsetAndMetadata> lastCommit;
        Map<String, Object> config = new HashMap<>(FastGroups.member(protocol, 6_000));
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10);
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        KafkaConsumer<byte[], byte[]> member = Clients.groupConsumer(broker.bootstrap(), group, config);
        try {
            member.subscribe(List.of(topic));
            int read = 0;
            int commits = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (read < PARTITIONS * PER_PARTITION / 2) {
                if (System.nanoTime() > deadline) {
                    fail("read only " + read + " records");
                }
                int n = member.poll(Duration.ofMillis(200)).count();
                if (n > 0) {
                    read += n;
                    member.commitSync();
                    commits++;
                }
            }
            assertTrue(commits >= 20, "committed " + commits + " times");
            lastCommit = member.committed(Set.copyOf(partitions));

            broker.kill();
            broker.restart();

            try (Admin admin = admin()) {
                assertEquals(offsets(lastCommit), admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                        .get(30, TimeUnit.SECONDS).entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                                e -> e.getValue().offset())), "committed offsets after the restart");
            }
        } finally {
            // After the restart: its LeaveGroup (or leaving heartbeat) goes to the new process, which knows the member.
            member.close();
        }

        Map<Integer, List<Long>> offsets = new HashMap<>();
        long expected = PARTITIONS * PER_PARTITION - offsets(lastCommit).values().stream().mapToLong(Long::longValue).sum();
        try (KafkaConsumer<byte[], byte[]> next = Clients.groupConsumer(broker.bootstrap(), group,
                FastGroups.member(protocol))) {
            next.subscribe(List.of(topic));
            int read = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (read < expected) {
                if (System.nanoTime() > deadline) {
                    fail("read " + read + " of the " + expected + " records after the committed offsets");
                }
                for (ConsumerRecord<byte[], byte[]> r : next.poll(Duration.ofMillis(200))) {
                    offsets.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.offset());
                    read++;
                }
            }
        }
        for (TopicPartition tp : partitions) {
            long from = lastCommit.get(tp) == null ? 0 : lastCommit.get(tp).offset();
            assertEquals(LongStream.range(from, PER_PARTITION).boxed().toList(),
                    offsets.getOrDefault(tp.partition(), List.of()), "partition " + tp.partition());
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
    }

    private static Map<TopicPartition, Long> offsets(Map<TopicPartition, OffsetAndMetadata> committed) {
        return committed.entrySet().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }
}
