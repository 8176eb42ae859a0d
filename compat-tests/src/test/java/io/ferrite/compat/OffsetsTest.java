package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.BrokerUnderTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Offsets as the pinned consumer sees them: log start and end, lookups by time, and a seek into the middle
 * of a batch. Each topic holds one batch of 100 records, so every lookup and the seek land inside it.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(120)
class OffsetsTest {
    private static final int RECORDS = 100;
    private static final long STEP_MS = 10;

    /** The broker this run of the class is against; started once per run, below. */
    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static Admin admin;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        broker = kind.start("OffsetsTest", dir.resolve(kind.name()), Map.of());
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

    /** Produces one batch of records timestamped {@code base + i * STEP_MS}, values {@code "r<i>"}. */
    private static void produceOneBatch(TopicPartition tp, String codec, long base) throws Exception {
        admin.createTopics(List.of(new NewTopic(tp.topic(), 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of(
                ProducerConfig.COMPRESSION_TYPE_CONFIG, codec, ProducerConfig.LINGER_MS_CONFIG, 60_000,
                ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20))) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                acks.add(producer.send(new ProducerRecord<>(tp.topic(), 0, base + i * STEP_MS, null,
                        Clients.bytes("r" + i))));
            }
            producer.flush(); // the long linger kept every record in one batch until now
            for (int i = 0; i < RECORDS; i++) {
                assertEquals(i, acks.get(i).get(30, TimeUnit.SECONDS).offset());
            }
        }
    }

    @Compat(family = Compat.JAVA, feature = "offsets: start, end, offsetsForTimes")
    @ParameterizedTest
    @ValueSource(strings = {"none", "zstd"})
    void startEndAndLookupsByTime(String codec) throws Exception {
        TopicPartition tp = new TopicPartition("times-" + codec, 0);
        long base = System.currentTimeMillis() - 60_000;
        produceOneBatch(tp, codec, base);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of())) {
            Duration t = Duration.ofSeconds(30);
            assertEquals(0L, consumer.beginningOffsets(List.of(tp), t).get(tp));
            assertEquals((long) RECORDS, consumer.endOffsets(List.of(tp), t).get(tp));

            OffsetAndTimestamp exact = consumer.offsetsForTimes(Map.of(tp, base + 40 * STEP_MS), t).get(tp);
            assertEquals(40, exact.offset());
            assertEquals(base + 40 * STEP_MS, exact.timestamp());
            OffsetAndTimestamp between = consumer.offsetsForTimes(Map.of(tp, base + 50 * STEP_MS + 5), t).get(tp);
            assertEquals(51, between.offset(), "the first record at or after the time");
            assertEquals(base + 51 * STEP_MS, between.timestamp());
            assertEquals(0, consumer.offsetsForTimes(Map.of(tp, 0L), t).get(tp).offset());
            assertNull(consumer.offsetsForTimes(Map.of(tp, base + RECORDS * STEP_MS), t).get(tp),
                    "no record that late");
        }
        ListOffsetsResult.ListOffsetsResultInfo max = admin.listOffsets(Map.of(tp, OffsetSpec.maxTimestamp()))
                .partitionResult(tp).get(30, TimeUnit.SECONDS);
        assertEquals(RECORDS - 1, max.offset());
        assertEquals(base + (RECORDS - 1) * STEP_MS, max.timestamp());
    }

    @Compat(family = Compat.JAVA, feature = "seek")
    @ParameterizedTest
    @ValueSource(strings = {"none", "lz4"})
    void aSeekIntoTheMiddleOfABatchHandsOutNothingBeforeIt(String codec) throws Exception {
        TopicPartition tp = new TopicPartition("seek-" + codec, 0);
        produceOneBatch(tp, codec, System.currentTimeMillis());
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of())) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 37);
            List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (got.size() < RECORDS - 37 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(got::add);
            }
            assertEquals(RECORDS - 37, got.size());
            for (int i = 0; i < got.size(); i++) {
                assertEquals(37 + i, got.get(i).offset());
                assertEquals("r" + (37 + i), new String(got.get(i).value(), StandardCharsets.UTF_8));
            }
            assertEquals(RECORDS, consumer.position(tp));
            assertTrue(consumer.poll(Duration.ofMillis(300)).isEmpty(), "nothing after the end");
        }
    }
}
