package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.ChildProcess;
import io.ferrite.launcher.FerriteProcess;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kafka Streams with {@code exactly_once_v2}, killed with SIGKILL mid-stream and started again on the same state
 * directory: a read_committed reader of the output sees every count of every word exactly once, in order, as
 * if nothing had happened. Input arrives while the first instance runs, so it dies with a transaction open.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(300)
class StreamsExactlyOnceTest {
    private static final String INPUT = "eos-input";
    private static final String OUTPUT = "eos-output";
    private static final int PARTITIONS = 2;
    private static final int LINES = 2_000;
    private static final int WORDS = 8;
    /** Each line holds two words, so each word is counted this often. */
    private static final long PER_WORD = 2L * LINES / WORDS;
    private static final Duration WAIT = Duration.ofSeconds(120);

    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static Admin admin;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        CompatVersions.record(KafkaStreamsTest.FAMILY, AppInfoParser.getVersion());
        // Transactions left open by a killed producer are aborted within a second of their timeout.
        broker = kind.start("StreamsExactlyOnceTest", dir.resolve(kind.name()), Map.of(
                "group.initial.rebalance.delay.ms", "0",
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000"));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        try {
            if (admin != null) {
                admin.close();
            }
        } finally {
            broker.close();
        }
    }

    private ChildProcess wordCount(String applicationId, Path stateDir, int run) throws Exception {
        List<String> command = List.of(ChildProcess.java(), "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), StreamsWordCountMain.class.getName(),
                broker.bootstrap(), applicationId, stateDir.toString(), INPUT, OUTPUT);
        return ChildProcess.start(command, FerriteProcess.logsDir()
                .resolve("StreamsExactlyOnceTest-" + kind + "-wordcount-" + run + ".log"));
    }

    @Test
    @Compat(family = KafkaStreamsTest.FAMILY, feature = "word count (exactly_once_v2), SIGKILL mid-stream: exact counts")
    void aWordCountKilledMidStreamAndRestartedCountsEveryWordExactlyOnce() throws Exception {
        admin.createTopics(List.of(new NewTopic(INPUT, PARTITIONS, (short) 1), new NewTopic(OUTPUT, PARTITIONS,
                (short) 1))).all().get(30, TimeUnit.SECONDS);
        String applicationId = "eos-wordcount-" + kind.name().toLowerCase();
        Path stateDir = dir.resolve(kind.name() + "-eos-state");
        Map<String, List<Long>> counts = new TreeMap<>();
        List<TopicPartition> out = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(OUTPUT, p)).toList();
        try (KafkaConsumer<byte[], byte[]> reader = Clients.consumer(broker.bootstrap(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
             KafkaProducer<byte[], byte[]> input = Clients.producer(broker.bootstrap(), Map.of())) {
            reader.assign(out);
            reader.seekToBeginning(out);
            ChildProcess first = wordCount(applicationId, stateDir, 1);
            try {
                int sent = 0;
                // Feed the input in steps while the first instance counts; kill it once a third of the updates
                // are out and more input is on its way.
                while (updates(counts) < 2L * LINES / 3) {
                    if (sent < LINES / 2) {
                        for (int i = 0; i < 50; i++, sent++) {
                            input.send(new ProducerRecord<>(INPUT, null, line(sent)));
                        }
                        input.flush();
                    }
                    read(reader, counts, first);
                }
                for (; sent < LINES; sent++) {
                    input.send(new ProducerRecord<>(INPUT, null, line(sent)));
                }
                input.flush();
            } finally {
                first.kill();
            }
            ChildProcess second = wordCount(applicationId, stateDir, 2);
            try {
                while (counts.values().stream().mapToLong(List::size).sum() < 2L * LINES
                        || counts.values().stream().anyMatch(c -> c.get(c.size() - 1) < PER_WORD)) {
                    read(reader, counts, second);
                }
                long quietUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2); // nothing more may come
                while (System.nanoTime() < quietUntil) {
                    read(reader, counts, second);
                }
            } finally {
                second.kill();
            }
        }
        assertEquals(WORDS, counts.size(), counts.keySet().toString());
        List<Long> exact = LongStream.rangeClosed(1, PER_WORD).boxed().toList();
        counts.forEach((word, seen) -> assertEquals(exact, seen, "the counts of " + word + ", each once, in order"));
    }

    private static byte[] line(int i) {
        return Clients.bytes("w" + (i % WORDS) + " w" + ((i + 3) % WORDS));
    }

    private static long updates(Map<String, List<Long>> counts) {
        return counts.values().stream().mapToLong(List::size).sum();
    }

    private long deadline;

    private void read(KafkaConsumer<byte[], byte[]> reader, Map<String, List<Long>> counts, ChildProcess streams) {
        if (deadline == 0) {
            deadline = System.nanoTime() + WAIT.toNanos();
        }
        if (System.nanoTime() > deadline) {
            fail("the counts did not complete within " + WAIT + ": " + summary(counts) + "\n" + streams.logTail(4000));
        }
        for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(200))) {
            counts.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), w -> new ArrayList<>())
                    .add(ByteBuffer.wrap(r.value()).getLong());
        }
    }

    private static String summary(Map<String, List<Long>> counts) {
        Map<String, String> s = new TreeMap<>();
        counts.forEach((w, c) -> s.put(w, c.size() + " updates, last " + c.get(c.size() - 1)));
        return s.toString();
    }
}
