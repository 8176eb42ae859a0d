package io.ferrite.bench.brokers;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.Command;
import io.ferrite.launcher.Librdkafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * librdkafka's C load generator, {@code rdkafka_performance} (librdkafka 2.12, built from source by the
 * node-rdkafka package that the compatibility tests install), against one broker. Being C and lean, it leaves
 * most of this machine to the broker, where Kafka's Java tools take most of it themselves. Its summary line is
 * parsed into named figures; MB/s here is the tool's: 10^6 bytes a second.
 */
final class RdkafkaPerf {
    /** Where {@code npm ci} in compat-tests/node-rdkafka leaves the tool. */
    static final Path TOOL = Librdkafka.MODULE.resolve("deps/librdkafka/examples/rdkafka_performance");
    /** Producer settings, the same for every broker: acks=all, 5 ms linger, batches up to librdkafka's 1 MB. */
    private static final List<String> PRODUCER = List.of("-X", "acks=all", "-X", "linger.ms=5",
            "-X", "batch.size=1000000");
    private static final Pattern PRODUCED = Pattern.compile("% (\\d+) messages produced \\((\\d+) bytes\\), (\\d+)"
            + " delivered \\(offset -?\\d+, (\\d+) failed\\) in (\\d+)ms: (\\d+) msgs/s and ([\\d.]+) MB/s");
    private static final Pattern CONSUMED = Pattern.compile("% (\\d+) messages \\((\\d+) bytes\\) consumed in (\\d+)ms:"
            + " (\\d+) msgs/s \\(([\\d.]+) MB/s\\)");

    private final String bootstrap;
    private final String broker;
    /** The client's TLS settings, or none for plaintext. */
    private final List<String> security;

    RdkafkaPerf(BrokerUnderTest broker) {
        this.bootstrap = broker.bootstrap();
        this.broker = broker.name();
        this.security = List.of();
    }

    /** Over the broker's TLS listener, trusting the certificate authority in the PEM file {@code ca}. */
    RdkafkaPerf(BrokerUnderTest broker, Path ca) {
        this.bootstrap = broker.secureBootstrap();
        this.broker = broker.name();
        this.security = List.of("-X", "security.protocol=ssl", "-X", "ssl.ca.location=" + ca);
    }

    /** Whether the tool is built (bin/test's npm install builds it). */
    static boolean available() {
        return Files.isExecutable(TOOL);
    }

    /**
     * {@code records} records of {@code size} bytes to {@code topic}, spread by librdkafka's default partitioner
     * over all its partitions. Figures: records_per_sec, mb_per_sec, failed_records.
     */
    Map<String, Double> produce(String name, String topic, long records, int size)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("-P", "-t", topic, "-b", bootstrap, "-s", Integer.toString(size),
                "-c", Long.toString(records)));
        args.addAll(PRODUCER);
        String out = run(name, args, records);
        Matcher m = PerfTools.lastMatch(PRODUCED, out, name);
        long delivered = Long.parseLong(m.group(3));
        if (delivered + Long.parseLong(m.group(4)) != records) {
            throw new IllegalStateException(name + ": " + delivered + " of " + records + " delivered:\n"
                    + PerfTools.tail(out));
        }
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("records_per_sec", Double.parseDouble(m.group(6)));
        f.put("mb_per_sec", Double.parseDouble(m.group(7)));
        f.put("failed_records", Double.parseDouble(m.group(4)));
        return f;
    }

    /**
     * A consumer of partitions 0 to {@code partitions - 1} of {@code topic} from the beginning, until it has
     * {@code records} records. Figures: records_per_sec, mb_per_sec.
     */
    Map<String, Double> consume(String name, String topic, int partitions, long records)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("-C", "-t", topic, "-b", bootstrap, "-o", "beginning",
                "-c", Long.toString(records)));
        for (int p = 0; p < partitions; p++) {
            args.addAll(List.of("-p", Integer.toString(p)));
        }
        String out = run(name, args, records);
        Matcher m = PerfTools.lastMatch(CONSUMED, out, name);
        if (Long.parseLong(m.group(1)) != records) {
            throw new IllegalStateException(name + ": consumed " + m.group(1) + " of " + records + "\n"
                    + PerfTools.tail(out));
        }
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("records_per_sec", Double.parseDouble(m.group(4)));
        f.put("mb_per_sec", Double.parseDouble(m.group(5)));
        return f;
    }

    /**
     * {@code records} records of {@code size} bytes at {@code rate} a second over the partitions of {@code topic},
     * with a consumer of all {@code partitions} reading them as they come, both timing every record (the tool's
     * latency mode, written to files under {@code work}): the producer from send to acknowledgement, the consumer
     * from send to receipt. Figures: records_per_sec; p50_ms, p99_ms, p999_ms of the acknowledgements; e2e_p99_ms,
     * e2e_p999_ms of the receipts.
     */
    Map<String, Double> produceAlongsideConsumer(String name, String topic, int partitions, long records, int size,
                                                 int rate, Path work) throws IOException, InterruptedException {
        Files.createDirectories(work);
        Path acks = work.resolve(name + "-produce.lat");
        Path receipts = work.resolve(name + "-consume.lat");
        List<String> consumer = new ArrayList<>(List.of(TOOL.toString(), "-C", "-t", topic, "-b", bootstrap,
                "-o", "beginning", "-c", Long.toString(records), "-l", "-A", receipts.toString()));
        for (int p = 0; p < partitions; p++) {
            consumer.addAll(List.of("-p", Integer.toString(p)));
        }
        consumer.addAll(security);
        Path consumerLog = work.resolve(name + "-consumer.log");
        Process reader = new ProcessBuilder(consumer).redirectErrorStream(true)
                .redirectOutput(consumerLog.toFile()).start();
        try {
            List<String> args = new ArrayList<>(List.of("-P", "-t", topic, "-b", bootstrap, "-s",
                    Integer.toString(size), "-c", Long.toString(records), "-r", Integer.toString(rate), "-l", "-A",
                    acks.toString()));
            args.addAll(PRODUCER);
            String out = run(name, args, records);
            Matcher m = PerfTools.lastMatch(PRODUCED, out, name);
            if (Long.parseLong(m.group(3)) != records) {
                throw new IllegalStateException(name + ": " + m.group(3) + " of " + records + " delivered");
            }
            if (!reader.waitFor(120, java.util.concurrent.TimeUnit.SECONDS) || reader.exitValue() != 0) {
                throw new IllegalStateException(name + ": the consumer did not read all " + records + " records:\n"
                        + PerfTools.tail(Files.readString(consumerLog)));
            }
            Map<String, Double> f = new LinkedHashMap<>();
            f.put("records_per_sec", Double.parseDouble(m.group(6)));
            double[] a = micros(acks);
            double[] e = micros(receipts);
            f.put("p50_ms", percentile(a, 0.5) / 1000);
            f.put("p99_ms", percentile(a, 0.99) / 1000);
            f.put("p999_ms", percentile(a, 0.999) / 1000);
            f.put("e2e_p99_ms", percentile(e, 0.99) / 1000);
            f.put("e2e_p999_ms", percentile(e, 0.999) / 1000);
            return f;
        } finally {
            reader.destroyForcibly();
            Files.deleteIfExists(acks);
            Files.deleteIfExists(receipts);
        }
    }

    /** The latencies a latency-mode run wrote, one number of microseconds a line, sorted. */
    private static double[] micros(Path file) throws IOException {
        double[] v = Files.readAllLines(file).stream().filter(l -> !l.isBlank()).mapToDouble(Double::parseDouble)
                .sorted().toArray();
        if (v.length == 0) {
            throw new IllegalStateException("no latencies in " + file);
        }
        return v;
    }

    /** The nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double q) {
        return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private String run(String name, List<String> args, long records) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(TOOL.toString()));
        command.addAll(args);
        command.addAll(security);
        return runTool(name, command, records, broker);
    }

    /**
     * Runs a C load generator's {@code command} for {@code records} records against {@code broker} (its name, for
     * errors) and returns its output, failing the run if it exits other than 0.
     */
    static String runTool(String name, List<String> command, long records, String broker)
            throws IOException, InterruptedException {
        // Two minutes over the run at 10,000 records/s, so only a stuck run times out.
        Command.Result r = Command.run(name, command, "", Duration.ofSeconds(120 + records / 10_000));
        if (r.exit() != 0) {
            throw new IllegalStateException(name + " against " + broker + " exited with " + r.exit() + ":\n"
                    + PerfTools.tail(r.stdout() + r.stderr()));
        }
        return r.stdout() + r.stderr();
    }
}
