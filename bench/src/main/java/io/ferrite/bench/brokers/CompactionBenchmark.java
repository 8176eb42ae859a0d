package io.ferrite.bench.brokers;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.ChildProcess;
import io.ferrite.launcher.FerriteProcess;
import io.ferrite.launcher.KafkaProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The cleaner under load, Ferrite against Kafka on this machine, one broker after the other, each fresh:
 * <ol>
 *   <li>a keyed workload fills a compacted topic (10,000 keys, 1 KiB values) whose {@code min.compaction.lag.ms}
 *       holds the cleaner off, and a last record closes it;</li>
 *   <li>a probe producer sends 1 KiB records to an unrelated topic at a steady rate (acks=all, linger 0) and its
 *       send-to-acknowledgement latencies are kept: the cleaner idle, with the workload in place;</li>
 *   <li>the lag is set to 0 (IncrementalAlterConfigs) and the probe runs again while the cleaner works through
 *       the whole topic, until the partition's size (DescribeLogDirs) falls below twice its live data: the
 *       cleaner busy. The time that took gives the cleaner's throughput in MB of log cleaned per second.</li>
 * </ol>
 * Kafka's topic rolls 16 MiB segments (and after a second) so its cleaner has closed segments to clean; both
 * cleaners check for work every 100 ms ({@code log.cleaner.backoff.ms}), so the clean time is the cleaning's.
 * The probe first runs ten seconds uncounted, before the fill, so neither JIT's warm-up lands in the idle figure.
 * Probe records slower than {@link #SLOW_MICROS} are listed with their send times, so a stall is told from a
 * general slowdown.
 *
 * <pre>bin/bench-compaction [--mb N] [--rounds N]</pre>
 */
public final class CompactionBenchmark {
    private static final int KEYS = 10_000;
    private static final int VALUE = 1024;
    private static final String TABLE = "table";
    private static final String PROBE = "probe";
    private static final int PROBE_RATE = 1_000;
    /** Probe latencies from this up are listed with their send time. */
    private static final long SLOW_MICROS = Long.getLong("bench.slow.micros", 50_000);
    /** min.compaction.lag.ms while the workload goes in: nothing is cleaned before it is all there. */
    private static final String HOLD_MS = "3600000";
    /** config/jvm.options, as bin/broker starts Ferrite; Kafka gets its own scripts' 1 GiB heap. */
    private static final List<String> FERRITE_JVM = List.of("-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=4g",
            "-XX:+ExitOnOutOfMemoryError");

    private CompactionBenchmark() {
    }

    /** {@link #FERRITE_JVM}, plus any options in the property {@code bench.ferrite.jvm} (say, a GC log). */
    private static List<String> ferriteJvm() {
        List<String> jvm = new ArrayList<>(FERRITE_JVM);
        String extra = System.getProperty("bench.ferrite.jvm", "").trim();
        if (!extra.isEmpty()) {
            jvm.addAll(List.of(extra.split("\\s+")));
        }
        return jvm;
    }

    public static void main(String[] args) throws Exception {
        int mb = 1024;
        int rounds = 1;
        List<String> kinds = List.of("ferrite", "kafka");
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--mb" -> mb = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--only" -> kinds = List.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path root = Files.createTempDirectory("bench-compaction");
        System.out.printf(Locale.ROOT, "# bin/bench-compaction --mb %d --rounds %d: %d keys, %d B values%n", mb, rounds,
                KEYS, VALUE);
        System.out.println("| broker | round | probe p50 idle | p99 idle | p50 cleaning | p99 cleaning | p99 ratio"
                + " | fill s | clean s | cleaned MB/s | size after MB | disk held MB | held over empty MB |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int round = 1; round <= rounds; round++) {
            for (String kind : kinds) {
                Path dir = root.resolve(kind + "-" + round);
                // A short backoff on both, so the clean time is the cleaner's, not its sleep's.
                // Retention checks every second on both, so the disk held after cleaning is measured once the
                // files no longer needed are gone.
                // Kafka's replaced segments waiting out file.delete.delay.ms are not counted as held (diskBytes);
                // Ferrite's dead entries wait one second for the same reason, then go at the next check.
                Map<String, String> overrides = new HashMap<>(Map.of("log.cleaner.backoff.ms", "100",
                        "log.retention.check.interval.ms", "1000"));
                if (kind.equals("ferrite")) {
                    overrides.put("store.reclaim.delay.ms", "1000");
                }
                try (BrokerUnderTest b = kind.equals("ferrite")
                        ? FerriteProcess.start("compaction-ferrite", dir, overrides, ferriteJvm())
                        : KafkaProcess.start("compaction-kafka", dir, overrides)) {
                    run(kind, round, b, mb, dir);
                }
                ChildProcess.deleteTree(dir);
            }
        }
    }

    private static void run(String kind, int round, BrokerUnderTest b, int mb, Path dir) throws Exception {
        // One probe producer for all three windows: a new one's first records wait for its connection, and in a
        // window of a few seconds those alone would make the p99.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrap()));
             KafkaProducer<byte[], byte[]> prober = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrap(), ProducerConfig.LINGER_MS_CONFIG, 0,
                     ProducerConfig.ACKS_CONFIG, "all"), new ByteArraySerializer(), new ByteArraySerializer())) {
            admin.createTopics(List.of(new NewTopic(PROBE, 1, (short) 1), new NewTopic(TABLE, 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact", "segment.bytes", Integer.toString(16 << 20),
                            "segment.ms", "1000", "min.compaction.lag.ms", HOLD_MS))))
                    .all().get(60, TimeUnit.SECONDS);
            probe(prober, 10_000, () -> false); // the JIT warms up on both sides; not counted
            warmUpCleaner(admin, b);
            long empty = diskBytes(dir); // what the broker holds before the workload: preallocated files, mostly
            long fillStart = System.nanoTime();
            long records = (long) mb * 1024 * 1024 / VALUE;
            fill(b, TABLE, records);
            long filled = System.nanoTime();
            long live = (long) KEYS * (VALUE + 80);
            int node = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next().id();
            // The partition's size, polled every 100 ms in both windows (the poll is work for both sides of the
            // probe, so it runs while the cleaner is idle too), says when the cleaning is done.
            AtomicLong cleanFrom = new AtomicLong();
            AtomicLong cleanedAt = new AtomicLong();
            Thread watch = new Thread(() -> {
                while (cleanedAt.get() == 0 && System.nanoTime() - filled < TimeUnit.MINUTES.toNanos(10)) {
                    long size = size(admin, node);
                    if (cleanFrom.get() != 0 && size >= 0 && size < 2 * live) {
                        cleanedAt.set(System.nanoTime());
                        return;
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-cleaning-watch");
            watch.start();
            // The cleaner idle, measured with the workload in: the broker holds the same data, and the page cache
            // the same dirty pages, as when the cleaner starts.
            long[] idle = probe(prober, 15_000, () -> false);
            // Nothing was cleanable while the workload went in; now all of it is, at once, on both brokers.
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, TABLE), List.of(
                    new AlterConfigOp(new ConfigEntry("min.compaction.lag.ms", "0"), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
            cleanFrom.set(System.nanoTime());
            long[] busy = probe(prober, 600_000, () -> cleanedAt.get() != 0);
            watch.interrupt();
            watch.join();
            long fillNanos = filled - fillStart;
            Thread.sleep(5_000); // five retention checks
            long held = diskBytes(dir);
            printLargestFiles(dir);
            double cleanSeconds = cleanedAt.get() == 0 ? Double.NaN : (cleanedAt.get() - cleanFrom.get()) / 1e9;
            System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %.1f | %.2f | %.1f | %.1f | %.0f | %.1f | %.0f | %.0f |%n",
                    kind, round, ms(idle, 0.50), ms(idle, 0.99), ms(busy, 0.50), ms(busy, 0.99),
                    ms(busy, 0.99) / ms(idle, 0.99), fillNanos / 1e9, cleanSeconds,
                    records * (VALUE + 80) / 1e6 / cleanSeconds, size(admin, node) / 1e6, held / 1e6,
                    (held - empty) / 1e6);
        }
    }

    /**
     * Cleans a 64 MiB compacted topic once, not counted: a broker's first pass also compiles the cleaner's code,
     * on compiler threads at the broker's own priority, and on two cores that alone made the first second of
     * the measured window slow. A broker that has been up for a while has compiled it long since.
     */
    private static void warmUpCleaner(Admin admin, BrokerUnderTest b) throws Exception {
        String topic = "warm-up";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
                "segment.bytes", Integer.toString(16 << 20), "segment.ms", "1000")))).all().get(60, TimeUnit.SECONDS);
        long started = System.nanoTime();
        fill(b, topic, (64L << 20) / VALUE);
        int node = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next().id();
        long live = (long) KEYS * (VALUE + 80);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (size(admin, node, topic) >= 2 * live && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        Thread.sleep(3_000); // the retention checks after it
        System.out.printf(Locale.ROOT, "# cleaner warm-up: 64 MiB cleaned in %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    /** The keyed workload: {@code records} updates over {@link #KEYS} keys, then a last record on a key of its own. */
    private static void fill(BrokerUnderTest b, String topic, long records) throws Exception {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrap());
        c.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        c.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        byte[] value = new byte[VALUE];
        Arrays.fill(value, (byte) 'v');
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(c, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (long i = 0; i < records; i++) {
                p.send(new ProducerRecord<>(topic, 0, ("key-" + (i % KEYS)).getBytes(), value));
            }
            p.flush();
            Thread.sleep(1500); // past segment.ms: the last record rolls Kafka's segment, closing the workload's
            p.send(new ProducerRecord<>(topic, 0, "last".getBytes(), value)).get(60, TimeUnit.SECONDS);
        }
    }

    /**
     * Sends {@link #PROBE_RATE} records a second to the probe topic until {@code done} says so (checked each
     * second) or {@code maxMs} pass; returns the latencies, in microseconds, sorted.
     */
    private static long[] probe(KafkaProducer<byte[], byte[]> p, long maxMs, Check done) throws Exception {
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> slow = new ConcurrentLinkedQueue<>();
        byte[] value = new byte[VALUE];
        long start = System.nanoTime();
        long sent = 0;
        long nextCheck = start + TimeUnit.SECONDS.toNanos(1);
        while (true) {
            long now = System.nanoTime();
            if (now - start > TimeUnit.MILLISECONDS.toNanos(maxMs)) {
                break;
            }
            if (now >= nextCheck) {
                nextCheck += TimeUnit.SECONDS.toNanos(1);
                if (done.ok()) {
                    break;
                }
            }
            long due = start + sent * TimeUnit.SECONDS.toNanos(1) / PROBE_RATE;
            if (now < due) {
                TimeUnit.NANOSECONDS.sleep(Math.min(due - now, 1_000_000));
                continue;
            }
            long t0 = System.nanoTime();
            p.send(new ProducerRecord<>(PROBE, 0, null, value), (m, e) -> {
                if (e == null) {
                    long micros = (System.nanoTime() - t0) / 1000;
                    latencies.add(micros);
                    if (micros >= SLOW_MICROS) {
                        slow.add(String.format(Locale.ROOT, "%.2fs:%dms", (t0 - start) / 1e9, micros / 1000));
                    }
                }
            });
            sent++;
        }
        p.flush();
        if (!slow.isEmpty()) { // where the tail comes from: one stall, or many small delays
            System.out.println("# " + slow.size() + " probe records over " + SLOW_MICROS / 1000 + " ms, first at "
                    + slow.stream().limit(Integer.getInteger("bench.slow.list", 20)).toList());
        }
        return latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    private static double ms(long[] sortedMicros, double quantile) {
        if (sortedMicros.length == 0) {
            return Double.NaN;
        }
        return sortedMicros[(int) Math.min(sortedMicros.length - 1, Math.floor(quantile * sortedMicros.length))] / 1000.0;
    }

    /**
     * Bytes the broker's files (its data, logs and config, which are small beside the data) take on disk after
     * the cleaning, counted in allocated blocks (du): preallocated files count whole, holes and the unwritten
     * part of sparse files (Kafka's indexes) not at all. Kafka's replaced segments waiting out
     * {@code file.delete.delay.ms} (a minute) are left out.
     */
    private static long diskBytes(Path dir) throws Exception {
        for (int attempt = 0; ; attempt++) {
            Process du = new ProcessBuilder("du", "-s", "-B1", "--exclude=*.deleted", dir.toString()).start();
            String out = new String(du.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            // du exits 1 when a file goes while it walks (its total is then short): walk again.
            if (du.waitFor() == 0 || attempt == 5) {
                return Long.parseLong(out.trim().split("\\s+")[0]);
            }
        }
    }

    /** The broker's largest files by the disk they take, as a comment line: where the disk held is. */
    private static void printLargestFiles(Path dir) throws Exception {
        Process du = new ProcessBuilder("du", "-a", "-B1", "--exclude=*.deleted", dir.toString()).start();
        String out = new String(du.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        du.waitFor();
        String largest = out.lines().map(l -> l.split("\\t", 2)).filter(f -> f.length == 2 && Files.isRegularFile(Path.of(f[1])))
                .sorted((a, b) -> Long.compare(Long.parseLong(b[0]), Long.parseLong(a[0]))).limit(6)
                .map(f -> dir.relativize(Path.of(f[1])) + " " + Long.parseLong(f[0]) / 1_000_000 + " MB")
                .collect(java.util.stream.Collectors.joining(", "));
        System.out.println("# largest files: " + largest);
    }

    private static long size(Admin admin, int node) {
        return size(admin, node, TABLE);
    }

    private static long size(Admin admin, int node, String topic) {
        try {
            return admin.describeLogDirs(List.of(node)).allDescriptions().get(30, TimeUnit.SECONDS).get(node).values()
                    .stream().filter(d -> d.replicaInfos().containsKey(new TopicPartition(topic, 0))).findFirst()
                    .map(d -> d.replicaInfos().get(new TopicPartition(topic, 0)).size()).orElse(-1L);
        } catch (Exception e) {
            return -1;
        }
    }

    @FunctionalInterface
    private interface Check {
        boolean ok() throws Exception;
    }
}
