package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * Stock clients on byte arrays, and the checks the tests share. Only API present in every client version
 * under test (2.8 to 4.x) is used here, since the legacy tests run this class against the older jars.
 */
public final class Clients {
    private Clients() {
    }

    /** A producer, idempotent with acks=all (the default since 3.0, asked for explicitly for 2.8). */
    public static KafkaProducer<byte[], byte[]> producer(String bootstrap, Map<String, Object> extra) {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        c.putAll(extra);
        return new KafkaProducer<>(c);
    }

    /** A consumer without a group: it is used with {@code assign()} only. */
    /**
     * A producer with {@code extra} settings is refused by the broker with {@code refusal} (an authentication
     * failure, say): its first send fails with it within 30 s, or the producer itself does (some versions).
     */
    public static void assertProduceRefused(String bootstrap, Map<String, Object> extra,
                                            Class<? extends Exception> refusal) throws Exception {
        Map<String, Object> p = new HashMap<>(extra);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap, p)) {
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("refused", new byte[1])).get(30, TimeUnit.SECONDS));
            if (!refusal.isInstance(e.getCause())) {
                fail("expected " + refusal.getSimpleName() + ", got " + e.getCause(), e);
            }
        } catch (Exception e) {
            if (!refusal.isInstance(e)) {
                throw e;
            }
        }
    }

    public static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, Map<String, Object> extra) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.putAll(extra);
        return new KafkaConsumer<>(c);
    }

    /**
     * A consumer in group {@code groupId}, for {@code subscribe()}: it commits only when told to and starts a
     * partition without a committed offset at its beginning. The group protocol is the client's default, which
     * is the classic one in every version under test.
     */
    public static KafkaConsumer<byte[], byte[]> groupConsumer(String bootstrap, String groupId, Map<String, Object> extra) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        c.putAll(extra);
        return consumer(bootstrap, c);
    }

    /** One record as it was sent, with where the broker said it went. */
    public record Sent(int partition, long offset, byte[] key, byte[] value, Header[] headers) {
    }

    /**
     * Sends {@code count} keyed records with two headers each (the second with a null value) and waits for
     * every acknowledgement; the keys spread over the partitions by the default partitioner.
     */
    public static List<Sent> sendKeyed(KafkaProducer<byte[], byte[]> producer, String topic, int count, String tag)
            throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>(count);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] key = bytes("key-" + (i % 97));
            byte[] value = bytes(tag + "-value-" + i + "-" + "x".repeat(i % 50));
            List<Header> headers = List.of(new RecordHeader("seq", bytes(Integer.toString(i))),
                    new RecordHeader("empty", null));
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null, null, key, value, headers);
            records.add(r);
            acks.add(producer.send(r));
        }
        producer.flush();
        List<Sent> sent = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            RecordMetadata m = acks.get(i).get(60, TimeUnit.SECONDS);
            ProducerRecord<byte[], byte[]> r = records.get(i);
            sent.add(new Sent(m.partition(), m.offset(), r.key(), r.value(), r.headers().toArray()));
        }
        return sent;
    }

    /**
     * Assigns {@code partitions}, reads each from its beginning until {@code expected} records in all have
     * come, and returns them per partition in the order the consumer handed them out.
     */
    public static Map<Integer, List<ConsumerRecord<byte[], byte[]>>> readAll(KafkaConsumer<byte[], byte[]> consumer,
            List<TopicPartition> partitions, int expected, Duration timeout) {
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<Integer, List<ConsumerRecord<byte[], byte[]>>> got = new HashMap<>();
        int total = 0;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (total < expected) {
            if (System.nanoTime() > deadline) {
                fail("read " + total + " of " + expected + " records within " + timeout);
            }
            ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(200));
            for (ConsumerRecord<byte[], byte[]> r : batch) {
                got.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r);
                total++;
            }
        }
        assertEquals(expected, total, "no more records than were sent");
        return got;
    }

    /**
     * Every sent record is read back exactly at its acknowledged offset, with key, value and headers intact,
     * and each partition's records come in offset order with no gaps and nothing else.
     */
    public static void assertReadBackInOrder(List<Sent> sent, Map<Integer, List<ConsumerRecord<byte[], byte[]>>> read) {
        Map<Integer, List<Sent>> byPartition = sent.stream().collect(Collectors.groupingBy(Sent::partition));
        assertEquals(byPartition.keySet(), read.keySet(), "partitions read");
        byPartition.forEach((partition, expected) -> {
            List<ConsumerRecord<byte[], byte[]>> got = read.get(partition);
            assertEquals(expected.size(), got.size(), "records in partition " + partition);
            for (int i = 0; i < expected.size(); i++) {
                Sent s = expected.get(i);
                ConsumerRecord<byte[], byte[]> r = got.get(i);
                String at = "partition " + partition + " record " + i;
                assertEquals(s.offset(), r.offset(), at + ": acknowledged offset, in send order");
                assertEquals(i == 0 ? r.offset() : got.get(i - 1).offset() + 1, r.offset(), at + ": no gap");
                assertArrayEquals(s.key(), r.key(), at + ": key");
                assertArrayEquals(s.value(), r.value(), at + ": value");
                assertHeaders(s.headers(), r.headers().toArray(), at);
            }
        });
    }

    public static void assertHeaders(Header[] expected, Header[] actual, String at) {
        assertEquals(expected.length, actual.length, at + ": header count");
        for (int h = 0; h < expected.length; h++) {
            assertEquals(expected[h].key(), actual[h].key(), at + ": header key");
            if (expected[h].value() == null) {
                assertNull(actual[h].value(), at + ": null header value");
            } else {
                assertArrayEquals(expected[h].value(), actual[h].value(), at + ": header value");
            }
        }
    }

    /**
     * The kafka-clients this JVM runs is the version the build asked for, and no other is on the classpath
     * (the legacy executions must not quietly run the pinned client); neither broker, Ferrite or the Kafka
     * reference, is on it either, since each must only ever run as a child process, nor are Apache Kafka's CLI
     * tools, which run as child JVMs.
     */
    public static void assertTestClasspath() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("io.ferrite.server.Main"));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("kafka.Kafka"));
        String expected = Objects.requireNonNull(System.getProperty("compat.kafka.clients.version"),
                "the build sets compat.kafka.clients.version for each test execution");
        assertEquals(expected, AppInfoParser.getVersion());
        List<String> jars = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> new File(e).getName().startsWith("kafka-clients"))
                .collect(Collectors.toList());
        assertEquals(List.of("kafka-clients-" + expected + ".jar"),
                jars.stream().map(e -> new File(e).getName()).collect(Collectors.toList()), "kafka-clients jars");
        assertEquals(List.of(), Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(e -> new File(e).getName())
                .filter(n -> n.startsWith("kafka-tools") || n.startsWith("kafka_2.") || n.startsWith("scala-library"))
                .collect(Collectors.toList()), "CLI tool jars");
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
