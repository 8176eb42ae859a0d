package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.Command;
import io.ferrite.launcher.KafkaTools;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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
 * Kafka 4.3's kafka-transactions against an open transaction: list and describe it, describe the producers of
 * its partition, and abort it by its start offset as an operator aborts a hanging transaction; afterwards a
 * read_committed consumer reads past it.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(240)
class TransactionsToolTest {
    private static final String TOPIC = "tx-tool";

    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static Admin admin;
    private static KafkaTools tools;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        broker = kind.start("TransactionsToolTest", dir.resolve(kind.name()), Map.of());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
        tools = KafkaTools.against(broker, "TransactionsToolTest-" + kind);
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

    /** kafka-transactions takes the bootstrap before its subcommand, unlike the other tools. */
    private static Command.Result transactions(String name, String... args) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("--bootstrap-server", tools.bootstrap()));
        all.addAll(List.of(args));
        return tools.run(name, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                Duration.ofSeconds(120), KafkaTools.TRANSACTIONS, "", all).ok();
    }

    /** The rows of the tool's table whose first column is {@code first}, split on blanks. */
    private static List<List<String>> rows(Command.Result r, String first) {
        return r.lines().stream().map(String::trim).filter(l -> l.startsWith(first + " ") || l.startsWith(first + "\t"))
                .map(l -> Arrays.asList(l.split("\\s+"))).toList();
    }

    @Compat(family = Compat.CLI, feature = "kafka-transactions: list, describe, describe-producers, abort")
    @Test
    void listDescribeAndAbortAnOpenTransaction() throws Exception {
        admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        TopicPartition tp = new TopicPartition(TOPIC, 0);
        KafkaProducer<byte[], byte[]> producer = TransactionScenarios.producer(broker.bootstrap(), "tool-tx");
        try {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(TOPIC, 0, null, Clients.bytes("open-" + i)));
            }
            producer.flush();

            List<List<String>> listed = rows(transactions("list", "list"), "tool-tx");
            assertEquals(1, listed.size(), "one row for the id: " + listed);
            assertTrue(listed.get(0).contains("Ongoing"), listed.toString());
            String producerId = listed.get(0).get(2);

            Command.Result described = transactions("describe", "describe", "--transactional-id", "tool-tx");
            List<List<String>> row = rows(described, "1");
            assertEquals(1, row.size(), "the coordinator's row: " + described.lines());
            assertTrue(row.get(0).contains("Ongoing") && row.get(0).contains(producerId), row.toString());
            assertTrue(String.join(" ", described.lines()).contains(TOPIC + "-0"), described.lines().toString());

            Command.Result producers = transactions("describe-producers", "describe-producers", "--topic", TOPIC,
                    "--partition", "0");
            List<List<String>> p = rows(producers, producerId);
            assertEquals(1, p.size(), producers.lines().toString());
            assertEquals("0", p.get(0).get(p.get(0).size() - 1), "the open transaction starts at offset 0: " + p);

            transactions("abort", "abort", "--topic", TOPIC, "--partition", "0", "--start-offset", "0");
            try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.bootstrap(),
                    Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
                assertEquals(4L, c.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp),
                        "the abort marker closed the transaction: the last stable offset is the log end");
                assertEquals(List.of(), TransactionScenarios.readToEnd(c, List.of(tp)), "nothing committed");
            }
        } finally {
            producer.close(Duration.ZERO);
        }
    }
}
