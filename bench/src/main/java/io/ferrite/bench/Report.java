package io.ferrite.bench;

import static io.ferrite.bench.Result.fmt;

import io.ferrite.storage.FlushMode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The raw results file (TSV: {@code # key<TAB>value} lines for the machine and the run, a header, one row
 * per case) and everything derived from it: the plain-text table, the two bars, the ablation readings, and
 * the generated part of docs/PERFORMANCE-STORE.md. Deriving all of it from the file means every figure in the doc
 * comes from one run.
 */
final class Report {
    static final GeneratedSection SECTION = new GeneratedSection(
            "<!-- BEGIN GENERATED: bin/bench-storage --markdown; edits inside are overwritten -->",
            "<!-- END GENERATED -->");
    static final double SYNC_BAR = 0.50;
    static final double PARTITION_LOSS_BAR = 0.15;
    /** Smallest throughput change an ablation reading calls a difference, if the two default runs agree better. */
    static final double MIN_NOISE = 0.05;

    final Map<String, String> meta;
    /** Every run of every case, as measured. */
    final List<Result> runs;
    /** Per case, the run with the median throughput: what the tables, bars and readings use. */
    final List<Result> results;
    private final Map<String, List<Result>> byName = new LinkedHashMap<>();

    Report(Map<String, String> meta, List<Result> runs) {
        this.meta = meta;
        this.runs = runs;
        runs.forEach(r -> byName.computeIfAbsent(r.workload().name(), k -> new ArrayList<>()).add(r));
        this.results = byName.values().stream().map(Report::median).toList();
    }

    /** The run with the median throughput (the lower middle one for an even count), latencies and all. */
    private static Result median(List<Result> rs) {
        List<Result> sorted = rs.stream().sorted(java.util.Comparator.comparingDouble(Result::mbPerSec)).toList();
        return sorted.get((sorted.size() - 1) / 2);
    }

    /** Each run's MB/s for the case, in run order, e.g. "336 / 800 / 512". */
    private String runsOf(Result r) {
        List<Result> rs = byName.get(r.workload().name());
        return rs == null ? "" : String.join(" / ", rs.stream().map(x -> fmt("%.0f", x.mbPerSec())).toList());
    }

    void write(Path file) throws IOException {
        new ResultsFile(meta, runs.stream().map(Result::toTsv).toList()).write(file, Result.TSV_HEADER);
    }

    static Report read(Path file) throws IOException {
        ResultsFile f = ResultsFile.read(file, Result.TSV_HEADER);
        return new Report(f.meta(), f.lines().stream().map(Result::fromTsv).toList());
    }

    // ---- the table ----

    private static final String[] COLUMNS = {"case", "batch", "partitions", "flush", "appenders", "warm", "mlock",
        "pool", "MB/s", "batches/s", "p50 us", "p99 us", "p99.9 us", "max us", "MB/s of each run"};

    private String[] row(Result r) {
        Workload w = r.workload();
        return new String[] {w.name(), r.batchBytes() + " B", Integer.toString(w.partitions()), w.modeName(),
            Integer.toString(w.appenders()), Workload.onOff(w.warm()), Workload.onOff(w.mlock()),
            Workload.onOff(w.pool()), fmt("%.1f", r.mbPerSec()), fmt("%,.0f", r.batchesPerSec()), us(r.p50Nanos()),
            us(r.p99Nanos()), us(r.p999Nanos()), us(r.maxNanos()), runsOf(r)};
    }

    static String us(long nanos) {
        return nanos < 100_000 ? fmt("%.1f", nanos / 1e3) : fmt("%,.0f", nanos / 1e3);
    }

    String textTable(List<Result> rs) {
        List<String[]> rows = new ArrayList<>();
        rows.add(COLUMNS);
        rs.forEach(r -> rows.add(row(r)));
        int[] width = new int[COLUMNS.length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                // Names left-aligned, numbers right-aligned.
                sb.append(i == 0 ? fmt("%-" + width[i] + "s", row[i]) : fmt("  %" + width[i] + "s", row[i]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    String markdownTable(List<Result> rs) {
        StringBuilder sb = new StringBuilder("| " + String.join(" | ", COLUMNS) + " |\n|");
        for (int i = 0; i < COLUMNS.length; i++) {
            sb.append(i == 0 ? "---|" : "---:|");
        }
        sb.append('\n');
        rs.forEach(r -> sb.append("| ").append(String.join(" | ", row(r))).append(" |\n"));
        return sb.toString();
    }

    // ---- bars and ablations, as lines of text shared by stdout and the doc ----

    private Optional<Result> find(Predicate<Workload> p) {
        return results.stream().filter(r -> p.test(r.workload())).findFirst();
    }

    private Optional<Result> matrix(int batch, int partitions, FlushMode mode, int appenders) {
        return find(w -> w.group().equals(Workload.MATRIX) && w.batchSize() == batch && w.partitions() == partitions
                && w.mode() == mode && w.appenders() == appenders);
    }

    private List<Integer> batchSizes() {
        return results.stream().map(r -> r.workload().batchSize()).distinct().sorted().toList();
    }

    /** Bar (a): sync with 64 appenders against async, same batch size and partitions. */
    List<String> syncBar() {
        List<String> lines = new ArrayList<>();
        int pairs = 0;
        int metPairs = 0;
        for (int batch : batchSizes()) {
            for (int partitions : new int[] {8, 1000}) {
                Optional<Result> sync = matrix(batch, partitions, FlushMode.SYNC, 64);
                Optional<Result> async64 = matrix(batch, partitions, FlushMode.ASYNC, 64);
                Optional<Result> async1 = matrix(batch, partitions, FlushMode.ASYNC, 1);
                if (sync.isEmpty() || async64.isEmpty()) {
                    continue;
                }
                double ratio = sync.get().mbPerSec() / async64.get().mbPerSec();
                double best = Math.max(async64.get().mbPerSec(), async1.map(Result::mbPerSec).orElse(0.0));
                boolean met = ratio >= SYNC_BAR;
                pairs++;
                metPairs += met ? 1 : 0;
                lines.add(fmt("%s, %d partitions: sync %.1f MB/s vs async %.1f MB/s (64 appenders both) = %.0f%%"
                                + " -> %s; vs the best async (%.1f MB/s) = %.0f%%", kib(batch), partitions,
                        sync.get().mbPerSec(), async64.get().mbPerSec(), 100 * ratio, met ? "met" : "NOT met",
                        best, 100 * sync.get().mbPerSec() / best));
            }
        }
        lines.add(0, fmt("Bar (a) sync, 64 appenders >= %.0f%% of async: %s", 100 * SYNC_BAR,
                verdict(pairs, metPairs)));
        return lines;
    }

    /** Bar (b): 1,000 partitions against 8, all else the same. */
    List<String> partitionBar() {
        List<String> lines = new ArrayList<>();
        int pairs = 0;
        int metPairs = 0;
        for (int batch : batchSizes()) {
            for (FlushMode mode : new FlushMode[] {FlushMode.ASYNC, FlushMode.SYNC}) {
                for (int appenders : new int[] {1, 64}) {
                    Optional<Result> few = matrix(batch, 8, mode, appenders);
                    Optional<Result> many = matrix(batch, 1000, mode, appenders);
                    if (few.isEmpty() || many.isEmpty()) {
                        continue;
                    }
                    double loss = 1 - many.get().mbPerSec() / few.get().mbPerSec();
                    boolean met = loss <= PARTITION_LOSS_BAR;
                    pairs++;
                    metPairs += met ? 1 : 0;
                    lines.add(fmt("%s, %s, %d appender%s: 8 partitions %.1f MB/s, 1000 partitions %.1f MB/s,"
                                    + " loss %.0f%% -> %s", kib(batch), lower(mode), appenders,
                            appenders == 1 ? "" : "s", few.get().mbPerSec(), many.get().mbPerSec(), 100 * loss,
                            met ? "met" : "NOT met"));
                }
            }
        }
        lines.add(0, fmt("Bar (b) 1000 partitions lose <= %.0f%% of 8 partitions: %s", 100 * PARTITION_LOSS_BAR,
                verdict(pairs, metPairs)));
        return lines;
    }

    private static String verdict(int pairs, int met) {
        if (pairs == 0) {
            return "not measured";
        }
        return (met == pairs ? "MET" : "NOT MET") + fmt(" (met in %d of %d pairs)", met, pairs);
    }

    /**
     * One reading per flipped technique and flush mode, against the default run of the same group. A change
     * counts only beyond the noise: the larger of {@link #MIN_NOISE} and the gap between the two default runs.
     */
    List<String> ablationReadings() {
        List<String> lines = new ArrayList<>();
        for (FlushMode mode : new FlushMode[] {FlushMode.ASYNC, FlushMode.SYNC}) {
            Optional<Result> base = find(w -> w.group().equals(Workload.ABLATION) && w.mode() == mode
                    && w.variant().equals(Workload.DEFAULT));
            if (base.isEmpty()) {
                continue;
            }
            Workload b = base.get().workload();
            double noise = MIN_NOISE;
            Optional<Result> again = matrix(b.batchSize(), b.partitions(), mode, b.appenders());
            if (again.isPresent()) {
                double gap = Math.abs(base.get().mbPerSec() / again.get().mbPerSec() - 1);
                noise = Math.max(noise, gap);
                lines.add(fmt("%s: the two default runs gave %.1f and %.1f MB/s (%.1f%% apart); noise taken as %.0f%%",
                        lower(mode), again.get().mbPerSec(), base.get().mbPerSec(), 100 * gap,
                        100 * noise));
            }
            for (Result r : results) {
                Workload w = r.workload();
                if (!w.group().equals(Workload.ABLATION) || w.mode() != mode || w.variant().equals(Workload.DEFAULT)) {
                    continue;
                }
                double delta = r.mbPerSec() / base.get().mbPerSec() - 1;
                String verdict = Math.abs(delta) <= noise ? "no difference beyond noise"
                        : (delta > 0 ? w.variant() : "the default (" + defaultOf(w.variant()) + ")") + " is faster";
                lines.add(fmt("%s, %s: %.1f -> %.1f MB/s (%+.1f%%), p99 %s -> %s us: %s", lower(mode),
                        w.variant(), base.get().mbPerSec(), r.mbPerSec(), 100 * delta, us(base.get().p99Nanos()),
                        us(r.p99Nanos()), verdict));
            }
        }
        return lines;
    }

    private static String defaultOf(String variant) {
        String[] kv = variant.split("=");
        return kv[0] + "=" + (kv[1].equals("on") ? "off" : "on");
    }

    private static String lower(FlushMode mode) {
        return mode.name().toLowerCase(Locale.ROOT);
    }

    private static String kib(int batch) {
        return (batch / 1024) + " KiB";
    }

    /** Everything after the run, for stdout. */
    String text() {
        StringBuilder sb = new StringBuilder(textTable(results)).append('\n');
        syncBar().forEach(l -> sb.append(l).append('\n'));
        sb.append('\n');
        partitionBar().forEach(l -> sb.append(l).append('\n'));
        sb.append("\nAblations:\n");
        ablationReadings().forEach(l -> sb.append("  ").append(l).append('\n'));
        return sb.toString();
    }

    // ---- the doc ----

    /** The generated part of docs/PERFORMANCE-STORE.md. */
    String markdown() {
        StringBuilder sb = new StringBuilder("\n## Machine and run\n\n| | |\n|---|---|\n");
        meta.forEach((k, v) -> sb.append("| ").append(k).append(" | `").append(v.replace("|", "\\|")).append("` |\n"));
        List<Result> grid = results.stream().filter(r -> r.workload().group().equals(Workload.MATRIX)).toList();
        List<Result> abl = results.stream().filter(r -> r.workload().group().equals(Workload.ABLATION)).toList();
        sb.append("\n## Results\n\n").append(markdownTable(grid));
        sb.append("\n## Bars\n\n");
        List<String> a = syncBar();
        sb.append("**").append(a.get(0)).append("**\n\n");
        a.subList(1, a.size()).forEach(l -> sb.append("- ").append(l).append('\n'));
        List<String> b = partitionBar();
        sb.append("\n**").append(b.get(0)).append("**\n\n");
        b.subList(1, b.size()).forEach(l -> sb.append("- ").append(l).append('\n'));
        sb.append("\n## Ablations\n\n").append(markdownTable(abl)).append('\n');
        ablationReadings().forEach(l -> sb.append("- ").append(l).append('\n'));
        return sb.toString();
    }

    /** Writes the generated part into {@code doc}, or a new doc of {@code preamble} and that part. */
    void writeMarkdown(Path doc, String preamble) throws IOException {
        SECTION.write(doc, preamble, markdown());
    }
}
