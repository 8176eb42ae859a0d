package io.ferrite.compat.legacy;

import io.ferrite.compat.Compat;
import io.ferrite.compat.TransactionScenarios;
import io.ferrite.launcher.FerriteProcess;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions with an older kafka-clients (3.9, 2.8), which speak version 1 of the transaction protocol
 * whatever the broker offers: {@link TransactionScenarios} on topics that Metadata creates with two partitions.
 */
@Timeout(180)
class LegacyTransactionsTest {
    @TempDir
    static Path dir;
    private static FerriteProcess broker;

    @BeforeAll
    static void start() throws Exception {
        String version = System.getProperty("compat.kafka.clients.version", "unknown");
        broker = FerriteProcess.start("LegacyTransactionsTest-" + version, dir.resolve("data"),
                Map.of("num.partitions", "2", "group.initial.rebalance.delay.ms", "0"));
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Compat(family = Compat.JAVA, feature = "transactions: commit, abort, read_committed")
    @Test
    void committedAndAbortedTransactionsAsEachIsolationLevelSeesThem() throws Exception {
        TransactionScenarios.commitAndAbort(broker.bootstrap(), "legacy-tx-commit-abort", 2);
    }

    @Compat(family = Compat.JAVA, feature = "transactions: consume-transform-produce with group offsets")
    @Test
    void consumeTransformProduceCommitsOutputAndOffsetsTogether() throws Exception {
        TransactionScenarios.consumeTransformProduce(broker.bootstrap(), "legacy-tx-in", "legacy-tx-out",
                "legacy-tx-group", 200);
    }

    @Compat(family = Compat.JAVA, feature = "transactions: zombie fencing")
    @Test
    void aSecondProducerWithTheSameIdFencesTheFirst() throws Exception {
        TransactionScenarios.zombieFencing(broker.bootstrap(), "legacy-tx-fence");
    }
}
