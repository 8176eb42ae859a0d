package io.ferrite.bench;

import static io.ferrite.bench.Result.fmt;

import io.ferrite.storage.NativeIO;
import io.ferrite.storage.StoreConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Store append throughput and latency over a matrix of batch size, partition count, flush mode and
 * appender count, plus ablations of warming, mlock and the transient store pool. See {@link CaseRunner}
 * for how one case runs and {@link Report} for what is derived from the results.
 *
 * <pre>
 * StoreBenchmark [--seconds 5] [--warmup 1] [--repeat 3] [--data-dir bench-results/data] [--out bench-results]
 *                [--only REGEX] [--markdown docs/PERFORMANCE-STORE.md] [--commitlog-bytes N] [--list]
 * StoreBenchmark --from-tsv FILE [--markdown FILE]      (report on an earlier run, without running)
 * </pre>
 */
public final class StoreBenchmark {
    private static final String USAGE = """
            usage: StoreBenchmark [options]
              --seconds S          measured window per case (default 5)
              --warmup S           warm-up before it (default 1)
              --repeat N           run the whole list N times, in rounds; tables use each case's median run (default 3)
              --data-dir DIR       parent of each case's temporary store (default bench-results/data)
              --out DIR            where the raw results go, storage-<timestamp>.tsv (default bench-results)
              --only REGEX         run only the cases whose name matches (see --list)
              --markdown FILE      also write the generated part of this doc (e.g. docs/PERFORMANCE-STORE.md)
              --commitlog-bytes N  CommitLog file size (default: the store default, 1 GiB; smaller for smoke runs)
              --from-tsv FILE      do not run: print the report (and --markdown) from an earlier results file
              --list               print the case names and exit""";
    /** Per case, beyond the timed phases: setup with 1,000 partitions and warming a 1 GiB file included. */
    private static final long CASE_SLACK_SECONDS = 300;

    private StoreBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    /** Runs with {@code args}; returns the exit status: 0 done, 1 a store failure, 2 bad arguments. */
    static int run(String[] args) throws IOException {
        Map<String, String> opts = Options.parse(args, Set.of("--list"), USAGE);
        if (opts == null) {
            return 2;
        }
        if (Options.wantsHelp(opts)) {
            System.out.println(USAGE);
            return 0;
        }
        List<String> known = List.of("--seconds", "--warmup", "--repeat", "--data-dir", "--out", "--only", "--markdown",
                "--commitlog-bytes", "--from-tsv", "--list");
        for (String k : opts.keySet()) {
            if (!known.contains(k)) {
                System.err.println("unknown option " + k + "\n" + USAGE);
                return 2;
            }
        }
        Path markdown = opts.containsKey("--markdown") ? Path.of(opts.get("--markdown")) : null;
        if (opts.containsKey("--from-tsv")) {
            Report report = Report.read(Path.of(opts.get("--from-tsv")));
            System.out.print(report.text());
            writeDoc(report, markdown);
            return 0;
        }

        Pattern only = Pattern.compile(opts.getOrDefault("--only", ""));
        List<Workload> cases = Workload.all().stream().filter(w -> only.matcher(w.name()).find()).toList();
        if (opts.containsKey("--list")) {
            cases.forEach(w -> System.out.println(w.name()));
            return 0;
        }
        double seconds = Double.parseDouble(opts.getOrDefault("--seconds", "5"));
        double warmup = Double.parseDouble(opts.getOrDefault("--warmup", "1"));
        int repeat = Integer.parseInt(opts.getOrDefault("--repeat", "3"));
        if (repeat < 1) {
            System.err.println("--repeat must be at least 1\n" + USAGE);
            return 2;
        }
        // Rounds rather than back-to-back repeats, so slow drifts on a shared machine spread over every case.
        List<Workload> rounds = new ArrayList<>();
        for (int r = 0; r < repeat; r++) {
            rounds.addAll(cases);
        }
        int fileSize = Integer.parseInt(opts.getOrDefault("--commitlog-bytes",
                Integer.toString(StoreConfig.defaults(Path.of(".")).commitLogFileSize())));
        Path dataRoot = Path.of(opts.getOrDefault("--data-dir", "bench-results/data")).toAbsolutePath();
        Path outDir = Path.of(opts.getOrDefault("--out", "bench-results"));
        Files.createDirectories(dataRoot);
        Files.createDirectories(outDir);
        Path tsv = outDir.resolve("storage-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".tsv");

        Map<String, String> meta = Machine.facts("java io.ferrite.bench.StoreBenchmark " + String.join(" ", args), dataRoot);
        meta.put("mlock of 64 MiB", Machine.mlockProbe());
        meta.put("warm-up per case", fmt("%.1f s", warmup));
        meta.put("measured window per case", fmt("%.1f s", seconds));
        meta.put("runs per case", repeat + " (in rounds; tables show the median run)");
        meta.put("CommitLog file size", Integer.toString(fileSize));
        System.out.printf("%d cases x %d runs, about %.0f s of timed work, results in %s%n", cases.size(), repeat,
                rounds.size() * (seconds + warmup), tsv);
        meta.forEach((k, v) -> System.out.println("  " + k + ": " + v));

        CaseRunner runner = new CaseRunner(fileSize, warmup, seconds);
        List<Result> results = new ArrayList<>();
        long start = System.nanoTime();
        int status = 0;
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-watchdog");
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < rounds.size(); i++) {
            Workload w = rounds.get(i);
            Path dir = Files.createTempDirectory(dataRoot, "case-");
            Thread cleanup = new Thread(() -> CaseRunner.deleteTree(dir)); // on Ctrl-C, leave no data behind
            Runtime.getRuntime().addShutdownHook(cleanup);
            // A store that hangs (in open, an append or close) would stall the run silently: dump and quit.
            ScheduledFuture<?> dog = watchdog.schedule(() -> {
                System.err.println("case " + w.name() + " exceeded its time limit\n" + CaseRunner.threadDump());
                CaseRunner.deleteTree(dir);
                Runtime.getRuntime().halt(3);
            }, CASE_SLACK_SECONDS + (long) (3 * (seconds + warmup)), TimeUnit.SECONDS);
            try {
                Result r = runner.run(w, dir);
                results.add(r);
                System.out.printf("[%d/%d] %-40s %9.1f MB/s %,11.0f batches/s  p50 %7s us  p99 %7s us"
                                + "  (setup %.1f s)%n", i + 1, rounds.size(), w.name(), r.mbPerSec(),
                        r.batchesPerSec(), Report.us(r.p50Nanos()), Report.us(r.p99Nanos()), r.setupSeconds());
            } catch (RuntimeException e) {
                System.err.println("STORE FAILURE in case " + w.name() + "; stopping the run");
                e.printStackTrace();
                status = 1;
                break;
            } finally {
                dog.cancel(false);
                CaseRunner.deleteTree(dir);
                Runtime.getRuntime().removeShutdownHook(cleanup);
                settle(dataRoot);
                System.gc(); // let the last case's direct buffers and mappings go before the next one
            }
        }
        watchdog.shutdownNow();
        meta.put("total run time", fmt("%.0f s", (System.nanoTime() - start) / 1e9));
        if (status != 0) {
            meta.put("incomplete", "stopped by a store failure after " + results.size() + " cases");
        }
        Report report = new Report(meta, results);
        report.write(tsv);
        System.out.println();
        System.out.print(report.text());
        System.out.println("\nraw results: " + tsv);
        writeDoc(report, markdown);
        return status;
    }

    /** Lets the filesystem finish the last case's writes, so they do not slow the next case down. */
    private static void settle(Path dataRoot) {
        try {
            NativeIO.syncfs(dataRoot);
        } catch (IOException e) {
            System.err.println("syncfs between cases failed: " + e.getMessage());
        }
    }

    private static void writeDoc(Report report, Path markdown) throws IOException {
        if (markdown != null) {
            report.writeMarkdown(markdown, "# Store performance\n");
            System.out.println("wrote " + markdown);
        }
    }
}
