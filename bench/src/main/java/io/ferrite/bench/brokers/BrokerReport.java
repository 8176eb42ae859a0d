package io.ferrite.bench.brokers;

import io.ferrite.bench.GeneratedSection;
import io.ferrite.bench.ResultsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The raw results file of a side-by-side run (TSV: {@code # key<TAB>value} lines for the machine and the run,
 * a header, one {@link Sample} per line) and everything derived from it: the table of medians and ratios,
 * the bars, and the ablations, as plain text and as the generated part of docs/PERFORMANCE.md.
 *
 * <p>Every workload has two sides: the main table sets Ferrite (whatever its label) against {@code kafka};
 * an ablation sets a variant against the default Ferrite run beside it. A workload run on the store-nothing
 * broker too ({@link #CEILING}) also shows Ferrite as a fraction of it. Each figure is the median over the
 * rounds; the last column lists every round's value.
 */
final class BrokerReport {
    static final GeneratedSection SECTION = new GeneratedSection(
            "<!-- BEGIN GENERATED: bin/bench-brokers --markdown; edits inside are overwritten -->",
            "<!-- END GENERATED -->");
    static final String BASELINE = "ferrite";
    /** The label of {@link CeilingBroker}'s samples. */
    static final String CEILING = "ceiling";

    final Map<String, String> meta;
    final List<Sample> samples;

    BrokerReport(Map<String, String> meta, List<Sample> samples) {
        this.meta = meta;
        this.samples = samples;
    }

    void write(Path file) throws IOException {
        new ResultsFile(meta, samples.stream().map(Sample::toTsv).toList()).write(file, Sample.TSV_HEADER);
    }

    static BrokerReport read(Path file) throws IOException {
        ResultsFile f = ResultsFile.read(file, Sample.TSV_HEADER);
        return new BrokerReport(f.meta(), f.lines().stream().map(Sample::fromTsv).toList());
    }

    /**
     * One line of a table: a figure on both sides, their ratio, the ceiling's figure ({@code c}, NaN where the
     * ceiling did not run), and the bars on it, if any.
     */
    record Row(String workload, String metric, double a, double b, List<Double> aRuns, List<Double> bRuns,
            List<Scenario.Bar> bars, double c, List<Double> cRuns) {
        double ratio() {
            return ratio(a, b);
        }

        double ceilingRatio() {
            return Double.isNaN(c) ? Double.NaN : ratio(a, c);
        }

        private static double ratio(double x, double y) {
            return y == 0 ? (x == 0 ? 1.0 : Double.POSITIVE_INFINITY) : x / y;
        }

        /** Whether every bar on this figure is met. */
        boolean met() {
            return bars.stream().allMatch(this::met);
        }

        boolean met(Scenario.Bar bar) {
            return bar.onCeiling() ? !Double.isNaN(c) && bar.met(a, c) : bar.met(a, b);
        }
    }

    /** The rows of the main table (ablations false) or of the ablation table, in workload order. */
    List<Row> rows(boolean ablations) {
        List<Row> rows = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>();
        samples.stream().map(Sample::workload).filter(w -> w.contains("/") == ablations).forEach(ids::add);
        for (String id : ids) {
            String number = id.contains("/") ? id.substring(id.indexOf('/') + 1) : id;
            Scenario s = Scenario.byId(number);
            List<String> brokers = samples.stream().filter(x -> x.workload().equals(id)).map(Sample::broker)
                    .distinct().toList();
            // Main table: Ferrite's side (any label) against Kafka; ablation: the variant against the default.
            String b = ablations ? BASELINE : "kafka";
            String a = brokers.stream().filter(x -> !x.equals(b) && !x.equals(CEILING)).findFirst().orElse(null);
            if (a == null || !brokers.contains(b)) {
                continue;
            }
            for (String metric : s.metrics()) {
                List<Double> aRuns = values(id, a, metric);
                List<Double> bRuns = values(id, b, metric);
                if (aRuns.isEmpty() || bRuns.isEmpty()) {
                    continue;
                }
                List<Scenario.Bar> bars = ablations ? List.of()
                        : s.bars().stream().filter(x -> x.metric().equals(metric)).toList();
                List<Double> cRuns = values(id, CEILING, metric);
                rows.add(new Row(id, metric, median(aRuns), median(bRuns), aRuns, bRuns, bars,
                        cRuns.isEmpty() ? Double.NaN : median(cRuns), cRuns));
            }
        }
        return rows;
    }

    /** Which broker label stood for the "a" side of a workload (ferrite, ferrite-sync, a variant). */
    String sideA(String id, boolean ablation) {
        String b = ablation ? BASELINE : "kafka";
        return samples.stream().filter(x -> x.workload().equals(id)).map(Sample::broker)
                .filter(x -> !x.equals(b) && !x.equals(CEILING)).findFirst().orElse("?");
    }

    private List<Double> values(String id, String broker, String metric) {
        return samples.stream().filter(x -> x.workload().equals(id) && x.broker().equals(broker)
                && x.metric().equals(metric)).map(Sample::value).toList();
    }

    static double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = xs.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    // ---- rendering ----

    String markdown() {
        StringBuilder sb = new StringBuilder("\n## Machine and run\n\n| | |\n|---|---|\n");
        meta.forEach((k, v) -> sb.append("| ").append(k).append(" | `").append(v.replace("|", "\\|")).append("` |\n"));
        sb.append("\n## Ferrite against Apache Kafka\n\n");
        sb.append(table(rows(false), false));
        sb.append("\n## Bars\n\n");
        barLines().forEach(l -> sb.append("- ").append(l).append('\n'));
        List<Row> abl = rows(true);
        if (!abl.isEmpty()) {
            sb.append("\n## Ablations\n\nEach variant against default Ferrite, run alternately in the same rounds.\n\n");
            sb.append(table(abl, true));
        }
        return sb.toString();
    }

    String text() {
        return markdown();
    }

    private String table(List<Row> rows, boolean ablations) {
        StringBuilder sb = new StringBuilder();
        String a = ablations ? "variant" : "Ferrite";
        String b = ablations ? "default" : "Kafka";
        boolean ceiling = rows.stream().anyMatch(r -> !Double.isNaN(r.c()));
        sb.append("| workload | figure | ").append(a).append(" | ").append(b).append(" | ").append(a).append('/')
                .append(b).append(ceiling ? " | ceiling | " + a + "/ceiling" : "").append(ablations ? "" : " | bar")
                .append(" | every round (").append(a).append("; ").append(b).append(ceiling ? "; ceiling" : "")
                .append(") |\n");
        sb.append("|---|---|---:|---:|---:|").append(ceiling ? "---:|---:|" : "").append(ablations ? "" : "---|")
                .append("---|\n");
        String last = null;
        for (Row r : rows) {
            String label = "";
            if (!r.workload().equals(last)) {
                String number = r.workload().contains("/") ? r.workload().substring(r.workload().indexOf('/') + 1)
                        : r.workload();
                label = r.workload() + ": " + Scenario.byId(number).title()
                        + (ablations ? " — " + sideA(r.workload(), true) : "");
                last = r.workload();
            }
            sb.append("| ").append(label).append(" | ").append(r.metric()).append(" | ").append(num(r.a()))
                    .append(" | ").append(num(r.b())).append(" | ").append(ratio(r.ratio()));
            if (ceiling) {
                sb.append(" | ").append(Double.isNaN(r.c()) ? "" : num(r.c())).append(" | ")
                        .append(Double.isNaN(r.c()) ? "" : ratio(r.ceilingRatio()));
            }
            if (!ablations) {
                sb.append(" | ").append(String.join("; ", r.bars().stream()
                        .map(bar -> bar.text() + (r.met(bar) ? " **met**" : " **missed**")).toList()));
            }
            sb.append(" | ").append(runs(r.aRuns())).append("; ").append(runs(r.bRuns()))
                    .append(r.cRuns().isEmpty() ? "" : "; " + runs(r.cRuns())).append(" |\n");
        }
        return sb.toString();
    }

    /** One line per bar: met or missed, with the figures. */
    List<String> barLines() {
        List<String> out = new ArrayList<>();
        for (Row r : rows(false)) {
            for (Scenario.Bar bar : r.bars()) {
                out.add(String.format(Locale.ROOT, "workload %s, %s: %s (bar %s): %s", r.workload(), r.metric(),
                        bar.kind().startsWith("abs") ? num(r.a())
                                : ratio(bar.onCeiling() ? r.ceilingRatio() : r.ratio()), bar.text(),
                        r.met(bar) ? "met" : "MISSED"));
            }
        }
        return out;
    }

    private static String ratio(double x) {
        return Double.isInfinite(x) ? "∞" : Double.isNaN(x) ? "—" : String.format(Locale.ROOT, "%.2f", x);
    }

    private static String runs(List<Double> xs) {
        return String.join(" / ", xs.stream().map(BrokerReport::num).toList());
    }

    static String num(double x) {
        if (Math.abs(x) >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", x);
        }
        return Math.abs(x) >= 10 ? String.format(Locale.ROOT, "%.1f", x) : String.format(Locale.ROOT, "%.2f", x);
    }

    void writeMarkdown(Path doc) throws IOException {
        SECTION.write(doc, "# Performance\n", markdown());
    }
}
