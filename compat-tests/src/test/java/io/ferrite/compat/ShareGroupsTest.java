package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.BrokerUnderTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Share groups (KIP-932) through kafka-clients 4.3's KafkaShareConsumer: consumers sharing one partition, each
 * record accepted once; explicit RELEASE delivering a record again with a higher delivery count, and REJECT
 * never delivering it again; a silent consumer's records coming back when their locks time out; a record
 * released too often archived at the delivery limit.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(180)
class ShareGroupsTest {
    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static Admin admin;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        // A lock as short as one second, so the lock-timeout test waits seconds rather than Kafka's 15 s minimum.
        broker = kind.start("ShareGroupsTest", dir.resolve(kind.name()),
                Map.of("group.share.min.record.lock.duration.ms", "1000"));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    @AfterParameterizedClassInvocation
    static void stop() throws Exception {
        try {
            if (admin != null) {
                admin.close();
            }
        } finally {
            broker.close();
        }
    }

    /**
     * {@code count} records, ten to a batch: Kafka hands out whole batches, so records in one batch all go to one
     * consumer there.
     */
    private static void topicWithRecords(String topic, int count) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), Map.of())) {
            for (int i = 0; i < count; i++) {
                p.send(new ProducerRecord<>(topic, 0, null, ("r" + i).getBytes(StandardCharsets.UTF_8)));
                if (i % 10 == 9) {
                    p.flush();
                }
            }
            p.flush();
        }
    }

    private static void readFromTheStart(String group) throws Exception {
        groupConfig(group, "share.auto.offset.reset", "earliest");
    }

    private static void groupConfig(String group, String key, String value) throws Exception {
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(
                new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET))))
                .all().get(30, TimeUnit.SECONDS);
    }

    private static KafkaShareConsumer<String, String> consumer(String group, Map<String, Object> extra) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.putAll(extra);
        return new KafkaShareConsumer<>(c, new StringDeserializer(), new StringDeserializer());
    }

    @Compat(family = Compat.JAVA, feature = "share groups: consumers share a partition, each record once")
    @Test
    void threeConsumersShareOnePartitionAndEachRecordIsAcceptedOnce() throws Exception {
        String topic = "jobs";
        topicWithRecords(topic, 300);
        readFromTheStart("workers");
        List<KafkaShareConsumer<String, String>> consumers = new ArrayList<>();
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        Map<Integer, Integer> perConsumer = new HashMap<>();
        try {
            for (int i = 0; i < 3; i++) {
                KafkaShareConsumer<String, String> c = consumer("workers", Map.of(
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20));
                c.subscribe(Set.of(topic));
                consumers.add(c);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (seen.size() < 300 && System.nanoTime() < deadline) {
                for (int i = 0; i < consumers.size(); i++) {
                    for (ConsumerRecord<String, String> r : consumers.get(i).poll(Duration.ofMillis(200))) {
                        seen.merge(r.value(), 1, Integer::sum);
                        perConsumer.merge(i, 1, Integer::sum);
                    }
                }
            }
            for (KafkaShareConsumer<String, String> c : consumers) {
                c.commitSync(); // the last poll's records, accepted implicitly
            }
        } finally {
            consumers.forEach(KafkaShareConsumer::close);
        }
        assertEquals(300, seen.size(), "every record delivered");
        assertEquals(Map.of(), seen.entrySet().stream().filter(e -> e.getValue() > 1)
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)),
                "no record delivered twice");
        assertTrue(perConsumer.size() >= 2, "the records were shared: " + perConsumer);

        try (KafkaShareConsumer<String, String> late = consumer("workers", Map.of())) {
            late.subscribe(Set.of(topic));
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            int again = 0;
            while (System.nanoTime() < until) {
                again += late.poll(Duration.ofMillis(500)).count();
            }
            assertEquals(0, again, "accepted records are never delivered again");
        }
    }

    @Compat(family = Compat.JAVA, feature = "share groups: RELEASE redelivers, REJECT archives")
    @Test
    void aReleasedRecordComesBackWithAHigherCountAndARejectedOneNever() throws Exception {
        String topic = "tasks";
        topicWithRecords(topic, 10);
        readFromTheStart("explicit");
        Map<String, List<Short>> deliveries = new HashMap<>();
        try (KafkaShareConsumer<String, String> c = consumer("explicit", Map.of(
                ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit"))) {
            c.subscribe(Set.of(topic));
            Set<String> accepted = new TreeSet<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (accepted.size() < 9 && System.nanoTime() < deadline) { // all but the rejected r5
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    deliveries.computeIfAbsent(r.value(), v -> new ArrayList<>()).add(r.deliveryCount().orElse((short) -1));
                    if (r.value().equals("r3") && deliveries.get("r3").size() < 3) {
                        c.acknowledge(r, AcknowledgeType.RELEASE);
                    } else if (r.value().equals("r5")) {
                        c.acknowledge(r, AcknowledgeType.REJECT);
                    } else {
                        c.acknowledge(r, AcknowledgeType.ACCEPT);
                        accepted.add(r.value());
                    }
                }
                c.commitSync();
            }
            // A few more polls: nothing else comes back.
            for (int i = 0; i < 5; i++) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(300))) {
                    deliveries.computeIfAbsent(r.value(), v -> new ArrayList<>()).add(r.deliveryCount().orElse((short) -1));
                    c.acknowledge(r, AcknowledgeType.ACCEPT);
                }
                c.commitSync();
            }
            assertEquals(9, accepted.size(), accepted.toString());
        }
        assertEquals(List.of((short) 1, (short) 2, (short) 3), deliveries.get("r3"));
        assertEquals(List.of((short) 1), deliveries.get("r5"), "rejected: never again");
        assertEquals(List.of((short) 1), deliveries.get("r0"));
        assertEquals(10, deliveries.size());
    }

    @Compat(family = Compat.JAVA, feature = "share groups: offsets described, reset and deleted through Admin")
    @Test
    void anEmptyGroupsOffsetsAreDescribedResetAndDeleted() throws Exception {
        String topic = "ledger";
        topicWithRecords(topic, 30);
        readFromTheStart("auditors");
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaShareConsumer<String, String> c = consumer("auditors", Map.of(
                ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit", ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10))) {
            c.subscribe(Set.of(topic));
            int accepted = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (accepted < 10 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    // the first ten accepted, the rest handed back
                    c.acknowledge(r, accepted < 10 ? AcknowledgeType.ACCEPT : AcknowledgeType.RELEASE);
                    if (accepted < 10) {
                        accepted++;
                    }
                }
                c.commitSync();
            }
            ExecutionException busy = assertThrows(ExecutionException.class, () -> admin.alterShareGroupOffsets(
                    "auditors", Map.of(tp, 0L)).all().get(30, TimeUnit.SECONDS));
            assertInstanceOf(GroupNotEmptyException.class, busy.getCause());
        }
        long left = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!admin.describeShareGroups(List.of("auditors")).all().get(30, TimeUnit.SECONDS).get("auditors")
                .members().isEmpty() && System.nanoTime() < left) {
            Thread.sleep(100); // the consumer's leave
        }

        SharePartitionOffsetInfo info = admin.listShareGroupOffsets(Map.of("auditors",
                new ListShareGroupOffsetsSpec())).partitionsToOffsetInfo("auditors").get(30, TimeUnit.SECONDS).get(tp);
        // Ten of thirty accepted: a lag of twenty. The start offset is 10 here, past the accepted records; Kafka
        // 4.3 describes the one it last wrote to its share-state topic, which may still be 0.
        assertEquals(Optional.of(20L), info.lag(), info.toString());
        assertTrue(info.startOffset() == 0 || info.startOffset() == 10, info.toString());

        admin.alterShareGroupOffsets("auditors", Map.of(tp, 25L)).all().get(30, TimeUnit.SECONDS);
        assertEquals(25L, admin.listShareGroupOffsets(Map.of("auditors", new ListShareGroupOffsetsSpec()))
                .partitionsToOffsetInfo("auditors").get(30, TimeUnit.SECONDS).get(tp).startOffset());

        admin.deleteShareGroupOffsets("auditors", Set.of(topic)).all().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, SharePartitionOffsetInfo> after = admin.listShareGroupOffsets(Map.of("auditors",
                new ListShareGroupOffsetsSpec())).partitionsToOffsetInfo("auditors").get(30, TimeUnit.SECONDS);
        assertTrue(after.get(tp) == null || after.get(tp).startOffset() < 0, "the group forgot the topic: " + after);

        admin.deleteShareGroups(List.of("auditors")).all().get(30, TimeUnit.SECONDS);
        assertTrue(admin.listGroups().all().get(30, TimeUnit.SECONDS).stream()
                .noneMatch(g -> g.groupId().equals("auditors")), "deleted");
    }

    @Compat(family = Compat.JAVA, feature = "share groups: a small fetch.max.bytes, every record once at delivery 1")
    @Test
    void aSmallFetchMaxBytesStillDeliversEveryRecordOnceAtItsFirstDelivery() throws Exception {
        String topic = "big-records";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), Map.of())) {
            for (int i = 0; i < 40; i++) { // one 2 KB record to a batch
                p.send(new ProducerRecord<>(topic, 0, null, ("b" + i + "-" + "x".repeat(2000))
                        .getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            }
        }
        readFromTheStart("small-fetches");
        Map<String, List<Short>> deliveries = new HashMap<>();
        try (KafkaShareConsumer<String, String> c = consumer("small-fetches", Map.of(
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 5000))) {
            c.subscribe(Set.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (deliveries.size() < 40 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    deliveries.computeIfAbsent(r.value().substring(0, r.value().indexOf('-')), v -> new ArrayList<>())
                            .add(r.deliveryCount().orElse((short) -1));
                }
            }
            c.commitSync();
        }
        assertEquals(40, deliveries.size());
        deliveries.forEach((k, counts) -> assertEquals(List.of((short) 1), counts, k));
    }

    @Compat(family = Compat.JAVA, feature = "share groups: read_committed skips aborted transactions")
    @Test
    void readCommittedShareGroupsNeverSeeAbortedRecords() throws Exception {
        String topic = "payments";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), Map.of(
                org.apache.kafka.clients.producer.ProducerConfig.TRANSACTIONAL_ID_CONFIG, "payments-tx"))) {
            p.initTransactions();
            String[][] transactions = {{"c0", "c1", "c2"}, {"a0", "a1"}, {"c3", "c4"}};
            for (String[] tx : transactions) {
                p.beginTransaction();
                for (String v : tx) {
                    p.send(new ProducerRecord<>(topic, 0, null, v.getBytes(StandardCharsets.UTF_8)));
                }
                p.flush(); // on the broker before the end: an abort would drop batches not yet sent
                if (tx[0].startsWith("a")) {
                    p.abortTransaction();
                } else {
                    p.commitTransaction();
                }
            }
        }
        readFromTheStart("committed-readers");
        groupConfig("committed-readers", "share.isolation.level", "read_committed");
        readFromTheStart("all-readers");
        assertEquals(Set.of("c0", "c1", "c2", "c3", "c4"), readAll("committed-readers", topic, 5));
        assertEquals(Set.of("c0", "c1", "c2", "a0", "a1", "c3", "c4"), readAll("all-readers", topic, 7));
    }

    @Compat(family = Compat.JAVA, feature = "share groups: a silent consumer's records come back at the lock timeout")
    @Test
    void aSilentConsumersRecordsComeBackWhenTheirLocksTimeOut() throws Exception {
        String topic = "orders";
        topicWithRecords(topic, 10);
        readFromTheStart("lockers");
        groupConfig("lockers", "share.record.lock.duration.ms", "2000");
        Set<String> held = new TreeSet<>();
        Map<String, List<Short>> deliveries = new HashMap<>();
        try (KafkaShareConsumer<String, String> silent = consumer("lockers", Map.of(
                ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit"))) {
            silent.subscribe(Set.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (held.isEmpty() && System.nanoTime() < deadline) {
                silent.poll(Duration.ofMillis(200)).forEach(r -> held.add(r.value()));
            }
            assertTrue(!held.isEmpty(), "the first consumer got records");
            // It stays in the group, heartbeating, but never acknowledges or polls again.
            try (KafkaShareConsumer<String, String> other = consumer("lockers", Map.of(
                    ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit"))) {
                other.subscribe(Set.of(topic));
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (deliveries.size() < 10 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : other.poll(Duration.ofMillis(200))) {
                        deliveries.computeIfAbsent(r.value(), v -> new ArrayList<>())
                                .add(r.deliveryCount().orElse((short) -1));
                        other.acknowledge(r, AcknowledgeType.ACCEPT);
                    }
                    other.commitSync();
                }
            }
        }
        assertEquals(10, deliveries.size(), "every record reached the second consumer: " + deliveries);
        for (String v : held) {
            // Its second delivery or later: the silent client's background fetches may take it again first.
            assertEquals(1, deliveries.get(v).size(), v + " accepted at its first delivery to the second consumer");
            assertTrue(deliveries.get(v).get(0) >= 2, v + " came back with a higher count: " + deliveries.get(v));
        }
    }

    @Compat(family = Compat.JAVA, feature = "share groups: the delivery limit archives a poison record")
    @Test
    void aRecordReleasedUpToTheDeliveryLimitIsArchived() throws Exception {
        String topic = "poison";
        topicWithRecords(topic, 6);
        readFromTheStart("careful");
        groupConfig("careful", "share.delivery.count.limit", "3");
        Map<String, List<Short>> deliveries = new HashMap<>();
        try (KafkaShareConsumer<String, String> c = consumer("careful", Map.of(
                ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit"))) {
            c.subscribe(Set.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    deliveries.computeIfAbsent(r.value(), v -> new ArrayList<>())
                            .add(r.deliveryCount().orElse((short) -1));
                    // r2 fails every time it is processed
                    c.acknowledge(r, r.value().equals("r2") ? AcknowledgeType.RELEASE : AcknowledgeType.ACCEPT);
                }
                c.commitSync();
                if (deliveries.size() == 6 && deliveries.get("r2").size() >= 3 && quietUntil == Long.MAX_VALUE) {
                    quietUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                }
            }
        }
        assertEquals(List.of((short) 1, (short) 2, (short) 3), deliveries.get("r2"), "archived at the limit");
        assertEquals(6, deliveries.size());
        deliveries.forEach((k, counts) -> assertEquals(k.equals("r2") ? 3 : 1, counts.size(), k));
    }

    /** What one consumer of the group reads, accepting it, until {@code expected} records and a quiet second. */
    private static Set<String> readAll(String group, String topic, int expected) {
        Set<String> seen = new TreeSet<>();
        try (KafkaShareConsumer<String, String> c = consumer(group, Map.of())) {
            c.subscribe(Set.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    seen.add(r.value());
                }
                if (seen.size() >= expected && quietUntil == Long.MAX_VALUE) {
                    quietUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                }
            }
            c.commitSync();
        }
        return seen;
    }
}
