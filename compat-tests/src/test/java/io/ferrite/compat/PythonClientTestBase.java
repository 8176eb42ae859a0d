package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * The scenarios every Python client runs against a child broker, each checked with the Java clients: keyed,
 * compressed records with headers produced and read back by both; a consumer group that commits and resumes;
 * topics created, listed and deleted through the Python admin client; offsets listed by time. A subclass, one
 * per client, starts the broker with its {@link Flavour} and names its tests for the compatibility matrix.
 * Test classes run one at a time, so the shared fields are safe.
 */
abstract class PythonClientTestBase extends SharedBrokerTest {
    /** What differs between the Python clients. */
    record Flavour(String family, String script, String debianPackage, String compression, boolean idempotent,
                   boolean sendsNullHeaderValues) {
    }

    static Flavour flavour;
    static PythonClient python;

    /**
     * Starts {@code kind} for the subclass's run, and records the client's installed version (the first
     * {@code version} fact, with the library underneath it in parentheses) under its family.
     */
    static void start(BrokerKind kind, Flavour f, String testName) throws Exception {
        flavour = f;
        python = PythonClient.of(f.script(), f.debianPackage(), testName + "-" + kind.name().toLowerCase());
        List<List<String>> versions = python.run("version", "version").of("version");
        assertFalse(versions.isEmpty(), "the script names its client's version");
        StringBuilder v = new StringBuilder(versions.get(0).get(1));
        for (List<String> underneath : versions.subList(1, versions.size())) {
            v.append(" (").append(underneath.get(0)).append(' ').append(underneath.get(1)).append(')');
        }
        CompatVersions.record(f.family(), v.toString());
        startBroker(kind, testName);
    }

    /** A "consumed" fact as the scripts print it. */
    private static List<String> consumedFact(int partition, long offset, String key, String value, String headers) {
        return List.of(Integer.toString(partition), Long.toString(offset), key, value, headers);
    }

    /** Headers as the scripts print them: {@code name=value}, or the bare name for a null value, comma-separated. */
    private static String headersText(Header[] headers) {
        List<String> parts = new ArrayList<>();
        for (Header h : headers) {
            parts.add(h.value() == null ? h.key() : h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8));
        }
        return String.join(",", parts);
    }

    /**
     * The Python producer's records, with explicit timestamps, keys and headers, compressed with the flavour's
     * codec (and idempotent where the client can be), are read back by the Java consumer and by the Python
     * consumer with {@code assign}; the Java producer's records are read by the Python consumer too.
     */
    void producedRecordsAreReadBackByJavaAndPython() throws Exception {
        String topic = "py-records";
        int count = 60;
        shared.createTopic(topic, 3);
        long firstTimestamp = (System.currentTimeMillis() - 3_600_000) / 1000 * 1000;
        List<List<String>> produced = python.run("produce", "produce", shared.bootstrap(), topic,
                Integer.toString(count), "py", flavour.compression(), Long.toString(firstTimestamp)).of("produced");
        assertEquals(count, produced.size());

        // Offsets come in send order within each partition, from 0 and without gaps.
        Map<Integer, Long> next = new HashMap<>();
        Set<List<String>> expected = new HashSet<>();
        String emptyHeader = flavour.sendsNullHeaderValues() ? "empty" : "empty=";
        for (int i = 0; i < count; i++) {
            List<String> p = produced.get(i);
            int partition = Integer.parseInt(p.get(0));
            long offset = Long.parseLong(p.get(1));
            assertEquals(next.getOrDefault(partition, 0L), offset, "record " + i + " in partition " + partition);
            next.put(partition, offset + 1);
            assertEquals(List.of("py-key-" + i, "py-value-" + i), p.subList(2, 4));
            expected.add(consumedFact(partition, offset, p.get(2), p.get(3), "seq=" + i + "," + emptyHeader));
        }

        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(shared.bootstrap(), Map.of())) {
            Set<List<String>> read = new HashSet<>();
            for (List<ConsumerRecord<byte[], byte[]>> records : Clients.readAll(consumer,
                    SharedBroker.partitions(topic, 3), count, Duration.ofSeconds(30)).values()) {
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    String value = new String(r.value(), StandardCharsets.UTF_8);
                    int i = Integer.parseInt(value.substring("py-value-".length()));
                    assertEquals(firstTimestamp + 1000L * i, r.timestamp(), "the producer's timestamp of " + value);
                    read.add(consumedFact(r.partition(), r.offset(), new String(r.key(), StandardCharsets.UTF_8), value,
                            headersText(r.headers().toArray())));
                }
            }
            assertEquals(expected, read, "the Java consumer reads what Python produced");
        }
        assertEquals(expected, new HashSet<>(python.run("assign", "assign", shared.bootstrap(), topic, "3",
                Integer.toString(count)).of("consumed")), "the Python consumer reads what it produced");

        for (int p = 0; p < 3; p++) {
            for (RecordBatch b : StoredBatches.of(shared.bootstrap(), topic, p)) {
                assertEquals(CompressionType.forName(flavour.compression()), b.compressionType(), "batch " + b);
                assertEquals(flavour.idempotent(), b.producerId() >= 0, "idempotent producer id of batch " + b);
            }
        }

        String javaTopic = "py-java-records";
        shared.createTopic(javaTopic, 2);
        Set<List<String>> sent = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(shared.bootstrap(), Map.of())) {
            for (Clients.Sent s : Clients.sendKeyed(producer, javaTopic, 40, "java")) {
                sent.add(consumedFact(s.partition(), s.offset(), new String(s.key(), StandardCharsets.UTF_8),
                        new String(s.value(), StandardCharsets.UTF_8), headersText(s.headers())));
            }
        }
        assertEquals(sent, new HashSet<>(python.run("assign-java", "assign", shared.bootstrap(), javaTopic, "2", "40")
                .of("consumed")), "the Python consumer reads what Java produced, null header values included");
    }

    /**
     * The Python consumer in a group reads everything from the beginning and commits; the Java admin sees its
     * offsets; the group's next Python member reads exactly what the Java producer added after them.
     */
    void aGroupConsumesCommitsAndResumes() throws Exception {
        String topic = "py-group";
        String group = "py-group-1";
        shared.createTopic(topic, 2);
        Set<List<String>> first = produceToBoth(topic, 10, "first");
        Facts firstRun = python.run("group-first", "group", shared.bootstrap(), topic, group, "20");
        assertEquals(first, new HashSet<>(firstRun.of("consumed")));
        assertEquals(Map.of(0, 10L, 1, 10L), SharedBroker.committedFacts(firstRun), "the client's own view of its commits");
        assertEquals(Map.of(0, 10L, 1, 10L), shared.committed(group), "the Java admin sees the Python client's commits");

        Set<List<String>> second = produceToBoth(topic, 3, "second");
        Facts secondRun = python.run("group-second", "group", shared.bootstrap(), topic, group, "6");
        assertEquals(second, new HashSet<>(secondRun.of("consumed")), "only what came after the committed offsets");
        assertEquals(Map.of(0, 13L, 1, 13L), SharedBroker.committedFacts(secondRun));
        assertEquals(Map.of(0, 13L, 1, 13L), shared.committed(group));
    }

    /** What {@link SharedBroker#produceWithJava} sent, as the scripts print a record consumed (no headers). */
    private static Set<List<String>> produceToBoth(String topic, int perPartition, String tag) throws Exception {
        Set<List<String>> sent = new HashSet<>();
        for (List<String> r : shared.produceWithJava(topic, 2, perPartition, tag)) {
            sent.add(consumedFact(Integer.parseInt(r.get(0)), Long.parseLong(r.get(1)), r.get(2), r.get(3), ""));
        }
        return sent;
    }

    /**
     * A topic the Python admin client creates, with a config, is there for the Java admin with its partitions
     * and config, and in the Python client's topic list; once the Python client deletes it, it is in neither.
     */
    void topicsAreCreatedListedAndDeleted() throws Exception {
        String topic = "py-admin";
        Facts created = python.run("create", "create", shared.bootstrap(), topic, "3");
        assertEquals(List.of(List.of(topic)), created.of("created"));
        assertTrue(List.of(created.of("topics").get(0).get(0).split(",")).contains(topic), created.toString());
        TopicDescription d = shared.admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
        assertEquals(3, d.partitions().size(), d.toString());
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        assertEquals("3600000", shared.admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS)
                .get(resource).get("retention.ms").value());

        Facts deleted = python.run("delete", "delete", shared.bootstrap(), topic);
        assertEquals(List.of(List.of(topic)), deleted.of("deleted"));
        assertFalse(List.of(deleted.of("topics").get(0).get(0).split(",")).contains(topic), deleted.toString());
        assertFalse(shared.admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic));
    }

    /**
     * The Python client lists, for a time, the offset of the first record at or after it by the producer's
     * timestamps, or none past the last; the Java consumer's offsetsForTimes agrees.
     */
    void offsetsAreListedByTime() throws Exception {
        String topic = "py-times";
        shared.createTopic(topic, 1);
        long t0 = (System.currentTimeMillis() - 3_600_000) / 1000 * 1000;
        python.run("produce-times", "produce", shared.bootstrap(), topic, "10", "t", flavour.compression(),
                Long.toString(t0));
        shared.assertOffsetsForTimes(topic, t0,
                python.run("times", "times", shared.timesArgs(topic, t0)).of("time"));
    }
}
