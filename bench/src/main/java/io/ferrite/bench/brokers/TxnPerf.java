package io.ferrite.bench.brokers;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.Command;
import io.ferrite.launcher.FerriteProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code txn_perf} ({@code bench/src/main/c/txn_perf.c}): a transactional producer load generator in C on the
 * librdkafka that node-rdkafka builds (rdkafka_performance has no transactions), compiled into
 * {@code bench/target} on first use against that build's static library.
 */
final class TxnPerf {
    static final Path SOURCE = FerriteProcess.rootDir().resolve("bench/src/main/c/txn_perf.c");
    static final Path BINARY = FerriteProcess.rootDir().resolve("bench/target/txn_perf");
    /** librdkafka's source tree, where rdkafka_performance was built. */
    private static final Path LIBRDKAFKA = RdkafkaPerf.TOOL.getParent().getParent();
    private static final Pattern COMMITTED = Pattern.compile(
            "% (\\d+) records committed in (\\d+) ms: (\\d+) records/s, (\\d+) transactions, (\\d+) us committing");

    private final String bootstrap;
    private final String broker;

    TxnPerf(BrokerUnderTest broker) {
        this.bootstrap = broker.bootstrap();
        this.broker = broker.name();
    }

    /**
     * The tool, compiled if it is missing or older than its source or the library (with the system libraries
     * librdkafka's own build linked, from its {@code Makefile.config}).
     */
    static synchronized Path tool() throws IOException, InterruptedException {
        Path library = LIBRDKAFKA.resolve("src/librdkafka.a");
        if (!Files.isRegularFile(library)) {
            throw new IllegalStateException("no " + library + ": run bin/test once (its npm ci builds librdkafka)");
        }
        if (Files.isExecutable(BINARY)
                && Files.getLastModifiedTime(BINARY).compareTo(Files.getLastModifiedTime(SOURCE)) > 0
                && Files.getLastModifiedTime(BINARY).compareTo(Files.getLastModifiedTime(library)) > 0) {
            return BINARY;
        }
        String libs = Files.readAllLines(LIBRDKAFKA.resolve("Makefile.config")).stream()
                .filter(l -> l.startsWith("MKL_DYNAMIC_LIBS=")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no MKL_DYNAMIC_LIBS in librdkafka's Makefile.config"))
                .substring("MKL_DYNAMIC_LIBS=".length()).strip();
        Files.createDirectories(BINARY.getParent());
        List<String> cc = new ArrayList<>(List.of("cc", "-O2", "-Wall", "-I" + LIBRDKAFKA.resolve("src"),
                SOURCE.toString(), "-o", BINARY.toString(), library.toString()));
        cc.addAll(Arrays.stream(libs.split("\\s+")).distinct().toList());
        Command.Result r = Command.run("cc-txn_perf", cc, "", Duration.ofMinutes(2));
        if (r.exit() != 0) {
            throw new IllegalStateException("cannot build txn_perf:\n" + r.stdout() + r.stderr());
        }
        return BINARY;
    }

    /**
     * {@code records} records of {@code size} bytes to {@code topic} in transactions under the transactional id
     * {@code name}, each committed once open {@code transactionMs}. Figures: records_per_sec, mb_per_sec,
     * transactions, commit_share (the part of the run spent inside commit calls), failed_records.
     */
    Map<String, Double> produce(String name, String topic, long records, int size, int transactionMs)
            throws IOException, InterruptedException {
        List<String> command = List.of(tool().toString(), "-b", bootstrap, "-t", topic, "-c", Long.toString(records),
                "-s", Integer.toString(size), "-T", Integer.toString(transactionMs), "-i", name);
        // Two minutes over the run at 10,000 records/s, so only a stuck run times out.
        Command.Result r = Command.run(name, command, "", Duration.ofSeconds(120 + records / 10_000));
        String out = r.stdout() + r.stderr();
        if (r.exit() != 0) {
            throw new IllegalStateException(name + " against " + broker + " exited with " + r.exit() + ":\n"
                    + PerfTools.tail(out));
        }
        Matcher m = PerfTools.lastMatch(COMMITTED, out, name);
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("records_per_sec", Double.parseDouble(m.group(3)));
        f.put("mb_per_sec", Double.parseDouble(m.group(3)) * size / 1e6);
        f.put("transactions", Double.parseDouble(m.group(4)));
        f.put("commit_share", Double.parseDouble(m.group(5)) / 1000 / Math.max(1, Double.parseDouble(m.group(2))));
        f.put("failed_records", 0.0); // the tool fails the run on any record not committed
        return f;
    }
}
