package io.ferrite.server.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.server.Broker;
import io.ferrite.server.config.BrokerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import io.ferrite.server.Wire;
import java.io.IOException;
import java.net.Socket;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.errors.ThrottlingQuotaExceededException;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quotas with stock clients: a producer and a consumer over their byte rates are held to within 10% of them (told
 * how long to wait, and not read until then), while a client without a quota on the same broker goes on at its
 * own pace; topic creations over a partition-mutation quota are refused.
 */
@Timeout(120)
class QuotaEnforcementTest {
    private static final int QUOTA = 200 * 1024;
    private static final byte[] VALUE = new byte[1024];

    @TempDir
    Path dir;

    private static Properties client(Broker broker, String clientId) {
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:" + broker.port());
        p.put("client.id", clientId);
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        p.put("linger.ms", "5");
        p.put("compression.type", "none");
        return p;
    }

    /** Skipped when measuring: a new client's first burst, which a quota allows (the quota times the span). */
    private static final long WARM_UP_NANOS = 2_000_000_000L;

    /** Sends for {@code seconds}; returns the record bytes acknowledged per second after the warm-up. */
    private static double produceFor(KafkaProducer<byte[], byte[]> producer, String topic, double seconds)
            throws Exception {
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        long[] bytes = {0};
        long measuredFrom = start + WARM_UP_NANOS;
        while (System.nanoTime() < end) {
            sent.add(producer.send(new ProducerRecord<>(topic, VALUE), (md, e) -> {
                if (e == null && System.nanoTime() >= measuredFrom) {
                    synchronized (bytes) {
                        bytes[0] += VALUE.length;
                    }
                }
            }));
            if (sent.size() >= 200) { // a bounded backlog, so the rate is what was acknowledged in the time
                sent.remove(0).get(30, TimeUnit.SECONDS);
            }
        }
        for (Future<RecordMetadata> f : sent) {
            f.get(30, TimeUnit.SECONDS);
        }
        synchronized (bytes) {
            return bytes[0] / ((System.nanoTime() - measuredFrom) / 1e9);
        }
    }

    private Broker start(String... extra) throws Exception {
        Map<String, String> props = new java.util.HashMap<>(Map.of("listeners", "PLAINTEXT://127.0.0.1:0",
                "log.dirs", dir.resolve("data").toString()));
        for (int i = 0; i < extra.length; i += 2) {
            props.put(extra[i], extra[i + 1]);
        }
        return Broker.start(BrokerConfig.fromProperties(props), Clock.systemUTC());
    }

    private static Admin admin(Broker broker, String clientId) {
        return Admin.create(Map.of("bootstrap.servers", "127.0.0.1:" + broker.port(), "client.id", clientId));
    }

    /** Sets (or, with null, removes) one quota of one entity. */
    private static void quota(Admin admin, String type, String name, String key, Double value) throws Exception {
        admin.alterClientQuotas(List.of(new ClientQuotaAlteration(new ClientQuotaEntity(Map.of(type, name)),
                List.of(new ClientQuotaAlteration.Op(key, value))))).all().get(20, TimeUnit.SECONDS);
    }

    /** Sends ApiVersions on a new connection; whether it was answered (false: closed unanswered). */
    private static boolean answered(Broker broker) throws Exception {
        try (Socket s = Wire.connect(broker.port())) {
            s.setSoTimeout(15_000);
            s.getOutputStream().write(Wire.frame(ApiKeys.API_VERSIONS, (short) 3, 1, new ApiVersionsRequestData()));
            try {
                Wire.readFrame(s);
                return true;
            } catch (IOException gone) {
                return false;
            }
        }
    }

    private static double metric(Map<MetricName, ? extends Metric> metrics, String name) { // the client's own
        return metrics.entrySet().stream().filter(e -> e.getKey().name().equals(name)
                        && e.getKey().group().endsWith("-metrics")).mapToDouble(e -> (Double) e.getValue().metricValue())
                .max().orElse(Double.NaN);
    }

    @Test
    void clientsOverTheirByteRateAreHeldToItAndOthersAreNot() throws Exception {
        // Rates measured over 2 windows of a second, not Kafka's 11 (under which a new client may first burst up
        // to ten seconds' worth): the first burst then fits in a short test, and is left out of what is measured.
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(Map.of("listeners", "PLAINTEXT://127.0.0.1:0",
                "log.dirs", dir.resolve("data").toString(), "quota.window.num", "2")), Clock.systemUTC());
             Admin admin = Admin.create(Map.of("bootstrap.servers", "127.0.0.1:" + broker.port()))) {
            admin.createTopics(List.of(new NewTopic("q", 1, (short) 1), new NewTopic("free", 1, (short) 1)))
                    .all().get(20, TimeUnit.SECONDS);
            admin.alterClientQuotas(List.of(
                    new ClientQuotaAlteration(new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, "slow")),
                            List.of(new ClientQuotaAlteration.Op("producer_byte_rate", (double) QUOTA),
                                    new ClientQuotaAlteration.Op("consumer_byte_rate", (double) QUOTA)))))
                    .all().get(20, TimeUnit.SECONDS);
            try (KafkaProducer<byte[], byte[]> slow = new KafkaProducer<>(client(broker, "slow"));
                 KafkaProducer<byte[], byte[]> free = new KafkaProducer<>(client(broker, "free"))) {
                CompletableFuture<Double> freeRate = CompletableFuture.supplyAsync(() -> {
                    try {
                        return produceFor(free, "free", 6);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                double slowRate = produceFor(slow, "q", 10);
                assertTrue(slowRate <= QUOTA * 1.1 && slowRate >= QUOTA * 0.7,
                        "held to its quota: " + (long) slowRate + " B/s against " + QUOTA);
                assertTrue(metric(slow.metrics(), "produce-throttle-time-max") > 0, "told to wait");
                double unlimited = freeRate.get(60, TimeUnit.SECONDS);
                assertTrue(unlimited > QUOTA * 3, "the other client goes on at its own pace: " + (long) unlimited);
                assertEquals(0.0, metric(free.metrics(), "produce-throttle-time-max"), "and is never told to wait");
            }

            Properties reader = client(broker, "slow");
            reader.put("max.partition.fetch.bytes", "16384"); // each answer a small part of a second's quota
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(reader)) {
                TopicPartition tp = new TopicPartition("free", 0); // more than it may read in the time
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                long start = System.nanoTime();
                long bytes = 0;
                while (System.nanoTime() - start < 10_000_000_000L) {
                    for (var r : consumer.poll(Duration.ofMillis(100))) {
                        bytes += System.nanoTime() - start >= WARM_UP_NANOS ? r.value().length : 0;
                    }
                }
                double rate = bytes / ((System.nanoTime() - start - WARM_UP_NANOS) / 1e9);
                assertTrue(rate <= QUOTA * 1.1 && rate >= QUOTA * 0.7,
                        "a consumer held to its quota: " + (long) rate + " B/s against " + QUOTA);
                assertTrue(metric(consumer.metrics(), "fetch-throttle-time-max") > 0, "told to wait");
            }
        }
    }

    /**
     * KIP-599: with controller_mutation_rate, topic creations go on while the client's bucket has tokens (one may
     * take it into debt), then are refused with THROTTLING_QUOTA_EXCEEDED and a throttle time; another client
     * is not affected.
     */
    @Test
    void partitionMutationsOverTheQuotaAreRefused() throws Exception {
        try (Broker broker = start(); Admin limited = admin(broker, "limited"); Admin other = admin(broker, "other")) {
            quota(other, ClientQuotaEntity.CLIENT_ID, "limited", "controller_mutation_rate", 1.0);
            // A bucket of 1 partition a second over Kafka's 11 windows: 11 tokens to start with.
            CreateTopicsOptions noRetry = new CreateTopicsOptions().retryOnQuotaViolation(false);
            limited.createTopics(List.of(new NewTopic("m1", 8, (short) 1)), noRetry).all().get(20, TimeUnit.SECONDS);
            limited.createTopics(List.of(new NewTopic("m2", 8, (short) 1)), noRetry).all().get(20, TimeUnit.SECONDS);
            ExecutionException e = assertThrows(ExecutionException.class, () -> limited.createTopics(List.of(
                    new NewTopic("m3", 8, (short) 1)), noRetry).all().get(20, TimeUnit.SECONDS));
            assertInstanceOf(ThrottlingQuotaExceededException.class, e.getCause());
            assertTrue(((ThrottlingQuotaExceededException) e.getCause()).throttleTimeMs() > 0);
            assertEquals(Set.of("m1", "m2"), other.listTopics().names().get(20, TimeUnit.SECONDS), "m3 not made");
            other.createTopics(List.of(new NewTopic("o1", 8, (short) 1), new NewTopic("o2", 8, (short) 1)))
                    .all().get(20, TimeUnit.SECONDS);
        }
    }

    /** KIP-612: connections from an address over its connection_creation_rate are held, then closed unanswered. */
    @Test
    void connectionsOverAnAddressRateAreClosed() throws Exception {
        try (Broker broker = start("quota.window.num", "2"); Admin admin = admin(broker, "admin")) {
            quota(admin, ClientQuotaEntity.IP, "127.0.0.1", "connection_creation_rate", 2.0);
            int answered = 0;
            for (int i = 0; i < 8; i++) {
                answered += answered(broker) ? 1 : 0;
            }
            assertTrue(answered >= 1 && answered <= 4, answered + " of 8 answered");
            quota(admin, ClientQuotaEntity.IP, "127.0.0.1", "connection_creation_rate", null);
            for (int i = 0; i < 8; i++) {
                assertTrue(answered(broker), "no quota: every one answered");
            }
        }
    }

    /**
     * KIP-124: a client over its request_percentage (the broker threads' time its requests take) is told to wait
     * in its answers' throttle_time_ms, and not read meanwhile.
     */
    @Test
    void requestsOverTheirThreadTimeAreThrottled() throws Exception {
        try (Broker broker = start("quota.window.num", "2"); Admin admin = admin(broker, "admin")) {
            quota(admin, ClientQuotaEntity.CLIENT_ID, "chatty", "request_percentage", 0.01);
            try (Socket s = Wire.connect(broker.port())) {
                s.setSoTimeout(15_000);
                int throttled = 0;
                for (int i = 1; i <= 50 && throttled == 0; i++) {
                    s.getOutputStream().write(withClientId(Wire.frame(ApiKeys.METADATA, (short) 12, i,
                            new MetadataRequestData()), "chatty"));
                    throttled = new MetadataResponseData(Wire.receive(s, ApiKeys.METADATA, (short) 12, i), (short) 12)
                            .throttleTimeMs();
                }
                assertTrue(throttled > 0, "told to wait");
            }
        }
    }

    /** A request frame as {@code Wire.frame} makes it (client id "test"... of any length), with another id. */
    private static byte[] withClientId(byte[] frame, String clientId) {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(frame);
        in.getInt(); // size
        short api = in.getShort();
        short version = in.getShort();
        int correlation = in.getInt();
        short idLength = in.getShort();
        in.position(in.position() + Math.max(0, idLength));
        byte[] rest = new byte[in.remaining()];
        in.get(rest);
        byte[] id = clientId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(4 + 2 + 2 + 4 + 2 + id.length + rest.length);
        out.putInt(out.capacity() - 4).putShort(api).putShort(version).putInt(correlation).putShort((short) id.length)
                .put(id).put(rest);
        return out.array();
    }
}
