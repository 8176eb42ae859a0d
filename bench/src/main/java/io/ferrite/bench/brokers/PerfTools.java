package io.ferrite.bench.brokers;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.Command;
import io.ferrite.launcher.KafkaTools;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Apache Kafka's own performance tools (kafka-tools at the pinned version), each run in its own JVM as
 * {@code bin/kafka-*-perf-test.sh} runs it, against one broker; their printed summary parsed into named
 * figures. A produce run whose sends failed still yields its figures, with the count of records never
 * acknowledged; any other run that did not do all its work (records missing, a timeout) fails the run.
 */
final class PerfTools {
    static final String PRODUCER = "org.apache.kafka.tools.ProducerPerformance";
    static final String CONSUMER = "org.apache.kafka.tools.ConsumerPerformance";
    static final String END_TO_END = "org.apache.kafka.tools.EndToEndLatency";
    /**
     * The perf-test scripts' 512 MiB heap and kafka-run-class.sh's performance flags; English number
     * formats, since the tools print with the default locale.
     */
    private static final List<String> TOOL_JVM = List.of("-Xmx512m", "-server", "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent",
            "-Duser.language=en", "-Duser.country=US");
    /** ProducerPerformance's summary: the last line without " steady state" (no warm-up records are asked for). */
    private static final Pattern PRODUCED = Pattern.compile("(\\d+) records sent, ([\\d.]+) records/sec \\(([\\d.]+)"
            + " MB/sec\\), ([\\d.]+) ms avg latency, ([\\d.]+) ms max latency, (\\d+) ms 50th, (\\d+) ms 95th,"
            + " (\\d+) ms 99th, (\\d+) ms 99.9th");
    /** The first line of a stack trace printed by the tool's send callback. */
    private static final Pattern FAILED_SEND = Pattern.compile("^[\\w.$]+(Exception|Error)\\b");
    private static final Pattern E2E_AVG = Pattern.compile("Avg latency: ([\\d.]+) ms");
    private static final Pattern E2E_PERCENTILES = Pattern.compile(
            "Percentiles: 50th = (\\d+), 99th = (\\d+), 99.9th = (\\d+)");

    private final KafkaTools tools;
    private final String bootstrap;

    PerfTools(BrokerUnderTest broker, String logPrefix) throws IOException {
        this.tools = KafkaTools.against(broker, logPrefix);
        this.bootstrap = broker.bootstrap();
    }

    /**
     * ProducerPerformance: {@code records} records of {@code size} random bytes, acks=all, 64 KiB batches,
     * 5 ms linger, at most {@code throughput} records/s (-1: unthrottled). Figures: failed_records,
     * records_per_sec, mb_per_sec (MiB/s, as the tool counts), avg_ms, max_ms, p50_ms, p95_ms, p99_ms, p999_ms.
     */
    Map<String, Double> produce(String name, String topic, long records, int size, int throughput)
            throws IOException, InterruptedException {
        return produce(name, topic, records, size, throughput, -1);
    }

    /**
     * As above; with {@code transactionMs} above 0, in transactions (transactional id {@code name}), each
     * committed once it has been open that long, as ProducerPerformance's {@code --transaction-duration-ms} does.
     */
    Map<String, Double> produce(String name, String topic, long records, int size, int throughput, int transactionMs)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(
                "--bootstrap-server", bootstrap, "--topic", topic, "--num-records", Long.toString(records),
                "--record-size", Integer.toString(size), "--throughput", Integer.toString(throughput),
                "--producer-props", "acks=all", "batch.size=65536", "linger.ms=5"));
        if (transactionMs > 0) {
            args.addAll(List.of("--transactional-id", name, "--transaction-duration-ms",
                    Integer.toString(transactionMs)));
        }
        Command.Result r = run(name, PRODUCER, timeoutFor(records, 10_000), args);
        // The tool prints each failed send's stack trace and carries on, counting only acknowledged records
        // as sent. A broker that drops sends under a workload is a result, so the run is kept, with the
        // records that were never acknowledged as failed_records. (The client's retried errors are log
        // lines, which start with the time in brackets, and are no failures.)
        List<String> failures = r.stderr().lines().filter(l -> FAILED_SEND.matcher(l).find()).toList();
        Matcher m = lastMatch(PRODUCED, r.stdout(), name);
        long sent = Long.parseLong(m.group(1));
        if (sent != records && failures.isEmpty()) {
            throw new IllegalStateException(name + ": " + sent + " of " + records + " records sent, no errors printed");
        }
        if (!failures.isEmpty()) {
            System.err.println(name + ": " + (records - sent) + " records were not acknowledged; first errors:\n"
                    + String.join("\n", failures.subList(0, Math.min(3, failures.size()))));
        }
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("failed_records", (double) (records - sent));
        f.put("records_per_sec", Double.parseDouble(m.group(2)));
        f.put("mb_per_sec", Double.parseDouble(m.group(3)));
        f.put("avg_ms", Double.parseDouble(m.group(4)));
        f.put("max_ms", Double.parseDouble(m.group(5)));
        f.put("p50_ms", Double.parseDouble(m.group(6)));
        f.put("p95_ms", Double.parseDouble(m.group(7)));
        f.put("p99_ms", Double.parseDouble(m.group(8)));
        f.put("p999_ms", Double.parseDouble(m.group(9)));
        return f;
    }

    /**
     * ConsumerPerformance: a new group reads {@code records} records of {@code topic} from the beginning.
     * Figures: mb_per_sec and records_per_sec over the fetch time (group join excluded, as the tool reports
     * it), total_mb_per_sec including the join, rebalance_ms.
     */
    Map<String, Double> consume(String name, String topic, long records) throws IOException, InterruptedException {
        return consume(name, topic, records, false);
    }

    /** As above; with {@code readCommitted}, at isolation level read_committed. */
    Map<String, Double> consume(String name, String topic, long records, boolean readCommitted)
            throws IOException, InterruptedException {
        return consume(name, topic, records, readCommitted, "perf-" + name);
    }

    private Map<String, Double> consume(String name, String topic, long records, boolean readCommitted, String group)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(
                "--bootstrap-server", bootstrap, "--topic", topic, "--num-records", Long.toString(records),
                "--timeout", "30000", "--group", group));
        if (readCommitted) {
            args.addAll(List.of("--command-property", "isolation.level=read_committed"));
        }
        Command.Result r = run(name, CONSUMER, timeoutFor(records, 50_000), args);
        // The header, then one line: start, end, MB, MB/s, records, records/s, rebalance ms, fetch ms,
        // fetch MB/s, fetch records/s.
        String line = r.stdout().lines().filter(l -> l.matches("^\\d{4}-.*")).reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalStateException(name + ": no summary line:\n" + tail(r.stdout())));
        String[] f = line.split(",\\s*");
        if (f.length != 10 || r.stdout().contains("WARNING: Exiting before consuming")) {
            throw new IllegalStateException(name + ": unexpected summary:\n" + tail(r.stdout()));
        }
        long consumed = Long.parseLong(f[4]);
        if (consumed != records) {
            throw new IllegalStateException(name + ": consumed " + consumed + " of " + records + " records");
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("mb_per_sec", Double.parseDouble(f[8]));
        out.put("records_per_sec", Double.parseDouble(f[9]));
        out.put("total_mb_per_sec", Double.parseDouble(f[3]));
        out.put("rebalance_ms", Double.parseDouble(f[6]));
        return out;
    }

    /**
     * ConsumerPerformance in a group of its own, subscribed to the empty {@code topic} and assigned all of its
     * partitions before anything is produced, then ProducerPerformance sending {@code records} records at
     * {@code rate} records/s; returns once the consumer has read them all. Figures: the producer's.
     */
    Map<String, Double> produceWhileTailed(String name, String topic, long records, int size, int rate)
            throws IOException, InterruptedException {
        String group = "perf-" + name + "-tail";
        java.util.concurrent.FutureTask<Map<String, Double>> consumer = new java.util.concurrent.FutureTask<>(
                () -> consume(name + "-tail", topic, records, false, group));
        Thread t = new Thread(consumer, "bench-tail-consumer"); // one per run, joined below
        t.setDaemon(true);
        t.start();
        try {
            awaitAssigned(group, topic, Duration.ofSeconds(25), consumer);
            Map<String, Double> produced = produce(name, topic, records, size, rate);
            consumer.get(timeoutFor(records, 1000).toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            return produced;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(name + ": the tailing consumer failed", e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(name + ": the tailing consumer did not finish", e);
        } finally {
            consumer.cancel(true);
            t.join(10_000);
        }
    }

    /**
     * Waits until {@code group} is stable with every partition of {@code topic} assigned to its member, within
     * {@code limit} (less than the consumer's own 30 s without records); a consumer that ended meanwhile fails
     * the wait with its own error.
     */
    private void awaitAssigned(String group, String topic, Duration limit,
                               java.util.concurrent.Future<?> consumer) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of(org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
            while (System.nanoTime() < deadline) {
                if (consumer.isDone()) { // before anything was produced: an error, its own if it threw one
                    Throwable cause = null;
                    try {
                        consumer.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        cause = e.getCause();
                    }
                    throw new IllegalStateException("the consumer of " + topic + " ended before it was assigned",
                            cause);
                }
                try {
                    var d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                    long assigned = d.members().stream().mapToLong(m -> m.assignment().topicPartitions().size()).sum();
                    if (d.groupState() == org.apache.kafka.common.GroupState.STABLE && assigned == partitions) {
                        return;
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException)) {
                        throw e; // not yet joined is the only answer to wait out
                    }
                }
                Thread.sleep(200);
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot describe group " + group, e.getCause());
        }
        throw new IllegalStateException("group " + group + " was not assigned " + topic + " within " + limit);
    }

    /**
     * EndToEndLatency: {@code records} times, send one record of {@code size} bytes with acks=all and poll
     * until it arrives. Figures: avg_ms, and p50_ms, p99_ms, p999_ms in whole milliseconds as the tool
     * prints them.
     */
    Map<String, Double> endToEnd(String name, String topic, long records, int size)
            throws IOException, InterruptedException {
        Command.Result r = run(name, END_TO_END, timeoutFor(records, 100), List.of(
                "--bootstrap-server", bootstrap, "--topic", topic, "--num-records", Long.toString(records),
                "--producer-acks", "all", "--record-size", Integer.toString(size)));
        Matcher avg = lastMatch(E2E_AVG, r.stdout(), name);
        Matcher p = lastMatch(E2E_PERCENTILES, r.stdout(), name);
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("avg_ms", Double.parseDouble(avg.group(1)));
        f.put("p50_ms", Double.parseDouble(p.group(1)));
        f.put("p99_ms", Double.parseDouble(p.group(2)));
        f.put("p999_ms", Double.parseDouble(p.group(3)));
        return f;
    }

    private Command.Result run(String name, String mainClass, Duration timeout, List<String> args)
            throws IOException, InterruptedException {
        return tools.run(name, TOOL_JVM, timeout, mainClass, "", new ArrayList<>(args)).ok();
    }

    /** Two minutes of slack over the run at {@code slowestRate} records/s, so only a stuck run times out. */
    private static Duration timeoutFor(long records, long slowestRate) {
        return Duration.ofSeconds(120 + records / slowestRate);
    }

    /** The last line of {@code text} that {@code p} finds, outside the tools' "steady state" lines. */
    static Matcher lastMatch(Pattern p, String text, String name) {
        Matcher last = null;
        for (String line : text.lines().toList()) {
            Matcher m = p.matcher(line);
            if (m.find() && !line.contains("steady state")) {
                last = m;
            }
        }
        if (last == null) {
            throw new IllegalStateException(name + ": no line matching " + p + " in:\n" + tail(text));
        }
        return last;
    }

    static String tail(String s) {
        return s.length() <= 3000 ? s : "..." + s.substring(s.length() - 3000);
    }
}
