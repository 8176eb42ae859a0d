package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ferrite.launcher.BrokerUnderTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kafka Streams at the pinned version running a word count with {@code at_least_once}: Streams creates its
 * repartition and changelog topics itself, counts come out on the output topic, and a second instance with an
 * empty state directory restores the counts from the changelog and continues them; a count table is restored
 * the same way from a changelog the broker's cleaner compacted. Streams joins a classic
 * consumer group: the {@code streams} group protocol (KIP-1071) is not one Ferrite serves, so it is set
 * explicitly rather than left to the default.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(300)
class KafkaStreamsTest {
    static final String FAMILY = "Kafka Streams";
    private static final String INPUT = "wc-input";
    private static final String OUTPUT = "wc-output";
    private static final String STORE = "counts";
    private static final int PARTITIONS = 2;
    private static final String TABLE_INPUT = "tc-input";
    private static final String TABLE_OUTPUT = "tc-output";
    private static final String TABLE_STORE = "tc-counts";
    private static final int KEYS = 20;
    private static final int UPDATES = 100;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static Admin admin;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        CompatVersions.record(FAMILY, AppInfoParser.getVersion());
        // The cleaner looks for work every 200 ms rather than every 15 s, on both brokers.
        broker = kind.start("KafkaStreamsTest", dir.resolve(kind.name()), Map.of("group.initial.rebalance.delay.ms", "0",
                "log.cleaner.backoff.ms", "200"));
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
            admin = null;
            broker = null;
        }
    }

    /** The word count: lines split into words, repartitioned by word, counted in store {@value #STORE}. */
    private static KafkaStreams wordCount(String applicationId, Path stateDir, StateRestoreListener restores) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(INPUT, Consumed.with(Serdes.String(), Serdes.String()))
                .flatMapValues(line -> Arrays.asList(line.split(" ")))
                .groupBy((key, word) -> word)
                .count(Materialized.as(STORE))
                .toStream()
                .to(OUTPUT, Produced.with(Serdes.String(), Serdes.Long()));
        KafkaStreams streams = new KafkaStreams(builder.build(), properties(applicationId, stateDir));
        streams.setGlobalStateRestoreListener(restores);
        return streams;
    }

    /**
     * Records per key counted in store {@value #TABLE_STORE}, whose changelog rolls a segment after 100 ms and is
     * cleaned once anything in it is dirty: Kafka cleans only closed segments, and this lets its cleaner reach
     * the updates within the test.
     */
    private static KafkaStreams keyCount(String applicationId, Path stateDir, StateRestoreListener restores) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(TABLE_INPUT, Consumed.with(Serdes.String(), Serdes.String()))
                .groupByKey()
                .count(Materialized.as(TABLE_STORE))
                .toStream()
                .to(TABLE_OUTPUT, Produced.with(Serdes.String(), Serdes.Long()));
        Properties p = properties(applicationId, stateDir);
        p.put(StreamsConfig.topicPrefix(TopicConfig.SEGMENT_MS_CONFIG), "100");
        p.put(StreamsConfig.topicPrefix(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG), "0.01");
        KafkaStreams streams = new KafkaStreams(builder.build(), p);
        streams.setGlobalStateRestoreListener(restores);
        return streams;
    }

    private static Properties properties(String applicationId, Path stateDir) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        p.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, "classic");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        // Every update of a count goes out, and soon: no record cache, frequent commits.
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        return p;
    }

    /** Counts, per store, the records restored from its changelog. */
    private static final class Restores implements StateRestoreListener {
        final Map<String, Long> restored = new ConcurrentHashMap<>();

        @Override
        public void onRestoreStart(TopicPartition partition, String store, long startOffset, long endOffset) {
        }

        @Override
        public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
        }

        @Override
        public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
            restored.merge(store, totalRestored, Long::sum);
        }
    }

    @Test
    @Compat(family = FAMILY, feature = "word count (at_least_once): internal topics, output, restore from changelog")
    void aWordCountCreatesItsTopicsCountsAndRestoresItsStateFromTheChangelog() throws Exception {
        String applicationId = "wordcount-" + kind.name().toLowerCase();
        admin.createTopics(List.of(new NewTopic(INPUT, PARTITIONS, (short) 1), new NewTopic(OUTPUT, PARTITIONS, (short) 1)))
                .all().get(30, TimeUnit.SECONDS);

        try (KafkaConsumer<byte[], byte[]> output = Clients.consumer(broker.bootstrap(), Map.of())) {
            List<TopicPartition> outputPartitions = IntStream.range(0, PARTITIONS)
                    .mapToObj(p -> new TopicPartition(OUTPUT, p)).toList();
            output.assign(outputPartitions);
            output.seekToBeginning(outputPartitions);

            Restores firstRestores = new Restores();
            try (KafkaStreams streams = wordCount(applicationId, dir.resolve(kind.name() + "-state-1"), firstRestores)) {
                streams.start();
                produce("a b c", "a b", "a");
                assertEquals(Map.of("a", 3L, "b", 2L, "c", 1L), latest(readUpdates(output, 6)));
                leave(streams);
            }
            assertInternalTopics(applicationId);

            // An empty state directory: the counts can only come back from the changelog.
            Restores secondRestores = new Restores();
            try (KafkaStreams streams = wordCount(applicationId, dir.resolve(kind.name() + "-state-2"), secondRestores)) {
                streams.start();
                produce("a c");
                assertEquals(List.of(Map.entry("a", 4L), Map.entry("c", 2L)), readUpdates(output, 2),
                        "the counts continue where the first instance left them");
                leave(streams);
            }
            assertEquals(Map.of(STORE, 6L), secondRestores.restored,
                    "every update of the first run restored from the changelog");
        }
    }

    @Test
    @Compat(family = FAMILY, feature = "table restored from its changelog after the cleaner compacted it")
    void aTableIsRestoredFromItsCompactedChangelog() throws Exception {
        String applicationId = "keycount-" + kind.name().toLowerCase();
        String changelog = applicationId + "-" + TABLE_STORE + "-changelog";
        admin.createTopics(List.of(new NewTopic(TABLE_INPUT, 1, (short) 1), new NewTopic(TABLE_OUTPUT, 1, (short) 1)))
                .all().get(30, TimeUnit.SECONDS);
        try (KafkaConsumer<byte[], byte[]> output = Clients.consumer(broker.bootstrap(), Map.of())) {
            TopicPartition out = new TopicPartition(TABLE_OUTPUT, 0);
            output.assign(List.of(out));
            try (KafkaStreams streams = keyCount(applicationId, dir.resolve(kind.name() + "-table-1"), new Restores())) {
                streams.start();
                try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of())) {
                    for (int u = 0; u < UPDATES; u++) {
                        for (int k = 0; k < KEYS; k++) {
                            producer.send(new ProducerRecord<>(TABLE_INPUT, Clients.bytes("k" + k), Clients.bytes("u")));
                        }
                    }
                    producer.flush();
                    awaitEndOffset(out, KEYS * UPDATES);
                    // Past segment.ms, one more update rolls Kafka's changelog segment, so every earlier update is
                    // in a closed one; Ferrite leaves only the newest batch alone.
                    Thread.sleep(1_000);
                    producer.send(new ProducerRecord<>(TABLE_INPUT, Clients.bytes("last"), Clients.bytes("u")))
                            .get(30, TimeUnit.SECONDS);
                    awaitEndOffset(out, KEYS * UPDATES + 1);
                }
                leave(streams);
            }
            long left = awaitCompacted(changelog, 2 * KEYS + 2);
            assertTrue(left <= 2 * KEYS + 2, "the cleaner compacted the changelog: " + left + " records left of "
                    + (KEYS * UPDATES + 1));

            // An empty state directory: the counts come back from what the cleaner left, and continue.
            Restores restores = new Restores();
            output.seekToEnd(List.of(out));
            output.position(out);
            try (KafkaStreams streams = keyCount(applicationId, dir.resolve(kind.name() + "-table-2"), restores)) {
                streams.start();
                try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of())) {
                    for (int k = 0; k < KEYS; k++) {
                        producer.send(new ProducerRecord<>(TABLE_INPUT, Clients.bytes("k" + k), Clients.bytes("u")));
                    }
                }
                Map<String, Long> counts = new LinkedHashMap<>();
                readUpdates(output, KEYS).forEach(e -> counts.put(e.getKey(), e.getValue()));
                for (int k = 0; k < KEYS; k++) {
                    assertEquals(UPDATES + 1L, counts.get("k" + k), "the count of k" + k + " after the restore");
                }
                leave(streams);
            }
            long restored = restores.restored.getOrDefault(TABLE_STORE, 0L);
            assertTrue(restored >= KEYS + 1 && restored <= left, "restored " + restored + " records, the compacted "
                    + "changelog's, not its " + (KEYS * UPDATES + 1) + " updates");
        }
    }

    /** Waits until partition 0 of an output topic reaches {@code end}. */
    private static void awaitEndOffset(TopicPartition tp, long end) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long now = -1;
        while (System.nanoTime() < deadline) {
            now = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get(30, TimeUnit.SECONDS)
                    .offset();
            if (now >= end) {
                return;
            }
            Thread.sleep(100);
        }
        fail(tp + " reached offset " + now + ", not " + end + ", within " + WAIT);
    }

    /** Reads {@code topic}'s partition 0 from its start until at most {@code atMost} records are left in it. */
    private static long awaitCompacted(String topic, int atMost) throws Exception {
        TopicPartition tp = new TopicPartition(topic, 0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long records = Long.MAX_VALUE;
        try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(), Map.of())) {
            c.assign(List.of(tp));
            while (records > atMost && System.nanoTime() < deadline) {
                c.seekToBeginning(List.of(tp));
                long end = c.endOffsets(List.of(tp)).get(tp);
                records = 0;
                while (c.position(tp) < end) {
                    records += c.poll(Duration.ofMillis(200)).count();
                }
                if (records > atMost) {
                    Thread.sleep(500);
                }
            }
        }
        return records;
    }

    /**
     * Closes {@code streams} leaving its group: a Streams member otherwise stays in the group until its session
     * times out, and the next instance would wait that long for its partitions.
     */
    private static void leave(KafkaStreams streams) {
        assertTrue(streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(WAIT)), "Streams closed within " + WAIT);
    }

    private static void produce(String... lines) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of())) {
            for (String line : lines) {
                producer.send(new ProducerRecord<>(INPUT, null, Clients.bytes(line))).get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** The next {@code count} count updates on the output topic, in the order they came (one word at a time). */
    private static List<Map.Entry<String, Long>> readUpdates(KafkaConsumer<byte[], byte[]> output, int count) {
        List<Map.Entry<String, Long>> updates = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (updates.size() < count) {
            if (System.nanoTime() > deadline) {
                fail("read " + updates + " of " + count + " count updates within " + WAIT);
            }
            ConsumerRecords<byte[], byte[]> batch = output.poll(Duration.ofMillis(200));
            for (ConsumerRecord<byte[], byte[]> r : batch) {
                updates.add(Map.entry(new String(r.key(), StandardCharsets.UTF_8), ByteBuffer.wrap(r.value()).getLong()));
            }
        }
        assertEquals(count, updates.size(), "count updates: " + updates);
        // Per word the updates must come in order, so sort them by word only for a stable comparison.
        updates.sort(Map.Entry.comparingByKey());
        return updates;
    }

    private static Map<String, Long> latest(List<Map.Entry<String, Long>> updates) {
        Map<String, Long> latest = new LinkedHashMap<>();
        updates.forEach(u -> latest.merge(u.getKey(), u.getValue(), Math::max));
        return latest;
    }

    /**
     * The repartition and changelog topics Streams created itself, with the input's partition count and the
     * configs Streams asks for: a compacted changelog, a repartition topic that deletes and keeps forever.
     */
    private static void assertInternalTopics(String applicationId) throws Exception {
        String repartition = applicationId + "-" + STORE + "-repartition";
        String changelog = applicationId + "-" + STORE + "-changelog";
        Map<String, TopicDescription> topics = admin.describeTopics(List.of(repartition, changelog)).allTopicNames()
                .get(30, TimeUnit.SECONDS);
        assertEquals(PARTITIONS, topics.get(repartition).partitions().size());
        assertEquals(PARTITIONS, topics.get(changelog).partitions().size());
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, repartition);
        ConfigResource c = new ConfigResource(ConfigResource.Type.TOPIC, changelog);
        Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(r, c)).all().get(30, TimeUnit.SECONDS);
        assertEquals("compact", configs.get(c).get("cleanup.policy").value(), "changelog");
        assertEquals("delete", configs.get(r).get("cleanup.policy").value(), "repartition");
        assertEquals("-1", configs.get(r).get("retention.ms").value(), "repartition");
    }
}
