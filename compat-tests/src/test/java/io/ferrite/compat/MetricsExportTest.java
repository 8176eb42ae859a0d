package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.FerriteProcess;
import io.ferrite.launcher.KafkaProcess;
import io.ferrite.launcher.KafkaTools;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kafka's ProducerPerformance drives a broker while the Prometheus JMX exporter, attached to the broker's JVM as
 * Kafka users attach it, reads its beans through rules written for Kafka's names: the produce rate shows live,
 * per topic, the same way for Ferrite and (under {@code -Dreference=kafka}) Kafka. Ferrite's own /metrics shows
 * the same counts under the names those rules give.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Compat(family = "Prometheus JMX exporter 1.0", feature = "broker metrics by Kafka's JMX names")
@Timeout(240)
class MetricsExportTest {
    private static final String TOPIC = "perf";
    /** Rules in the shape Kafka deployments use: a meter's count as a counter and its one-minute rate as a gauge. */
    private static final String RULES = """
            lowercaseOutputName: true
            rules:
              - pattern: 'kafka.server<type=BrokerTopicMetrics, name=(\\w+)PerSec, topic=(.+)><>Count'
                name: kafka_server_brokertopicmetrics_$1_total
                type: COUNTER
                labels:
                  topic: "$2"
              - pattern: 'kafka.server<type=BrokerTopicMetrics, name=(\\w+)PerSec, topic=(.+)><>OneMinuteRate'
                name: kafka_server_brokertopicmetrics_$1_oneminuterate
                type: GAUGE
                labels:
                  topic: "$2"
              - pattern: 'kafka.network<type=RequestMetrics, name=RequestsPerSec, request=(\\w+), version=(\\d+)><>Count'
                name: kafka_network_requestmetrics_requests_total
                type: COUNTER
                labels:
                  request: "$1"
                  version: "$2"
              - pattern: 'kafka.log<type=Log, name=(\\w+), topic=(.+), partition=(\\d+)><>Value'
                name: kafka_log_log_$1
                type: GAUGE
                labels:
                  topic: "$2"
                  partition: "$3"
            """;

    @Parameter
    BrokerKind kind;

    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void produceRatesShowLiveThroughTheJmxExporter() throws Exception {
        Path rules = Files.writeString(dir.resolve("rules-" + kind + ".yaml"), RULES);
        int exporterPort = freePort();
        List<String> jvm = List.of("-javaagent:" + System.getProperty("jmx.exporter.agent") + "=127.0.0.1:"
                + exporterPort + ":" + rules);
        int httpPort = freePort();
        Map<String, String> overrides = new HashMap<>(FerriteProcess.TEST_STORE);
        overrides.put("http.listener", "127.0.0.1:" + httpPort);
        try (BrokerUnderTest broker = kind == BrokerKind.FERRITE
                ? FerriteProcess.start("MetricsExportTest-ferrite", dir.resolve("ferrite"), overrides, jvm)
                : KafkaProcess.start("MetricsExportTest-kafka", dir.resolve("kafka"), Map.of(), jvm);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            KafkaTools tools = KafkaTools.against(broker, "MetricsExportTest-" + kind);
            // About 15 s at 20,000 records/s: long enough to read the rate twice while it runs.
            Process perf = tools.start("perf", List.of("-Xmx256m"), "org.apache.kafka.tools.ProducerPerformance",
                    List.of("--topic", TOPIC, "--num-records", "300000", "--record-size", "100", "--throughput",
                            "20000", "--producer-props", "bootstrap.servers=" + broker.bootstrap()));
            try {
                String exporter = "http://127.0.0.1:" + exporterPort + "/metrics";
                String series = "kafka_server_brokertopicmetrics_messagesin_total{topic=\"" + TOPIC + "\"}";
                double first = waitFor(exporter, series);
                Thread.sleep(6_000); // past a meter's 5-second tick, so its one-minute rate has moved
                String scrape = get(exporter);
                double second = value(scrape, series);
                assertTrue(perf.isAlive(), "the producer still runs: the rate is read while it runs");
                assertTrue(second > first, "messages in keep coming: " + first + " then " + second);
                double rate = value(scrape, "kafka_server_brokertopicmetrics_messagesin_oneminuterate{topic=\""
                        + TOPIC + "\"}");
                assertTrue(rate > 100, "a live one-minute rate: " + rate);
                assertTrue(value(scrape, "kafka_server_brokertopicmetrics_bytesin_total{topic=\"" + TOPIC + "\"}")
                        >= second * 100, scrape);
                assertTrue(Pattern.compile("(?m)^kafka_network_requestmetrics_requests_total\\{request=\"Produce\","
                        + "version=\"\\d+\"} [1-9]").matcher(scrape).find(), scrape);
                value(scrape, "kafka_log_log_logendoffset{partition=\"0\",topic=\"" + TOPIC + "\"}");
                if (kind == BrokerKind.FERRITE) {
                    // The broker's own endpoint, under the names the rules above give.
                    double own = value(get("http://127.0.0.1:" + httpPort + "/metrics"), series);
                    assertTrue(own >= second, "Ferrite's /metrics agrees: " + own + " after " + second);
                }
                assertTrue(perf.waitFor(120, TimeUnit.SECONDS), "ProducerPerformance ends");
                assertEquals(0, perf.exitValue(), "ProducerPerformance succeeded");
            } finally {
                if (perf.isAlive()) {
                    perf.destroyForcibly().waitFor();
                }
            }
        }
    }

    private String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), url);
        return r.body();
    }

    /** Scrapes until {@code series} is above zero (the producer's first batches are in), and returns it. */
    private double waitFor(String url, String series) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            String scrape = get(url);
            Matcher m = sample(scrape, series);
            if (m.find() && Double.parseDouble(m.group(1)) > 0) {
                return Double.parseDouble(m.group(1));
            }
            assertTrue(System.nanoTime() < deadline, series + " never rose above 0:\n" + scrape);
            Thread.sleep(200);
        }
    }

    private static double value(String scrape, String series) {
        Matcher m = sample(scrape, series);
        assertTrue(m.find(), series + " in\n" + scrape);
        return Double.parseDouble(m.group(1));
    }

    private static Matcher sample(String scrape, String series) {
        return Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
