package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.BrokerUnderTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A compacted topic under a keyed workload, 1,000 keys and 1,000,000 updates from one producer: once the
 * cleaner has run, a consumer from the start sees exactly the latest value of each key (tombstones included,
 * within {@code delete.retention.ms}), each at the offset the producer was given, so the same offsets on both
 * brokers; and the partition's size is a small multiple of that live data. Kafka cleans only closed segments, so
 * its topic rolls them every 100 ms and a last record on a key of its own closes the workload's. A record of
 * another topic, kept seven days, is written first; once the cleaning is done the disk the workload still takes
 * is a small multiple of the live data on both (on Ferrite, that record keeps the CommitLog files the workload
 * went into, and only the reclaimer frees the dead entries in them).
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(300)
class CompactionTest {
    private static final String TOPIC = "compacted";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final int KEYS = 1_000;
    private static final int UPDATES = 1_000_000;

    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        Map<String, String> overrides = new HashMap<>(Map.of("log.cleaner.backoff.ms", "100",
                "log.cleaner.dedupe.buffer.size", "16777216", "log.retention.check.interval.ms", "1000"));
        if (kind == BrokerKind.FERRITE) {
            // Small CommitLog files, so the workload spans several; dead entries go a second after they die.
            overrides.putAll(Map.of("store.commitlog.file.bytes", Integer.toString(4 << 20),
                    "store.reclaim.delay.ms", "1000"));
        } else {
            overrides.put("log.segment.delete.delay.ms", "1000"); // replaced segments go a second after
        }
        broker = kind.start("CompactionTest", dir.resolve(kind.name()), overrides);
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    @Test
    @Compat(family = Compat.JAVA, feature = "log compaction")
    void afterCleaningAConsumerSeesTheLatestValueOfEachKeyAtItsProducedOffset() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
                    "min.cleanable.dirty.ratio", "0.01", "segment.ms", "100")), new NewTopic("kept", 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        Map<String, Long> latestOffset = new HashMap<>();
        Map<String, String> latestValue = new HashMap<>();
        Map<String, Object> pc = new HashMap<>();
        pc.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        pc.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        pc.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        long diskBefore;
        try (KafkaProducer<String, String> p = new KafkaProducer<>(pc, new StringSerializer(), new StringSerializer())) {
            // A record of a topic kept seven days, written first: on Ferrite it lies in the oldest CommitLog file,
            // so that file and every later one stay, and only what the cleaner left may still take disk.
            p.send(new ProducerRecord<>("kept", 0, "k", "v")).get(30, TimeUnit.SECONDS);
            diskBefore = diskBytes();
            for (int i = 0; i < UPDATES; i++) {
                String key = "key-" + (i % KEYS);
                // The last update of every hundredth key is a tombstone.
                String value = i >= UPDATES - KEYS && i % 100 == 0 ? null : "value-" + i;
                p.send(new ProducerRecord<>(TOPIC, 0, key, value), (RecordMetadata m, Exception e) -> {
                    if (e == null) {
                        synchronized (latestOffset) {
                            latestOffset.merge(key, m.offset(), Math::max);
                            if (latestOffset.get(key) == m.offset()) {
                                latestValue.put(key, value);
                            }
                        }
                    }
                });
            }
            p.flush();
            Thread.sleep(200); // past segment.ms: the next record rolls Kafka's segment
            RecordMetadata last = p.send(new ProducerRecord<>(TOPIC, 0, "last", "v")).get(30, TimeUnit.SECONDS);
            latestOffset.put("last", last.offset());
            latestValue.put("last", "v");
        }
        assertEquals(KEYS + 1, latestOffset.size(), "every update acknowledged");

        Map<String, ConsumerRecord<String, String>> seen = new LinkedHashMap<>();
        int read = Integer.MAX_VALUE;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (read > KEYS + 1 && System.nanoTime() < deadline) {
            Thread.sleep(500);
            seen.clear();
            read = readAll(seen);
        }
        assertEquals(KEYS + 1, read, "one record per key once cleaned");
        for (Map.Entry<String, Long> e : latestOffset.entrySet()) {
            assertEquals(e.getValue(), seen.get(e.getKey()).offset(), "offset of " + e.getKey());
            assertEquals(latestValue.get(e.getKey()), seen.get(e.getKey()).value(), "value of " + e.getKey());
        }
        long live = seen.values().stream().mapToLong(r -> r.serializedKeySize() + Math.max(0, r.serializedValueSize())
                + 70).sum();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            int node = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next().id();
            long size = admin.describeLogDirs(List.of(node)).allDescriptions().get(30, TimeUnit.SECONDS)
                    .get(node).values().stream().filter(d -> d.replicaInfos().containsKey(TP))
                    .findFirst().orElseThrow().replicaInfos().get(TP).size();
            assertTrue(size <= 4 * live, "size " + size + " against about " + live + " bytes of live records");
        }
        // The disk the workload still takes once dead data has gone: a small multiple of the live records, plus
        // a fixed allowance for the files every log has (the file being written, indexes).
        long bar = 4 * live + (4 << 20);
        long grown = diskBytes() - diskBefore;
        for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); grown > bar && System.nanoTime() < until; ) {
            Thread.sleep(500);
            grown = diskBytes() - diskBefore;
        }
        assertTrue(grown <= bar, "the workload left " + grown + " bytes on disk for about " + live
                + " bytes of live records");
    }

    /** What the broker's files take on disk, in allocated blocks; Kafka's segments waiting to go are left out. */
    private long diskBytes() throws Exception {
        Process du = new ProcessBuilder("du", "-s", "-B1", "--exclude=*.deleted", dir.resolve(kind.name()).toString())
                .start();
        String out = new String(du.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        du.waitFor(); // non-zero when a file went while du walked: the total is then at most a little short
        return Long.parseLong(out.trim().split("\\s+")[0]);
    }

    /** Reads the partition from its start to its end; returns how many records came. */
    private static int readAll(Map<String, ConsumerRecord<String, String>> latest) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        int n = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(List.of(TP));
            consumer.seekToBeginning(List.of(TP));
            long end = consumer.endOffsets(List.of(TP)).get(TP);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (consumer.position(TP) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    latest.put(r.key(), r);
                    n++;
                }
            }
        }
        return n;
    }
}
