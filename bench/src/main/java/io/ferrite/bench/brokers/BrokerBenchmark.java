package io.ferrite.bench.brokers;

import io.ferrite.bench.Machine;
import io.ferrite.bench.Options;
import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.ChildProcess;
import io.ferrite.launcher.FerriteProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * Ferrite and Apache Kafka side by side on one machine, with Kafka's own performance tools (see
 * {@link PerfTools}) and the workloads of {@link Scenario#ALL}. Every workload runs on each broker in turn,
 * Ferrite then Kafka, once per round (A B A B ...), so drifts of a shared machine hit both alike; the report
 * shows each figure's median over the rounds.
 *
 * <p>Phases: (1) start-up: a fresh broker of each kind is started and sent one record, once per round;
 * (2) workloads 1 to 6, 9 to 11 and 22 on one running broker of each kind, with resident memory read after the
 * first round of workload 1; (3) workload 7: Ferrite restarted in sync flush mode against the same Kafka; (3b) the
 * share-consumption workloads 12 and 13, each round on a fresh pair of brokers; (4) with
 * {@code --ablations}, each variant of {@link #VARIANTS} against a default Ferrite beside it; with
 * {@code --before DIR}, likewise Ferrite as another checkout (an earlier revision) builds it, on the produce workloads. Every
 * broker's data lives under {@code --data-dir} and is deleted once that broker stops.
 */
public final class BrokerBenchmark {
    private static final String USAGE = """
            usage: BrokerBenchmark [options]
              --rounds N        rounds: each workload runs N times on each broker, alternating (default 3)
              --scale X         multiply every workload's record count (default 1; 0.1 for a smoke run)
              --only LIST       comma-separated workload numbers to run (default all: 1,...,25; none: only ablations)
              --ablations       also run the store and JVM variants against default Ferrite
              --variants LIST   comma-separated variant names: run just these ablations (implies --ablations)
              --before DIR      also run Ferrite as the checkout DIR builds it (an earlier revision, packaged
                                there with mvn -DskipTests -pl server -am package) against this one, as the
                                variant "before" on workloads 1-4
              --data-dir DIR    where the brokers keep their data while they run (default bench-results/brokers-data)
              --out DIR         where the raw results go, brokers-<timestamp>.tsv (default bench-results)
              --markdown FILE   also write the generated part of this doc (e.g. docs/PERFORMANCE.md)
              --from-tsv FILE   do not run: print the report (and --markdown) from an earlier results file""";
    /** The shared brokers' workloads in this order, so workload 4 reads what 1 wrote and 10 and 11 what 9 wrote. */
    private static final List<String> SHARED_BROKER_ORDER = List.of("1", "4", "2", "3", "5", "6", "9", "10", "11",
            "22");
    /**
     * Workloads run on a fresh pair of brokers each time: share consumption, where Kafka's figure for the
     * second workload on a broker that ran the first was a thirtieth of its figure on a fresh one.
     */
    private static final List<String> FRESH_BROKER_WORKLOADS = List.of("12", "13");
    /** librdkafka's workloads, run by {@link #rdkafka()} in this order on a fresh broker of each kind per round. */
    private static final List<String> RDKAFKA_WORKLOADS = List.of("14", "15", "16", "17", "21", "25", "18", "19", "20",
            "23", "24");
    /** The most partitions the harness creates in one request; see {@link #createTopic}. */
    private static final int MAX_PARTITIONS_PER_REQUEST = 5_000;
    private static final String ALL_WORKLOADS =
            "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25";
    static final Contender FERRITE_SYNC = Contender.ferrite("ferrite-sync", Map.of("store.flush.mode", "sync"));

    /**
     * One setting flipped against a default broker ({@code base}: Ferrite as shipped, in async or sync flush
     * mode), on the workloads it affects.
     */
    record Variant(String name, Contender base, Map<String, String> overrides, List<String> jvm,
            List<String> workloads, Path root) {
        Variant {
            // Workload 4 reads the topic workload 1 wrote in the same round.
            int one = workloads.indexOf("1");
            if (workloads.contains("4") && (one < 0 || one > workloads.indexOf("4"))) {
                throw new IllegalArgumentException(name + ": workload 4 needs workload 1 before it");
            }
        }

        /** A variant of this checkout's Ferrite. */
        Variant(String name, Contender base, Map<String, String> overrides, List<String> jvm,
                List<String> workloads) {
            this(name, base, overrides, jvm, workloads, FerriteProcess.rootDir());
        }

        /** Ferrite as the checkout {@code root} (an earlier revision) builds it, on the produce workloads. */
        static Variant before(Path root) {
            return new Variant("before", Contender.FERRITE, Map.of(), List.of(), List.of("1", "4", "2", "3"), root);
        }

        Contender contender() {
            Map<String, String> all = new LinkedHashMap<>(base.overrides());
            all.putAll(overrides);
            return new Contender("ferrite-" + name, false, all, jvm, root);
        }
    }

    /** The seeds' techniques, each flipped against the default, and the GC choice. */
    static final List<Variant> VARIANTS = List.of(
            new Variant("warm-on", Contender.FERRITE, Map.of("store.warm.enable", "true"), List.of(), List.of("1")),
            new Variant("sync-warm-on", FERRITE_SYNC, Map.of("store.warm.enable", "true"), List.of(), List.of("7")),
            new Variant("mapping-on", Contender.FERRITE, Map.of("store.append.into.mapping", "true"), List.of(),
                    List.of("1")),
            new Variant("pool-on", Contender.FERRITE, Map.of("store.transient.pool.enable", "true"), List.of(),
                    List.of("1")),
            new Variant("sync-pool-off", FERRITE_SYNC, Map.of("store.transient.pool.enable", "false"), List.of(),
                    List.of("7")),
            new Variant("mlock-on", Contender.FERRITE, Map.of("store.mlock.enable", "true"), List.of(),
                    List.of("1", "4")),
            new Variant("release-off", Contender.FERRITE, Map.of("store.release.flushed.pages", "false"), List.of(),
                    List.of("1", "4")),
            new Variant("crc-off", Contender.FERRITE, Map.of("store.read.verify.crc", "false"), List.of(),
                    List.of("1", "4")),
            // C1 only: no C2 compilations, which on two cores take CPU from the clients while a broker warms up.
            new Variant("c1-only", Contender.FERRITE, Map.of(), List.of("-XX:TieredStopAtLevel=1"),
                    List.of("1", "4", "2", "5", "6")),
            // Java 17's ZGC: the generational one (-XX:+ZGenerational) needs Java 21.
            new Variant("zgc", Contender.FERRITE, Map.of(), List.of("-XX:+UseZGC"), List.of("1", "5", "6")),
            // Kafka's StandardAuthorizer checking every request against 1,000 ACLs (the clients' own among them).
            new Variant("acls-1000", Contender.FERRITE, Map.of("authorizer.class.name",
                    "org.apache.kafka.metadata.authorizer.StandardAuthorizer", Contender.SEED_ACLS, "1000"),
                    List.of(), List.of("1", "4", "2")),
            // No fetch session can be made, so every fetch is a full one, as before KIP-227.
            new Variant("sessions-off", Contender.FERRITE, Map.of("max.incremental.fetch.session.cache.slots", "0"),
                    List.of(), List.of("22")));

    private final Path dataRoot;
    /** Whether this run has made the TLS workloads' certificate authority and key store yet. */
    private boolean certificatesMade;
    private final int rounds;
    private final double scale;
    private final Set<String> only;
    private final List<Sample> samples = new ArrayList<>();
    private boolean warnedCaches;

    private BrokerBenchmark(Path dataRoot, int rounds, double scale, Set<String> only) {
        this.dataRoot = dataRoot;
        this.rounds = rounds;
        this.scale = scale;
        this.only = only;
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    /** Runs with {@code args}; returns the exit status: 0 done, 1 a run failed, 2 bad arguments. */
    static int run(String[] args) throws IOException, InterruptedException {
        Map<String, String> opts = Options.parse(args, Set.of("--ablations"), USAGE);
        if (opts == null) {
            return 2;
        }
        if (Options.wantsHelp(opts)) {
            System.out.println(USAGE);
            return 0;
        }
        Path markdown = opts.containsKey("--markdown") ? Path.of(opts.get("--markdown")) : null;
        if (opts.containsKey("--from-tsv")) {
            report(BrokerReport.read(Path.of(opts.get("--from-tsv"))), markdown);
            return 0;
        }
        int rounds = Integer.parseInt(opts.getOrDefault("--rounds", "3"));
        double scale = Double.parseDouble(opts.getOrDefault("--scale", "1"));
        Set<String> only = new LinkedHashSet<>(Arrays.asList(opts.getOrDefault("--only", ALL_WORKLOADS).split(",")));
        Set<String> known = new LinkedHashSet<>(Arrays.asList(ALL_WORKLOADS.split(",")));
        known.add("none");
        if (rounds < 1 || scale <= 0 || (only.contains("4") && !only.contains("1"))
                || ((only.contains("10") || only.contains("11")) && !only.contains("9"))
                || ((only.contains("15") || only.contains("19")) && !only.contains("14"))
                || (only.contains("20") && !only.contains("18")) || (only.contains("24") && !only.contains("23"))
                || !known.containsAll(only)) {
            System.err.println("--rounds must be at least 1, --scale above 0, workload 4 needs workload 1, 10"
                    + " and 11 need 9, 15 and 19 need 14, 20 needs 18, and 24 needs 23\n" + USAGE);
            return 2;
        }
        if (RDKAFKA_WORKLOADS.stream().anyMatch(only::contains) && !RdkafkaPerf.available()) {
            System.err.println("no " + RdkafkaPerf.TOOL + ": run bin/test once (npm ci in compat-tests/node-rdkafka"
                    + " builds it), or leave out workloads " + RDKAFKA_WORKLOADS);
            return 2;
        }
        List<Variant> variants = opts.containsKey("--variants") ? new ArrayList<>()
                : opts.containsKey("--ablations") ? VARIANTS : List.of();
        for (String name : opts.getOrDefault("--variants", "").split(",")) {
            Variant v = VARIANTS.stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
            if (v == null && !name.isEmpty()) {
                System.err.println("no variant '" + name + "'; there are "
                        + VARIANTS.stream().map(Variant::name).toList() + "\n" + USAGE);
                return 2;
            }
            if (v != null) {
                variants.add(v);
            }
        }
        if (opts.containsKey("--before")) {
            Path other = Path.of(opts.get("--before")).toAbsolutePath().normalize();
            if (!Files.isRegularFile(other.resolve("server/target/runtime-classpath.txt"))
                    || !Files.isRegularFile(other.resolve("bin/class-archive"))) {
                System.err.println("--before " + other + ": not a packaged Ferrite checkout (run mvn -DskipTests"
                        + " -pl server -am package there)\n" + USAGE);
                return 2;
            }
            variants = new ArrayList<>(variants);
            variants.add(Variant.before(other));
        }
        Path dataRoot = Path.of(opts.getOrDefault("--data-dir", "bench-results/brokers-data")).toAbsolutePath();
        // The launcher keeps the brokers' and tools' logs here unless the script says otherwise.
        if (System.getProperty("ferrite.logs.dir") == null) {
            System.setProperty("ferrite.logs.dir", dataRoot.resolveSibling("logs").toString());
        }
        Path outDir = Path.of(opts.getOrDefault("--out", "bench-results"));
        Files.createDirectories(dataRoot);
        Files.createDirectories(outDir);
        Path tsv = outDir.resolve("brokers-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".tsv");

        Map<String, String> meta = Machine.facts("java " + BrokerBenchmark.class.getName() + " "
                + String.join(" ", args), dataRoot);
        meta.put("rounds", rounds + " (each workload alternates Ferrite, Kafka; tables show medians)");
        meta.put("scale", Double.toString(scale));
        meta.put("Ferrite JVM", String.join(" ", Contender.ferriteJvmOptions(FerriteProcess.rootDir())));
        meta.put("Kafka JVM", String.join(" ", Contender.KAFKA_JVM));
        // The reference broker and the tools are resolved at the same pinned version as the bench's kafka-clients.
        meta.put("Kafka", "Apache Kafka " + AppInfoParser.getVersion() + " (kafka_2.13 from Maven Central, single-node KRaft)");
        meta.put("tools", "kafka-tools " + AppInfoParser.getVersion() + ": ProducerPerformance, ConsumerPerformance,"
                + " EndToEndLatency; librdkafka 2.12 (node-rdkafka 3.6.1): rdkafka_performance, txn_perf");
        meta.forEach((k, v) -> System.out.println("  " + k + ": " + v));

        BrokerBenchmark bench = new BrokerBenchmark(dataRoot, rounds, scale, only);
        long started = System.nanoTime();
        int status = 0;
        try {
            bench.startUps();
            bench.sharedBrokers();
            bench.freshBrokers();
            bench.rdkafka();
            if (!variants.isEmpty()) {
                bench.ablations(variants);
            }
        } catch (RuntimeException | IOException e) {
            System.err.println("RUN FAILED; the results so far are kept");
            e.printStackTrace();
            meta.put("incomplete", "stopped by: " + e.getMessage().lines().findFirst().orElse(""));
            status = 1;
        }
        meta.put("total run time", String.format(Locale.ROOT, "%.0f s", (System.nanoTime() - started) / 1e9));
        BrokerReport report = new BrokerReport(meta, bench.samples);
        report.write(tsv);
        report(report, markdown);
        System.out.println("raw results: " + tsv);
        return status;
    }

    private static void report(BrokerReport report, Path markdown) throws IOException {
        System.out.println(report.text());
        if (markdown != null) {
            report.writeMarkdown(markdown);
            System.out.println("wrote " + markdown);
        }
    }

    /** Workload 8's start-up figure: launch to the first acknowledged produce, on a fresh data directory. */
    private void startUps() throws IOException, InterruptedException {
        if (!only.contains("8")) {
            return;
        }
        // Round 0 is not recorded: it loads the producer's classes into this JVM, which would otherwise count
        // against whichever broker came first.
        for (int r = 0; r <= rounds; r++) {
            for (Contender c : List.of(Contender.FERRITE, Contender.KAFKA)) {
                String name = c.label() + "-start-" + r;
                Path dir = freshDir(name);
                try (BrokerUnderTest b = c.start(name, dir)) {
                    double ms = firstProduceMillis(b, "bench-start");
                    if (r > 0) {
                        add("8", c.label(), r, Map.of("start_to_first_produce_ms", ms));
                    }
                    b.stop();
                } finally {
                    ChildProcess.deleteTree(dir);
                }
            }
        }
    }

    /**
     * Workloads 1 to 6 and 9 to 11 on one Ferrite and one Kafka, then workload 7 on a sync-mode Ferrite and that
     * Kafka.
     */
    private void sharedBrokers() throws IOException, InterruptedException {
        if (List.of("1", "2", "3", "4", "5", "6", "7", "9", "10", "11", "22").stream().noneMatch(only::contains)) {
            return;
        }
        Path fDir = freshDir("ferrite");
        Path kDir = freshDir("kafka");
        try (BrokerUnderTest f = Contender.FERRITE.start("ferrite", fDir);
                BrokerUnderTest k = Contender.KAFKA.start("kafka", kDir)) {
            Map<String, BrokerUnderTest> pair = new LinkedHashMap<>();
            pair.put(Contender.FERRITE.label(), f);
            pair.put(Contender.KAFKA.label(), k);
            for (String id : SHARED_BROKER_ORDER) {
                if (!only.contains(id)) {
                    continue;
                }
                Scenario s = Scenario.byId(id).scaled(scale);
                for (int r = 1; r <= rounds; r++) {
                    for (Map.Entry<String, BrokerUnderTest> e : pair.entrySet()) {
                        runOne(s, e.getKey(), e.getValue(), e.getValue() == f ? k : f, r);
                        if (id.equals("1") && r == 1 && only.contains("8")) {
                            add("8", e.getKey(), 1, ProcessMemory.of(e.getValue().pid()));
                        }
                    }
                }
            }
            f.stop();
            ChildProcess.deleteTree(fDir);
            if (only.contains("7")) {
                Path sDir = freshDir(FERRITE_SYNC.label());
                try (BrokerUnderTest fs = FERRITE_SYNC.start(FERRITE_SYNC.label(), sDir)) {
                    Scenario s = Scenario.byId("7").scaled(scale);
                    for (int r = 1; r <= rounds; r++) {
                        runOne(s, FERRITE_SYNC.label(), fs, k, r);
                        runOne(s, Contender.KAFKA.label(), k, fs, r);
                    }
                    fs.stop();
                } finally {
                    ChildProcess.deleteTree(sDir);
                }
            }
            k.stop();
        } finally {
            ChildProcess.deleteTree(fDir);
            ChildProcess.deleteTree(kDir);
        }
    }

    /** {@link #FRESH_BROKER_WORKLOADS}: each round of each on a new Ferrite and a new Kafka, Ferrite first. */
    private void freshBrokers() throws IOException, InterruptedException {
        for (String id : FRESH_BROKER_WORKLOADS) {
            if (!only.contains(id)) {
                continue;
            }
            Scenario s = Scenario.byId(id).scaled(scale);
            for (int r = 1; r <= rounds; r++) {
                Path fDir = freshDir("ferrite-w" + id);
                Path kDir = freshDir("kafka-w" + id);
                try (BrokerUnderTest f = Contender.FERRITE.start("ferrite-w" + id, fDir);
                        BrokerUnderTest k = Contender.KAFKA.start("kafka-w" + id, kDir)) {
                    runOne(s, Contender.FERRITE.label(), f, k, r);
                    runOne(s, Contender.KAFKA.label(), k, f, r);
                    f.stop();
                    k.stop();
                } finally {
                    ChildProcess.deleteTree(fDir);
                    ChildProcess.deleteTree(kDir);
                }
            }
        }
    }

    /**
     * Each variant against its default broker, both fresh, alternating within each round. The default's
     * figures go under the label {@link BrokerReport#BASELINE}, whichever flush mode it runs in.
     */
    private void ablations(List<Variant> variants) throws IOException, InterruptedException {
        for (Variant v : variants) {
            Contender variant = v.contender();
            String label = variant.label();
            Path vDir = freshDir(label);
            Path bDir = freshDir("default-for-" + v.name());
            try (BrokerUnderTest vb = variant.start(label, vDir);
                    BrokerUnderTest base = v.base().start("default-for-" + v.name(), bDir)) {
                for (int r = 1; r <= rounds; r++) {
                    for (String id : v.workloads()) {
                        Scenario s = Scenario.byId(id).scaled(scale).asAblation(v.name());
                        runOne(s, label, vb, base, r);
                        runOne(s, BrokerReport.BASELINE, base, vb, r);
                    }
                }
                vb.stop();
                base.stop();
            } finally {
                ChildProcess.deleteTree(vDir);
                ChildProcess.deleteTree(bDir);
            }
        }
    }

    /**
     * One workload once on one broker, into a topic of its own (a consume reads its source's topic). The other
     * broker running meanwhile is idle, but its CPU time during the run is recorded: it is taken from this run.
     */
    private void runOne(Scenario s, String label, BrokerUnderTest broker, BrokerUnderTest other, int round)
            throws IOException, InterruptedException {
        PerfTools tools = new PerfTools(broker, "bench-" + label);
        String name = "w" + s.id().replace('/', '-') + "-r" + round;
        if (s.kind() == Scenario.Kind.SHARE) { // the topic is filled first, outside the measured window
            createTopic(broker, name, s.partitions());
            ShareConsumeBenchmark.fill(broker, name, (int) s.records(), s.partitions());
        }
        settle();
        double cpuBefore = ProcessCpu.seconds(broker.pid());
        Map<Long, Long> jitBefore = ProcessCpu.compilerTicks(broker.pid());
        double otherBefore = ProcessCpu.seconds(other.pid());
        String run = label + "-" + name;
        Map<String, Double> figures = switch (s.kind()) {
            case PRODUCE -> {
                createTopic(broker, name, s.partitions());
                yield tools.produce(run, name, s.records(), s.recordSize(), s.throughput(),
                        s.mode() == Scenario.Mode.TRANSACTIONAL ? Scenario.TRANSACTION_MS : -1);
            }
            case CONSUME -> {
                String source = s.id().contains("/") ? s.id().substring(0, s.id().indexOf('/') + 1) + s.source()
                        : s.source();
                yield tools.consume(run, "w" + source.replace('/', '-') + "-r" + round, s.records(),
                        s.mode() == Scenario.Mode.READ_COMMITTED);
            }
            case END_TO_END -> {
                createTopic(broker, name, s.partitions());
                yield tools.endToEnd(run, name, s.records(), s.recordSize());
            }
            case SHARE -> ShareConsumeBenchmark.consumeAll(broker, name + "-group", name, (int) s.records(),
                    s.consumers());
            case TAIL -> {
                createTopic(broker, name, s.partitions());
                yield tools.produceWhileTailed(run, name, s.records(), s.recordSize(), s.throughput());
            }
            case BROKER, RD_PRODUCE, RD_CONSUME -> throw new IllegalArgumentException("workload " + s.id()
                    + " is not a Java tool run");
        };
        figures = new LinkedHashMap<>(figures);
        // What the broker itself spent, to set against the run's length on a machine the tool shares.
        double cpu = ProcessCpu.seconds(broker.pid()) - cpuBefore;
        figures.put("broker_cpu_s", cpu);
        figures.put("jit_cpu_s", ProcessCpu.compilerSecondsSince(broker.pid(), jitBefore));
        if (s.kind() != Scenario.Kind.END_TO_END) {
            figures.put("cpu_s_per_gb", perGb(cpu, s));
        }
        figures.put("idle_broker_cpu_s", ProcessCpu.seconds(other.pid()) - otherBefore);
        add(s.id(), label, round, figures);
    }

    /** Broker CPU-seconds per 10^9 bytes of record values moved: the cost a client cannot hide. */
    private static double perGb(double cpuSeconds, Scenario s) {
        return cpuSeconds / (s.records() * (double) s.recordSize() / 1e9);
    }

    /**
     * librdkafka's workloads (14 to 21, 23 to 25): each round, a fresh Ferrite, Kafka and store-nothing ceiling in
     * turn for workloads 14 to 17, 21 and 25, another fresh one of each for the 10,000 partitions of workloads 18
     * and 20 (so what they measure of disk, memory and restart is that topic's alone), a fresh Ferrite in sync
     * flush mode, then a fresh Ferrite and Kafka with TLS listeners for 23 and 24; each started after the page
     * cache is dropped (what an earlier run left there changed the same build's produce rate by half). Kafka's
     * workload 14 also stands as its side of workload 19, which runs Kafka unchanged.
     */
    private void rdkafka() throws IOException, InterruptedException {
        if (RDKAFKA_WORKLOADS.stream().noneMatch(only::contains)) {
            return;
        }
        List<String> contenders = List.of(BrokerReport.BASELINE, Contender.KAFKA.label(), BrokerReport.CEILING);
        boolean eightPartitions = List.of("14", "15", "16", "17", "21", "25").stream().anyMatch(only::contains);
        for (int r = 1; r <= rounds; r++) {
            int round = r;
            if (eightPartitions) {
                for (String label : contenders) {
                    onFreshBroker(label, "rd-" + label + "-r" + r, (b, dir) -> sharedRdWorkloads(label, b, dir, round));
                }
            }
            if (only.contains("18")) {
                for (String label : contenders) {
                    onFreshBroker(label, "rd10k-" + label + "-r" + r, (b, dir) -> tenThousandPartitions(label, b, dir,
                            round));
                }
            }
            if (only.contains("19")) {
                String label = FERRITE_SYNC.label();
                onFreshBroker(label, "rd-" + label + "-r" + r, (b, dir) -> runRd(Scenario.byId("19").scaled(scale),
                        label, b, dir, round));
            }
            if (only.contains("23")) {
                for (Contender c : List.of(Contender.FERRITE, Contender.KAFKA)) {
                    overTls(c, round);
                }
            }
        }
    }

    /**
     * Workloads 23 and 24 on a fresh broker of {@code c} with a TLS listener (started after the page cache is
     * dropped), whose certificate authority and key store are made once under the data root.
     */
    private void overTls(Contender c, int round) throws IOException, InterruptedException {
        Path certs = dataRoot.resolve("certs");
        Path keystore = certs.resolve("broker.p12");
        if (!certificatesMade) { // made anew each run: they are valid for 30 days, and a failed making leaves parts
            ChildProcess.deleteTree(certs);
            io.ferrite.launcher.Certificates.authority(certs, "bench-ca").keystore("broker", "CN=localhost,O=bench");
            certificatesMade = true;
        }
        Path ca = certs.resolve("bench-ca-ca.pem");
        Map<String, String> tls = Map.of("ssl.keystore.type", "PKCS12", "ssl.keystore.location", keystore.toString(),
                "ssl.keystore.password", io.ferrite.launcher.Certificates.PASSWORD);
        String name = "rdtls-" + c.label() + "-r" + round;
        Path dir = freshDir(name);
        dropCaches();
        try (BrokerUnderTest b = c.startWithTls(name, dir, tls)) {
            RdkafkaPerf overTls = new RdkafkaPerf(b, ca);
            runRd(Scenario.byId("23").scaled(scale), c.label(), b, dir, round, overTls);
            if (only.contains("24")) {
                runRd(Scenario.byId("24").scaled(scale), c.label(), b, dir, round, overTls);
            }
            b.stop();
        } finally {
            ChildProcess.deleteTree(dir);
        }
    }

    @FunctionalInterface
    private interface BrokerWork {
        void run(BrokerUnderTest broker, Path dir) throws IOException, InterruptedException;
    }

    /** Starts a fresh broker of the kind {@code label} names after dropping the page cache, runs, stops it. */
    private void onFreshBroker(String label, String name, BrokerWork work) throws IOException, InterruptedException {
        Path dir = freshDir(name);
        dropCaches();
        try (BrokerUnderTest b = switch (label) {
            case "kafka" -> Contender.KAFKA.start(name, dir);
            case BrokerReport.CEILING -> CeilingProcess.start(name);
            case "ferrite-sync" -> FERRITE_SYNC.start(name, dir);
            default -> Contender.FERRITE.start(name, dir);
        }) {
            work.run(b, dir);
            b.stop();
        } finally {
            ChildProcess.deleteTree(dir);
        }
    }

    /**
     * Workloads 14 to 17, 21 and 25 on one broker; the ceiling runs only the unthrottled produce workloads without
     * transactions.
     */
    private void sharedRdWorkloads(String label, BrokerUnderTest b, Path dir, int round)
            throws IOException, InterruptedException {
        boolean ceiling = label.equals(BrokerReport.CEILING);
        for (String id : List.of("14", "15", "16", "17", "21", "25")) {
            if (!only.contains(id) || (ceiling && (id.equals("15") || id.equals("21") || id.equals("25")))) {
                continue;
            }
            Map<String, Double> f = runRd(Scenario.byId(id).scaled(scale), label, b, dir, round);
            if (id.equals("14") && label.equals(Contender.KAFKA.label()) && only.contains("19")) {
                add("19", label, round, f);
            }
        }
    }

    /**
     * Workload 18 on a broker that holds nothing else, and with workload 20 (not on the ceiling, which keeps
     * nothing): the disk after creating the topic and after producing, the resident memory, then a clean stop
     * and the restart to the first acknowledged produce into that topic.
     */
    private void tenThousandPartitions(String label, BrokerUnderTest b, Path dir, int round)
            throws IOException, InterruptedException {
        runRd(Scenario.byId("18").scaled(scale), label, b, dir, round);
        if (!only.contains("20") || label.equals(BrokerReport.CEILING)) {
            return;
        }
        add("20", label, round, Map.of("rss_mb", ProcessMemory.of(b.pid()).get("rss_mb"),
                "disk_after_produce_mb", diskMb(dir)));
        b.stop();
        try {
            b.restart();
        } catch (IOException | InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot restart " + b.name(), e);
        }
        add("20", label, round, Map.of("restart_to_first_produce_ms", firstProduceMillis(b, "w18-r" + round)));
    }

    /** One librdkafka workload once: its topic created (a produce), the tool run, the broker's CPU around it. */
    private Map<String, Double> runRd(Scenario s, String label, BrokerUnderTest broker, Path dir, int round)
            throws IOException, InterruptedException {
        return runRd(s, label, broker, dir, round, new RdkafkaPerf(broker));
    }

    /** As above, with {@code tool} (which may speak TLS). */
    private Map<String, Double> runRd(Scenario s, String label, BrokerUnderTest broker, Path dir, int round,
                                      RdkafkaPerf tool) throws IOException, InterruptedException {
        String topic = "w" + s.id() + "-r" + round;
        if (s.kind() == Scenario.Kind.RD_PRODUCE) {
            createTopic(broker, topic, s.partitions());
            if (s.id().equals("18") && only.contains("20") && !label.equals(BrokerReport.CEILING)) {
                add("20", label, round, Map.of("disk_after_create_mb", diskMb(dir)));
            }
        }
        settle();
        String run = label + "-" + topic;
        double cpuBefore = ProcessCpu.seconds(broker.pid());
        Map<Long, Long> jitBefore = ProcessCpu.compilerTicks(broker.pid());
        Map<String, Double> figures = new LinkedHashMap<>(s.kind() == Scenario.Kind.RD_CONSUME
                ? tool.consume(run, "w" + s.source() + "-r" + round, s.partitions(), s.records())
                : s.mode() == Scenario.Mode.TRANSACTIONAL ? new TxnPerf(broker).produce(run, topic, s.records(),
                        s.recordSize(), Scenario.TRANSACTION_MS)
                : s.throughput() > 0 ? tool.produceAlongsideConsumer(run, topic, s.partitions(), s.records(),
                        s.recordSize(), s.throughput(), dataRoot.resolveSibling("latencies"))
                : tool.produce(run, topic, s.records(), s.recordSize()));
        double cpu = ProcessCpu.seconds(broker.pid()) - cpuBefore;
        figures.put("broker_cpu_s", cpu);
        figures.put("jit_cpu_s", ProcessCpu.compilerSecondsSince(broker.pid(), jitBefore));
        figures.put("cpu_s_per_gb", perGb(cpu, s));
        add(s.id(), label, round, figures);
        return figures;
    }

    /**
     * What {@code dir} holds on disk, in MiB of allocated blocks (du), so sparse files count as they occupy. A live
     * broker's files may vanish while du walks them (du then warns and exits 1, with its total all the same).
     */
    private static double diskMb(Path dir) throws IOException, InterruptedException {
        Process du = new ProcessBuilder("du", "-s", "--block-size=1", dir.toString()).start();
        String out = new String(du.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        String err = new String(du.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        du.waitFor();
        if (!out.matches("\\d+\\s.*")) {
            throw new IOException("du " + dir + ": " + out + err);
        }
        return Long.parseLong(out.split("\\s+")[0]) / (double) (1 << 20);
    }

    /**
     * Writes back and drops the page cache (as root; otherwise says once that it cannot), so no broker starts
     * with what the one before left cached.
     */
    private void dropCaches() throws IOException, InterruptedException {
        settle();
        Path knob = Path.of("/proc/sys/vm/drop_caches");
        if (Files.isWritable(knob)) {
            Files.writeString(knob, "3");
        } else if (!warnedCaches) {
            warnedCaches = true;
            System.err.println("warning: cannot drop the page cache (not root); librdkafka rounds may skew");
        }
    }

    /**
     * Writes out every dirty page on the machine before a run, so the run does not pay for the writeback the
     * kernel would otherwise do during it on behalf of the run before (Kafka leaves its data to the kernel's
     * writeback; Ferrite flushes its own, on its own time).
     */
    private static void settle() throws IOException, InterruptedException {
        Process sync = new ProcessBuilder("sync").inheritIO().start();
        if (!sync.waitFor(300, TimeUnit.SECONDS)) {
            sync.destroyForcibly();
            throw new IOException("sync did not finish within 300 s");
        }
    }

    private void add(String workload, String broker, int round, Map<String, Double> figures) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-14s %-22s round %d:", "workload " + workload,
                broker, round));
        figures.forEach((k, v) -> {
            samples.add(new Sample(workload, broker, round, k, v));
            line.append(' ').append(k).append('=').append(BrokerReport.num(v));
        });
        System.out.println(line);
    }

    /**
     * Creates the topic and waits until every partition has a leader, so a broker's leader elections for a new
     * topic (Kafka's controller) are not timed as produce throughput.
     */
    private static void createTopic(BrokerUnderTest broker, String topic, int partitions) throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            // Kafka's controller refuses a request of more than 10,000 records (a partition is one): a larger
            // topic is made in two steps, on every broker alike.
            int first = Math.min(partitions, MAX_PARTITIONS_PER_REQUEST);
            admin.createTopics(List.of(new NewTopic(topic, first, (short) 1))).all().get(120, TimeUnit.SECONDS);
            if (partitions > first) {
                admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(partitions))).all()
                        .get(120, TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (true) {
                try {
                    TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames()
                            .get(30, TimeUnit.SECONDS).get(topic);
                    if (d.partitions().size() == partitions && d.partitions().stream().allMatch(p -> p.leader() != null)) {
                        return;
                    }
                } catch (ExecutionException notYet) {
                    // The topic's metadata may lag its creation; asked again below.
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(topic + " on " + broker.name() + " has no leaders after 120 s");
                }
                Thread.sleep(100);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create " + topic + " on " + broker.name(), e);
        }
    }

    /**
     * From the broker process's launch (as its launcher recorded it) to one record acknowledged with acks=all,
     * produced into {@code topic} (a new one the broker creates on that first request, or one it holds). The
     * launcher's wait for the port (Ferrite, polled every 50 ms) or for DescribeCluster (Kafka, every 100 ms) is
     * included.
     */
    private static double firstProduceMillis(BrokerUnderTest broker, String topic) throws InterruptedException {
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(topic, 0, null, new byte[] {1})).get(60, TimeUnit.SECONDS);
            return (System.nanoTime() - broker.process().startedNanos()) / 1e6;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the first produce to " + broker.name() + " failed", e);
        }
    }

    private Path freshDir(String name) throws IOException {
        Path dir = dataRoot.resolve(name);
        ChildProcess.deleteTree(dir);
        return Files.createDirectories(dir);
    }
}
