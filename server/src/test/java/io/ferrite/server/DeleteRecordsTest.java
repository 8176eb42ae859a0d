package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ferrite.storage.LiveTree;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DeleteRecords through a stock AdminClient and on the wire; what Fetch and ListOffsets see after it. An
 * unknown topic or partition is tested on the wire only: the 4.x AdminClient waits for it to appear in the
 * metadata until its timeout, without sending DeleteRecords.
 */
@Timeout(90)
class DeleteRecordsTest {
    private static final TopicPartition TP = new TopicPartition("log", 0);

    @TempDir
    Path dir;
    private Broker broker;
    private Admin admin;

    @BeforeEach
    void start() throws Exception {
        broker = Wire.startBroker(dir, Map.of());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port()));
    }

    @AfterEach
    void stop() {
        admin.close();
        broker.close();
    }

    /** Offsets 0-9 in one batch, then 10-14 one batch each. */
    private void fill() throws Exception {
        admin.createTopics(List.of(new NewTopic("log", 1, (short) 1))).all().get(15, TimeUnit.SECONDS);
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port(),
                ProducerConfig.LINGER_MS_CONFIG, "60000"), new StringSerializer(), new StringSerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                sent.add(p.send(new ProducerRecord<>("log", 0, null, "v" + i)));
            }
            p.flush();
            for (Future<RecordMetadata> f : sent) {
                f.get(15, TimeUnit.SECONDS);
            }
            for (int i = 10; i < 15; i++) {
                p.send(new ProducerRecord<>("log", 0, null, "v" + i));
                p.flush();
            }
        }
    }

    private long deleteBefore(long offset) throws Exception {
        return admin.deleteRecords(Map.of(TP, RecordsToDelete.beforeOffset(offset))).lowWatermarks().get(TP)
                .get(15, TimeUnit.SECONDS).lowWatermark();
    }

    private long offsetFor(OffsetSpec spec) throws Exception {
        return admin.listOffsets(Map.of(TP, spec)).partitionResult(TP).get(15, TimeUnit.SECONDS).offset();
    }

    private KafkaConsumer<String, String> consumer(String reset) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, reset), new StringDeserializer(), new StringDeserializer());
    }

    private List<String> readFromStart() {
        try (KafkaConsumer<String, String> c = consumer("earliest")) {
            c.assign(List.of(TP));
            List<String> out = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 15_000;
            while (System.currentTimeMillis() < deadline && (out.isEmpty() || !out.get(out.size() - 1).equals("v14"))) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    out.add(r.value());
                }
            }
            return out;
        }
    }

    @Test
    void deletedRecordsAreGoneForFetchAndListOffsetsAndStayGoneAfterARestart() throws Exception {
        fill();
        assertEquals(4, deleteBefore(4), "the new log start, inside the first batch");
        assertEquals(4, offsetFor(OffsetSpec.earliest()));
        assertEquals(4, offsetFor(OffsetSpec.forTimestamp(0)), "no offset before the log start");
        assertEquals(15, offsetFor(OffsetSpec.latest()));
        try (KafkaConsumer<String, String> c = consumer("none")) {
            c.assign(List.of(TP));
            c.seek(TP, 2);
            assertThrows(OffsetOutOfRangeException.class, () -> {
                long deadline = System.currentTimeMillis() + 15_000;
                while (System.currentTimeMillis() < deadline) {
                    c.poll(Duration.ofMillis(200));
                }
            });
        }
        List<String> left = readFromStart();
        assertEquals(11, left.size(), left.toString());
        assertEquals("v4", left.get(0), "records before the start are skipped even inside their batch");
        assertEquals(4, deleteBefore(2), "never backwards");

        stop();
        start();
        assertEquals(4, offsetFor(OffsetSpec.earliest()), "the log start survives a restart");
        assertEquals(15, deleteBefore(-1), "-1 is the high watermark");
        assertEquals(15, offsetFor(OffsetSpec.earliest()));
        assertEquals(15, offsetFor(OffsetSpec.latest()));
    }

    @Test
    void aDeletionIsOnDiskWhenAnsweredSoACrashRightAfterKeepsIt() throws Exception {
        stop();
        // Sync appends, and no periodic checkpoint that could save the new log start by chance.
        Map<String, String> props = Map.of("store.flush.mode", "sync", "store.flush.interval.ms", "3600000");
        broker = Wire.startBroker(dir, props);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port()));
        fill();
        assertEquals(12, deleteBefore(12));
        Path crashed = dir.resolve("crashed");
        // The files as a power cut would leave them, copied while the broker runs.
        LiveTree.copy(dir.resolve("data"), crashed.resolve("data"));
        try (Broker recovered = Wire.startBroker(crashed, props);
             Admin other = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                     "127.0.0.1:" + recovered.port()))) {
            assertEquals(12, other.listOffsets(Map.of(TP, OffsetSpec.earliest())).partitionResult(TP)
                    .get(15, TimeUnit.SECONDS).offset());
            assertEquals(15, other.listOffsets(Map.of(TP, OffsetSpec.latest())).partitionResult(TP)
                    .get(15, TimeUnit.SECONDS).offset());
        }
    }

    @Test
    void refusesWhatKafkaRefuses() throws Exception {
        fill();
        assertInstanceOf(org.apache.kafka.common.errors.OffsetOutOfRangeException.class,
                assertThrows(ExecutionException.class, () -> deleteBefore(16)).getCause(), "past the high watermark");
        admin.createTopics(List.of(new NewTopic("compacted", 1, (short) 1)
                .configs(Map.of("cleanup.policy", "compact")))).all().get(15, TimeUnit.SECONDS);
        TopicPartition compacted = new TopicPartition("compacted", 0);
        assertInstanceOf(PolicyViolationException.class, assertThrows(ExecutionException.class,
                () -> admin.deleteRecords(Map.of(compacted, RecordsToDelete.beforeOffset(0))).all()
                        .get(15, TimeUnit.SECONDS)).getCause());
        assertEquals(0, offsetFor(OffsetSpec.earliest()), "nothing deleted");
    }

    @Test
    void everyVersionAnswersEachPartitionWithItsOwnError() throws Exception {
        fill();
        for (short v = 0; v <= 2; v++) {
            DeleteRecordsRequestData req = new DeleteRecordsRequestData().setTimeoutMs(10_000);
            DeleteRecordsTopic log = new DeleteRecordsTopic().setName("log");
            log.partitions().add(new DeleteRecordsPartition().setPartitionIndex(0).setOffset(v + 1));
            log.partitions().add(new DeleteRecordsPartition().setPartitionIndex(7).setOffset(0));
            req.topics().add(log);
            DeleteRecordsTopic absent = new DeleteRecordsTopic().setName("absent");
            absent.partitions().add(new DeleteRecordsPartition().setPartitionIndex(0).setOffset(0));
            req.topics().add(absent);
            DeleteRecordsResponseData resp = new DeleteRecordsResponseData(
                    Wire.exchange(broker.port(), ApiKeys.DELETE_RECORDS, v, req), v);
            DeleteRecordsPartitionResult ok = resp.topics().find("log").partitions().find(0);
            assertEquals(Errors.NONE.code(), ok.errorCode(), "v" + v);
            assertEquals(v + 1, ok.lowWatermark());
            DeleteRecordsPartitionResult noPartition = resp.topics().find("log").partitions().find(7);
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), noPartition.errorCode());
            assertEquals(-1, noPartition.lowWatermark());
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                    resp.topics().find("absent").partitions().find(0).errorCode());
        }
        DeleteRecordsRequestData below = new DeleteRecordsRequestData().setTimeoutMs(10_000);
        DeleteRecordsTopic log = new DeleteRecordsTopic().setName("log");
        log.partitions().add(new DeleteRecordsPartition().setPartitionIndex(0).setOffset(-2));
        below.topics().add(log);
        assertEquals(Errors.OFFSET_OUT_OF_RANGE.code(), new DeleteRecordsResponseData(Wire.exchange(broker.port(),
                ApiKeys.DELETE_RECORDS, (short) 2, below), (short) 2).topics().find("log").partitions().find(0)
                .errorCode(), "only -1 has a meaning among negative offsets");
    }
}
