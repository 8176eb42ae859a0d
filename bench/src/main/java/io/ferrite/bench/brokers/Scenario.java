package io.ferrite.bench.brokers;

import java.util.List;
import java.util.Locale;

/**
 * One workload of the side-by-side run, as the list in docs/PERFORMANCE.md numbers them: what runs, how many
 * records (before {@code --scale}), which figures the table shows, and the bars it is judged by.
 *
 * @param id         the workload's number, or {@code <variant>/<number>} for an ablation
 * @param kind       which tool runs it
 * @param source     for a consume workload, the produce workload whose topic it reads
 * @param consumers  for a share workload, how many share consumers read the topic
 */
record Scenario(String id, String title, Kind kind, int recordSize, int partitions, long records, int throughput,
        String source, List<String> metrics, List<Bar> bars, Mode mode, int consumers) {

    /** How a produce runs (plain, or in transactions) and how a consume reads (its isolation level). */
    enum Mode { PLAIN, TRANSACTIONAL, READ_COMMITTED }

    Scenario(String id, String title, Kind kind, int recordSize, int partitions, long records, int throughput,
             String source, List<String> metrics, List<Bar> bars) {
        this(id, title, kind, recordSize, partitions, records, throughput, source, metrics, bars, Mode.PLAIN, 0);
    }

    Scenario(String id, String title, Kind kind, int recordSize, int partitions, long records, int throughput,
             String source, List<String> metrics, List<Bar> bars, Mode mode) {
        this(id, title, kind, recordSize, partitions, records, throughput, source, metrics, bars, mode, 0);
    }

    /** A share-group workload (KIP-932): {@code consumers} share consumers accept every record of a filled topic. */
    static Scenario share(String id, int consumers, int partitions, long records) {
        return new Scenario(id, "share consumption, " + consumers + " consumers on " + partitions + " partition"
                + (partitions == 1 ? "" : "s") + ", 1 KiB records, explicit ACCEPT", Kind.SHARE, 1024, partitions,
                records, -1, null, List.of("records_per_sec", "mb_per_sec", "broker_cpu_s"),
                List.of(Bar.ratioAtLeast("records_per_sec", 1.5)), Mode.PLAIN, consumers);
    }


    /**
     * Which tool runs a workload: Kafka's Java tools, librdkafka's rdkafka_performance (RD_*), or none; TAIL is
     * ConsumerPerformance reading a topic while ProducerPerformance fills it at a fixed rate.
     */
    enum Kind { PRODUCE, CONSUME, END_TO_END, BROKER, SHARE, RD_PRODUCE, RD_CONSUME, TAIL }

    /**
     * A bar on one figure: Ferrite's median against Kafka's ({@code ratioAtLeast}, {@code ratioAtMost}), against
     * the store-nothing ceiling's ({@code ceilingAtLeast}; {@code other} is then the ceiling's median), or
     * Ferrite's alone against a limit ({@code atMost}).
     */
    record Bar(String metric, String kind, double limit) {
        static Bar ratioAtLeast(String metric, double limit) {
            return new Bar(metric, ">=", limit);
        }

        static Bar ratioAtMost(String metric, double limit) {
            return new Bar(metric, "<=", limit);
        }

        static Bar atMost(String metric, double limit) {
            return new Bar(metric, "abs<=", limit);
        }

        static Bar ceilingAtLeast(String metric, double limit) {
            return new Bar(metric, "ceiling>=", limit);
        }

        boolean onCeiling() {
            return kind.startsWith("ceiling");
        }

        boolean met(double ferrite, double kafka) {
            return switch (kind) {
                case ">=", "ceiling>=" -> ferrite >= limit * kafka;
                case "<=" -> ferrite <= limit * kafka;
                default -> ferrite <= limit;
            };
        }

        String text() {
            return switch (kind) {
                case ">=" -> String.format(Locale.ROOT, "≥ %.1f× Kafka", limit);
                case "<=" -> String.format(Locale.ROOT, "≤ %.1f× Kafka", limit);
                case "ceiling>=" -> String.format(Locale.ROOT, "≥ %.2f of the ceiling", limit);
                default -> String.format(Locale.ROOT, "≤ %.0f", limit);
            };
        }
    }

    static final List<String> PRODUCE_METRICS = List.of("records_per_sec", "mb_per_sec", "p50_ms", "p99_ms", "p999_ms",
            "broker_cpu_s", "cpu_s_per_gb", "failed_records");
    static final List<String> CONSUME_METRICS = List.of("mb_per_sec", "records_per_sec", "total_mb_per_sec",
            "broker_cpu_s", "cpu_s_per_gb");
    static final List<String> RD_PRODUCE_METRICS = List.of("records_per_sec", "mb_per_sec", "broker_cpu_s",
            "jit_cpu_s", "cpu_s_per_gb", "failed_records");
    static final List<String> LATENCY_METRICS = List.of("avg_ms", "p50_ms", "p99_ms", "p999_ms", "broker_cpu_s");

    /**
     * Workload 21's rate as rdkafka_performance's {@code -r} takes it: about half of what Kafka 4.3 took from it
     * here in workload 14 (181,000 to 392,000 records/s over the runs so far), the same for both brokers. The tool
     * waits {@code (int) (1e6 / rate)} microseconds between sends, spinning on its poll meanwhile (a core of its
     * own), so this paces at 1e6 / 6, about 166,667 records/s.
     */
    static final int HALF_CAPACITY = 150_000;

    /** Workload 22's produce rate: slow enough that most of a consumer's partitions have nothing new. */
    static final int TAIL_RATE = 2_000;

    /** How long each transaction of workload 9 stays open before ProducerPerformance commits it. */
    static final int TRANSACTION_MS = 100;

    /**
     * The eight workloads of the first round, then the transactional pair, then share consumption. Workload 7 runs workload 1's producer
     * against Ferrite in sync flush mode.
     */
    static final List<Scenario> ALL = List.of(
            new Scenario("1", "produce 1 KiB records, 8 partitions, unthrottled", Kind.PRODUCE, 1024, 8, 1_500_000,
                    -1, null, PRODUCE_METRICS, List.of(Bar.ratioAtLeast("records_per_sec", 1.5))),
            new Scenario("2", "produce 100 B records, 8 partitions, unthrottled", Kind.PRODUCE, 100, 8, 5_000_000,
                    -1, null, PRODUCE_METRICS, List.of(Bar.ratioAtLeast("records_per_sec", 1.3))),
            new Scenario("3", "produce 1 KiB records over 1,000 partitions, unthrottled", Kind.PRODUCE, 1024, 1000,
                    600_000, -1, null, PRODUCE_METRICS, List.of(Bar.ratioAtLeast("records_per_sec", 2.0))),
            new Scenario("4", "consume workload 1's records from the beginning", Kind.CONSUME, 1024, 8, 1_500_000,
                    -1, "1", CONSUME_METRICS,
                    List.of(Bar.ratioAtLeast("mb_per_sec", 1.5))),
            new Scenario("5", "produce 1 KiB records at a fixed 20,000 records/s", Kind.PRODUCE, 1024, 8, 300_000,
                    20_000, null, PRODUCE_METRICS, List.of(Bar.ratioAtMost("p99_ms", 0.3))),
            new Scenario("6", "end to end, one 1 KiB record at a time", Kind.END_TO_END, 1024, 1, 10_000, -1, null,
                    LATENCY_METRICS, List.of(Bar.ratioAtMost("p99_ms", 1.0))),
            new Scenario("7", "workload 1 with Ferrite fsyncing before every ack (store.flush.mode=sync),"
                    + " Kafka on its default (no fsync)", Kind.PRODUCE, 1024, 8, 1_500_000, -1, null, PRODUCE_METRICS,
                    List.of(Bar.ratioAtLeast("records_per_sec", 1.0))),
            new Scenario("8", "resident memory after workload 1; process start to first acknowledged produce",
                    Kind.BROKER, 0, 1, 0, -1, null,
                    List.of("rss_mb", "rss_anon_mb", "rss_file_mb", "start_to_first_produce_ms"),
                    List.of(Bar.ratioAtMost("rss_mb", 1.0), Bar.atMost("start_to_first_produce_ms", 1000))),
            new Scenario("9", "produce 1 KiB records, 8 partitions, in transactions committed every " + TRANSACTION_MS
                    + " ms", Kind.PRODUCE, 1024, 8, 1_500_000, -1, null, PRODUCE_METRICS,
                    List.of(Bar.ratioAtLeast("records_per_sec", 1.5)), Mode.TRANSACTIONAL),
            // Its bar is against workload 11 on the same broker (read_committed at least 0.9 of read_uncommitted),
            // which the report does not compute: docs/PERFORMANCE.md gives the ratio.
            new Scenario("10", "consume workload 9's records read_committed", Kind.CONSUME, 1024, 8, 1_500_000, -1, "9",
                    CONSUME_METRICS, List.of(),
                    Mode.READ_COMMITTED),
            new Scenario("11", "consume workload 9's records read_uncommitted", Kind.CONSUME, 1024, 8, 1_500_000, -1,
                    "9", CONSUME_METRICS, List.of()),
            share("12", 4, 1, 400_000),
            share("13", 8, 8, 400_000),
            // librdkafka's rdkafka_performance, each round on fresh brokers (Ferrite, Kafka, the ceiling).
            new Scenario("14", "rdkafka: produce 1 KiB records, 8 partitions", Kind.RD_PRODUCE, 1024, 8, 2_000_000, -1,
                    null, RD_PRODUCE_METRICS, List.of(Bar.ratioAtLeast("records_per_sec", 1.5),
                            Bar.ceilingAtLeast("records_per_sec", 0.9))),
            new Scenario("15", "rdkafka: consume workload 14's records, 8 partitions", Kind.RD_CONSUME, 1024, 8,
                    2_000_000, -1, "14", List.of("records_per_sec", "mb_per_sec", "broker_cpu_s", "cpu_s_per_gb"),
                    List.of(Bar.ratioAtLeast("records_per_sec", 1.5))),
            new Scenario("16", "rdkafka: produce 100 B records, 8 partitions", Kind.RD_PRODUCE, 100, 8, 10_000_000, -1,
                    null, RD_PRODUCE_METRICS, List.of(Bar.ceilingAtLeast("records_per_sec", 0.92))),
            new Scenario("17", "rdkafka: produce 1 KiB records over 1,000 partitions", Kind.RD_PRODUCE, 1024, 1000,
                    1_000_000, -1, null, RD_PRODUCE_METRICS, List.of(Bar.ratioAtLeast("records_per_sec", 2.0))),
            new Scenario("18", "rdkafka: produce 1 KiB records over a new topic of 10,000 partitions", Kind.RD_PRODUCE,
                    1024, 10_000, 1_000_000, -1, null, RD_PRODUCE_METRICS,
                    List.of(Bar.ratioAtLeast("records_per_sec", 10))),
            new Scenario("19", "rdkafka: workload 14 with Ferrite in store.flush.mode=sync, Kafka on its default (no"
                    + " fsync)", Kind.RD_PRODUCE, 1024, 8, 2_000_000, -1, null, RD_PRODUCE_METRICS,
                    List.of(Bar.ratioAtLeast("records_per_sec", 2.5))),
            new Scenario("20", "10,000 partitions: disk held after creating the topic and after workload 18, resident"
                    + " memory after it; restart holding them, to the first acknowledged produce", Kind.BROKER, 0,
                    10_000, 0, -1, null, List.of("disk_after_create_mb", "disk_after_produce_mb", "rss_mb",
                            "restart_to_first_produce_ms"),
                    List.of(Bar.ratioAtMost("rss_mb", 0.5), Bar.atMost("restart_to_first_produce_ms", 2000))),
            new Scenario("21", "rdkafka: produce 1 KiB records paced at -r " + HALF_CAPACITY + " (about"
                    + " 166,000 records/s: the tool waits whole microseconds), 8 partitions, a consumer reading alongside:"
                    + " acknowledgement and end-to-end latency", Kind.RD_PRODUCE, 1024, 8,
                    1_200_000, HALF_CAPACITY, null, List.of("records_per_sec", "p50_ms", "p99_ms", "p999_ms", "e2e_p99_ms",
                            "e2e_p999_ms", "broker_cpu_s", "cpu_s_per_gb"), List.of(Bar.ratioAtMost("p999_ms", 0.5))),
            // What incremental fetch sessions (KIP-227) save: a Java consumer's every fetch names all 1,000
            // partitions without one; the variant sessions-off runs it on Ferrite with no session slots.
            new Scenario("22", "a Java consumer (ConsumerPerformance) reads 1,000 partitions while 1 KiB records"
                    + " arrive at " + TAIL_RATE + " records/s: what the broker spends on fetches that are mostly"
                    + " empty", Kind.TAIL, 1024, 1000, 40_000, TAIL_RATE, null,
                    List.of("broker_cpu_s", "jit_cpu_s", "cpu_s_per_gb", "records_per_sec", "p99_ms"), List.of()),
            // Workloads 14 and 15 over TLS (1.3; Ferrite's default engine, BoringSSL, and Kafka's, the JDK's).
            new Scenario("23", "rdkafka over TLS: produce 1 KiB records, 8 partitions", Kind.RD_PRODUCE, 1024, 8,
                    2_000_000, -1, null, RD_PRODUCE_METRICS, List.of(Bar.ratioAtLeast("records_per_sec", 1.5))),
            new Scenario("24", "rdkafka over TLS: consume workload 23's records, 8 partitions", Kind.RD_CONSUME, 1024,
                    8, 2_000_000, -1, "23", List.of("records_per_sec", "mb_per_sec", "broker_cpu_s", "cpu_s_per_gb"),
                    List.of(Bar.ratioAtLeast("records_per_sec", 1.5))),
            // rdkafka_performance has no transactions: bench/src/main/c/txn_perf.c, on the same librdkafka.
            new Scenario("25", "C transactional producer (txn_perf on librdkafka 2.12): 1 KiB records, 8 partitions,"
                    + " each transaction committed once open " + TRANSACTION_MS + " ms", Kind.RD_PRODUCE, 1024, 8,
                    2_000_000, -1, null, List.of("records_per_sec", "mb_per_sec", "transactions", "commit_share",
                            "broker_cpu_s", "jit_cpu_s", "cpu_s_per_gb"), List.of(Bar.ratioAtLeast("records_per_sec", 1.5)),
                    Mode.TRANSACTIONAL));

    static Scenario byId(String id) {
        return ALL.stream().filter(s -> s.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no workload " + id));
    }

    /** This workload with its record count scaled (at least one record), for shorter or longer runs. */
    Scenario scaled(double scale) {
        long n = Math.max(1, Math.round(records * scale));
        return new Scenario(id, title, kind, recordSize, partitions, kind == Kind.BROKER ? records : n, throughput,
                source, metrics, bars, mode, consumers);
    }

    /** The same workload as an ablation, {@code <variant>/<id>}, judged by no bar. */
    Scenario asAblation(String variant) {
        return new Scenario(variant + "/" + id, title, kind, recordSize, partitions, records, throughput, source,
                metrics, List.of(), mode, consumers);
    }
}
