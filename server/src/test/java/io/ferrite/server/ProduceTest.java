package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ferrite.server.config.BrokerConfig;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.ReadResult;
import io.ferrite.storage.Slice;
import io.ferrite.storage.Store;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.DescribeDelegationTokenRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Produce through a stock producer and through raw requests; what was acknowledged is read back from the store. */
class ProduceTest {
    @TempDir
    Path dir;
    private Broker broker;

    private void start() throws Exception {
        broker = Wire.startBroker(dir, Map.of("store.flush.mode", "sync"));
    }

    private Path data() {
        return dir.resolve("data");
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private List<String> storedValues(String topic) {
        List<String> out = new ArrayList<>();
        try (Store store = Store.open(BrokerConfig.fromProperties(Map.of("log.dirs", data().toString(),
                "store.commitlog.file.bytes", "1048576")).store(), Clock.systemUTC());
             ReadResult r = store.read(new PartitionKey(topic, 0), 0, Integer.MAX_VALUE)) {
            for (Slice s : r.batches()) {
                for (MutableRecordBatch b : MemoryRecords.readableRecords(s.buffer().duplicate()).batches()) {
                    b.ensureValid();
                    for (Record rec : b) {
                        out.add(rec.offset() + ":" + StandardCharsets.UTF_8.decode(rec.value()));
                    }
                }
            }
        }
        return out;
    }

    @Test
    void aStockProducerWritesAndEveryAcknowledgedRecordIsStored() throws Exception {
        start();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false"); // InitProducerId is not served yet
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        List<String> expected = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < 20; i++) {
                RecordMetadata m = producer.send(new ProducerRecord<>("greetings", 0, null, "hello-" + i))
                        .get(15, TimeUnit.SECONDS);
                assertEquals(i, m.offset());
                expected.add(i + ":hello-" + i);
            }
        }
        broker.close();
        broker = null;
        assertEquals(expected, storedValues("greetings"));
    }

    @Test
    void aStockAdminClientListsOffsetsByPositionAndByTime() throws Exception {
        start();
        long now = System.currentTimeMillis();
        long[] ts = {now - 50_000, now - 40_000, now - 45_000, now - 30_000, now - 35_000};
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                new StringSerializer())) {
            for (long t : ts) {
                producer.send(new ProducerRecord<>("timed", 0, t, null, "at-" + t)).get(15, TimeUnit.SECONDS);
            }
        }
        TopicPartition tp = new TopicPartition("timed", 0);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:" + broker.port()))) {
            assertEquals(0, offset(admin, tp, OffsetSpec.earliest()));
            assertEquals(5, offset(admin, tp, OffsetSpec.latest()));
            assertEquals(1, offset(admin, tp, OffsetSpec.forTimestamp(now - 42_000)), "first at or after, not sorted");
            assertEquals(3, offset(admin, tp, OffsetSpec.maxTimestamp()));
            assertEquals(-1, offset(admin, tp, OffsetSpec.forTimestamp(now)), "nothing that late");
        }
    }

    private static long offset(Admin admin, TopicPartition tp, OffsetSpec spec) throws Exception {
        return admin.listOffsets(Map.of(tp, spec)).partitionResult(tp).get(15, TimeUnit.SECONDS).offset();
    }

    private static void send(Socket s, ApiKeys api, short version, int correlationId, ApiMessage body)
            throws IOException {
        s.getOutputStream().write(Wire.frame(api, version, correlationId, body));
    }

    private static void send(OutputStream os, ApiKeys api, short version, int correlationId, ApiMessage body)
            throws IOException {
        os.write(Wire.frame(api, version, correlationId, body));
    }

    private static ByteBufferAccessor receive(Socket s, ApiKeys api, short version, int correlationId)
            throws IOException {
        return Wire.receive(s, api, version, correlationId);
    }

    private static ProduceRequestData produce(short acks, String topic, ByteBuffer records) {
        ProduceRequestData req = new ProduceRequestData().setAcks(acks).setTimeoutMs(5000);
        ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData().setName(topic);
        td.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                .setRecords(MemoryRecords.readableRecords(records)));
        req.topicData().add(td);
        return req;
    }

    private static ByteBuffer batch(String value) {
        return MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8))).buffer();
    }

    @Test
    void recordErrorsNameTheRecordsToBlame() throws Exception {
        start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:" + broker.port()))) {
            admin.createTopics(List.of(new NewTopic("compacted", 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")), new NewTopic("plain", 1, (short) 1)))
                    .all().get(15, TimeUnit.SECONDS);
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                new StringSerializer())) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("compacted", null, "no key")).get(15, TimeUnit.SECONDS));
            assertInstanceOf(InvalidRecordException.class, e.getCause());
            assertEquals(0, producer.send(new ProducerRecord<>("compacted", "k", "keyed")).get(15, TimeUnit.SECONDS)
                    .offset(), "the refused record took no offset");
        }
        long now = System.currentTimeMillis();
        ByteBuffer twoBad = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(now, (byte[]) null, null),
                new SimpleRecord(now + 7_200_000, (byte[]) null, null), new SimpleRecord(now, (byte[]) null, null),
                new SimpleRecord(now + 7_200_000, (byte[]) null, null)).buffer();
        try (Socket s = Wire.connect(broker.port())) {
            for (short v : new short[] {7, 8, 13}) {
                ProduceRequestData req = produce((short) 1, "plain", twoBad.duplicate());
                if (v >= 13) {
                    req.topicData().iterator().next().setName("").setTopicId(topicId("plain"));
                }
                send(s, ApiKeys.PRODUCE, v, 20 + v, req);
                ProduceResponseData.PartitionProduceResponse r = new ProduceResponseData(
                        receive(s, ApiKeys.PRODUCE, v, 20 + v), v).responses().iterator().next()
                        .partitionResponses().get(0);
                assertEquals(Errors.INVALID_TIMESTAMP.code(), r.errorCode(), "v" + v);
                assertEquals(v >= 8 ? List.of(1, 3) : List.of(), r.recordErrors().stream()
                        .map(ProduceResponseData.BatchIndexAndErrorMessage::batchIndex).toList(), "v" + v);
            }
        }
    }

    private org.apache.kafka.common.Uuid topicId(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:" + broker.port()))) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS).get(topic)
                    .topicId();
        }
    }

    @Test
    void rawProduceErrorsAreKafkasAndAcksZeroGetsNoAnswer() throws Exception {
        start();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", broker.port()), 5000);
            s.setSoTimeout(10_000);
            short v = 9;
            // The topic does not exist: Produce does not create topics.
            send(s, ApiKeys.PRODUCE, v, 1, produce((short) -1, "nope", batch("x")));
            ProduceResponseData r = new ProduceResponseData(receive(s, ApiKeys.PRODUCE, v, 1), v);
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                    r.responses().iterator().next().partitionResponses().get(0).errorCode());
        }
        // Make the topic through Metadata auto-creation, then produce good, corrupt and acks=0 batches.
        MetadataRequestData md = new MetadataRequestData().setAllowAutoTopicCreation(true);
        md.topics().add(new MetadataRequestData.MetadataRequestTopic().setName("raw"));
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", broker.port()), 5000);
            s.setSoTimeout(10_000);
            send(s, ApiKeys.METADATA, (short) 12, 2, md);
            receive(s, ApiKeys.METADATA, (short) 12, 2);

            short v = 9;
            ByteBuffer corrupt = batch("bad");
            corrupt.put(corrupt.limit() - 1, (byte) (corrupt.get(corrupt.limit() - 1) ^ 1));
            send(s, ApiKeys.PRODUCE, v, 3, produce((short) 1, "raw", corrupt));
            ProduceResponseData.PartitionProduceResponse bad = new ProduceResponseData(
                    receive(s, ApiKeys.PRODUCE, v, 3), v).responses().iterator().next().partitionResponses().get(0);
            assertEquals(Errors.CORRUPT_MESSAGE.code(), bad.errorCode());

            send(s, ApiKeys.PRODUCE, v, 4, produce((short) 0, "raw", batch("fire-and-forget")));
            send(s, ApiKeys.PRODUCE, v, 5, produce((short) -1, "raw", batch("acked")));
            // No answer to 4: the next frame on the wire answers 5.
            ProduceResponseData.PartitionProduceResponse ok = new ProduceResponseData(
                    receive(s, ApiKeys.PRODUCE, v, 5), v).responses().iterator().next().partitionResponses().get(0);
            assertEquals(Errors.NONE.code(), ok.errorCode());
            assertEquals(1, ok.baseOffset());

            send(s, ApiKeys.API_VERSIONS, (short) 3, 6, new ApiVersionsRequestData());
            assertEquals(Errors.NONE.code(), new ApiVersionsResponseData(receive(s, ApiKeys.API_VERSIONS, (short) 3, 6),
                    (short) 3).errorCode());
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", broker.port()), 5000);
            s.setSoTimeout(10_000);
            // An unsupported request closes the connection; a produce read in the same burst is never applied.
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            send(burst, ApiKeys.DESCRIBE_DELEGATION_TOKEN, (short) 3, 7, new DescribeDelegationTokenRequestData());
            send(burst, ApiKeys.PRODUCE, (short) 9, 8, produce((short) -1, "raw", batch("after-close")));
            s.getOutputStream().write(burst.toByteArray());
            assertEquals(-1, s.getInputStream().read());
        }
        broker.close();
        broker = null;
        assertEquals(List.of("0:fire-and-forget", "1:acked"), storedValues("raw"));
    }
}
