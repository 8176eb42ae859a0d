package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ferrite.launcher.Command;
import io.ferrite.launcher.FerriteProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * kafkajs (the version pinned in {@code compat-tests/kafkajs/package.json}) through {@code groups.js}: its
 * producer, and its consumer in a group committing after each batch, checked with the Java clients. Node.js
 * and the installed package must be there ({@code .ci/run} installs both): without them these tests fail
 * rather than skip.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(300)
class KafkajsTest extends SharedBrokerTest {
    private static final String KAFKAJS_VERSION = "2.2.4";
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(120);
    private static final int PARTITIONS = 3;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        startBroker(kind, "KafkajsTest");
    }

    private static Path scriptDir() {
        return FerriteProcess.rootDir().resolve("compat-tests/kafkajs");
    }

    /** What one run of groups.js reported. */
    record Run(List<String[]> produced, List<String[]> consumed, Map<Integer, Long> committed) {
    }

    private static Run groups(String name, String topic, String group, int produce, int consume, String tag)
            throws Exception {
        return groups("KafkajsTest-" + shared.broker.name() + "-" + name, shared.bootstrap(), "{}", topic, group,
                produce, consume, tag);
    }

    /**
     * One run of groups.js against {@code bootstrap}; {@code config} is JSON merged into kafkajs's client config
     * (its {@code ssl.caFile} names a PEM file read into {@code ssl.ca}).
     */
    static Run groups(String logName, String bootstrap, String config, String topic, String group, int produce,
                      int consume, String tag) throws Exception {
        Path installed = scriptDir().resolve("node_modules/kafkajs/package.json");
        if (!Files.isRegularFile(installed)) {
            fail("kafkajs is not installed: run npm ci in " + scriptDir() + " (.ci/run does)");
        }
        Matcher version = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"").matcher(Files.readString(installed));
        assertTrue(version.find() && version.group(1).equals(KAFKAJS_VERSION),
                "the installed kafkajs is the pinned " + KAFKAJS_VERSION + ": " + installed);
        List<String> command = List.of(Programs.onPath("node", "apt-get install -y nodejs npm"),
                scriptDir().resolve("groups.js").toString(), bootstrap, topic, group,
                Integer.toString(produce), Integer.toString(consume), tag);
        Command.Result r = Command.run(logName, command, "", RUN_TIMEOUT, Map.of("CLIENT_CONFIG", config)).ok();
        List<String[]> produced = new ArrayList<>();
        List<String[]> consumed = new ArrayList<>();
        Map<Integer, Long> committed = new HashMap<>();
        for (String line : r.lines()) {
            String[] f = line.split("\t");
            switch (f[0]) {
                case "produced" -> produced.add(f);
                case "consumed" -> consumed.add(f);
                case "committed" -> committed.put(Integer.parseInt(f[1]), Long.parseLong(f[2]));
                default -> fail("unexpected output line: " + line + "\nstderr:\n" + r.stderr());
            }
        }
        return new Run(produced, consumed, committed);
    }

    @Compat(family = Compat.KAFKAJS, feature = "classic group: consume, commit, resume")
    @Test
    void aKafkajsGroupConsumesCommitsAndResumesWhatKafkajsAndJavaProduced() throws Exception {
        String topic = "kafkajs-group";
        String group = "kafkajs-group-1";
        shared.createTopic(topic, PARTITIONS);
        List<TopicPartition> partitions = SharedBroker.partitions(topic, PARTITIONS);

        Run first = groups("first", topic, group, 30, 30, "js");
        assertEquals(30, first.produced().size());
        Set<String> produced = new HashSet<>();
        for (String[] p : first.produced()) {
            // kafkajs's default partitioner is Java's: murmur2 of the key.
            int partition = Integer.parseInt(p[1]);
            assertEquals(Utils.toPositive(Utils.murmur2(Clients.bytes(p[3]))) % PARTITIONS, partition, p[3]);
            produced.add(String.join("\t", p[1], p[2], p[3], p[4]));
        }
        assertEquals(produced, consumedSet(first), "kafkajs consumed what it produced");

        // The Java consumer reads the same records at the offsets kafkajs was given.
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(shared.bootstrap(), Map.of())) {
            Set<String> read = new HashSet<>();
            for (List<ConsumerRecord<byte[], byte[]>> records : Clients.readAll(consumer, partitions, 30,
                    Duration.ofSeconds(30)).values()) {
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    read.add(String.join("\t", Integer.toString(r.partition()), Long.toString(r.offset()),
                            new String(r.key(), StandardCharsets.UTF_8), new String(r.value(), StandardCharsets.UTF_8)));
                }
            }
            assertEquals(produced, read);
        }
        Map<Integer, Long> ends = shared.endOffsets(partitions);
        assertEquals(ends, first.committed(), "kafkajs's admin sees its commits");
        assertEquals(ends, shared.committed(group), "the Java admin sees kafkajs's commits");

        // Java produces more; the group's next kafkajs member reads exactly those.
        Set<String> more = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(shared.bootstrap(), Map.of())) {
            for (int i = 0; i < 9; i++) {
                var m = producer.send(new ProducerRecord<>(topic, i % PARTITIONS, Clients.bytes("java-key-" + i),
                        Clients.bytes("java-value-" + i))).get(30, TimeUnit.SECONDS);
                more.add(String.join("\t", Integer.toString(m.partition()), Long.toString(m.offset()),
                        "java-key-" + i, "java-value-" + i));
            }
        }
        Run second = groups("second", topic, group, 0, 9, "none");
        assertEquals(more, consumedSet(second), "only what came after the committed offsets");
        assertEquals(shared.endOffsets(partitions), second.committed());
        assertEquals(shared.endOffsets(partitions), shared.committed(group));
        assertEquals(0, second.produced().size(), "the second run only consumes");
    }

    private static Set<String> consumedSet(Run run) {
        Set<String> s = new HashSet<>();
        for (String[] c : run.consumed()) {
            assertTrue(s.add(String.join("\t", c[1], c[2], c[3], c[4])), "consumed twice: " + String.join(" ", c));
        }
        return s;
    }
}
