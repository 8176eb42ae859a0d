package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.Command;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * kcat, and through it librdkafka, against a child broker. kcat must be installed ({@code .ci/run} installs
 * it): without it these tests fail rather than skip.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(180)
class KcatTest {
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);

    /** The broker this run of the class is against; started once per run, below. */
    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static String kcat;
    private static BrokerUnderTest broker;
    private static Admin admin;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        kcat = Programs.onPath("kcat", "apt-get install -y kcat");
        broker = kind.start("KcatTest", dir.resolve(kind.name()), Map.of());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
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
        }
    }

    private static Command.Result kcat(String name, String stdin, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(kcat, "-b", broker.bootstrap()));
        command.addAll(List.of(args));
        return Command.run("KcatTest-" + name, command, stdin, RUN_TIMEOUT).ok();
    }

    private static void createTopic(String name, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    @Compat(family = Compat.KCAT, feature = "produce and consume, keys and headers")
    @Test
    void keyedRecordsWithHeadersGoInAndComeBackOutOfOnePartition() throws Exception {
        String topic = "kcat-keyed";
        createTopic(topic, 2);
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            input.append("key-").append(i).append(":value-").append(i).append('\n');
        }
        // An idempotent, snappy-compressing librdkafka producer.
        kcat("produce", input.toString(), "-P", "-t", topic, "-p", "1", "-K:", "-H", "trace=abc", "-H", "origin=kcat",
                "-z", "snappy", "-X", "enable.idempotence=true");

        List<String> lines = kcat("consume", "", "-C", "-t", topic, "-p", "1", "-o", "beginning", "-e",
                "-f", "%p|%o|%k|%s|%h\\n").lines();
        assertEquals(50, lines.size(), lines.toString());
        for (int i = 0; i < 50; i++) {
            assertEquals("1|" + i + "|key-" + i + "|value-" + i + "|trace=abc,origin=kcat", lines.get(i));
        }
        assertEquals(List.of(), kcat("consume-empty", "", "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e",
                "-f", "%o\\n").lines(), "partition 0 got nothing");

        // The Java client reads the same records, headers included.
        TopicPartition tp = new TopicPartition(topic, 1);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of())) {
            List<ConsumerRecord<byte[], byte[]>> got = Clients.readAll(consumer, List.of(tp), 50,
                    Duration.ofSeconds(30)).get(1);
            Header[] headers = {new RecordHeader("trace", Clients.bytes("abc")),
                    new RecordHeader("origin", Clients.bytes("kcat"))};
            for (int i = 0; i < 50; i++) {
                assertEquals("key-" + i, new String(got.get(i).key(), StandardCharsets.UTF_8));
                assertEquals("value-" + i, new String(got.get(i).value(), StandardCharsets.UTF_8));
                Clients.assertHeaders(headers, got.get(i).headers().toArray(), "record " + i);
            }
        }
    }

    @Compat(family = Compat.KCAT, feature = "metadata")
    @Test
    void metadataListsTheBrokerAndEveryPartitionAsJson() throws Exception {
        createTopic("kcat-meta", 3);
        String json = kcat("metadata", "", "-L", "-J", "-t", "kcat-meta").stdout();
        assertTrue(json.contains("\"brokers\":[{\"id\":1,\"name\":\"" + broker.bootstrap() + "\"}]"), json);
        assertTrue(json.contains("\"topic\":\"kcat-meta\""), json);
        for (int p = 0; p < 3; p++) {
            assertTrue(json.contains("{\"partition\":" + p + ",\"leader\":1,\"replicas\":[{\"id\":1}],\"isrs\":[{\"id\":1}]}"),
                    "partition " + p + " led by node 1: " + json);
        }
        assertEquals(3, count(Pattern.compile("\"partition\":"), json), json);
        assertFalse(json.contains("\"error\""), "no topic or partition error: " + json);

        String all = kcat("metadata-all", "", "-L", "-J").stdout();
        assertTrue(all.contains("\"topic\":\"kcat-meta\""), all);
    }

    @Compat(family = Compat.KCAT, feature = "offsets: start, end, offsetsForTimes")
    @Test
    void offsetsAreQueriedByTimeAndByPosition() throws Exception {
        String topic = "kcat-times";
        createTopic(topic, 1);
        kcat("produce-early", "a\n".repeat(10), "-P", "-t", topic, "-p", "0");
        Thread.sleep(20);
        long between = System.currentTimeMillis();
        Thread.sleep(20);
        kcat("produce-late", "b\n".repeat(5), "-P", "-t", topic, "-p", "0");

        assertEquals(10, queryOffset(topic, between), "first record at or after the time");
        assertEquals(0, queryOffset(topic, 0));
        assertEquals(-1, queryOffset(topic, System.currentTimeMillis() + 3_600_000), "nothing that late");
        assertEquals(15, queryOffset(topic, -1), "end");
        assertEquals(0, queryOffset(topic, -2), "beginning");
    }

    /**
     * A balanced consumer (-G) consumes both partitions from the beginning, and commits when it leaves at the
     * end of them; the AdminClient then sees its offsets, and the next run of the group reads only what came
     * after them.
     */
    @Compat(family = Compat.KCAT, feature = "classic group: consume, commit, resume")
    @Test
    void aBalancedConsumerGroupConsumesCommitsAndResumes() throws Exception {
        String topic = "kcat-group";
        String group = "kcat-group-1";
        createTopic(topic, 2);
        produceToBoth(topic, 20, "first");

        Set<String> first = new HashSet<>(groupConsume("group-first", group, topic));
        Set<String> expected = new HashSet<>();
        for (int p = 0; p < 2; p++) {
            for (int i = 0; i < 20; i++) {
                expected.add(p + "|" + i + "|first-" + p + "-" + i);
            }
        }
        assertEquals(expected, first);
        assertEquals(Map.of(0, 20L, 1, 20L), committed(group));
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                .get(30, TimeUnit.SECONDS);
        assertEquals(GroupState.EMPTY, d.groupState(), "kcat left the group: " + d);

        produceToBoth(topic, 5, "second");
        Set<String> second = new HashSet<>(groupConsume("group-second", group, topic));
        Set<String> expectedSecond = new HashSet<>();
        for (int p = 0; p < 2; p++) {
            for (int i = 0; i < 5; i++) {
                expectedSecond.add(p + "|" + (20 + i) + "|second-" + p + "-" + i);
            }
        }
        assertEquals(expectedSecond, second, "only what came after the committed offsets");
        assertEquals(Map.of(0, 25L, 1, 25L), committed(group));
    }

    private static List<String> groupConsume(String name, String group, String topic) throws Exception {
        return kcat(name, "", "-G", group, topic, "-X", "auto.offset.reset=earliest", "-X", "session.timeout.ms=6000",
                "-X", "enable.auto.commit=true", "-e", "-f", "%p|%o|%s\\n").lines();
    }

    private static void produceToBoth(String topic, int perPartition, String tag) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of())) {
            for (int p = 0; p < 2; p++) {
                for (int i = 0; i < perPartition; i++) {
                    producer.send(new ProducerRecord<>(topic, p, null, Clients.bytes(tag + "-" + p + "-" + i)));
                }
            }
            producer.flush();
        }
    }

    private static Map<Integer, Long> committed(String group) throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                .entrySet().stream().collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset()));
    }

    private static long queryOffset(String topic, long time) throws Exception {
        String out = kcat("query-" + time, "", "-Q", "-t", topic + ":0:" + time).stdout();
        Matcher m = Pattern.compile(Pattern.quote(topic) + " \\[0] offset (-?\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    private static int count(Pattern p, String s) {
        Matcher m = p.matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
