package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.KafkaTools;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Apache Kafka's system-test clients, VerifiableProducer and VerifiableConsumer of the pinned kafka-tools, run
 * as child JVMs like the other CLI tools: every record the producer reports acknowledged (acks=all) is consumed
 * by a consumer group, of either group protocol, which then commits the end of every partition.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(300)
class VerifiableClientsTest {
    static final String FAMILY = "Kafka VerifiableProducer/VerifiableConsumer";
    private static final String PRODUCER = "org.apache.kafka.tools.VerifiableProducer";
    private static final String CONSUMER = "org.apache.kafka.tools.VerifiableConsumer";
    private static final String TOPIC = "verifiable";
    private static final int PARTITIONS = 3;
    private static final int RECORDS = 1000;
    /** {@code "name":"..."}, the kind of each JSON event the tools print, one event per line. */
    private static final Pattern EVENT = Pattern.compile("\"name\":\"([a-z_]+)\"");
    private static final Pattern SENT = Pattern.compile(
            "\"key\":\"([^\"]*)\",\"value\":\"([^\"]*)\",\"offset\":(\\d+),\"topic\":\"([^\"]+)\",\"partition\":(\\d+)");
    private static final Pattern CONSUMED = Pattern.compile(
            "\"key\":\"([^\"]*)\",\"value\":\"([^\"]*)\",\"topic\":\"([^\"]+)\",\"partition\":(\\d+),\"offset\":(\\d+)");
    private static final Pattern COMMITTED = Pattern.compile(
            "\\{\"topic\":\"([^\"]+)\",\"partition\":(\\d+),\"offset\":(\\d+)}");

    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static Admin admin;
    private static KafkaTools tools;
    /** What the producer had acknowledged, as "partition offset key value"; produced once per broker. */
    private static Set<String> acknowledged;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        broker = kind.start("VerifiableClientsTest", dir.resolve(kind.name()),
                Map.of("group.initial.rebalance.delay.ms", "0"));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
        tools = KafkaTools.against(broker, "VerifiableClientsTest-" + kind.name().toLowerCase());
        CompatVersions.record(FAMILY, toolsVersion());
        admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        acknowledged = produce();
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        try {
            if (admin != null) {
                admin.close();
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
            admin = null;
            broker = null;
        }
    }

    /** The version of the kafka-tools jar the tools run from. */
    private static String toolsVersion() {
        Pattern jar = Pattern.compile("kafka-tools-(\\d[^-]*)\\.jar");
        return tools.jarNames().stream().map(jar::matcher).filter(Matcher::matches).map(m -> m.group(1)).findFirst()
                .orElseThrow(() -> new AssertionError("no kafka-tools jar in " + tools.jarNames()));
    }

    /** The producer's events: one success per acknowledged record, none failed, and its own tally agreeing. */
    private static Set<String> produce() throws Exception {
        List<String> lines = tools.run("producer", PRODUCER, "", "--topic", TOPIC, "--max-messages",
                Integer.toString(RECORDS), "--acks", "-1", "--repeating-keys", "100").ok().lines();
        Set<String> acked = new HashSet<>();
        List<String> events = new ArrayList<>();
        for (String line : lines) {
            events.add(event(line));
            Matcher m = SENT.matcher(line);
            if (m.find()) {
                assertEquals(TOPIC, m.group(4), line);
                assertTrue(acked.add(m.group(5) + " " + m.group(3) + " " + m.group(1) + " " + m.group(2)), line);
            }
        }
        assertEquals(0, events.stream().filter("producer_send_error"::equals).count(), String.join("\n", lines));
        assertEquals(RECORDS, acked.size(), "acknowledged records");
        String tally = lines.get(lines.size() - 1);
        assertEquals("tool_data", event(tally));
        assertTrue(tally.contains("\"sent\":" + RECORDS + ",\"acked\":" + RECORDS + ","), tally);
        return acked;
    }

    private static String event(String line) {
        Matcher m = EVENT.matcher(line);
        assertTrue(m.find(), "a JSON event: " + line);
        return m.group(1);
    }

    @Test
    @Compat(family = FAMILY, feature = "every acknowledged record consumed (classic group)")
    void aClassicGroupConsumesEveryAcknowledgedRecord() throws Exception {
        consumeEverything("classic");
    }

    @Test
    @Compat(family = FAMILY, feature = "every acknowledged record consumed (consumer group, KIP-848)")
    void aConsumerProtocolGroupConsumesEveryAcknowledgedRecord() throws Exception {
        consumeEverything("consumer");
    }

    /**
     * A VerifiableConsumer in a fresh group of {@code protocol} reads the topic from the beginning: it reports
     * exactly the acknowledged records, each once, then a successful commit of every partition's end, which
     * the Java admin sees too.
     */
    private void consumeEverything(String protocol) throws Exception {
        String group = "verifiable-" + protocol;
        List<String> lines = tools.run("consumer-" + protocol, CONSUMER, "", "--topic", TOPIC, "--group-id", group,
                "--group-protocol", protocol, "--max-messages", Integer.toString(RECORDS), "--reset-policy",
                "earliest", "--verbose").ok().lines();
        List<String> consumed = new ArrayList<>();
        Map<Integer, Long> lastCommit = new HashMap<>();
        for (String line : lines) {
            switch (event(line)) {
                case "record_data" -> {
                    Matcher m = CONSUMED.matcher(line);
                    assertTrue(m.find(), line);
                    consumed.add(m.group(4) + " " + m.group(5) + " " + m.group(1) + " " + m.group(2));
                }
                case "offsets_committed" -> {
                    assertTrue(line.contains("\"success\":true"), line);
                    Matcher m = COMMITTED.matcher(line);
                    while (m.find()) {
                        lastCommit.put(Integer.parseInt(m.group(2)), Long.parseLong(m.group(3)));
                    }
                }
                default -> {
                }
            }
        }
        assertEquals(RECORDS, consumed.size(), "records consumed, none twice");
        assertEquals(acknowledged, new HashSet<>(consumed), "every acknowledged record, and nothing else");
        Map<Integer, Long> ends = endOffsets();
        assertEquals(ends, lastCommit, "the consumer's last commits are the ends of the partitions");
        assertEquals(ends, admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS).entrySet().stream()
                .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset())));
    }

    private static Map<Integer, Long> endOffsets() {
        List<TopicPartition> partitions = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(TOPIC, p))
                .toList();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of())) {
            return consumer.endOffsets(partitions, Duration.ofSeconds(30)).entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().partition(), Map.Entry::getValue));
        }
    }
}
