package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.KafkaTools;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kafka Connect in distributed mode (the reference's connect-runtime, as a child JVM) with the FileStreamSource
 * connector: the worker makes its config, offset and status topics (compacted, as it checks), joins its group,
 * copies a file's lines to a topic, is stopped, and once started again resumes from the source offsets it
 * committed: every line arrives once.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(300)
class ConnectTest {
    static final String FAMILY = "Kafka Connect";
    private static final String TOPIC = "file-lines";

    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        broker = kind.start("ConnectTest", dir.resolve(kind.name()), Map.of("group.initial.rebalance.delay.ms", "0",
                "log.cleaner.backoff.ms", "500"));
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    @Test
    @Compat(family = FAMILY, feature = "distributed worker: internal topics, source offsets across a restart")
    void aFileSourceResumesFromItsCommittedOffsetsAfterARestart() throws Exception {
        CompatVersions.record(FAMILY, org.apache.kafka.common.utils.AppInfoParser.getVersion());
        Path work = dir.resolve(kind.name() + "-connect");
        Files.createDirectories(work);
        Path input = work.resolve("input.txt");
        Files.writeString(input, lines(0, 100));
        int port = freePort();
        Path props = work.resolve("worker.properties");
        Files.writeString(props, String.join("\n",
                "bootstrap.servers=" + broker.bootstrap(), "group.id=ferrite-connect",
                "key.converter=org.apache.kafka.connect.storage.StringConverter",
                "value.converter=org.apache.kafka.connect.storage.StringConverter",
                "config.storage.topic=connect-configs", "offset.storage.topic=connect-offsets",
                "status.storage.topic=connect-status", "config.storage.replication.factor=1",
                "offset.storage.replication.factor=1", "status.storage.replication.factor=1",
                "offset.flush.interval.ms=500", "listeners=http://127.0.0.1:" + port,
                "plugin.discovery=only_scan", "") + "\n");
        KafkaTools tools = KafkaTools.against(broker, "ConnectTest-" + kind.name());
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + port;

        Process worker = startWorker(tools, props, "worker-1");
        try {
            awaitRest(http, base, worker);
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/connectors"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"name\":\"lines\",\"config\":{\"connector.class\":"
                                    + "\"org.apache.kafka.connect.file.FileStreamSourceConnector\",\"tasks.max\":\"1\","
                                    + "\"file\":\"" + input + "\",\"topic\":\"" + TOPIC + "\"}}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, created.statusCode(), created.body());
            assertEquals(lines(0, 100).lines().toList(), readUntil(100));
            Thread.sleep(1500); // past offset.flush.interval.ms: the source offsets are committed
        } finally {
            worker.destroy(); // SIGTERM: the worker stops its task and commits its offsets
            assertTrue(worker.waitFor(60, TimeUnit.SECONDS));
        }
        Files.writeString(input, lines(100, 150), StandardOpenOption.APPEND);
        worker = startWorker(tools, props, "worker-2");
        try {
            awaitRest(http, base, worker);
            assertEquals(lines(0, 150).lines().toList(), readUntil(150), "every line once, in order");
        } finally {
            worker.destroy();
            assertTrue(worker.waitFor(60, TimeUnit.SECONDS));
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            ConfigResource offsets = new ConfigResource(ConfigResource.Type.TOPIC, "connect-offsets");
            Config c = admin.describeConfigs(List.of(offsets)).all().get(30, TimeUnit.SECONDS).get(offsets);
            assertEquals("compact", c.get("cleanup.policy").value());
        }
    }

    private static Process startWorker(KafkaTools tools, Path props, String name) throws IOException {
        return tools.start(name, List.of("-Xmx384m"), "org.apache.kafka.connect.cli.ConnectDistributed",
                List.of(props.toString()));
    }

    private static void awaitRest(HttpClient http, String base, Process worker) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base + "/connectors")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // the worker is still starting
            }
            if (!worker.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("the Connect worker did not come up (exit "
                        + (worker.isAlive() ? "none" : worker.exitValue()) + ")");
            }
            Thread.sleep(250);
        }
    }

    /** The topic's values from its start, once it holds {@code count} records (or after two minutes). */
    private static List<String> readUntil(int count) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        List<String> values = new ArrayList<>();
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new StringDeserializer())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline) {
                if (consumer.listTopics(Duration.ofSeconds(5)).containsKey(TOPIC)) {
                    break;
                }
            }
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            while (values.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            // Anything more would be a line read twice.
            consumer.poll(Duration.ofSeconds(2)).forEach(r -> values.add(r.value()));
        }
        return values;
    }

    private static String lines(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "line " + i).collect(Collectors.joining("\n", "", "\n"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
