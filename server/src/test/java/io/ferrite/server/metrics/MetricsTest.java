package io.ferrite.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.server.Broker;
import io.ferrite.server.config.BrokerConfig;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker with its HTTP listener, produced to and consumed from by stock clients: the Prometheus endpoint and the
 * JMX beans show what happened under Kafka's names, and a deleted topic's metrics go with it.
 */
@Timeout(120)
class MetricsTest {
    private static final int RECORDS = 500;
    private static final int RECORD_BYTES = 100;

    @TempDir
    Path dir;
    private Broker broker;
    private final HttpClient http = HttpClient.newHttpClient();
    private final MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();

    @BeforeEach
    void start() throws Exception {
        broker = Broker.start(BrokerConfig.fromProperties(Map.of("listeners", "PLAINTEXT://127.0.0.1:0",
                "http.listener", "127.0.0.1:0", "log.dirs", dir.resolve("data").toString(),
                "store.commitlog.file.bytes", "4194304", "store.flush.mode", "sync")), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private String bootstrap() {
        return "127.0.0.1:" + broker.port();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + broker.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The value of the one sample line that starts with {@code series} (name and labels as written). */
    private static double sample(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertTrue(m.find(), series + " in\n" + scrape);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void produceAndConsumeShowUnderKafkasNamesInPrometheusAndJmx() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("metered", 2, (short) 1))).all().get();
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(), ProducerConfig.LINGER_MS_CONFIG, 5),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>("metered", i % 2, null, new byte[RECORD_BYTES]));
            }
            producer.flush();
            // While the producer is connected, its connection is counted on the listener.
            String scrape = get("/metrics").body();
            Matcher open = Pattern.compile("(?m)^kafka_server_socket_server_metrics_connection_count\\{listener=\"PLAINTEXT\","
                    + "networkProcessor=\"\\d+\"} (\\S+)$").matcher(scrape);
            double connections = 0;
            while (open.find()) {
                connections += Double.parseDouble(open.group(1));
            }
            assertTrue(connections >= 1, scrape);
        }
        long read = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = List.of(new TopicPartition("metered", 0), new TopicPartition("metered", 1));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (read < RECORDS && System.nanoTime() < until) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
        }
        assertEquals(RECORDS, read);

        HttpResponse<String> response = get("/metrics");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        String scrape = response.body();
        assertEquals(RECORDS, sample(scrape, "kafka_server_brokertopicmetrics_messagesin_total{topic=\"metered\"}"));
        assertEquals(RECORDS, sample(scrape, "kafka_server_brokertopicmetrics_messagesin_total"));
        double bytesIn = sample(scrape, "kafka_server_brokertopicmetrics_bytesin_total{topic=\"metered\"}");
        assertTrue(bytesIn >= RECORDS * RECORD_BYTES, "batches carry at least the values: " + bytesIn);
        assertTrue(sample(scrape, "kafka_server_brokertopicmetrics_bytesout_total{topic=\"metered\"}") >= bytesIn,
                "every batch was read back at least once");
        assertEquals(0, sample(scrape, "kafka_server_brokertopicmetrics_failedproducerequests_total{topic=\"metered\"}"));
        assertEquals(RECORDS, sample(scrape, "kafka_log_log_logendoffset{partition=\"0\",topic=\"metered\"}")
                + sample(scrape, "kafka_log_log_logendoffset{partition=\"1\",topic=\"metered\"}"));
        assertTrue(sample(scrape, "kafka_log_log_size{partition=\"0\",topic=\"metered\"}") > 0);
        assertEquals(0, sample(scrape, "kafka_log_log_logstartoffset{partition=\"1\",topic=\"metered\"}"));
        assertEquals(2, sample(scrape, "kafka_server_replicamanager_partitioncount"));
        assertEquals(0, sample(scrape, "kafka_server_replicamanager_underreplicatedpartitions"));
        assertTrue(Pattern.compile("(?m)^kafka_network_requestmetrics_requests_total\\{request=\"Produce\",version=\"\\d+\"} "
                + "[1-9]").matcher(scrape).find(), scrape);
        assertTrue(sample(scrape, "kafka_network_requestmetrics_totaltimems_count{request=\"Produce\"}") >= 1);
        sample(scrape, "kafka_network_requestmetrics_totaltimems{request=\"FetchConsumer\",quantile=\"0.99\"}");
        assertTrue(sample(scrape, "ferrite_store_groupcommit_appendsperfsync_count") >= 1, "sync mode fsyncs in rounds");
        assertTrue(sample(scrape, "ferrite_store_commitlog_appendtimeus_count") >= 1);
        assertEquals(1, sample(scrape, "ferrite_store_store_healthy"));
        assertEquals(1, sample(scrape, "ferrite_store_service_running{thread=\"ferrite-group-commit\"}"));
        sample(scrape, "kafka_server_group_coordinator_metrics_group_count{protocol=\"classic\"}");

        ObjectName messagesIn = new ObjectName("kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,topic=metered");
        assertEquals((long) RECORDS, jmx.getAttribute(messagesIn, "Count"));
        assertTrue((Double) jmx.getAttribute(messagesIn, "OneMinuteRate") >= 0);
        assertEquals(250L, jmx.getAttribute(
                new ObjectName("kafka.log:type=Log,name=LogEndOffset,topic=metered,partition=0"), "Value"));
        assertTrue((Long) jmx.getAttribute(new ObjectName(
                "kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Produce"), "Count") >= 1);
        jmx.getAttribute(new ObjectName("kafka.network:type=RequestMetrics,name=TotalTimeMs,request=Produce"),
                "99thPercentile");
        assertTrue(jmx.queryNames(new ObjectName("kafka.server:type=socket-server-metrics,listener=PLAINTEXT,*"), null)
                .stream().anyMatch(n -> n.getKeyProperty("networkProcessor") != null));

        // A batch over the topic's limit: bytes rejected, and (as in Kafka) not a failed request.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("small", 1, (short) 1).configs(Map.of("max.message.bytes",
                    "1000")))).all().get();
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("small", new byte[2000])).get());
            assertInstanceOf(RecordTooLargeException.class, e.getCause());
        }
        String rejected = get("/metrics").body();
        assertTrue(sample(rejected, "kafka_server_brokertopicmetrics_bytesrejected_total{topic=\"small\"}") >= 2000);
        assertEquals(0, sample(rejected, "kafka_server_brokertopicmetrics_failedproducerequests_total{topic=\"small\"}"));
        assertTrue(sample(rejected, "kafka_server_brokertopicmetrics_totalproducerequests_total{topic=\"small\"}") >= 1);

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            admin.deleteTopics(List.of("metered", "small")).all().get();
        }
        assertFalse(jmx.isRegistered(messagesIn), "a deleted topic's meters go");
        assertFalse(jmx.isRegistered(new ObjectName("kafka.log:type=Log,name=LogEndOffset,topic=metered,partition=0")));
        String after = get("/metrics").body();
        assertFalse(after.contains("topic=\"metered\""), after);
        assertEquals(RECORDS, sample(after, "kafka_server_brokertopicmetrics_messagesin_total"),
                "the all-topics count stays");
        assertEquals(0, sample(after, "kafka_server_replicamanager_partitioncount"));
    }

    /** Partitions already on disk at start get their gauges too, registered while the broker goes on starting. */
    @Test
    @Timeout(60)
    void partitionsOfARestartedBrokerHaveTheirGauges() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()));
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()), new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            admin.createTopics(List.of(new NewTopic("kept", 3, (short) 1))).all().get();
            for (int i = 0; i < 7; i++) {
                producer.send(new ProducerRecord<>("kept", 2, null, new byte[] {(byte) i})).get();
            }
        }
        broker.close();
        ObjectName end = new ObjectName("kafka.log:type=Log,name=LogEndOffset,topic=kept,partition=2");
        assertFalse(jmx.isRegistered(end), "a closed broker's gauges go");
        start();
        ObjectName first = new ObjectName("kafka.log:type=Log,name=LogEndOffset,topic=kept,partition=0");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!(jmx.isRegistered(end) && jmx.isRegistered(first)) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(7L, jmx.getAttribute(end, "Value"));
        assertEquals(0L, jmx.getAttribute(first, "Value"));
        assertEquals(3, sample(get("/metrics").body(), "kafka_server_replicamanager_partitioncount"));
    }

    @Test
    void healthIsReadyWhileTheStoreServesAndOnlyGetIsAnswered() throws Exception {
        HttpResponse<String> health = get("/health");
        assertEquals(200, health.statusCode());
        assertEquals("{\"status\":\"ready\"}\n", health.body());
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + broker.httpPort() + "/metrics")).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
    }
}
