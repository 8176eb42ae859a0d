package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
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
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Fetch through a stock consumer and through raw requests, long polls included. */
@Timeout(60)
class FetchTest {
    @TempDir
    Path dir;
    private Broker broker;

    @BeforeEach
    void start() throws Exception {
        broker = Wire.startBroker(dir, Map.of());
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    /** A producer on the Java client's defaults: idempotent, acks=all. */
    private KafkaProducer<String, String> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private KafkaConsumer<String, String> consumer() {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, "4096"); // several fetches for the data below
        return new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
    }

    @Test
    void aStockConsumerReadsBackEverythingAnIdempotentStockProducerWrote() throws Exception {
        List<String> sent = new ArrayList<>();
        try (KafkaProducer<String, String> producer = producer()) {
            for (int i = 0; i < 500; i++) {
                String v = "value-" + i + "-" + "x".repeat(i % 50);
                sent.add(v);
                producer.send(new ProducerRecord<>("books", 0, "k" + i, v));
            }
            producer.flush();
        }
        TopicPartition tp = new TopicPartition("books", 0);
        List<String> got = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer()) {
            consumer.assign(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (got.size() < sent.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    assertEquals(got.size(), r.offset());
                    got.add(r.value());
                }
            }
        }
        assertEquals(sent, got);
        assertTrue(java.nio.file.Files.exists(dir.resolve("data").resolve("producer-ids")),
                "the producer asked for a producer id: it really was idempotent");
    }

    @Test
    void onlyTheFirstDataOfAResponseMayExceedMaxBytes() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:" + broker.port()))) {
            admin.createTopics(List.of(new NewTopic("wide", 2, (short) 1))).all().get(15, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = producer()) {
            for (int p = 0; p < 2; p++) {
                producer.send(new ProducerRecord<>("wide", p, null, "y".repeat(2000))).get(15, TimeUnit.SECONDS);
            }
        }
        short v = 12;
        FetchRequestData fetch = new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(2500);
        FetchRequestData.FetchTopic ft = new FetchRequestData.FetchTopic().setTopic("wide");
        for (int p = 0; p < 2; p++) {
            ft.partitions().add(new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(0)
                    .setPartitionMaxBytes(1 << 20));
        }
        fetch.topics().add(ft);
        try (Socket s = Wire.connect(broker.port())) {
            s.getOutputStream().write(Wire.frame(ApiKeys.FETCH, v, 1, fetch));
            FetchResponseData r = new FetchResponseData(Wire.receive(s, ApiKeys.FETCH, v, 1), v);
            List<FetchResponseData.PartitionData> parts = r.responses().get(0).partitions();
            assertTrue(parts.get(0).records().sizeInBytes() > 2000, "the first batch goes out whole");
            assertEquals(0, parts.get(1).records().sizeInBytes(), "a later one that does not fit the 400-odd bytes left waits");
            assertEquals(1, parts.get(1).highWatermark());
        }
    }

    @Test
    void theBrokersFetchMaxBytesBoundsAResponseWhateverTheClientAsks() throws Exception {
        broker.close();
        broker = Wire.startBroker(dir.resolve("capped"), Map.of("fetch.max.bytes", "3000"));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:" + broker.port()))) {
            admin.createTopics(List.of(new NewTopic("wide", 3, (short) 1))).all().get(15, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = producer()) {
            for (int p = 0; p < 3; p++) {
                producer.send(new ProducerRecord<>("wide", p, null, "z".repeat(1200))).get(15, TimeUnit.SECONDS);
            }
        }
        short v = 12;
        FetchRequestData fetch = new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(Integer.MAX_VALUE);
        FetchRequestData.FetchTopic ft = new FetchRequestData.FetchTopic().setTopic("wide");
        for (int p = 0; p < 3; p++) {
            ft.partitions().add(new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(0)
                    .setPartitionMaxBytes(Integer.MAX_VALUE));
        }
        fetch.topics().add(ft);
        try (Socket s = Wire.connect(broker.port())) {
            s.getOutputStream().write(Wire.frame(ApiKeys.FETCH, v, 1, fetch));
            FetchResponseData r = new FetchResponseData(Wire.receive(s, ApiKeys.FETCH, v, 1), v);
            List<FetchResponseData.PartitionData> parts = r.responses().get(0).partitions();
            int total = parts.stream().mapToInt(pd -> pd.records().sizeInBytes()).sum();
            assertTrue(parts.get(0).records().sizeInBytes() > 1200 && parts.get(1).records().sizeInBytes() > 1200,
                    "two batches fit in 3,000 bytes");
            assertEquals(0, parts.get(2).records().sizeInBytes(), "the third would pass fetch.max.bytes");
            assertTrue(total <= 3000, "response of " + total + " bytes");
        }
    }

    @Test
    void aLongPollWaitsForDataAndWakesOnAppend() throws Exception {
        try (Socket s = Wire.connect(broker.port())) {
            MetadataRequestData md = new MetadataRequestData().setAllowAutoTopicCreation(true);
            md.topics().add(new MetadataRequestData.MetadataRequestTopic().setName("slow"));
            s.getOutputStream().write(Wire.frame(ApiKeys.METADATA, (short) 12, 1, md));
            Wire.receive(s, ApiKeys.METADATA, (short) 12, 1);

            short v = 12; // by name
            FetchRequestData fetch = new FetchRequestData().setMaxWaitMs(300).setMinBytes(1).setMaxBytes(1 << 20);
            FetchRequestData.FetchTopic ft = new FetchRequestData.FetchTopic().setTopic("slow");
            ft.partitions().add(new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                    .setPartitionMaxBytes(1 << 20));
            fetch.topics().add(ft);

            long t0 = System.nanoTime();
            s.getOutputStream().write(Wire.frame(ApiKeys.FETCH, v, 2, fetch));
            FetchResponseData empty = new FetchResponseData(Wire.receive(s, ApiKeys.FETCH, v, 2), v);
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(waitedMs >= 250, "waited for max_wait_ms with nothing to return: " + waitedMs);
            assertEquals(0, empty.sessionId(), "a fetch at epoch -1 opens no session");
            assertEquals(0, empty.responses().get(0).partitions().get(0).records().sizeInBytes());

            fetch.setMaxWaitMs(20_000);
            long t1 = System.nanoTime();
            s.getOutputStream().write(Wire.frame(ApiKeys.FETCH, v, 3, fetch));
            CompletableFuture<Void> later = CompletableFuture.runAsync(() -> {
                try (KafkaProducer<String, String> producer = producer()) {
                    Thread.sleep(200);
                    producer.send(new ProducerRecord<>("slow", 0, null, "wake")).get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            FetchResponseData woken = new FetchResponseData(Wire.receive(s, ApiKeys.FETCH, v, 3), v);
            later.get(15, TimeUnit.SECONDS);
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1) < 15_000, "woken by the append");
            FetchResponseData.PartitionData pd = woken.responses().get(0).partitions().get(0);
            assertEquals(Errors.NONE.code(), pd.errorCode());
            assertEquals(1, pd.highWatermark());
            List<String> values = new ArrayList<>();
            for (MutableRecordBatch b : ((MemoryRecords) pd.records()).batches()) {
                b.forEach(r -> values.add(StandardCharsets.UTF_8.decode(r.value()).toString()));
            }
            assertEquals(List.of("wake"), values);

            fetch.setMaxWaitMs(0);
            fetch.topics().get(0).partitions().get(0).setFetchOffset(99);
            s.getOutputStream().write(Wire.frame(ApiKeys.FETCH, v, 4, fetch));
            FetchResponseData out = new FetchResponseData(Wire.receive(s, ApiKeys.FETCH, v, 4), v);
            assertEquals(Errors.OFFSET_OUT_OF_RANGE.code(), out.responses().get(0).partitions().get(0).errorCode());
            assertEquals(1, out.responses().get(0).partitions().get(0).highWatermark());
        }
    }
    private FetchResponseData fetchOnce(Socket s, int correlation, FetchRequestData req) throws Exception {
        short v = 12;
        s.getOutputStream().write(Wire.frame(ApiKeys.FETCH, v, correlation, req));
        return new FetchResponseData(Wire.receive(s, ApiKeys.FETCH, v, correlation), v);
    }

    private static List<Integer> partitionsIn(FetchResponseData r) {
        List<Integer> out = new ArrayList<>();
        r.responses().forEach(t -> t.partitions().forEach(p -> out.add(p.partitionIndex())));
        return out;
    }

    /** KIP-227 on the wire: a session opened by a full fetch, answers carrying only what changed, its epochs. */
    @Test
    void anIncrementalFetchSessionAnswersOnlyWhatChanged() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:" + broker.port()))) {
            admin.createTopics(List.of(new NewTopic("sess", 3, (short) 1))).all().get(15, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = producer()) {
            producer.send(new ProducerRecord<>("sess", 0, null, "a")).get(15, TimeUnit.SECONDS);
        }
        FetchRequestData full = new FetchRequestData().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
                .setSessionId(0).setSessionEpoch(0);
        FetchRequestData.FetchTopic ft = new FetchRequestData.FetchTopic().setTopic("sess");
        for (int p = 0; p < 3; p++) {
            ft.partitions().add(new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(0)
                    .setPartitionMaxBytes(1 << 20));
        }
        full.topics().add(ft);
        try (Socket s = Wire.connect(broker.port())) {
            FetchResponseData first = fetchOnce(s, 1, full);
            int session = first.sessionId();
            assertTrue(session != 0, "a full fetch at epoch 0 opens a session");
            assertEquals(List.of(0, 1, 2), partitionsIn(first));

            // Partition 0 moves past its record: nothing is new anywhere, so nothing is answered.
            FetchRequestData moved = new FetchRequestData().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
                    .setSessionId(session).setSessionEpoch(1);
            moved.topics().add(new FetchRequestData.FetchTopic().setTopic("sess").setPartitions(List.of(
                    new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(1).setPartitionMaxBytes(1 << 20))));
            FetchResponseData quiet = fetchOnce(s, 2, moved);
            assertEquals(session, quiet.sessionId());
            assertEquals(List.of(), partitionsIn(quiet));

            try (KafkaProducer<String, String> producer = producer()) {
                producer.send(new ProducerRecord<>("sess", 2, null, "b")).get(15, TimeUnit.SECONDS);
            }
            FetchRequestData nothingNamed = new FetchRequestData().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
                    .setSessionId(session).setSessionEpoch(2);
            FetchResponseData news = fetchOnce(s, 3, nothingNamed);
            assertEquals(List.of(2), partitionsIn(news), "only the partition written to");
            FetchResponseData.PartitionData p2 = news.responses().get(0).partitions().get(0);
            assertEquals(1, p2.highWatermark());
            assertTrue(p2.records().sizeInBytes() > 0);

            assertEquals(Errors.INVALID_FETCH_SESSION_EPOCH.code(), fetchOnce(s, 4, nothingNamed).errorCode(),
                    "epoch 2 again");
            assertEquals(Errors.FETCH_SESSION_ID_NOT_FOUND.code(), fetchOnce(s, 5,
                    nothingNamed.duplicate().setSessionId(session + 1).setSessionEpoch(3)).errorCode());

            // Partition 2 forgotten: a new record there is no longer answered.
            FetchRequestData forget = nothingNamed.duplicate().setSessionEpoch(3);
            forget.forgottenTopicsData().add(new FetchRequestData.ForgottenTopic().setTopic("sess")
                    .setPartitions(List.of(2)));
            fetchOnce(s, 6, forget);
            try (KafkaProducer<String, String> producer = producer()) {
                producer.send(new ProducerRecord<>("sess", 2, null, "c")).get(15, TimeUnit.SECONDS);
                producer.send(new ProducerRecord<>("sess", 1, null, "d")).get(15, TimeUnit.SECONDS);
            }
            assertEquals(List.of(1), partitionsIn(fetchOnce(s, 7, nothingNamed.duplicate().setSessionEpoch(4))));

            // Epoch -1 closes it: a full answer without a session, and the id is gone.
            FetchResponseData closing = fetchOnce(s, 8, full.duplicate().setSessionId(session).setSessionEpoch(-1));
            assertEquals(0, closing.sessionId());
            assertEquals(List.of(0, 1, 2), partitionsIn(closing));
            assertEquals(Errors.FETCH_SESSION_ID_NOT_FOUND.code(),
                    fetchOnce(s, 9, nothingNamed.duplicate().setSessionEpoch(5)).errorCode());
        }
    }
}
