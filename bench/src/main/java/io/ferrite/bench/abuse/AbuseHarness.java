package io.ferrite.bench.abuse;

import io.ferrite.bench.GeneratedSection;
import io.ferrite.bench.Machine;
import io.ferrite.bench.Options;
import io.ferrite.bench.brokers.Contender;
import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.ChildProcess;
import io.ferrite.launcher.FerriteProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * The abuse cases of {@link Scenarios} against Ferrite and Apache Kafka side by side: each case on a fresh
 * broker of each kind in turn (never both at once, so neither takes the other's CPU or memory), both run as
 * {@code bin/bench-brokers} runs them ({@link Contender}), so with the same 1 GiB heap. Before each case the
 * harness runs the {@link HealthProbe} once, as a baseline; after it, it records whether the broker is still
 * alive and how it takes a SIGTERM, then stops it (by its own process handle) and deletes its data. A broker
 * that dies of a case is a result, not a harness failure; a case the harness itself cannot carry out shows as
 * "harness error" in its cell and makes the exit status 1.
 */
public final class AbuseHarness {
    private static final String USAGE = """
            usage: AbuseHarness [options]
              --only LIST        comma-separated scenario numbers to run (default all: 1,2,3,4)
              --connections N    stalled connections in scenario 3 (default 2000)
              --hold-seconds S   how long scenarios 3 and 4 hold their abuse (default 30)
              --data-dir DIR     where the brokers keep their data while they run (default bench-results/abuse-data)
              --markdown FILE    also write the generated part of this doc (e.g. docs/RELIABILITY.md)""";
    static final GeneratedSection SECTION = new GeneratedSection(
            "<!-- BEGIN GENERATED: bin/abuse --markdown; edits inside are overwritten -->",
            "<!-- END GENERATED: bin/abuse -->");
    private static final Map<String, String> COLUMNS = columns();

    private AbuseHarness() {
    }

    private static Map<String, String> columns() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put(Contender.FERRITE.label(), "Ferrite");
        c.put(Contender.KAFKA.label(), "Kafka " + AppInfoParser.getVersion());
        return c;
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    /** Runs with {@code args}; returns the exit status: 0 done, 1 a case could not be carried out, 2 bad arguments. */
    static int run(String[] args) throws IOException, InterruptedException {
        Map<String, String> opts = Options.parse(args, Set.of(), USAGE);
        if (opts == null) {
            return 2;
        }
        if (Options.wantsHelp(opts)) {
            System.out.println(USAGE);
            return 0;
        }
        int connections = Integer.parseInt(opts.getOrDefault("--connections", "2000"));
        Duration hold = Duration.ofSeconds(Long.parseLong(opts.getOrDefault("--hold-seconds", "30")));
        Set<String> only = new LinkedHashSet<>(Arrays.asList(opts.getOrDefault("--only", "1,2,3,4").split(",")));
        if (connections < 1 || hold.isNegative() || !Set.of("1", "2", "3", "4").containsAll(only)) {
            System.err.println("--connections must be at least 1, --hold-seconds at least 0, --only of 1 to 4\n"
                    + USAGE);
            return 2;
        }
        // Scenario 3's connections are this JVM's descriptors too; the JVM raises its soft limit to the hard one.
        String openFiles = Machine.firstMatch("/proc/self/limits", "Max open files\\s+(\\S+)");
        if (only.contains("3") && !openFiles.equals("unlimited") && !openFiles.equals("unknown")
                && Long.parseLong(openFiles) < connections + 1_000L) {
            System.err.println("the open-file limit here is " + openFiles + ", too low for " + connections
                    + " connections and the clients beside them; raise it (ulimit -n) or pass fewer --connections");
            return 2;
        }
        Path dataRoot = Path.of(opts.getOrDefault("--data-dir", "bench-results/abuse-data")).toAbsolutePath();
        if (System.getProperty("ferrite.logs.dir") == null) {
            System.setProperty("ferrite.logs.dir", dataRoot.resolveSibling("logs").toString());
        }
        Files.createDirectories(dataRoot);

        Map<String, String> facts = Machine.facts("java " + AbuseHarness.class.getName() + " "
                + String.join(" ", args), dataRoot);
        facts.put("Ferrite JVM", String.join(" ", Contender.ferriteJvmOptions(FerriteProcess.rootDir())));
        facts.put("Kafka JVM", String.join(" ", Contender.KAFKA_JVM));
        facts.put("Kafka", "Apache Kafka " + AppInfoParser.getVersion() + " (kafka_2.13 from Maven Central,"
                + " single-node KRaft)");
        facts.put("open files", openFiles);
        facts.forEach((k, v) -> System.out.println("  " + k + ": " + v));

        ResultTable table = new ResultTable(COLUMNS);
        List<Scenarios.Scenario> scenarios = new Scenarios(connections, hold).all().stream()
                .filter(s -> only.contains(s.id())).toList();
        boolean complete = true;
        long started = System.nanoTime();
        for (Scenarios.Scenario s : scenarios) {
            for (Contender c : List.of(Contender.FERRITE, Contender.KAFKA)) {
                complete &= runOne(s, c, dataRoot, table);
            }
        }
        facts.put("total run time", String.format(Locale.ROOT, "%.0f s", (System.nanoTime() - started) / 1e9));
        System.out.println();
        System.out.println(table.markdown());
        Path markdown = opts.containsKey("--markdown") ? Path.of(opts.get("--markdown")) : null;
        if (markdown != null) {
            SECTION.write(markdown, "# Reliability\n", section(facts, scenarios, table));
            System.out.println("wrote " + markdown);
        }
        return complete ? 0 : 1;
    }

    /** One case on one fresh broker; false if the harness could not carry it out. */
    private static boolean runOne(Scenarios.Scenario s, Contender c, Path dataRoot, ResultTable table)
            throws IOException, InterruptedException {
        String title = s.id() + ". " + s.name();
        String name = "abuse-" + s.id() + "-" + c.label();
        Path dir = dataRoot.resolve(name);
        ChildProcess.deleteTree(dir);
        Files.createDirectories(dir);
        System.out.println("scenario " + title + " on " + c.label());
        boolean ok = true;
        try (BrokerUnderTest broker = c.start(name, dir)) {
            Scenarios.Run run = new Scenarios.Run(broker, s.id(), (measure, value) -> {
                table.put(title, c.label(), measure, value);
                System.out.println("  " + measure + ": " + value);
            });
            try {
                // Also loads and compiles the clients' classes in this JVM before anything is timed.
                run.measure("probe before", run.probe("before").toString());
                s.body().run(run);
            } catch (Exception e) {
                ok = false;
                run.measure("harness error", e.toString().lines().findFirst().orElse(""));
                e.printStackTrace();
            }
            run.measure("alive after", run.alive());
            // A JVM can live on with threads lost to an OutOfMemoryError; its log says so. The class's full name,
            // since the log's first line, the command, names -XX:+ExitOnOutOfMemoryError.
            run.measure("OutOfMemoryError in its log", broker.process().logTail(Integer.MAX_VALUE)
                    .contains("java.lang.OutOfMemoryError") ? "yes" : "no");
            run.measure("SIGTERM stop", stop(broker));
        } catch (IOException | RuntimeException e) {
            // The broker did not start, or its stop failed in a way stop() does not report.
            ok = false;
            table.put(title, c.label(), "harness error", e.toString().lines().findFirst().orElse(""));
            e.printStackTrace();
        } finally {
            ChildProcess.deleteTree(dir);
        }
        return ok;
    }

    /** How the broker takes a SIGTERM, if it is still running: its exit status and how long it took. */
    private static String stop(BrokerUnderTest broker) throws InterruptedException {
        if (!broker.process().isAlive()) {
            return "-";
        }
        long started = System.nanoTime();
        try {
            int exit = broker.process().stop(BrokerUnderTest.STOP_GRACE);
            String took = ResultTable.seconds(System.nanoTime() - started);
            return (exit == 0 || exit == 143 ? "clean" : "exit " + exit) + " in " + took;
        } catch (IllegalStateException ignored) {
            return "still running " + BrokerUnderTest.STOP_GRACE.toSeconds() + " s after it, killed";
        }
    }

    /** The doc's generated part: how the figures were taken, what each case does, and the table. */
    static String section(Map<String, String> facts, List<Scenarios.Scenario> scenarios, ResultTable table) {
        StringBuilder out = new StringBuilder();
        out.append("Side by side with Apache Kafka, from `").append(facts.get("command")).append("` (")
                .append(facts.get("date")).append(", revision ").append(facts.get("revision")).append("; ")
                .append(facts.get("nproc")).append(" cores, ").append(facts.get("memory")).append(", ")
                .append(facts.get("java")).append("; ").append(facts.get("total run time")).append(").\n")
                .append("Each case ran on a fresh broker of each kind, one at a time, over loopback: Ferrite with ")
                .append("`config/jvm.options` (`").append(facts.get("Ferrite JVM")).append("`), Kafka with ")
                .append("kafka-server-start.sh's heap and flags (`").append(facts.get("Kafka JVM")).append("`).\n\n");
        for (Scenarios.Scenario s : scenarios) {
            out.append(s.id()).append(". **").append(s.name()).append("**: ").append(s.description()).append(".\n");
        }
        out.append("""

                The probe: a fresh stock producer writes 100 records with acks=all to a topic it creates by \
                using it, and a fresh consumer reads them back, within 30 s. RSS is the broker process's \
                resident memory in MiB, sampled every 100 ms, before / peak / after; "anon" is its anonymous \
                part, without the pages of mapped files (Ferrite maps its logs, Kafka reads its through the \
                page cache, which no RSS shows). "SIGTERM stop" is how the broker then took a SIGTERM \
                (30 s allowed).

                """);
        out.append(table.markdown());
        return out.toString().stripTrailing();
    }
}
