package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The matrix as written from results files and a known-gaps file on disk. */
class MatrixWriterTest {
    @TempDir
    Path dir;

    private static CompatResult result(String execution, String family, String version, String feature, String broker,
            String status) {
        return new CompatResult(execution, family, version, feature, broker,
                broker.equals("KAFKA") ? "4.3.0" : "0.1.0-SNAPSHOT", status, "SomeTest / " + broker + " / t()",
                status.equals(CompatResult.PASS) ? "" : "org.opentest4j.AssertionFailedError: \"x\"\nsecond line",
                "2025-01-02T03:04:05.678Z");
    }

    @Test
    void aResultLineReadsBackAsWritten() {
        CompatResult r = result("e", "fam \"q\"", "1.0", "feat\\ure\ttab", "FERRITE", CompatResult.FAIL);
        assertEquals(r, CompatResult.fromJsonLine(r.toJsonLine()));
        assertTrue(!r.toJsonLine().contains("\n"), "one line");
        assertThrows(IllegalArgumentException.class, () -> CompatResult.fromJsonLine("{\"execution\":\"e\""));
    }

    @Test
    void cellsShowEachBrokersOutcomeAndCiteTheGapsThatExplainThem() throws Exception {
        Path results = Files.createDirectories(dir.resolve("results"));
        Files.writeString(results.resolve("kafka-clients-4.3.0.jsonl"), String.join("\n",
                result("kafka-clients-4.3.0", Compat.JAVA, "4.3.0", "produce", "FERRITE", CompatResult.PASS).toJsonLine(),
                result("kafka-clients-4.3.0", Compat.JAVA, "4.3.0", "produce", "FERRITE", CompatResult.PASS).toJsonLine(),
                result("kafka-clients-4.3.0", Compat.JAVA, "4.3.0", "produce", "KAFKA", CompatResult.PASS).toJsonLine(),
                result("kafka-clients-4.3.0", Compat.JAVA, "4.3.0", "seek", "FERRITE", CompatResult.FAIL).toJsonLine(),
                result("kafka-clients-4.3.0", Compat.JAVA, "4.3.0", "seek", "KAFKA", CompatResult.PASS).toJsonLine(),
                result("kafka-clients-4.3.0", Compat.KCAT, "1.7.1", "metadata", "FERRITE", CompatResult.ABORTED)
                        .toJsonLine()) + "\n");
        Files.writeString(results.resolve("kafka-clients-2.8.2.jsonl"),
                result("kafka-clients-2.8.2", Compat.JAVA, "2.8.2", "produce", "FERRITE", CompatResult.PASS).toJsonLine()
                        + "\n");
        Files.writeString(results.resolve("notes.txt"), "not a results file");
        Path gapsFile = dir.resolve("known-gaps.md");
        Files.writeString(gapsFile, """
                # Known gaps

                Prose is ignored.

                | Family | Version | Feature | Broker | Reason |
                | --- | --- | --- | --- | --- |
                | Java kafka-clients | any | seek | Ferrite | seeks are off by one |
                | Java kafka-clients | 2.8.2 | produce | both | pinned difference, passing |
                | Kafka Streams | any | word count | both | not covered yet |
                """);

        List<CompatResult> read = MatrixWriter.readResults(results);
        assertEquals(7, read.size());
        KnownGaps gaps = KnownGaps.read(gapsFile);
        assertEquals(3, gaps.gaps().size());
        String md = MatrixWriter.render(read, gaps, new MatrixWriter.Machine("box", "Linux amd64, 2 cores"),
                "bin/compat-matrix", Instant.parse("2025-01-02T04:00:00Z"));

        assertTrue(md.contains("\n    bin/compat-matrix\n"), md);
        assertTrue(md.contains("Machine: `box`, Linux amd64, 2 cores"), md);
        assertTrue(md.contains("| Client | Version | Feature | Ferrite 0.1.0-SNAPSHOT | Apache Kafka 4.3.0 |"), md);
        String[] rows = md.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| Client") && !l.startsWith("| ---"))
                .toArray(String[]::new);
        assertEquals(List.of(
                "| Java kafka-clients | 4.3.0 | produce | PASS (2) | PASS (1) |",
                "| Java kafka-clients | 4.3.0 | seek | **FAIL** (1 of 1) [G1](#g1) | PASS (1) |",
                "| Java kafka-clients | 2.8.2 | produce | PASS (1) [G2](#g2) | not run [G2](#g2) |",
                "| kcat (librdkafka) | 1.7.1 | metadata | **FAIL** (1 of 1) | not run |",
                "| Kafka Streams | — | word count | not run [G3](#g3) | not run [G3](#g3) |"), List.of(rows));
        assertTrue(md.contains("1. <a id=\"g1\"></a>**G1**, Java kafka-clients / seek on Ferrite: seeks are off by one"), md);
        assertEquals(List.of("kcat (librdkafka) 1.7.1 / metadata on FERRITE"), MatrixWriter.unexplained(read, gaps));
        assertTrue(md.contains("## Unexplained failures\n\n- kcat (librdkafka) 1.7.1 / metadata on FERRITE\n"), md);
    }

    @Test
    void aGapsTableWithABadBrokerOrMissingCellIsRefused() throws Exception {
        Path bad = dir.resolve("bad.md");
        Files.writeString(bad, "| Family | Version | Feature | Broker | Reason |\n|---|---|---|---|---|\n| a | any | b | Redpanda | c |\n");
        assertThrows(IllegalArgumentException.class, () -> KnownGaps.read(bad));
        Files.writeString(bad, "| Family | Version | Feature | Broker | Reason |\n|---|---|---|---|---|\n| a | any | b | both | |\n");
        assertThrows(IllegalArgumentException.class, () -> KnownGaps.read(bad));
    }

    @Test
    void versionsSortNewestFirst() {
        assertTrue(MatrixWriter.newerFirst("4.3.0", "3.9.2") < 0);
        assertTrue(MatrixWriter.newerFirst("2.8.2", "3.9.2") > 0);
        assertTrue(MatrixWriter.newerFirst("3.10.0", "3.9.2") < 0);
        assertEquals(0, MatrixWriter.newerFirst("1.7.1", "1.7.1"));
    }
}
