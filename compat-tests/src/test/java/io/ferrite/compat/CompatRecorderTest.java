package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.ferrite.launcher.FerriteProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The recorder under a launcher of its own, on fixture classes (nested, so the build never runs them
 * itself): what it writes for a test on each broker, for a class-level and a method-level {@link Compat},
 * for a stated client version, and for tests whose class set-up failed.
 */
class CompatRecorderTest {
    @TempDir
    Path dir;

    @ParameterizedClass(name = "{0}")
    @EnumSource(BrokerKind.class)
    @Compat(family = Compat.JAVA, feature = "fixture: class feature")
    static class OnBothBrokers {
        @Parameter
        BrokerKind kind;

        @Test
        void passes() {
        }

        @Test
        void failsOnKafka() {
            assertNotEquals(BrokerKind.KAFKA, kind, "fails on Kafka");
        }

        @Test
        @Compat(family = "fixture client", feature = "fixture: own feature")
        void statesItsClientVersion() {
            CompatVersions.record("fixture client", "9.9.9");
        }
    }

    @Compat(family = Compat.KAFKAJS, feature = "fixture: set-up fails")
    static class SetUpFails {
        @BeforeAll
        static void noBroker() {
            throw new IllegalStateException("no broker today");
        }

        @Test
        void neverRuns() {
        }
    }

    static class NotCompat {
        @Test
        void notRecorded() {
        }
    }

    @Test
    void eachCompatTestIsRecordedWithItsBrokerVersionsAndOutcome() throws Exception {
        Path file = dir.resolve("results/fixture.jsonl");
        Launcher launcher = LauncherFactory.create(LauncherConfig.builder()
                .enableTestExecutionListenerAutoRegistration(false)
                .addTestExecutionListeners(new CompatRecorder(file, "fixture")).build());
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(OnBothBrokers.class),
                selectClass(SetUpFails.class), selectClass(NotCompat.class)).build());

        Map<String, CompatResult> byTest = new TreeMap<>();
        for (String line : Files.readAllLines(file)) {
            CompatResult r = CompatResult.fromJsonLine(line);
            byTest.put(r.test(), r);
            assertEquals("fixture", r.execution());
        }
        assertEquals(List.of(
                "CompatRecorderTest$OnBothBrokers / FERRITE / failsOnKafka()",
                "CompatRecorderTest$OnBothBrokers / FERRITE / passes()",
                "CompatRecorderTest$OnBothBrokers / FERRITE / statesItsClientVersion()",
                "CompatRecorderTest$OnBothBrokers / KAFKA / failsOnKafka()",
                "CompatRecorderTest$OnBothBrokers / KAFKA / passes()",
                "CompatRecorderTest$OnBothBrokers / KAFKA / statesItsClientVersion()",
                "CompatRecorderTest$SetUpFails / neverRuns()"), List.copyOf(byTest.keySet()));

        CompatResult passes = byTest.get("CompatRecorderTest$OnBothBrokers / KAFKA / passes()");
        assertEquals(new CompatResult("fixture", Compat.JAVA, AppInfoParser.getVersion(), "fixture: class feature",
                "KAFKA", new ClientVersions(FerriteProcess.rootDir()).referenceKafka(), CompatResult.PASS,
                passes.test(), "", passes.finishedAt()), passes);
        assertEquals(CompatResult.PASS, byTest.get("CompatRecorderTest$OnBothBrokers / FERRITE / failsOnKafka()").status());
        CompatResult failed = byTest.get("CompatRecorderTest$OnBothBrokers / KAFKA / failsOnKafka()");
        assertEquals(CompatResult.FAIL, failed.status());
        assertTrue(failed.message().contains("fails on Kafka"), failed.message());

        CompatResult stated = byTest.get("CompatRecorderTest$OnBothBrokers / FERRITE / statesItsClientVersion()");
        assertEquals("fixture client", stated.family());
        assertEquals("fixture: own feature", stated.feature());
        assertEquals("9.9.9", stated.clientVersion());
        assertEquals("FERRITE", stated.broker());

        CompatResult neverRan = byTest.get("CompatRecorderTest$SetUpFails / neverRuns()");
        assertEquals(CompatResult.FAIL, neverRan.status(), "a failed set-up fails its tests");
        assertEquals("FERRITE", neverRan.broker(), "a class not parameterised over the brokers runs on Ferrite");
        assertTrue(neverRan.message().contains("no broker today"), neverRan.message());
        assertEquals("2.2.4", neverRan.clientVersion(), "the kafkajs pinned in package.json");
    }
}
