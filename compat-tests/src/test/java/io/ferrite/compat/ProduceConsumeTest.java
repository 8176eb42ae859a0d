package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ferrite.launcher.BrokerUnderTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The pinned kafka-clients' idempotent producer and an assign()ing consumer against a child broker. */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(180)
class ProduceConsumeTest {
    private static final int RECORDS = 20_000;
    private static final int PARTITIONS = 3;

    /** The broker this run of the class is against; started once per run, below. */
    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static Admin admin;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        broker = kind.start("ProduceConsumeTest", dir.resolve(kind.name()), Map.of());
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

    private static List<TopicPartition> createTopic(String name, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        return IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(name, p)).toList();
    }

    @Compat(family = Compat.JAVA, feature = "produce and consume, every codec")
    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void keyedRecordsWithHeadersComeBackInPartitionOrder(String codec) throws Exception {
        String topic = "codec-" + codec;
        List<TopicPartition> partitions = createTopic(topic, PARTITIONS);
        List<Clients.Sent> sent;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(),
                Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec))) {
            sent = Clients.sendKeyed(producer, topic, RECORDS, codec);
        }
        assertEquals(PARTITIONS, sent.stream().map(Clients.Sent::partition).distinct().count(),
                "the keys spread over every partition");
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of())) {
            Clients.assertReadBackInOrder(sent, Clients.readAll(consumer, partitions, RECORDS, Duration.ofSeconds(60)));
        }
    }

    @Compat(family = Compat.JAVA, feature = "null and empty keys, values, headers")
    @Test
    void nullKeysValuesAndHeaderValuesStayNull() throws Exception {
        List<TopicPartition> tp = createTopic("nulls", 1);
        Header[] headers = {new RecordHeader("a", null), new RecordHeader("b", Clients.bytes("1"))};
        byte[][][] keyValues = {{null, null}, {Clients.bytes("k"), null}, {null, Clients.bytes("v")},
                {new byte[0], new byte[0]}};
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of())) {
            for (byte[][] kv : keyValues) {
                producer.send(new ProducerRecord<>("nulls", 0, kv[0], kv[1], List.of(headers))).get(30, TimeUnit.SECONDS);
            }
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of())) {
            List<ConsumerRecord<byte[], byte[]>> got = Clients.readAll(consumer, tp, keyValues.length,
                    Duration.ofSeconds(30)).get(0);
            for (int i = 0; i < keyValues.length; i++) {
                ConsumerRecord<byte[], byte[]> r = got.get(i);
                assertEquals(i, r.offset());
                if (keyValues[i][0] == null) {
                    assertNull(r.key(), "record " + i + " key");
                } else {
                    assertArrayEquals(keyValues[i][0], r.key(), "record " + i + " key");
                }
                if (keyValues[i][1] == null) {
                    assertNull(r.value(), "record " + i + " value");
                } else {
                    assertArrayEquals(keyValues[i][1], r.value(), "record " + i + " value");
                }
                Clients.assertHeaders(headers, r.headers().toArray(), "record " + i);
            }
        }
    }

    @Compat(family = Compat.JAVA, feature = "large records near the size limits")
    @Test
    void a900KbRecordGoesThroughAndAnOversizedOneIsRefusedWhileTheBrokerCarriesOn() throws Exception {
        List<TopicPartition> tp = createTopic("large", 1);
        Random random = new Random(42);
        byte[] large = new byte[900 * 1024];
        random.nextBytes(large);
        byte[] tooLarge = new byte[1536 * 1024]; // above the broker's default max.message.bytes (1 MiB + 12)
        random.nextBytes(tooLarge);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(),
                // Past the client's own 1 MiB check, so it is the broker that refuses.
                Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 << 20, ProducerConfig.BUFFER_MEMORY_CONFIG, 16 << 20))) {
            assertEquals(0, producer.send(new ProducerRecord<>("large", 0, Clients.bytes("big"), large))
                    .get(30, TimeUnit.SECONDS).offset());
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("large", 0, Clients.bytes("huge"), tooLarge))
                            .get(30, TimeUnit.SECONDS));
            assertInstanceOf(RecordTooLargeException.class, refused.getCause());
            RecordMetadata after = producer.send(new ProducerRecord<>("large", 0, Clients.bytes("small"),
                    Clients.bytes("after"))).get(30, TimeUnit.SECONDS);
            assertEquals(1, after.offset(), "the refused record took no offset");
        }
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(),
                Map.of(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 << 20,
                        ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 4 << 20))) {
            List<ConsumerRecord<byte[], byte[]>> got = Clients.readAll(consumer, tp, 2, Duration.ofSeconds(30)).get(0);
            assertArrayEquals(large, got.get(0).value());
            assertArrayEquals(Clients.bytes("after"), got.get(1).value());
            assertEquals(1, got.get(1).offset());
        }
    }
}
