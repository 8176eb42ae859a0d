package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ferrite.launcher.BrokerUnderTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/** Transactions with the current kafka-clients: {@link TransactionScenarios} on each broker. */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(180)
class TransactionsTest {
    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static Admin admin;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        broker = kind.start("TransactionsTest", dir.resolve(kind.name()), Map.of("group.initial.rebalance.delay.ms",
                "0"));
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

    private static void create(String topic, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    @Compat(family = Compat.JAVA, feature = "transactions: commit, abort, read_committed")
    @Test
    void committedAndAbortedTransactionsAsEachIsolationLevelSeesThem() throws Exception {
        create("tx-commit-abort", 3);
        TransactionScenarios.commitAndAbort(broker.bootstrap(), "tx-commit-abort", 3);
        // This client speaks transaction protocol 2 with both brokers: each of its four ends bumped the epoch.
        TransactionDescription d = admin.describeTransactions(List.of("tx-commit-abort-tx"))
                .description("tx-commit-abort-tx").get(30, TimeUnit.SECONDS);
        assertEquals(4, d.producerEpoch(), d.toString());
        assertEquals(TransactionState.COMPLETE_COMMIT, d.state());
    }

    @Compat(family = Compat.JAVA, feature = "transactions: consume-transform-produce with group offsets")
    @Test
    void consumeTransformProduceCommitsOutputAndOffsetsTogether() throws Exception {
        create("tx-in", 1);
        create("tx-out", 1);
        TransactionScenarios.consumeTransformProduce(broker.bootstrap(), "tx-in", "tx-out", "tx-group", 200);
    }

    @Compat(family = Compat.JAVA, feature = "transactions: zombie fencing")
    @Test
    void aSecondProducerWithTheSameIdFencesTheFirst() throws Exception {
        create("tx-fence", 1);
        TransactionScenarios.zombieFencing(broker.bootstrap(), "tx-fence");
    }
}
