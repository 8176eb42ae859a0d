package io.ferrite.compat;

import io.ferrite.launcher.FerriteProcess;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A randomized soak: idempotent producers and a consumer group work against one sync-mode broker while a
 * fault thread, from a seeded random sequence, kills it with SIGKILL and restarts it, stops it with SIGSTOP
 * and lets it go on, pushes its disk past {@code store.max.disk.used.ratio} with a ballast file, and deletes
 * and re-creates a scratch topic. Afterwards the whole log is read back and checked:
 * <ul>
 *   <li>every acknowledged record is there exactly once, at the offset it was acknowledged with, and no
 *       record of any send appears twice (a record whose send failed may be there or not, once);</li>
 *   <li>each producer's records in a partition are in the order it sent them;</li>
 *   <li>the group consumed every acknowledged record, and no committed offset ever went back;</li>
 *   <li>a re-created topic starts empty;</li>
 *   <li>every restart answered within {@link #MAX_RESTART}.</li>
 * </ul>
 * Used by {@code SoakTest} (minutes, in every build) and {@code bin/soak} (as long as asked). Stops itself.
 */
final class Soak {
    static final Duration MAX_RESTART = Duration.ofSeconds(30);
    private static final String TOPIC = "soak";
    private static final String SCRATCH = "soak-scratch";
    private static final int PARTITIONS = 6;
    private static final int PRODUCERS = 3;
    private static final int CONSUMERS = 2;
    private static final String GROUP = "soak-group";
    private static final long RETAINED_BYTES_PER_PARTITION = 16L << 20;

    /** What the run saw; {@link #problems} is empty when everything held. */
    record Result(long acknowledged, long failedSends, long consumed, int kills, int stops, int diskFills,
                  int recreations, long maxRestartMs, List<String> problems) {
        String summary() {
            return "acknowledged " + acknowledged + ", sends failed " + failedSends + ", consumed " + consumed
                    + ", SIGKILLs " + kills + ", SIGSTOPs " + stops + ", disk fills " + diskFills
                    + ", topic re-creations " + recreations + ", slowest restart " + maxRestartMs + " ms, problems "
                    + problems.size() + (problems.isEmpty() ? "" : ": " + problems.subList(0, Math.min(10,
                    problems.size())));
        }
    }

    /**
     * What became of one producer's sends, by sequence number (its record "p<producer>-<seq>" goes to partition
     * seq % PARTITIONS): the offset it was acknowledged at, {@link #FAILED}, or {@link #PENDING}; and which the
     * group consumed. Arrays rather than a record per send, so an hours-long run fits in the test's heap.
     */
    private static final class Ledger {
        static final long PENDING = -1;
        static final long FAILED = -2;
        private long[] offsets = new long[1 << 16];
        private final java.util.BitSet consumed = new java.util.BitSet();
        private long sent;

        synchronized long next() {
            if (sent == offsets.length) {
                offsets = Arrays.copyOf(offsets, offsets.length * 2);
            }
            offsets[(int) sent] = PENDING;
            return sent++;
        }

        synchronized void settle(long seq, long offset) {
            offsets[(int) seq] = offset;
        }

        synchronized long offset(long seq) {
            return offsets[(int) seq];
        }

        synchronized long sent() {
            return sent;
        }

        synchronized void consumed(long seq) {
            consumed.set((int) seq);
        }

        synchronized boolean wasConsumed(long seq) {
            return consumed.get((int) seq);
        }
    }

    private final Path dir;
    private final boolean ownDisk;
    private final Duration length;
    private final Random random;
    private final Ledger[] ledgers = new Ledger[PRODUCERS];
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong failedSends = new AtomicLong();
    private final Map<TopicPartition, Long> lastCommitted = new ConcurrentHashMap<>();
    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean producing = new AtomicBoolean(true);
    private final AtomicBoolean consuming = new AtomicBoolean(true);
    private final AtomicLong consumed = new AtomicLong();
    private int kills;
    private int stops;
    private int diskFills;
    private int recreations;
    private long maxRestartMs;

    /**
     * @param dir     where the broker's data goes
     * @param ownDisk {@code dir} is a small filesystem of the soak's own (a tmpfs), which the disk fault may fill;
     *                without one the disk fault is left out, never aimed at a shared disk
     * @param length  how long faults are injected
     * @param seed    the fault sequence's seed, printed so a failing run can be repeated
     */
    Soak(Path dir, boolean ownDisk, Duration length, long seed) {
        this.dir = dir;
        this.ownDisk = ownDisk;
        this.length = length;
        this.random = new Random(seed);
    }

    Result run() throws Exception {
        Map<String, String> overrides = new HashMap<>(FerriteProcess.TEST_STORE);
        overrides.putAll(Map.of("store.flush.mode", "sync", "group.initial.rebalance.delay.ms", "0",
                "log.retention.check.interval.ms", "10000"));
        if (ownDisk) {
            overrides.put("store.max.disk.used.ratio", "0.5"); // the ballast pushes its own disk past this
        }
        try (FerriteProcess broker = FerriteProcess.start("soak", dir.resolve("data"), overrides);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                     AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 120_000))) {
            // Retention keeps an hours-long run within its disk; the check skips what it removed.
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1).configs(Map.of(
                    "retention.bytes", Long.toString(RETAINED_BYTES_PER_PARTITION))),
                    new NewTopic(SCRATCH, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            for (int p = 0; p < PRODUCERS; p++) {
                ledgers[p] = new Ledger();
            }
            List<Thread> workers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int id = p;
                workers.add(start("soak-producer-" + p, () -> produce(broker.bootstrap(), id)));
            }
            for (int c = 0; c < CONSUMERS; c++) {
                int id = c;
                workers.add(start("soak-consumer-" + c, () -> consume(broker.bootstrap(), id)));
            }
            faults(broker, admin);
            producing.set(false);
            for (Thread t : workers.subList(0, PRODUCERS)) {
                t.join(TimeUnit.MINUTES.toMillis(3));
            }
            Map<TopicPartition, Long> ends = endOffsets(admin);
            awaitConsumed(ends);
            consuming.set(false);
            for (Thread t : workers.subList(PRODUCERS, workers.size())) {
                t.join(TimeUnit.MINUTES.toMillis(1));
            }
            checkLog(broker.bootstrap(), admin, ends);
        }
        return new Result(acknowledged.get(), failedSends.get(), consumed.get(), kills, stops, diskFills, recreations,
                maxRestartMs, List.copyOf(problems));
    }

    private static Thread start(String name, ThrowingRunnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Exception e) {
                throw new IllegalStateException(name + " failed", e);
            }
        }, name);
        t.start();
        return t;
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /**
     * Sends "p<producer>-<seq>" round the partitions, at most 500 unacknowledged at a time, paced to about
     * 1,000 records a second so that hours fit the disk (with the topic's retention).
     */
    private void produce(String bootstrap, int id) throws InterruptedException {
        Semaphore window = new Semaphore(500);
        Ledger ledger = ledgers[id];
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap, Map.of(
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 20_000))) {
            while (producing.get()) {
                long seq = ledger.next();
                int partition = (int) (seq % PARTITIONS);
                window.acquire();
                producer.send(new ProducerRecord<>(TOPIC, partition, null, value(id, seq)), (md, e) -> {
                    window.release();
                    if (e == null) {
                        ledger.settle(seq, md.offset());
                        acknowledged.incrementAndGet();
                    } else {
                        ledger.settle(seq, Ledger.FAILED);
                        failedSends.incrementAndGet();
                    }
                });
                if (seq % 10 == 9) {
                    Thread.sleep(10);
                }
            }
            producer.flush();
        }
    }

    private static byte[] value(int producer, long seq) {
        return ("p" + producer + "-" + seq).getBytes(StandardCharsets.UTF_8);
    }

    /** A group member: polls, notes what it saw, commits after each poll, and checks commits never go back. */
    private void consume(String bootstrap, int id) {
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.groupConsumer(bootstrap, GROUP, Map.of(
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 30_000, ConsumerConfig.CLIENT_ID_CONFIG, "soak-" + id))) {
            consumer.subscribe(List.of(TOPIC));
            while (consuming.get()) {
                var records = consumer.poll(Duration.ofMillis(200));
                Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    String[] f = new String(r.value(), StandardCharsets.UTF_8).split("-");
                    ledgers[Integer.parseInt(f[0].substring(1))].consumed(Long.parseLong(f[1]));
                    consumed.incrementAndGet();
                    commit.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                if (!commit.isEmpty()) {
                    try {
                        consumer.commitSync(commit, Duration.ofSeconds(60));
                        commit.forEach((tp, o) -> {
                            Long before = lastCommitted.put(tp, o.offset());
                            if (before != null && before > o.offset()) {
                                problems.add("committed offset of " + tp + " went back from " + before + " to "
                                        + o.offset());
                            }
                        });
                    } catch (RuntimeException e) {
                        // a rebalance or an outage: the records are consumed again, which at-least-once allows
                    }
                }
            }
        }
    }

    private enum Fault { KILL, STOP, DISK, RECREATE }

    /** The faults, one after another with pauses between, until the run's length has passed. */
    private void faults(FerriteProcess broker, Admin admin) throws Exception {
        long end = System.nanoTime() + length.toNanos();
        while (System.nanoTime() < end) {
            Thread.sleep(2_000 + random.nextInt(6_000));
            List<Fault> kinds = ownDisk ? List.of(Fault.values())
                    : List.of(Fault.KILL, Fault.STOP, Fault.RECREATE);
            switch (kinds.get(random.nextInt(kinds.size()))) {
                case KILL -> {
                    broker.process().kill();
                    long t0 = System.nanoTime();
                    broker.restart();
                    admin.describeCluster().nodes().get(MAX_RESTART.toSeconds(), TimeUnit.SECONDS);
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    maxRestartMs = Math.max(maxRestartMs, ms);
                    if (ms > MAX_RESTART.toMillis()) {
                        problems.add("a restart took " + ms + " ms");
                    }
                    kills++;
                }
                case STOP -> {
                    signal(broker.process().pid(), "-STOP");
                    Thread.sleep(1_000 + random.nextInt(5_000));
                    signal(broker.process().pid(), "-CONT");
                    stops++;
                }
                case DISK -> {
                    Path ballast = dir.resolve("ballast");
                    FileStore disk = Files.getFileStore(dir);
                    long fill = (long) (0.6 * disk.getTotalSpace()) - (disk.getTotalSpace() - disk.getUsableSpace());
                    if (fill > 0 && fill < disk.getUsableSpace() - (64L << 20) && disk.getTotalSpace() <= 8L << 30) {
                        writeBallast(ballast, fill);
                        Thread.sleep(2_000 + random.nextInt(4_000));
                        Files.deleteIfExists(ballast);
                        diskFills++;
                    }
                }
                case RECREATE -> {
                    admin.deleteTopics(List.of(SCRATCH)).all().get(60, TimeUnit.SECONDS);
                    createAgain(admin);
                    long records = admin.listOffsets(Map.of(new TopicPartition(SCRATCH, 0), OffsetSpec.latest()))
                            .all().get(60, TimeUnit.SECONDS).values().iterator().next().offset();
                    if (records != 0) {
                        problems.add("re-created topic " + SCRATCH + " ends at " + records + ", not 0");
                    }
                    try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), Map.of())) {
                        for (int i = 0; i < 50; i++) {
                            p.send(new ProducerRecord<>(SCRATCH, ("s" + i).getBytes(StandardCharsets.UTF_8)));
                        }
                    }
                    recreations++;
                }
            }
        }
    }

    /** Deletion is asynchronous for clients: creating under the same name is retried until it is taken. */
    private static void createAgain(Admin admin) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try {
                admin.createTopics(List.of(new NewTopic(SCRATCH, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (attempt == 20) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    private static void writeBallast(Path file, long bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
            for (long at = 0; at < bytes; at += chunk.capacity()) {
                ch.write(chunk.clear().limit((int) Math.min(chunk.capacity(), bytes - at)), at);
            }
        }
    }

    private static void signal(long pid, String signal) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            latest.put(new TopicPartition(TOPIC, p), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(latest).all().get(60, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** Waits (bounded) until the group has committed up to every partition's end. */
    private void awaitConsumed(Map<TopicPartition, Long> ends) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            boolean all = ends.entrySet().stream().allMatch(e -> e.getValue() == 0
                    || lastCommitted.getOrDefault(e.getKey(), 0L) >= e.getValue());
            if (all) {
                return;
            }
            Thread.sleep(200);
        }
        problems.add("the group did not catch up with the log ends " + ends + " (committed " + lastCommitted + ")");
    }

    /**
     * Reads every partition from its start to its end and checks it against what was sent and acknowledged.
     * Records retention has removed (below a partition's log start) are not looked for.
     */
    private void checkLog(String bootstrap, Admin admin, Map<TopicPartition, Long> ends) throws Exception {
        Map<TopicPartition, Long> starts = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        ends.keySet().forEach(tp -> earliest.put(tp, OffsetSpec.earliest()));
        admin.listOffsets(earliest).all().get(60, TimeUnit.SECONDS).forEach((tp, i) -> starts.put(tp, i.offset()));
        Map<Integer, Map<Long, Long>> found = new HashMap<>(); // producer -> seq -> offset
        try (KafkaConsumer<byte[], byte[]> reader = Clients.consumer(bootstrap, Map.of())) {
            reader.assign(ends.keySet());
            reader.seekToBeginning(ends.keySet());
            Map<String, Long> lastSeq = new HashMap<>();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (ends.entrySet().stream().anyMatch(e -> reader.position(e.getKey()) < e.getValue())
                    && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(500))) {
                    String value = new String(r.value(), StandardCharsets.UTF_8);
                    String[] f = value.split("-");
                    int producer = Integer.parseInt(f[0].substring(1));
                    long seq = Long.parseLong(f[1]);
                    if (found.computeIfAbsent(producer, k -> new HashMap<>()).put(seq, r.offset()) != null) {
                        problems.add("record " + value + " is in the log twice");
                    }
                    if (seq % PARTITIONS != r.partition()) {
                        problems.add("record " + value + " is in partition " + r.partition());
                    }
                    Long before = lastSeq.put(f[0] + "@" + r.partition(), seq);
                    if (before != null && before >= seq) {
                        problems.add(value + " comes after sequence " + before + " of the same producer in partition "
                                + r.partition());
                    }
                }
            }
        }
        for (int producer = 0; producer < PRODUCERS; producer++) {
            Ledger ledger = ledgers[producer];
            Map<Long, Long> seen = found.getOrDefault(producer, Map.of());
            for (long seq = 0; seq < ledger.sent(); seq++) {
                long acked = ledger.offset(seq);
                if (acked < 0) {
                    continue; // failed (or never settled): it may be there once, or not at all
                }
                TopicPartition tp = new TopicPartition(TOPIC, (int) (seq % PARTITIONS));
                if (acked < starts.get(tp)) {
                    continue; // removed by retention
                }
                Long at = seen.get(seq);
                String what = "acknowledged record p" + producer + "-" + seq + " at " + tp + "@" + acked;
                if (at == null) {
                    problems.add(what + " is not in the log");
                } else if (at != acked) {
                    problems.add(what + " is at offset " + at);
                }
                if (!ledger.wasConsumed(seq)) {
                    problems.add(what + " was never consumed by the group");
                }
            }
        }
    }
}
