package io.ferrite.bench.brokers;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.FerriteProcess;
import io.ferrite.launcher.Librdkafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code txn_perf} ({@code bench/src/main/c/txn_perf.c}): a transactional producer load generator in C on the
 * librdkafka that node-rdkafka builds (rdkafka_performance has no transactions), compiled into
 * {@code bench/target} on first use against that build's shared library ({@link Librdkafka#compile}).
 */
final class TxnPerf {
    static final Path SOURCE = FerriteProcess.rootDir().resolve("bench/src/main/c/txn_perf.c");
    static final Path BINARY = FerriteProcess.rootDir().resolve("bench/target/txn_perf");
    private static final Pattern COMMITTED = Pattern.compile(
            "% (\\d+) records committed in (\\d+) ms: (\\d+) records/s, (\\d+) transactions, (\\d+) us committing");

    private final String bootstrap;
    private final String broker;

    TxnPerf(BrokerUnderTest broker) {
        this.bootstrap = broker.bootstrap();
        this.broker = broker.name();
    }

    /** The tool, compiled if it is missing or older than its source or the library. */
    static Path tool() throws IOException, InterruptedException {
        if (!Files.isRegularFile(Librdkafka.LIBRARY_DIR.resolve("librdkafka.so.1"))) {
            throw new IllegalStateException("no librdkafka in " + Librdkafka.LIBRARY_DIR
                    + ": run bin/test once (its npm ci builds it)");
        }
        return Librdkafka.compile("cc", SOURCE, BINARY, "cc-txn_perf");
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
        String out = RdkafkaPerf.runTool(name, command, records, broker);
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
