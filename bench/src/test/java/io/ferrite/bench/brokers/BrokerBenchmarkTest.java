package io.ferrite.bench.brokers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.FerriteProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The side-by-side harness end to end on a tiny scale (a real Ferrite, a real Kafka, Kafka's real tools),
 * and the report's arithmetic on made-up samples.
 */
class BrokerBenchmarkTest {

    @Test
    void runsBothBrokersWritesResultsAndDocAndCleansUp(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        Path out = dir.resolve("out");
        Path doc = dir.resolve("PERFORMANCE.md");
        int status = BrokerBenchmark.run(new String[] {"--rounds", "1", "--scale", "0.002", "--only", "1,4,6,8",
            "--data-dir", data.toString(), "--out", out.toString(), "--markdown", doc.toString()});
        assertEquals(0, status);

        try (Stream<Path> left = Files.list(data)) {
            assertEquals(List.of(), left.toList(), "every broker's data is deleted");
        }
        Path tsv;
        try (Stream<Path> files = Files.list(out)) {
            tsv = files.filter(p -> p.toString().endsWith(".tsv")).findFirst().orElseThrow();
        }
        BrokerReport report = BrokerReport.read(tsv);
        for (String workload : List.of("1", "4", "6", "8")) {
            for (String broker : List.of("ferrite", "kafka")) {
                assertTrue(report.samples.stream().anyMatch(s -> s.workload().equals(workload)
                        && s.broker().equals(broker)), "no figures for workload " + workload + " on " + broker);
            }
        }
        assertTrue(report.samples.stream().filter(s -> s.metric().equals("records_per_sec"))
                .allMatch(s -> s.value() > 0), "every run produced or consumed something");
        assertFalse(report.meta.containsKey("incomplete"), report.meta.toString());
        String md = Files.readString(doc);
        assertTrue(md.contains("## Ferrite against Apache Kafka") && md.contains("start_to_first_produce_ms"), md);

        // Regenerating from the file replaces the generated part and keeps the hand-written rest.
        Files.writeString(doc, md.replace("# Performance", "# Performance\n\nHand-written notes."));
        assertEquals(0, BrokerBenchmark.run(new String[] {"--from-tsv", tsv.toString(), "--markdown", doc.toString()}));
        String again = Files.readString(doc);
        assertEquals(1, again.split(BrokerReport.SECTION.begin(), -1).length - 1);
        assertTrue(again.contains("Hand-written notes."));
    }

    @Test
    void tablesUseMediansAndJudgeTheBars() {
        List<Sample> samples = new ArrayList<>();
        double[] ferrite = {300, 100, 200};
        double[] kafka = {100, 120, 110};
        for (int r = 1; r <= 3; r++) {
            samples.add(new Sample("1", "ferrite", r, "records_per_sec", ferrite[r - 1]));
            samples.add(new Sample("1", "kafka", r, "records_per_sec", kafka[r - 1]));
            samples.add(new Sample("5", "ferrite", r, "p99_ms", 40));
            samples.add(new Sample("5", "kafka", r, "p99_ms", 100));
            samples.add(new Sample("mlock-on/1", "ferrite-mlock-on", r, "records_per_sec", 90));
            samples.add(new Sample("mlock-on/1", "ferrite", r, "records_per_sec", 100));
        }
        BrokerReport report = new BrokerReport(Map.of(), samples);
        BrokerReport.Row w1 = report.rows(false).stream().filter(r -> r.workload().equals("1")).findFirst().orElseThrow();
        assertEquals(200, w1.a());
        assertEquals(110, w1.b());
        assertTrue(w1.met(), "200/110 >= 1.5");
        BrokerReport.Row w5 = report.rows(false).stream().filter(r -> r.workload().equals("5")
                && r.metric().equals("p99_ms")).findFirst().orElseThrow();
        assertFalse(w5.met(), "40/100 is above the 0.3 bar");
        List<BrokerReport.Row> ablations = report.rows(true);
        assertEquals(1, ablations.size());
        assertEquals(0.9, ablations.get(0).ratio(), 1e-9);
        assertTrue(report.markdown().contains("mlock-on/1"));
        assertEquals(List.of("workload 1, records_per_sec: 1.82 (bar ≥ 1.5× Kafka): met",
                "workload 5, p99_ms: 0.40 (bar ≤ 0.3× Kafka): MISSED"), report.barLines());
    }

    @Test
    void aCeilingBarIsJudgedAgainstTheCeiling() {
        List<Sample> samples = new ArrayList<>();
        for (int r = 1; r <= 3; r++) {
            samples.add(new Sample("14", "ferrite", r, "records_per_sec", 400 + r));
            samples.add(new Sample("14", "kafka", r, "records_per_sec", 200));
            samples.add(new Sample("14", BrokerReport.CEILING, r, "records_per_sec", 500));
            samples.add(new Sample("15", "ferrite", r, "records_per_sec", 800));
            samples.add(new Sample("15", "kafka", r, "records_per_sec", 700));
        }
        BrokerReport report = new BrokerReport(Map.of(), samples);
        BrokerReport.Row w14 = report.rows(false).stream().filter(r -> r.workload().equals("14")).findFirst()
                .orElseThrow();
        assertEquals(402, w14.a(), "the ceiling is not taken for Ferrite's side");
        assertEquals(500, w14.c());
        assertEquals(List.of("workload 14, records_per_sec: 2.01 (bar ≥ 1.5× Kafka): met",
                "workload 14, records_per_sec: 0.80 (bar ≥ 0.90 of the ceiling): MISSED",
                "workload 15, records_per_sec: 1.14 (bar ≥ 1.5× Kafka): MISSED"), report.barLines());
        assertTrue(Double.isNaN(report.rows(false).stream().filter(r -> r.workload().equals("15")).findFirst()
                .orElseThrow().c()), "no ceiling for a consume");
        assertTrue(report.markdown().contains("| 402.0 | 200.0 | 2.01 | 500.0 | 0.80 |"), report.markdown());
    }

    /** The store-nothing broker answers a stock producer (idempotent, acks=all) with offsets counted per partition. */
    @Test
    void theCeilingAcknowledgesAStockProducer() throws Exception {
        try (CeilingProcess ceiling = CeilingProcess.start("ceiling-test");
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ceiling.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("t", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            admin.createPartitions(Map.of("t", NewPartitions.increaseTo(3))).all().get(30, TimeUnit.SECONDS);
            assertEquals(3, admin.describeTopics(List.of("t")).allTopicNames().get(30, TimeUnit.SECONDS).get("t")
                    .partitions().size());
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ceiling.bootstrap(), ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < 5; i++) {
                    p.send(new ProducerRecord<>("t", 2, null, new byte[10]));
                }
                p.flush();
                assertEquals(5, p.send(new ProducerRecord<>("t", 2, null, new byte[10])).get(30, TimeUnit.SECONDS)
                        .offset());
                assertEquals(0, p.send(new ProducerRecord<>("t", 0, null, new byte[10])).get(30, TimeUnit.SECONDS)
                        .offset());
            }
        }
    }

    @Test
    void anUnknownVariantIsABadArgument() throws Exception {
        assertEquals(2, BrokerBenchmark.run(new String[] {"--variants", "mapping-on,no-such-variant"}));
    }

    @Test
    void anotherCheckoutRunsAsTheVariantBefore(@TempDir Path dir) throws Exception {
        assertEquals(2, BrokerBenchmark.run(new String[] {"--before", dir.toString()}), "not a packaged checkout");
        // This checkout against itself: the harness runs the other root's build and config as "before".
        Path out = dir.resolve("out");
        assertEquals(0, BrokerBenchmark.run(new String[] {"--rounds", "1", "--scale", "0.002", "--only", "none",
            "--before", FerriteProcess.rootDir().toString(), "--data-dir", dir.resolve("data").toString(),
            "--out", out.toString()}));
        Path tsv;
        try (Stream<Path> files = Files.list(out)) {
            tsv = files.filter(p -> p.toString().endsWith(".tsv")).findFirst().orElseThrow();
        }
        BrokerReport report = BrokerReport.read(tsv);
        for (String workload : List.of("before/1", "before/2", "before/3")) {
            for (String broker : List.of("ferrite-before", BrokerReport.BASELINE)) {
                assertTrue(report.samples.stream().anyMatch(s -> s.workload().equals(workload)
                        && s.broker().equals(broker) && s.metric().equals("records_per_sec") && s.value() > 0),
                        "no figures for " + workload + " on " + broker);
            }
        }
    }

    @Test
    void anAblationThatConsumesMustProduceFirst() {
        List<BrokerBenchmark.Variant> variants = BrokerBenchmark.VARIANTS;
        assertEquals(variants.size(), variants.stream().map(BrokerBenchmark.Variant::name).distinct().count(),
                "each variant has a name of its own");
        assertThrows(IllegalArgumentException.class, () -> new BrokerBenchmark.Variant(
                "x", Contender.FERRITE, Map.of(), List.of(), List.of("4")));
        assertThrows(IllegalArgumentException.class, () -> new BrokerBenchmark.Variant(
                "x", Contender.FERRITE, Map.of(), List.of(), List.of("4", "1")));
        new BrokerBenchmark.Variant("x", Contender.FERRITE, Map.of(), List.of(), List.of("1", "4"));
    }

    @Test
    void scenariosAreTheDocsWorkloads() throws IOException {
        assertEquals(List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17",
                "18", "19", "20", "21", "22", "23", "24", "25"),
                Scenario.ALL.stream().map(Scenario::id).toList());
        assertEquals(4, Scenario.byId("12").consumers());
        assertEquals(8, Scenario.byId("13").scaled(0.5).consumers(), "scaling keeps the consumers");
        assertEquals(1, Scenario.byId("1").scaled(0.0000001).records(), "a scaled run sends at least one record");
        assertTrue(Contender.ferriteJvmOptions(FerriteProcess.rootDir()).stream().anyMatch(o -> o.startsWith("-Xmx")),
                "Ferrite runs with the heap config/jvm.options gives bin/broker");
    }
}
