package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.BrokerUnderTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A rolling switch of {@code group.protocol} on a live group, as an operator upgrades consumers one at a time
 * (KIP-848's online migration, Kafka's default {@code group.consumer.migration.policy=bidirectional}): three
 * classic members, replaced one by one by consumer-protocol members and then back, while records keep coming.
 * Every record is read, the committed offsets end at the log end and never go back, and a record is read twice
 * only where a commit was refused by a rebalance.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(240)
class GroupProtocolMigrationTest {
    private static final String TOPIC = "rolling";
    private static final String GROUP = "rolling-group";
    private static final int PARTITIONS = 6;
    private static final int MAX_POLL = 50;

    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static Admin admin;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        broker = kind.start("GroupProtocolMigrationTest", dir.resolve(kind.name()), FastGroups.BROKER);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        try {
            if (admin != null) {
                admin.close();
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    /** What every member saw and committed, shared. */
    private final Map<TopicPartition, Map<Long, Integer>> reads = new ConcurrentHashMap<>();
    private final Map<TopicPartition, List<Long>> commits = new ConcurrentHashMap<>();
    private final AtomicInteger refusedCommits = new AtomicInteger();

    /** One consumer on its own thread: poll, then commit what it read, until stopped. */
    private final class Member {
        final GroupProtocol protocol;
        final KafkaConsumer<byte[], byte[]> consumer;
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread;
        volatile Throwable failure;

        Member(GroupProtocol protocol) {
            this.protocol = protocol;
            Map<String, Object> extra = new HashMap<>(FastGroups.member(protocol, 6_000));
            extra.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_POLL);
            consumer = Clients.groupConsumer(broker.bootstrap(), GROUP, extra);
            thread = new Thread(this::run, "migration-member-" + protocol);
            thread.start();
        }

        private void run() {
            try {
                consumer.subscribe(List.of(TOPIC));
                while (running.get()) {
                    var records = consumer.poll(Duration.ofMillis(100));
                    if (records.isEmpty()) {
                        continue;
                    }
                    Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                        reads.computeIfAbsent(tp, k -> new ConcurrentHashMap<>()).merge(r.offset(), 1, Integer::sum);
                        next.put(tp, new OffsetAndMetadata(r.offset() + 1));
                    }
                    try {
                        consumer.commitSync(next);
                        next.forEach((tp, o) -> commits.computeIfAbsent(tp, k -> Collections.synchronizedList(new ArrayList<>()))
                                .add(o.offset()));
                    } catch (KafkaException e) {
                        refusedCommits.incrementAndGet(); // a rebalance took the partitions; someone reads again
                    }
                }
            } catch (WakeupException e) {
                // closing
            } catch (Throwable t) {
                failure = t;
            }
        }

        /** Stops polling and closes the consumer, which leaves the group. */
        void close() throws InterruptedException {
            running.set(false);
            thread.join(30_000);
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(10)));
            if (failure != null) {
                throw new AssertionError(protocol + " member failed", failure);
            }
        }
    }

    @Compat(family = Compat.JAVA, feature = "consumer groups: rolling switch of group.protocol on a live group")
    @Test
    void aRollingSwitchToTheConsumerProtocolAndBackLosesNothing() throws Exception {
        admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicInteger produced = new AtomicInteger();
        Thread producer = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), Map.of())) {
                while (producing.get()) {
                    for (int i = 0; i < 20; i++) {
                        p.send(new ProducerRecord<>(TOPIC, produced.get() % PARTITIONS, null,
                                Integer.toString(produced.getAndIncrement()).getBytes()));
                    }
                    p.flush();
                    Thread.sleep(20);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "migration-producer");
        producer.start();

        List<Member> members = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                members.add(new Member(GroupProtocol.CLASSIC));
            }
            Thread.sleep(4_000);
            for (GroupProtocol to : List.of(GroupProtocol.CONSUMER, GroupProtocol.CLASSIC)) {
                for (int i = 0; i < 3; i++) {
                    members.get(i).close();
                    members.set(i, new Member(to));
                    Thread.sleep(3_000);
                }
            }
            producing.set(false);
            producer.join(30_000);

            Map<TopicPartition, Long> ends = new HashMap<>();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                latest.put(new TopicPartition(TOPIC, p), OffsetSpec.latest());
            }
            admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> ends.put(tp, info.offset()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!caughtUp(ends) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
        } finally {
            producing.set(false);
            for (Member m : members) {
                m.close();
            }
        }

        long total = 0;
        long twice = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            TopicPartition tp = new TopicPartition(TOPIC, p);
            long end = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get(30, TimeUnit.SECONDS).get(tp)
                    .offset();
            Map<Long, Integer> seen = reads.getOrDefault(tp, Map.of());
            for (long o = 0; o < end; o++) {
                assertTrue(seen.containsKey(o), "offset " + o + " of " + tp + " was never read");
                twice += seen.get(o) - 1;
            }
            total += end;
            List<Long> committed = commits.getOrDefault(tp, List.of());
            for (int i = 1; i < committed.size(); i++) {
                assertTrue(committed.get(i) >= committed.get(i - 1),
                        "the committed offset of " + tp + " went back: " + committed);
            }
        }
        Map<TopicPartition, OffsetAndMetadata> finalOffsets = admin.listConsumerGroupOffsets(GROUP)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        for (int p = 0; p < PARTITIONS; p++) {
            TopicPartition tp = new TopicPartition(TOPIC, p);
            long end = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get(30, TimeUnit.SECONDS).get(tp)
                    .offset();
            assertEquals(end, finalOffsets.get(tp).offset(), "the group's offset of " + tp + " is the log end");
        }
        assertTrue(total > 1_000, "records kept coming during the switch: " + total);
        assertTrue(twice <= (long) refusedCommits.get() * MAX_POLL,
                twice + " records read twice with " + refusedCommits.get() + " commits refused");
    }

    private boolean caughtUp(Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            List<Long> committed = commits.getOrDefault(e.getKey(), List.of());
            if (e.getValue() > 0 && (committed.isEmpty() || committed.get(committed.size() - 1) < e.getValue())) {
                return false;
            }
        }
        return true;
    }
}
