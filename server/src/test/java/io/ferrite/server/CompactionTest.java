package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compacted topics with stock clients: after the cleaner runs, a consumer from the start sees the latest value of
 * every key at the offset it was written at (and tombstones until their time is up), the CommitLog files the
 * cleaned records were in are deleted, and all of it holds across a restart. Aborted records go, and transaction
 * markers go by Kafka's rules.
 */
@Timeout(120)
class CompactionTest {
    private static final String TOPIC = "table";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    @TempDir
    Path dir;

    private static Map<String, String> brokerProps() {
        return Map.of("log.cleaner.backoff.ms", "50", "log.cleaner.dedupe.buffer.size", "4194304",
                "store.flush.interval.ms", "50", "log.retention.check.interval.ms", "100");
    }

    private static Map<String, Object> client(Broker b) {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + b.port());
        c.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return c;
    }

    /** Every record of the partition, read from its start, as key -> (offset, value) in offset order. */
    private static List<ConsumerRecord<String, String>> readAll(Broker b) {
        return readAll(b, "read_uncommitted");
    }

    /** As above, at the given isolation level. */
    private static List<ConsumerRecord<String, String>> readAll(Broker b, String isolation) {
        Map<String, Object> c = client(b);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(List.of(TP));
            consumer.seekToBeginning(List.of(TP));
            long end = consumer.endOffsets(List.of(TP)).get(TP);
            List<ConsumerRecord<String, String>> out = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (consumer.position(TP) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    /** Reads until at most {@code atMost} records remain (the cleaner runs in the background). */
    private static List<ConsumerRecord<String, String>> readWhenCleaned(Broker b, int atMost) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<ConsumerRecord<String, String>> all = readAll(b);
        while (all.size() > atMost && System.nanoTime() < deadline) {
            Thread.sleep(200);
            all = readAll(b);
        }
        return all;
    }

    private static long commitLogBytes(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("data").resolve("commitlog"))) {
            return files.mapToLong(f -> f.toFile().length()).sum();
        }
    }

    @Test
    void aConsumerFromTheStartSeesTheLatestValueOfEachKeyAtItsOffsetAcrossARestart() throws Exception {
        int keys = 200;
        int rounds = 50;
        Map<String, Long> latestOffset = new LinkedHashMap<>();
        Map<String, String> latestValue = new LinkedHashMap<>();
        long commitLogBefore;
        try (Broker b = Wire.startBroker(dir, brokerProps());
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + b.port()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
                    "min.cleanable.dirty.ratio", "0.01")))).all().get(15, TimeUnit.SECONDS);
            String pad = "x".repeat(200);
            try (KafkaProducer<String, String> p = new KafkaProducer<>(client(b), new StringSerializer(),
                    new StringSerializer())) {
                for (int r = 0; r < rounds; r++) {
                    List<Future<RecordMetadata>> sent = new ArrayList<>();
                    List<String> sentKeys = new ArrayList<>();
                    for (int k = 0; k < keys; k++) {
                        String key = "k" + k;
                        // The last round deletes every tenth key.
                        String value = r == rounds - 1 && k % 10 == 0 ? null : key + "-" + r + pad;
                        sent.add(p.send(new ProducerRecord<>(TOPIC, 0, key, value)));
                        sentKeys.add(key);
                        latestValue.put(key, value);
                    }
                    for (int i = 0; i < sent.size(); i++) {
                        latestOffset.put(sentKeys.get(i), sent.get(i).get(15, TimeUnit.SECONDS).offset());
                    }
                }
                // A last record on a key of its own, so that the head the cleaner leaves alone is just that.
                latestOffset.put("last", p.send(new ProducerRecord<>(TOPIC, 0, "last", "v")).get().offset());
                latestValue.put("last", "v");
            }
            commitLogBefore = commitLogBytes(dir);
            List<ConsumerRecord<String, String>> seen = readWhenCleaned(b, keys + 1);
            assertLatest(latestOffset, latestValue, seen);
            long size = admin.describeLogDirs(List.of(1)).allDescriptions().get(15, TimeUnit.SECONDS).get(1).values()
                    .iterator().next().replicaInfos().get(TP).size();
            assertTrue(size < 100_000, "DescribeLogDirs counts what is left: " + size);
            // Retention deletes the CommitLog files no partition reads from any more: the workload filled several
            // (1 MiB each); the file being written, and one made ahead, stay.
            assertTrue(commitLogBefore >= 3 << 20, "the workload filled several CommitLog files: " + commitLogBefore);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (commitLogBytes(dir) > 2 << 20 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(commitLogBytes(dir) <= 2 << 20, "CommitLog bytes left: " + commitLogBytes(dir));
        }
        try (Broker b = Wire.startBroker(dir, brokerProps())) {
            assertLatest(latestOffset, latestValue, readAll(b));
        }
    }

    @Test
    void tombstonesGoOnceTheirDeleteRetentionHasPassedAndRecordsWithoutAKeyAreRefused() throws Exception {
        try (Broker b = Wire.startBroker(dir, brokerProps());
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + b.port()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
                    "min.cleanable.dirty.ratio", "0.01", "delete.retention.ms", "0")))).all().get(15, TimeUnit.SECONDS);
            try (KafkaProducer<String, String> p = new KafkaProducer<>(client(b), new StringSerializer(),
                    new StringSerializer())) {
                p.send(new ProducerRecord<>(TOPIC, 0, "gone", "v1")).get();
                p.send(new ProducerRecord<>(TOPIC, 0, "kept", "v1")).get();
                p.send(new ProducerRecord<>(TOPIC, 0, "gone", null)).get();
                // Each write lets one more pass run; the tombstone's horizon, set by the pass that first keeps it,
                // is passed by the next.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                int n = 0;
                while (readAll(b).stream().anyMatch(r -> r.key().equals("gone")) && System.nanoTime() < deadline) {
                    p.send(new ProducerRecord<>(TOPIC, 0, "kept", "v" + (++n))).get();
                    Thread.sleep(100);
                }
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> p.send(new ProducerRecord<>(TOPIC, 0, null, "no key")).get(15, TimeUnit.SECONDS));
                assertInstanceOf(InvalidRecordException.class, e.getCause());
            }
            List<ConsumerRecord<String, String>> left = readAll(b);
            assertTrue(left.stream().noneMatch(r -> r.key().equals("gone")), "the tombstone is gone: " + left);
            assertEquals("kept", left.get(0).key());
        }
    }

    /** The partition's control batches (transaction markers), read over the wire from offset 0. */
    private static List<Long> markerOffsets(Broker b) throws Exception {
        FetchRequestData req = new FetchRequestData().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
                .setIsolationLevel(IsolationLevel.READ_UNCOMMITTED.id()).setTopics(List.of(
                        new FetchRequestData.FetchTopic().setTopic(TOPIC).setPartitions(List.of(
                                new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                                        .setPartitionMaxBytes(1 << 20)))));
        FetchResponseData.PartitionData data = new FetchResponseData(Wire.exchange(b.port(), ApiKeys.FETCH,
                (short) 12, req), (short) 12).responses().get(0).partitions().get(0);
        List<Long> markers = new ArrayList<>();
        for (RecordBatch batch : ((MemoryRecords) data.records()).batches()) {
            if (batch.isControlBatch()) {
                markers.add(batch.lastOffset());
            }
        }
        return markers;
    }

    /** The latest value of each key, read from the start at the given isolation level. */
    private static Map<String, String> view(Broker b, String isolation) {
        Map<String, String> view = new HashMap<>();
        readAll(b, isolation).forEach(r -> view.put(r.key(), r.value()));
        view.remove("tick");
        return view;
    }

    @Test
    void commitMarkersGoOnceNothingOfTheirTransactionIsLeftAndTheirDeleteRetentionHasPassed() throws Exception {
        try (Broker b = Wire.startBroker(dir, brokerProps());
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + b.port()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
                    "min.cleanable.dirty.ratio", "0.01", "delete.retention.ms", "0")))).all().get(15, TimeUnit.SECONDS);
            Map<String, Object> t = client(b);
            t.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "cleaned");
            long firstCommitted;
            long lastCommitted;
            try (KafkaProducer<String, String> tp = new KafkaProducer<>(t, new StringSerializer(),
                    new StringSerializer())) {
                tp.initTransactions();
                tp.beginTransaction();
                tp.send(new ProducerRecord<>(TOPIC, 0, "k1", "committed"));
                firstCommitted = tp.send(new ProducerRecord<>(TOPIC, 0, "k2", "committed")).get().offset();
                tp.commitTransaction();
                tp.beginTransaction();
                tp.send(new ProducerRecord<>(TOPIC, 0, "k1", "aborted"));
                tp.send(new ProducerRecord<>(TOPIC, 0, "k3", "aborted"));
                tp.flush();
                tp.abortTransaction();
                tp.beginTransaction();
                lastCommitted = tp.send(new ProducerRecord<>(TOPIC, 0, "k4", "committed")).get().offset();
                tp.commitTransaction();
            }
            List<Long> before = markerOffsets(b);
            assertEquals(3, before.size(), "one marker per transaction before cleaning: " + before);
            try (KafkaProducer<String, String> p = new KafkaProducer<>(client(b), new StringSerializer(),
                    new StringSerializer())) {
                // The first transaction's records are overwritten; the second's go as aborted. Each write lets one
                // more pass run: the one that no longer meets a transaction's batches starts its marker's delete
                // horizon, the next drops the marker.
                p.send(new ProducerRecord<>(TOPIC, 0, "k1", "plain")).get();
                p.send(new ProducerRecord<>(TOPIC, 0, "k2", "plain")).get();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                int n = 0;
                while (markerOffsets(b).contains(firstCommitted + 1) && System.nanoTime() < deadline) {
                    p.send(new ProducerRecord<>(TOPIC, 0, "tick", "v" + (++n))).get();
                    Thread.sleep(100);
                }
                for (int i = 0; i < 5; i++) { // more passes over what is left
                    p.send(new ProducerRecord<>(TOPIC, 0, "tick", "v" + (++n))).get();
                    Thread.sleep(100);
                }
            }
            // The first commit marker went. The abort marker stays (the partition's aborted-transaction index still
            // names the transaction, and a read_committed reader needs the marker to end it); the last commit
            // marker stays while its transaction's record does.
            List<Long> after = markerOffsets(b);
            assertEquals(List.of(before.get(1), lastCommitted + 1), after, "the markers left");
            Map<String, String> expected = Map.of("k1", "plain", "k2", "plain", "k4", "committed");
            assertEquals(expected, view(b, "read_uncommitted"), "no aborted record is left");
            assertEquals(expected, view(b, "read_committed"), "read_committed sees every committed record");
        }
    }

    @Test
    void closingTheBrokerDuringAPassEndsThePassAndLeavesNoHalfWrittenGeneration() throws Exception {
        Map<String, String> props = new HashMap<>(brokerProps());
        props.put("log.cleaner.io.max.bytes.per.second", "100000"); // a pass over the workload takes half a minute
        Map<String, String> latest = new HashMap<>();
        long closing;
        try (Broker b = Wire.startBroker(dir, props);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + b.port()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
                    "min.cleanable.dirty.ratio", "0.01")))).all().get(15, TimeUnit.SECONDS);
            latest.putAll(writeKeyed(b, 3000, 100, 1000));
            Thread.sleep(3_000); // the pass is under way, held to 100 KB/s over 3 MB
            closing = System.nanoTime();
        }
        long closeMillis = (System.nanoTime() - closing) / 1_000_000;
        assertTrue(closeMillis < 10_000, "closing waited " + closeMillis + " ms for the pass");
        try (Stream<Path> files = Files.walk(dir.resolve("data").resolve("consumequeue"))) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList(),
                    "the pass's unpublished generation is deleted");
        }
        try (Broker b = Wire.startBroker(dir, brokerProps())) {
            Map<String, String> seen = new HashMap<>();
            readAll(b).forEach(r -> seen.put(r.key(), r.value()));
            assertEquals(latest, seen, "every key's latest value is still there");
        }
    }

    @Test
    void aForcedDeletionOfAnOldFileLeavesTheCleanedRecordsOfACompactedPartitionWithNothingInIt() throws Exception {
        Map<String, String> props = new HashMap<>(brokerProps());
        // Every CommitLog file but the one being written goes by age, well after the cleaning (about a second).
        props.put("store.file.max.age.ms", "15000");
        Map<String, String> latest = new HashMap<>();
        try (Broker b = Wire.startBroker(dir, props);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + b.port()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
                    "min.cleanable.dirty.ratio", "0.01")), new NewTopic("kept", 1, (short) 1)))
                    .all().get(15, TimeUnit.SECONDS);
            try (KafkaProducer<String, String> p = new KafkaProducer<>(client(b), new StringSerializer(),
                    new StringSerializer())) {
                p.send(new ProducerRecord<>("kept", 0, "k", "v")).get(15, TimeUnit.SECONDS); // in the oldest file
            }
            latest.putAll(writeKeyed(b, 10_000, 200, 200)); // 2.3 MB: three 1 MiB files
            assertEquals(latest.size(), readWhenCleaned(b, latest.size()).size());
            TopicPartition kept = new TopicPartition("kept", 0);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
            while (admin.listOffsets(Map.of(kept, org.apache.kafka.clients.admin.OffsetSpec.earliest())).all()
                    .get(15, TimeUnit.SECONDS).get(kept).offset() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertEquals(1, admin.listOffsets(Map.of(kept, org.apache.kafka.clients.admin.OffsetSpec.earliest()))
                    .all().get(15, TimeUnit.SECONDS).get(kept).offset(), "the oldest file went by age, and its record");
            assertEquals(0, admin.listOffsets(Map.of(TP, org.apache.kafka.clients.admin.OffsetSpec.earliest()))
                    .all().get(15, TimeUnit.SECONDS).get(TP).offset(), "the compacted topic keeps its log start");
            Map<String, String> seen = new HashMap<>();
            readAll(b).forEach(r -> seen.put(r.key(), r.value()));
            assertEquals(latest, seen, "the compacted topic had nothing in the files that went: it keeps everything");
        }
    }

    /**
     * Writes {@code records} updates over {@code keys} keys, values of about {@code valueBytes}, then a record on a
     * key of its own in a batch of its own, so that the head the cleaner leaves alone is just that; returns the
     * latest value of each key.
     */
    private static Map<String, String> writeKeyed(Broker b, int records, int keys, int valueBytes) throws Exception {
        Map<String, String> latest = new HashMap<>();
        String pad = "x".repeat(valueBytes);
        try (KafkaProducer<String, String> p = new KafkaProducer<>(client(b), new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < records; i++) {
                String key = "k" + i % keys;
                p.send(new ProducerRecord<>(TOPIC, 0, key, i + pad));
                latest.put(key, i + pad);
            }
            p.flush();
            p.send(new ProducerRecord<>(TOPIC, 0, "last", "v")).get(15, TimeUnit.SECONDS);
            latest.put("last", "v");
        }
        return latest;
    }

    private static void assertLatest(Map<String, Long> latestOffset, Map<String, String> latestValue,
                                     List<ConsumerRecord<String, String>> seen) {
        Map<String, ConsumerRecord<String, String>> last = new LinkedHashMap<>();
        for (ConsumerRecord<String, String> r : seen) {
            last.put(r.key(), r);
        }
        assertEquals(latestOffset.keySet(), last.keySet(), "every key, tombstones included");
        for (Map.Entry<String, Long> e : latestOffset.entrySet()) {
            ConsumerRecord<String, String> r = last.get(e.getKey());
            assertEquals(e.getValue(), r.offset(), "offset of the latest record of " + e.getKey());
            assertEquals(latestValue.get(e.getKey()), r.value(), "latest value of " + e.getKey());
        }
        assertEquals(latestOffset.size(), seen.size(), "nothing but the latest record of each key");
    }
}
