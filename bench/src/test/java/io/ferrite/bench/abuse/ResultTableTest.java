package io.ferrite.bench.abuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness's pure parts: the table, its figures' formats, and the doc section it replaces. No broker runs. */
class ResultTableTest {
    private static ResultTable table() {
        Map<String, String> headings = new LinkedHashMap<>();
        headings.put("ferrite", "Ferrite");
        headings.put("kafka", "Kafka 4.3.0");
        return new ResultTable(headings);
    }

    @Test
    void rowsFollowRecordingOrderAndAMissingMeasureShowsAsADash() {
        ResultTable t = table();
        t.put("3. stalled frames", "ferrite", "alive", "yes");
        t.put("3. stalled frames", "ferrite", "probe", "pass (1.20 s)");
        t.put("3. stalled frames", "kafka", "alive", "died (exit 1)");
        t.put("1. metadata flood", "kafka", "answer", "a | b");
        assertEquals("""
                | scenario | Ferrite | Kafka 4.3.0 |
                |---|---|---|
                | 3. stalled frames: alive | yes | died (exit 1) |
                | 3. stalled frames: probe | pass (1.20 s) | - |
                | 1. metadata flood: answer | - | a \\| b |
                """, t.markdown());
        assertThrows(IllegalArgumentException.class, () -> t.put("1", "redpanda", "x", "y"));
    }

    @Test
    void figuresAreFormattedForReading() {
        assertEquals("0.42 s", ResultTable.seconds(420_000_000L));
        assertEquals("12.5 s", ResultTable.seconds(12_490_000_000L));
        assertEquals("1,234", ResultTable.mb(1234.4));
        assertEquals("-", ResultTable.mb(Double.NaN));
        assertEquals("300 / 1,100 / - (anon 200 / 900 / -)", ResultTable.memory(new MemoryWatch.Reading(300, 200),
                new MemoryWatch.Reading(1100, 900), MemoryWatch.Reading.GONE));
        Map<String, Integer> codes = new LinkedHashMap<>();
        codes.put("NONE", 1);
        codes.put("LEADER_NOT_AVAILABLE", 19_999);
        assertEquals("LEADER_NOT_AVAILABLE x19,999, NONE x1", ResultTable.codes(codes));
        assertEquals("none", ResultTable.codes(Map.of()));
    }

    @Test
    void aReadingsPeakIgnoresAProcessThatIsGone() {
        MemoryWatch.Reading peak = new MemoryWatch.Reading(300, 200).max(MemoryWatch.Reading.GONE)
                .max(new MemoryWatch.Reading(250, 260));
        assertEquals(new MemoryWatch.Reading(300, 260), peak);
    }

    @Test
    void theDocSectionIsReplacedAndTheProseAroundItKept(@TempDir Path dir) throws Exception {
        Path doc = dir.resolve("RELIABILITY.md");
        Files.writeString(doc, "# Reliability\n\nBefore.\n\n" + AbuseHarness.SECTION.begin() + "\nstale table\n"
                + AbuseHarness.SECTION.end() + "\n\nAfter.\n");
        ResultTable t = table();
        t.put("1. metadata flood", "ferrite", "answer", "in 0.30 s");
        Map<String, String> facts = Map.of("command", "bin/abuse", "date", "today", "revision", "abc123",
                "nproc", "2", "memory", "23.5 GiB", "java", "OpenJDK 17", "total run time", "600 s",
                "Ferrite JVM", "-Xmx1g", "Kafka JVM", "-Xmx1g");
        List<Scenarios.Scenario> scenarios = new Scenarios(2_000, Duration.ofSeconds(30)).all();
        AbuseHarness.SECTION.write(doc, "", AbuseHarness.section(facts, scenarios, t));
        String out = Files.readString(doc);
        assertTrue(out.startsWith("# Reliability\n\nBefore.\n\n"), out);
        assertTrue(out.endsWith(AbuseHarness.SECTION.end() + "\n\nAfter.\n"), out);
        assertTrue(out.contains("| 1. metadata flood: answer | in 0.30 s | - |"), out);
        assertTrue(out.contains("3. **stalled frames**: 2,000 connections"), out);
        assertFalse(out.contains("stale table"), out);
    }

    @Test
    void badArgumentsAreRefusedBeforeAnythingStarts() throws Exception {
        assertEquals(2, AbuseHarness.run(new String[] {"--only", "5"}));
        assertEquals(2, AbuseHarness.run(new String[] {"--connections", "0"}));
        assertEquals(2, AbuseHarness.run(new String[] {"--bogus"}));
    }
}
