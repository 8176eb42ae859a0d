package io.ferrite.compat;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Writes {@code docs/COMPATIBILITY.md} from the results files {@link CompatRecorder} left (one per surefire
 * execution) and the known gaps: one row per client family, client version and feature, with Ferrite's and
 * the Kafka reference's outcome side by side. Run by {@code bin/compat-matrix}, on the test classes alone:
 *
 * <pre>java -cp compat-tests/target/test-classes io.ferrite.compat.MatrixWriter RESULTS_DIR GAPS_FILE OUT_FILE COMMAND</pre>
 *
 * It exits with 2 after writing the file if a cell failed without a known gap to say why.
 */
public final class MatrixWriter {
    /** The families in the order the matrix lists them; any other comes after, by name. */
    private static final List<String> FAMILY_ORDER = List.of(Compat.JAVA, Compat.KCAT, Compat.KAFKAJS, Compat.CLI);
    private static final List<String> BROKERS = List.of(BrokerKind.FERRITE.name(), BrokerKind.KAFKA.name());

    /** One row of the matrix. */
    record Row(String family, String version, String feature) {
        static final Comparator<Row> ORDER = Comparator
                .comparingInt((Row r) -> FAMILY_ORDER.contains(r.family) ? FAMILY_ORDER.indexOf(r.family) : FAMILY_ORDER.size())
                .thenComparing(Row::family)
                .thenComparing(Row::version, MatrixWriter::newerFirst)
                .thenComparing(Row::feature);
    }

    /** Where and when the matrix was written. */
    record Machine(String host, String description) {
        static Machine current() {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = System.getenv().getOrDefault("HOSTNAME", "unknown host");
            }
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            return new Machine(host, System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
                    + Runtime.getRuntime().availableProcessors() + " cores, "
                    + Math.round(os.getTotalMemorySize() / (double) (1L << 30)) + " GiB of memory, Java "
                    + System.getProperty("java.version"));
        }
    }

    private MatrixWriter() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            System.err.println("usage: MatrixWriter RESULTS_DIR KNOWN_GAPS_FILE OUTPUT_FILE COMMAND...");
            System.exit(1);
        }
        List<CompatResult> results = readResults(Path.of(args[0]));
        KnownGaps gaps = KnownGaps.read(Path.of(args[1]));
        String command = String.join(" ", List.of(args).subList(3, args.length));
        AtomicText.write(Path.of(args[2]), render(results, gaps, Machine.current(), command, Instant.now()));
        System.out.println("wrote " + args[2] + " from " + results.size() + " results");
        List<String> unexplained = unexplained(results, gaps);
        if (!unexplained.isEmpty()) {
            System.err.println("failing cells without a known gap in " + args[1] + ":\n  " + String.join("\n  ", unexplained));
            System.exit(2);
        }
    }

    /** Every line of every {@code *.jsonl} in {@code dir}, files in name order. */
    static List<CompatResult> readResults(Path dir) throws IOException {
        List<CompatResult> results = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IOException("no results files (*.jsonl) in " + dir + "; run the compat tests first");
        }
        for (Path f : files) {
            for (String line : Files.readAllLines(f)) {
                if (!line.isBlank()) {
                    results.add(CompatResult.fromJsonLine(line));
                }
            }
        }
        return results;
    }

    /** The failing cells no known gap explains, as {@code family version / feature on BROKER}. */
    static List<String> unexplained(List<CompatResult> results, KnownGaps gaps) {
        return new TreeSet<>(results.stream().filter(r -> !r.passed())
                .filter(r -> gaps.covering(r.family(), r.clientVersion(), r.feature(), r.broker()).isEmpty())
                .map(r -> r.family() + " " + r.clientVersion() + " / " + r.feature() + " on " + r.broker())
                .toList()).stream().toList();
    }

    static String render(List<CompatResult> results, KnownGaps gaps, Machine machine, String command, Instant now) {
        Map<Row, Map<String, List<CompatResult>>> cells = new TreeMap<>(Row.ORDER);
        for (CompatResult r : results) {
            cells.computeIfAbsent(new Row(r.family(), r.clientVersion(), r.feature()), k -> new LinkedHashMap<>())
                    .computeIfAbsent(r.broker(), k -> new ArrayList<>()).add(r);
        }
        // A gap whose cell no test reached (an unsupported client or feature) still gets its row.
        for (KnownGaps.Gap g : gaps.gaps()) {
            boolean reached = cells.keySet().stream().anyMatch(row -> row.family().equals(g.family())
                    && row.feature().equals(g.feature()) && (g.version().equals("any") || row.version().equals(g.version())));
            if (!reached) {
                cells.put(new Row(g.family(), g.version().equals("any") ? "—" : g.version(), g.feature()), new LinkedHashMap<>());
            }
        }

        StringBuilder md = new StringBuilder();
        md.append("# Compatibility matrix\n\n");
        md.append("Generated from the compatibility tests' results by `io.ferrite.compat.MatrixWriter`; do not edit by hand.\n");
        md.append("The command that regenerated it:\n\n    ").append(command).append("\n\n");
        md.append("- Tests ran: ").append(runSpan(results)).append('\n');
        md.append("- Written: ").append(now.truncatedTo(ChronoUnit.SECONDS)).append('\n');
        md.append("- Machine: `").append(machine.host()).append("`, ").append(machine.description()).append('\n');
        Map<String, Long> perExecution = new TreeMap<>();
        results.forEach(r -> perExecution.merge(r.execution(), 1L, Long::sum));
        md.append("- Test executions: ");
        List<String> executions = new ArrayList<>();
        perExecution.forEach((e, n) -> executions.add("`" + e + "` (" + n + " test runs)"));
        md.append(String.join(", ", executions)).append("\n\n");

        md.append("## Legend\n\n");
        md.append("- **PASS** (n): all n test runs of the cell passed on that broker (a parameterised test runs once per parameter).\n");
        md.append("- **FAIL** (k of n): k of the n runs failed or were aborted; every failing cell cites the known gap that explains it.\n");
        md.append("- **not run**: no test of the cell ran on that broker. The Kafka column is filled by runs with "
                + "`-Dreference=kafka`; tests about Ferrite's own files, restarts and settings, and the older clients' "
                + "executions, run on Ferrite only.\n");
        md.append("- **[Gn]**: see known gap n below: a difference from Kafka the tests pin, or why a cell fails or is not supported.\n\n");

        md.append("## Matrix\n\n");
        md.append("| Client | Version | Feature | ").append(brokerHeader(results, BrokerKind.FERRITE.name(), "Ferrite"))
                .append(" | ").append(brokerHeader(results, BrokerKind.KAFKA.name(), "Apache Kafka")).append(" |\n");
        md.append("| --- | --- | --- | --- | --- |\n");
        cells.forEach((row, byBroker) -> {
            md.append("| ").append(row.family()).append(" | ").append(row.version()).append(" | ").append(row.feature());
            for (String broker : BROKERS) {
                md.append(" | ").append(cell(byBroker.getOrDefault(broker, List.of()),
                        gaps.covering(row.family(), row.version(), row.feature(), broker)));
            }
            md.append(" |\n");
        });

        md.append("\n## Known gaps\n\n");
        md.append("From `compat-tests/known-gaps.md`.\n\n");
        if (gaps.gaps().isEmpty()) {
            md.append("None.\n");
        }
        for (KnownGaps.Gap g : gaps.gaps()) {
            md.append(g.number()).append(". <a id=\"g").append(g.number()).append("\"></a>**G").append(g.number())
                    .append("**, ").append(g.family()).append(g.version().equals("any") ? "" : " " + g.version())
                    .append(" / ").append(g.feature()).append(" on ").append(brokerName(g.broker())).append(": ")
                    .append(g.reason()).append('\n');
        }
        List<String> unexplained = unexplained(results, gaps);
        if (!unexplained.isEmpty()) {
            md.append("\n## Unexplained failures\n\n");
            unexplained.forEach(u -> md.append("- ").append(u).append('\n'));
        }
        return md.toString();
    }

    private static String cell(List<CompatResult> runs, List<KnownGaps.Gap> gaps) {
        StringBuilder s = new StringBuilder();
        long failed = runs.stream().filter(r -> !r.passed()).count();
        if (runs.isEmpty()) {
            s.append("not run");
        } else if (failed == 0) {
            s.append("PASS (").append(runs.size()).append(')');
        } else {
            s.append("**FAIL** (").append(failed).append(" of ").append(runs.size()).append(')');
        }
        for (KnownGaps.Gap g : gaps) {
            s.append(" [G").append(g.number()).append("](#g").append(g.number()).append(')');
        }
        return s.toString();
    }

    private static String brokerHeader(List<CompatResult> results, String broker, String name) {
        Optional<String> version = results.stream().filter(r -> r.broker().equals(broker))
                .map(CompatResult::brokerVersion).findFirst();
        return version.map(v -> name + " " + v).orElse(name);
    }

    private static String brokerName(String broker) {
        return switch (broker) {
            case "ferrite" -> "Ferrite";
            case "kafka" -> "Kafka";
            default -> "both brokers";
        };
    }

    private static String runSpan(List<CompatResult> results) {
        Optional<Instant> first = results.stream().map(r -> Instant.parse(r.finishedAt())).min(Comparator.naturalOrder());
        Optional<Instant> last = results.stream().map(r -> Instant.parse(r.finishedAt())).max(Comparator.naturalOrder());
        return first.isEmpty() ? "none" : first.get().truncatedTo(ChronoUnit.SECONDS) + " to "
                + last.get().truncatedTo(ChronoUnit.SECONDS);
    }

    /** Versions such as 4.3.0 and 3.9.2 by their numbers, newest first; anything else by text. */
    static int newerFirst(String a, String b) {
        String[] x = a.split("[^0-9]+");
        String[] y = b.split("[^0-9]+");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            if (!x[i].isEmpty() && !y[i].isEmpty() && !x[i].equals(y[i])) {
                int c = Long.compare(Long.parseLong(y[i]), Long.parseLong(x[i]));
                if (c != 0) {
                    return c;
                }
            }
        }
        return b.compareTo(a);
    }
}
