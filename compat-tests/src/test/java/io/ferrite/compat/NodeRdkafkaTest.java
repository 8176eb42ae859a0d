package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A current librdkafka (2.12, as node-rdkafka 3.6.1 builds it) against a child broker: the client under
 * confluent-kafka-python, -go and -dotnet and node-rdkafka. Its first Metadata request is v13, with bytes
 * after the body that Kafka skips. Every scenario is checked with the Java clients. {@code bin/test} installs
 * it; without it these tests fail rather than skip.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(300)
class NodeRdkafkaTest extends SharedBrokerTest {
    static final String FAMILY = "node-rdkafka (librdkafka)";
    private static final int PARTITIONS = 3;

    private static NodeRdkafka client;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        client = NodeRdkafka.installed("NodeRdkafkaTest-" + kind.name().toLowerCase());
        CompatVersions.record(FAMILY, client.version());
        startBroker(kind, "NodeRdkafkaTest");
    }

    /**
     * An idempotent librdkafka producer with the codec sends keyed records with headers and explicit
     * timestamps. Java's partitioner would have put each key where it went; offsets follow the send order in
     * each partition; librdkafka and the Java consumer read everything back in that order; the stored batches
     * carry the codec and a producer id.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    @Compat(family = FAMILY, feature = "idempotent produce: keys, headers, timestamps, each codec, read back in order")
    void idempotentRecordsOfEveryCodecAreReadBackInOrder(String codec) throws Exception {
        String topic = "rdk-produce-" + codec;
        int count = 60;
        shared.createTopic(topic, PARTITIONS);
        long t0 = (System.currentTimeMillis() - 3_600_000) / 1000 * 1000;
        List<List<String>> produced = client.client("produce-" + codec, "produce", shared.bootstrap(), topic,
                Integer.toString(count), "rdk", codec, Long.toString(t0)).of("produced");
        assertEquals(count, produced.size());

        Map<Integer, List<List<String>>> expected = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            List<String> p = produced.get(i);
            int partition = Integer.parseInt(p.get(0));
            String key = "rdk-key-" + i;
            assertEquals(List.of(key, "rdk-value-" + i, Long.toString(t0 + 1000L * i)), p.subList(2, 5));
            assertEquals(Utils.toPositive(Utils.murmur2(Clients.bytes(key))) % PARTITIONS, partition,
                    "murmur2_random puts a key where Java's partitioner does: " + key);
            List<List<String>> inPartition = expected.computeIfAbsent(partition, x -> new ArrayList<>());
            assertEquals(inPartition.size(), Long.parseLong(p.get(1)), "offset of record " + i + " in send order");
            inPartition.add(List.of(p.get(0), p.get(1), key, "rdk-value-" + i, "seq=" + i + ",empty=", p.get(4)));
        }

        Map<Integer, List<List<String>>> readByLibrdkafka = new TreeMap<>();
        for (List<String> c : client.client("assign-" + codec, "assign", shared.bootstrap(), topic,
                Integer.toString(PARTITIONS), Integer.toString(count)).of("consumed")) {
            readByLibrdkafka.computeIfAbsent(Integer.parseInt(c.get(0)), x -> new ArrayList<>()).add(c);
        }
        assertEquals(expected, readByLibrdkafka, "librdkafka reads its records back in order");

        Map<Integer, List<List<String>>> readByJava = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(shared.bootstrap(), Map.of())) {
            Map<Integer, List<ConsumerRecord<byte[], byte[]>>> read = Clients.readAll(consumer,
                    SharedBroker.partitions(topic, PARTITIONS), count, Duration.ofSeconds(30));
            read.forEach((p, rs) -> {
                for (ConsumerRecord<byte[], byte[]> r : rs) {
                    List<String> headers = new ArrayList<>();
                    r.headers().forEach(h -> headers.add(h.key() + "="
                            + new String(h.value(), StandardCharsets.UTF_8)));
                    readByJava.computeIfAbsent(p, x -> new ArrayList<>()).add(List.of(Integer.toString(p),
                            Long.toString(r.offset()), new String(r.key(), StandardCharsets.UTF_8),
                            new String(r.value(), StandardCharsets.UTF_8), String.join(",", headers),
                            Long.toString(r.timestamp())));
                }
            });
        }
        assertEquals(expected, readByJava, "the Java consumer reads them in the same order");

        for (int p = 0; p < PARTITIONS; p++) {
            for (RecordBatch b : StoredBatches.of(shared.bootstrap(), topic, p)) {
                assertEquals(CompressionType.forName(codec), b.compressionType(), "batch " + b);
                assertTrue(b.producerId() >= 0, "an idempotent producer's id in batch " + b);
            }
        }
    }

    /**
     * Two librdkafka members of one group (under {@code group.protocol}) share four partitions, reading what
     * Java produced and committing each record; the Java admin sees their commits and the group's type. A later
     * member of the group resumes at the commits and reads exactly what Java added since.
     */
    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    @Compat(family = FAMILY, feature = "balanced group (classic and consumer protocols): share, commit, resume")
    void aBalancedGroupSharesPartitionsCommitsAndResumes(String protocol) throws Exception {
        String topic = "rdk-group-" + protocol;
        String group = "rdk-group-" + protocol;
        int partitions = 4;
        shared.createTopic(topic, partitions);
        Set<List<String>> first = shared.produceWithJava(topic, partitions, 10, "first");

        Facts run = client.client("group-" + protocol + "-first", "group", shared.bootstrap(), topic, group, protocol,
                "2", Integer.toString(first.size()), Integer.toString(partitions));
        Set<List<String>> consumed = new HashSet<>();
        for (List<String> c : run.of("consumed")) {
            assertTrue(consumed.add(c.subList(1, 5)), "consumed twice: " + c);
        }
        assertEquals(first, consumed, "the two members read everything once between them");
        List<List<String>> assigned = run.of("assigned");
        assertEquals(2, assigned.size());
        Set<String> owned = new HashSet<>();
        for (List<String> a : assigned) {
            assertFalse(a.get(1).isEmpty(), "member " + a.get(0) + " was given no partition");
            for (String p : a.get(1).split(",")) {
                assertTrue(owned.add(p), "partition " + p + " given to both members");
            }
        }
        assertEquals(Set.of("0", "1", "2", "3"), owned);
        Map<Integer, Long> ends = shared.endOffsets(SharedBroker.partitions(topic, partitions));
        assertEquals(ends, SharedBroker.committedFacts(run), "librdkafka's view of its commits");
        assertEquals(ends, shared.committed(group), "the Java admin sees librdkafka's commits");
        assertEquals(protocol.equals("consumer") ? GroupType.CONSUMER : GroupType.CLASSIC,
                shared.admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                        .get(30, TimeUnit.SECONDS)
                        .type());

        Set<List<String>> second = shared.produceWithJava(topic, partitions, 3, "second");
        Facts resumed = client.client("group-" + protocol + "-second", "group", shared.bootstrap(), topic, group,
                protocol, "1", Integer.toString(second.size()), Integer.toString(partitions));
        assertEquals(second, resumed.of("consumed").stream().map(c -> c.subList(1, 5)).collect(Collectors.toSet()),
                "only what came after the committed offsets");
        assertEquals(second.size(), resumed.of("consumed").size());
        Map<Integer, Long> newEnds = shared.endOffsets(SharedBroker.partitions(topic, partitions));
        assertEquals(newEnds, SharedBroker.committedFacts(resumed));
        assertEquals(newEnds, shared.committed(group));
    }

    /**
     * node-rdkafka creates a topic with a config and lists it; librdkafka's admin API describes it (with the
     * id the Java admin sees), describes its configs, and alters them incrementally (set and delete), each
     * change seen by the Java admin; it describes the broker's configs as the Java admin does; node-rdkafka
     * deletes the topic.
     */
    @Test
    @Compat(family = FAMILY, feature = "admin: create, describe, delete topics; describe and alter configs")
    void topicsAndConfigsAreAdministered() throws Exception {
        String topic = "rdk-admin";
        assertEquals(List.of(List.of(topic)), client.client("create", "create", shared.bootstrap(), topic, "3",
                "retention.ms=3600000").of("created"));
        AdminWaits.describe(shared.admin, List.of(topic));
        assertTrue(client.client("topics", "topics", shared.bootstrap()).of("topic").contains(List.of(topic, "3")));

        List<String> described = client.admin("describe-topics", "describe-topics", shared.bootstrap(), topic)
                .of("topic").get(0);
        String javaId = shared.admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                .topicId().toString();
        // librdkafka prints standard base64, Kafka's Uuid URL-safe base64; both without padding.
        assertEquals(List.of(topic, "NO_ERROR", "3", javaId), List.of(described.get(0), described.get(1),
                described.get(2), described.get(3).replace('/', '_').replace('+', '-')));

        assertEquals(List.of("3600000", "DYNAMIC_TOPIC_CONFIG", "0"), topicConfigs(topic).get("retention.ms"));
        assertEquals(List.of(List.of(topic, "NO_ERROR")), client.admin("alter", "alter-configs", shared.bootstrap(),
                "topic", topic, "set:retention.ms=7200000", "set:cleanup.policy=compact,delete").of("altered"));
        Map<String, List<String>> altered = topicConfigsOnce(topic,
                c -> c.get("retention.ms").get(0).equals("7200000"));
        assertEquals(List.of("7200000", "DYNAMIC_TOPIC_CONFIG", "0"), altered.get("retention.ms"));
        assertEquals(List.of("compact,delete", "DYNAMIC_TOPIC_CONFIG", "0"), altered.get("cleanup.policy"));
        Config java = describeWithJava(new ConfigResource(ConfigResource.Type.TOPIC, topic));
        assertEquals("7200000", java.get("retention.ms").value());
        assertEquals("compact,delete", java.get("cleanup.policy").value());

        assertEquals(List.of(List.of(topic, "NO_ERROR")), client.admin("alter-delete", "alter-configs",
                shared.bootstrap(), "topic", topic, "delete:retention.ms").of("altered"));
        List<String> reverted = topicConfigsOnce(topic, c -> !c.get("retention.ms").get(0).equals("7200000"))
                .get("retention.ms");
        assertEquals("604800000", reverted.get(0), "back to the broker's retention");
        assertNotEquals("DYNAMIC_TOPIC_CONFIG", reverted.get(1));
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG,
                describeWithJava(new ConfigResource(ConfigResource.Type.TOPIC, topic)).get("cleanup.policy").source());

        String nodeId = Integer.toString(shared.admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator()
                .next().id());
        Map<String, String> brokerByLibrdkafka = new TreeMap<>();
        for (List<String> c : client.admin("describe-broker", "describe-configs", shared.bootstrap(), "broker", nodeId)
                .of("config")) {
            brokerByLibrdkafka.put(c.get(0), c.get(1));
        }
        Map<String, String> brokerByJava = new TreeMap<>();
        for (ConfigEntry e : describeWithJava(new ConfigResource(ConfigResource.Type.BROKER, nodeId)).entries()) {
            brokerByJava.put(e.name(), e.value() == null ? "null" : e.value());
        }
        assertFalse(brokerByJava.isEmpty());
        assertEquals(brokerByJava, brokerByLibrdkafka, "the broker's configs, as the Java admin describes them");

        assertEquals(List.of(List.of(topic)), client.client("delete", "delete", shared.bootstrap(), topic)
                .of("deleted"));
        AdminWaits.listing(shared.admin, names -> !names.contains(topic), "the topic gone");
        assertFalse(client.client("topics-after", "topics", shared.bootstrap()).of("topic").stream()
                .anyMatch(t -> t.get(0).equals(topic)), "node-rdkafka's metadata no longer lists the topic");
        assertEquals("UNKNOWN_TOPIC_OR_PART", client.admin("describe-deleted", "describe-topics", shared.bootstrap(),
                topic).of("topic").get(0).get(1));
    }

    /**
     * librdkafka lists, for a time, the offset of the first record at or after it by the producer's
     * timestamps (or -1 past the last), as the Java consumer does; and a seek into the middle of a compressed
     * batch reads on from exactly the offset sought.
     */
    @Test
    @Compat(family = FAMILY, feature = "offsets for times; seek into a compressed batch")
    void offsetsAreListedByTimeAndASeekLandsOnItsOffset() throws Exception {
        String topic = "rdk-times";
        shared.createTopic(topic, 1);
        long t0 = (System.currentTimeMillis() - 3_600_000) / 1000 * 1000;
        client.client("produce-times", "produce", shared.bootstrap(), topic, "10", "t", "gzip", Long.toString(t0));
        shared.assertOffsetsForTimes(topic, t0,
                client.client("times", "times", shared.timesArgs(topic, t0)).of("time"));
        List<RecordBatch> batches = StoredBatches.of(shared.bootstrap(), topic, 0);
        assertTrue(batches.stream().anyMatch(b -> b.baseOffset() < 6 && b.lastOffset() >= 6),
                "offset 6 is inside a batch: " + batches);

        Facts seek = client.client("seek", "seek", shared.bootstrap(), topic, "0", "6", "3");
        assertEquals(List.of(List.of("0")), seek.of("first"));
        assertEquals(List.of(List.of("0", "6", "t-key-6"), List.of("0", "7", "t-key-7"), List.of("0", "8", "t-key-8")),
                seek.of("consumed").stream().map(c -> c.subList(0, 3)).toList());
    }

    /**
     * The topic's configs as librdkafka describes them, once {@code done} holds for them: Kafka's broker applies
     * an altered config a moment after it answers (Ferrite at once), so a describe right after may not show it.
     */
    private static Map<String, List<String>> topicConfigsOnce(String topic,
                                                              Predicate<Map<String, List<String>>> done)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Map<String, List<String>> configs = topicConfigs(topic);
            if (done.test(configs) || System.nanoTime() > deadline) {
                return configs; // the caller's assertions say what is wrong if it never came
            }
            Thread.sleep(200);
        }
    }

    /** A topic's configs as librdkafka describes them: name to value, source and read-only flag. */
    private static Map<String, List<String>> topicConfigs(String topic) throws Exception {
        Map<String, List<String>> out = new HashMap<>();
        for (List<String> c : client.admin("describe-configs-" + System.nanoTime(), "describe-configs",
                shared.bootstrap(), "topic", topic).of("config")) {
            out.put(c.get(0), c.subList(1, 4));
        }
        return out;
    }

    private static Config describeWithJava(ConfigResource resource) throws Exception {
        return shared.admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
    }

    /**
     * A librdkafka transactional producer commits one transaction, aborts one it has written, and commits a
     * third; a librdkafka read_committed consumer and the Java one read exactly the committed records, and a
     * read_uncommitted reader all of them.
     */
    @Test
    @Compat(family = FAMILY, feature = "transactional producer; read_committed consumer")
    void aTransactionalProducerCommitsAndAbortsAndReadCommittedSeesTheCommitted() throws Exception {
        String topic = "rdk-tx";
        shared.createTopic(topic, PARTITIONS);
        List<List<String>> ended = client.client("transact", "transact", shared.bootstrap(), topic,
                Integer.toString(PARTITIONS), "rdk-tx-" + kind.name().toLowerCase()).of("ended");
        assertEquals(List.of(List.of("commit", "c1", "10"), List.of("abort", "a", "10"), List.of("commit", "c2", "10")),
                ended);
        Set<String> committed = new TreeSet<>();
        for (int i = 0; i < 10; i++) {
            committed.add("c1-" + i);
            committed.add("c2-" + i);
        }
        Set<String> byLibrdkafka = new TreeSet<>();
        for (List<String> c : client.client("read-committed", "assign", shared.bootstrap(), topic,
                Integer.toString(PARTITIONS), "20", "read_committed").of("consumed")) {
            byLibrdkafka.add(c.get(3));
        }
        assertEquals(committed, byLibrdkafka, "librdkafka's read_committed consumer");
        List<TopicPartition> tps = SharedBroker.partitions(topic, PARTITIONS);
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(shared.bootstrap(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            List<String> read = TransactionScenarios.readToEnd(c, tps);
            assertEquals(committed, new TreeSet<>(read), "Java's read_committed consumer");
            assertEquals(20, read.size());
        }
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(shared.bootstrap(), Map.of())) {
            assertEquals(30, TransactionScenarios.readToEnd(c, tps).size(), "read_uncommitted reads the aborted too");
        }
    }
}
