package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ferrite.launcher.BrokerUnderTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
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
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Record sizes at the limits, byte-exact: a batch of exactly {@code max.message.bytes} goes in and one byte
 * more is refused, the broker-wide {@code message.max.bytes} is the default a topic's own setting overrides,
 * the producer's {@code max.request.size} refuses before the broker sees anything, and a consumer whose fetch
 * limits are smaller than a record still gets it. Also the header shapes {@code ProduceConsumeTest} leaves
 * out: empty keys and values of headers, repeated keys, and none at all.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(120)
class RecordLimitsTest {
    /** The broker-wide limit this class runs with: far below the default, so the records stay small. */
    private static final int BROKER_LIMIT = 100_000;
    private static final byte[] KEY = Clients.bytes("k");

    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static Admin admin;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        broker = kind.start("RecordLimitsTest", dir.resolve(kind.name()),
                Map.of("message.max.bytes", Integer.toString(BROKER_LIMIT)));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        try {
            if (admin != null) {
                admin.close();
            }
        } finally {
            broker.close();
        }
    }

    private static TopicPartition createTopic(String name, Map<String, String> configs) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, 1, (short) 1).configs(configs))).all().get(30, TimeUnit.SECONDS);
        return new TopicPartition(name, 0);
    }

    /** A producer that sends each record as its own uncompressed batch, so the batch size is known exactly. */
    private static KafkaProducer<byte[], byte[]> producer(Map<String, Object> extra) {
        Map<String, Object> c = new HashMap<>(Map.of(ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "none", ProducerConfig.BUFFER_MEMORY_CONFIG, 8 << 20));
        c.putAll(extra);
        return Clients.producer(broker.bootstrap(), c);
    }

    /**
     * The size of a v2 batch holding one record with {@link #KEY}, a value of {@code valueLength} bytes and no
     * headers: the 61-byte batch header, then the record's varint length and its body (attributes, timestamp
     * and offset deltas of 0, the key and value each after its varint length, and a varint header count of 0).
     */
    private static int batchSize(int valueLength) {
        int body = 1 + 1 + 1 + varintSize(KEY.length) + KEY.length + varintSize(valueLength) + valueLength + 1;
        return 61 + varintSize(body) + body;
    }

    /** The bytes of a zigzag varint, as the record format writes lengths. */
    private static int varintSize(int value) {
        int v = (value << 1) ^ (value >> 31);
        int bytes = 1;
        while ((v & 0xffffff80) != 0) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    /** A value that makes a one-record batch exactly {@code size} bytes. */
    private static byte[] valueForBatchOf(int size) {
        int value = size - 61;
        // The varint lengths grow with the value, so step down to the length that fits exactly.
        while (batchSize(value) > size) {
            value--;
        }
        assertEquals(size, batchSize(value), "a value length that makes the batch exactly " + size + " bytes");
        byte[] v = new byte[value];
        Arrays.fill(v, (byte) 'v');
        return v;
    }

    private static void assertRefusedAsTooLarge(KafkaProducer<byte[], byte[]> producer, String topic, byte[] value) {
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> producer.send(new ProducerRecord<>(topic, 0, KEY, value)).get(30, TimeUnit.SECONDS));
        assertInstanceOf(RecordTooLargeException.class, refused.getCause());
    }

    private static long endOffset(TopicPartition tp) {
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of())) {
            return consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
        }
    }

    @Test
    @Compat(family = Compat.JAVA, feature = "large records near the size limits")
    void aBatchOfExactlyTheTopicLimitGoesInAndOneByteMoreIsRefused() throws Exception {
        int limit = 50_000;
        TopicPartition tp = createTopic("limit-topic", Map.of("max.message.bytes", Integer.toString(limit)));
        byte[] exact = valueForBatchOf(limit);
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of())) {
            assertEquals(0, producer.send(new ProducerRecord<>(tp.topic(), 0, KEY, exact)).get(30, TimeUnit.SECONDS)
                    .offset());
            assertRefusedAsTooLarge(producer, tp.topic(), valueForBatchOf(limit + 1));
            assertEquals(1, producer.send(new ProducerRecord<>(tp.topic(), 0, KEY, Clients.bytes("after")))
                    .get(30, TimeUnit.SECONDS).offset(), "the refused batch took no offset");
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of())) {
            List<ConsumerRecord<byte[], byte[]>> got = Clients.readAll(consumer, List.of(tp), 2, Duration.ofSeconds(30))
                    .get(0);
            assertArrayEquals(exact, got.get(0).value());
            assertArrayEquals(Clients.bytes("after"), got.get(1).value());
        }
    }

    @Test
    @Compat(family = Compat.JAVA, feature = "large records near the size limits")
    void theBrokersMessageMaxBytesIsTheDefaultThatATopicsOwnLimitOverrides() throws Exception {
        TopicPartition inherits = createTopic("limit-broker", Map.of());
        TopicPartition raised = createTopic("limit-raised", Map.of("max.message.bytes", Integer.toString(3 * BROKER_LIMIT)));
        byte[] twice = valueForBatchOf(2 * BROKER_LIMIT);
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of())) {
            assertEquals(0, producer.send(new ProducerRecord<>(inherits.topic(), 0, KEY, valueForBatchOf(BROKER_LIMIT)))
                    .get(30, TimeUnit.SECONDS).offset(), "exactly message.max.bytes");
            assertRefusedAsTooLarge(producer, inherits.topic(), valueForBatchOf(BROKER_LIMIT + 1));
            assertEquals(0, producer.send(new ProducerRecord<>(raised.topic(), 0, KEY, twice))
                    .get(30, TimeUnit.SECONDS).offset(), "the topic's own, higher limit");
        }
        assertEquals(1, endOffset(inherits));
        // A record bigger than both of the consumer's fetch limits still comes: the first batch always does.
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of(
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 1024, ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 1024))) {
            List<ConsumerRecord<byte[], byte[]>> got = Clients.readAll(consumer, List.of(raised), 1,
                    Duration.ofSeconds(30)).get(0);
            assertArrayEquals(twice, got.get(0).value());
        }
    }

    @Test
    @Compat(family = Compat.JAVA, feature = "large records near the size limits")
    void theProducersMaxRequestSizeRefusesARecordBeforeTheBrokerSeesIt() throws Exception {
        TopicPartition tp = createTopic("limit-request", Map.of());
        try (KafkaProducer<byte[], byte[]> producer = producer(Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 10_000))) {
            // The client checks the record's upper-bound size against max.request.size, whatever the broker allows.
            assertRefusedAsTooLarge(producer, tp.topic(), new byte[20_000]);
            assertEquals(0, producer.send(new ProducerRecord<>(tp.topic(), 0, KEY, new byte[9_000]))
                    .get(30, TimeUnit.SECONDS).offset());
        }
        assertEquals(1, endOffset(tp), "only the record within max.request.size reached the broker");
    }

    @Test
    @Compat(family = Compat.JAVA, feature = "null and empty keys, values, headers")
    void emptyAndNullHeaderKeysAndValuesRepeatedKeysAndNoHeadersComeBackAsSent() throws Exception {
        TopicPartition tp = createTopic("headers", Map.of());
        List<List<Header>> sent = List.of(
                List.of(),
                List.of(new RecordHeader("", new byte[0])),
                List.of(new RecordHeader("h", new byte[0]), new RecordHeader("h", null), new RecordHeader("h",
                        Clients.bytes("1")), new RecordHeader("h", new byte[0])),
                List.of(new RecordHeader("ünïcode-κλειδί", Clients.bytes("värde"))));
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of())) {
            for (List<Header> headers : sent) {
                producer.send(new ProducerRecord<byte[], byte[]>(tp.topic(), 0, null, new byte[0], headers)).get(30, TimeUnit.SECONDS);
            }
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of())) {
            List<ConsumerRecord<byte[], byte[]>> got = Clients.readAll(consumer, List.of(tp), sent.size(),
                    Duration.ofSeconds(30)).get(0);
            for (int i = 0; i < sent.size(); i++) {
                ConsumerRecord<byte[], byte[]> r = got.get(i);
                assertNull(r.key(), "record " + i + " key");
                assertArrayEquals(new byte[0], r.value(), "record " + i + " value: empty, not null");
                Clients.assertHeaders(sent.get(i).toArray(new Header[0]), r.headers().toArray(), "record " + i);
            }
        }
    }
}
