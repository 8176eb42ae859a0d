package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 under load: a child JVM ({@link CrashAppender}) appends in sync mode from several threads and is killed
 * with SIGKILL; the store is then reopened here and checked against every append the child saw acknowledged.
 *
 * <p>The cycle runs several times on the same directory, and each new child recovers the previous child's crash
 * itself, so recovery runs on a log that was itself recovered. The test checks each crashed state on a copy
 * (the last one in place), so its own clean close never hides a crash from the next child.
 */
class CrashRecoveryTest {
    private static final int CYCLES = 3;
    private static final int THREADS = 3;
    private static final int TARGET_ACKS = 2000;
    private static final long LOAD_SECONDS = 10;
    private static final long START_SECONDS = 30;
    private static final long CHILD_MAX_SECONDS = 90;
    private static final String EOF = "\u0000EOF";
    private static final Pattern VALUE = Pattern.compile("(c(\\d+)-p(\\d+)-t(\\d+)-s(\\d+))-r(\\d+)-[a-z]*");

    @TempDir
    Path tmp;

    /** One acknowledgement the child printed; {@code seenNanos}: when this test read it (after it was given). */
    private record Ack(int partition, long baseOffset, long lastOffset, long crc, String tag, long seenNanos) {
    }

    /** What the child printed before it was killed. */
    private record ChildRun(boolean recovered, long[] readyEnds, List<Ack> acks, long killedNanos) {
    }

    /** One batch as read back. */
    private record StoredBatch(long baseOffset, long lastOffset, long crc, String tag) {
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void acknowledgedBatchesSurviveRepeatedKillNine() throws Exception {
        Path data = tmp.resolve("store");
        List<TreeMap<Long, Ack>> acked = new ArrayList<>();
        for (int p = 0; p < CrashAppender.PARTITIONS; p++) {
            acked.add(new TreeMap<>());
        }
        long[] verifiedEnds = null;
        for (int cycle = 1; cycle <= CYCLES; cycle++) {
            ChildRun run = runAndKill(data, cycle);
            if (verifiedEnds == null) {
                assertFalse(run.recovered(), "a fresh store must not report a crash");
            } else {
                assertTrue(run.recovered(), "cycle " + cycle + ": the child opened a crashed store without noticing");
                assertEquals(Arrays.toString(verifiedEnds), Arrays.toString(run.readyEnds()),
                        "cycle " + cycle + ": the child recovered other log ends than this test did from the same files");
            }
            assertFalse(run.acks().isEmpty(), "cycle " + cycle + ": the child acknowledged nothing");
            for (Ack a : run.acks()) {
                addAck(acked.get(a.partition()), a, cycle);
            }
            // Check a copy while later cycles still have to recover the original; the last state is checked in place.
            Path check = cycle == CYCLES ? data : LiveTree.copy(data, tmp.resolve("check-" + cycle));
            verifiedEnds = verifyAndContinue(check, acked, cycle);
        }
    }

    /**
     * Power loss in sync mode: the child appends on a {@link LoopDisk} whose unsynced writes never reach the
     * device, is killed, and the device as it then stood is recovered: every batch the child saw acknowledged
     * is there. {@link #thePowerLossHarnessCatchesAcknowledgementsNeverFsynced} shows this can fail.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void acknowledgedBatchesSurviveAPowerLossInSyncMode() throws Exception {
        try (LoopDisk disk = LoopDisk.create(tmp.resolve("disk"), 512L << 20)) {
            ChildRun run = runAndKill(disk.mountPoint().resolve("store"), 1, "SYNC");
            assertFalse(run.acks().isEmpty(), "the child acknowledged nothing");
            List<TreeMap<Long, Ack>> acked = new ArrayList<>();
            for (int p = 0; p < CrashAppender.PARTITIONS; p++) {
                acked.add(new TreeMap<>());
            }
            run.acks().forEach(a -> addAck(acked.get(a.partition()), a, 1));
            Path after = disk.powerLoss(tmp.resolve("after-power-loss"));
            verifyAndContinue(after.resolve("store"), acked, 1);
        }
    }

    /**
     * Power loss in async mode: what is lost is bounded by the flush interval. Every batch acknowledged more than
     * the interval (and a margin for the flush itself and for a slow machine) before the power went is there,
     * intact and in order; later ones may be missing, but never a batch in the middle of what survived.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void anAsyncPowerLossLosesAtMostTheLastFlushInterval() throws Exception {
        long flushMs = 200;
        long marginMs = 1500;
        try (LoopDisk disk = LoopDisk.create(tmp.resolve("disk"), 512L << 20)) {
            ChildRun run = runAndKill(disk.mountPoint().resolve("store"), 1, 4, "ASYNC", Long.toString(flushMs));
            long before = run.killedNanos() - TimeUnit.MILLISECONDS.toNanos(flushMs + marginMs);
            List<TreeMap<Long, Ack>> mustSurvive = new ArrayList<>();
            for (int p = 0; p < CrashAppender.PARTITIONS; p++) {
                mustSurvive.add(new TreeMap<>());
            }
            run.acks().stream().filter(a -> a.seenNanos() < before)
                    .forEach(a -> addAck(mustSurvive.get(a.partition()), a, 1));
            assertTrue(mustSurvive.stream().mapToInt(TreeMap::size).sum() > 0,
                    "nothing was acknowledged early enough to be checked");
            Path after = disk.powerLoss(tmp.resolve("after-power-loss"));
            verifyAndContinue(after.resolve("store"), mustSurvive, 1);
        }
    }

    /**
     * The control: in async mode with a flush interval longer than the run, acknowledgements come before any
     * fsync, and after the same power loss acknowledged batches are missing. Were the disk to keep unsynced
     * writes (as a kill -9 does), this would fail, and the sync-mode test above would prove nothing.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void thePowerLossHarnessCatchesAcknowledgementsNeverFsynced() throws Exception {
        try (LoopDisk disk = LoopDisk.create(tmp.resolve("disk"), 512L << 20)) {
            ChildRun run = runAndKill(disk.mountPoint().resolve("store"), 1, "ASYNC", "3600000");
            assertFalse(run.acks().isEmpty(), "the child acknowledged nothing");
            Path after = disk.powerLoss(tmp.resolve("after-power-loss"));
            int missing = 0;
            try (Store store = Store.open(TestBatches.smallConfig(after.resolve("store"), FlushMode.ASYNC),
                    Clock.systemUTC())) {
                for (Ack a : run.acks()) {
                    PartitionKey key = CrashAppender.key(a.partition());
                    if (!store.hasPartition(key) || store.logEndOffset(key) <= a.lastOffset()) {
                        missing++;
                    }
                }
            }
            assertTrue(missing > 0, "all " + run.acks().size() + " acknowledged batches survived a power loss "
                    + "without a single fsync: the disk kept writes it should have lost");
        }
    }

    /** Adds an acknowledgement, failing if its offsets overlap one acknowledged earlier: offsets handed out twice. */
    private static void addAck(TreeMap<Long, Ack> acks, Ack a, int cycle) {
        Map.Entry<Long, Ack> below = acks.floorEntry(a.lastOffset());
        if (below != null && below.getValue().lastOffset() >= a.baseOffset()) {
            fail("cycle " + cycle + ": offsets [" + a.baseOffset() + ", " + a.lastOffset() + "] of " + a.tag()
                    + " were already acknowledged to " + below.getValue());
        }
        acks.put(a.baseOffset(), a);
    }

    private ChildRun runAndKill(Path data, int cycle, String... storeArgs) throws Exception {
        return runAndKill(data, cycle, 0, storeArgs);
    }

    /** As above, letting the child run at least {@code minSeconds} however soon it has enough acknowledgements. */
    private ChildRun runAndKill(Path data, int cycle, long minSeconds, String... storeArgs) throws Exception {
        Path err = tmp.resolve("child-" + cycle + ".err");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                CrashAppender.class.getName(), data.toString(), Integer.toString(cycle), Integer.toString(THREADS),
                Long.toString(CHILD_MAX_SECONDS)));
        command.addAll(List.of(storeArgs));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        Process child = pb.start();
        try {
            child.getOutputStream().close();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> readLines(child.getInputStream(), lines), "crash-child-reader-" + cycle);
            reader.setDaemon(true);
            reader.start();

            String ready = lines.poll(START_SECONDS, TimeUnit.SECONDS);
            if (ready == null || !ready.startsWith("READY ")) {
                fail("cycle " + cycle + ": the child did not start (got " + ready + "): " + tail(err));
            }
            String[] f = ready.split(" ");
            long[] ends = new long[CrashAppender.PARTITIONS];
            for (int p = 0; p < ends.length; p++) {
                ends[p] = Long.parseLong(f[2 + p]);
            }

            List<Ack> acks = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(LOAD_SECONDS, minSeconds));
            long minUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(minSeconds);
            while (acks.size() < TARGET_ACKS || System.nanoTime() < minUntil) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                String line = lines.poll(left, TimeUnit.NANOSECONDS);
                if (line == null) {
                    break;
                }
                if (line.equals(EOF)) {
                    child.waitFor(10, TimeUnit.SECONDS);
                    fail("cycle " + cycle + ": the child died before it was killed (exit " + exitOf(child) + "): "
                            + tail(err));
                }
                acks.add(parseAck(line));
            }

            long killedNanos = System.nanoTime();
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the killed child did not exit");
            // 128 + SIGKILL: it was our kill that ended it, not an exit of its own.
            assertEquals(137, child.exitValue(), "cycle " + cycle + ": unexpected exit: " + tail(err));

            // Lines already in the pipe when the kill landed were acknowledged before it: they count too.
            long drainDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                String line = lines.poll(Math.max(0, drainDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                assertNotNull(line, "the child's output did not end after it was killed");
                if (line.equals(EOF)) {
                    break;
                }
                acks.add(parseAck(line));
            }
            return new ChildRun(Boolean.parseBoolean(f[1]), ends, acks, killedNanos);
        } finally {
            if (child.isAlive()) {
                child.destroyForcibly();
                child.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private static String exitOf(Process p) {
        return p.isAlive() ? "running" : Integer.toString(p.exitValue());
    }

    /** Only whole lines count: bytes after the last newline are a line the kill cut short. */
    private static void readLines(InputStream in, BlockingQueue<String> out) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try (in) {
            for (int n; (n = in.read(buf)) >= 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        out.add(line.toString(StandardCharsets.US_ASCII));
                        line.reset();
                    } else {
                        line.write(buf[i]);
                    }
                }
            }
        } catch (IOException ignored) {
            // the pipe broke with the child: end of output
        } finally {
            out.add(EOF);
        }
    }

    private static Ack parseAck(String line) {
        String[] f = line.split(" ");
        if (f.length != 6 || !f[0].equals("ACK")) {
            fail("unexpected line from the child: " + line);
        }
        return new Ack(Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]), f[5],
                System.nanoTime());
    }

    private static String tail(Path file) {
        try {
            String s = Files.exists(file) ? Files.readString(file) : "";
            return s.isEmpty() ? "(no stderr)" : "stderr:\n" + s.substring(Math.max(0, s.length() - 6000));
        } catch (IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }

    /**
     * Reopens the store at {@code dir}, checks it against the acknowledgements, appends once more per partition
     * and checks that this continues at the old log end. Returns the log ends found before that append.
     */
    private long[] verifyAndContinue(Path dir, List<TreeMap<Long, Ack>> acked, int cycle) throws Exception {
        long[] ends = new long[CrashAppender.PARTITIONS];
        StoreConfig config = TestBatches.smallConfig(dir, FlushMode.SYNC);
        try (Store store = Store.open(config, Clock.systemUTC())) {
            assertTrue(store.recoveredFromCrash(), "the store was killed, yet reopened as if closed cleanly");
            Set<String> tags = new HashSet<>();
            for (int p = 0; p < CrashAppender.PARTITIONS; p++) {
                PartitionKey key = CrashAppender.key(p);
                assertTrue(store.hasPartition(key), key + " is gone");
                long end = store.logEndOffset(key);
                ends[p] = end;
                assertEquals(0, store.logStartOffset(key), key + ": the log start moved");
                TreeMap<Long, StoredBatch> log = walk(store, key, p, end, cycle, tags);
                for (Ack a : acked.get(p).values()) {
                    StoredBatch b = log.get(a.baseOffset());
                    String where = "cycle " + cycle + ", " + key + " (log end " + end + "): acknowledged " + a;
                    assertNotNull(b, where + " is not in the log");
                    assertEquals(a.lastOffset(), b.lastOffset(), where + " ends at another offset");
                    assertEquals(a.tag(), b.tag(), where + " holds another batch");
                    assertEquals(a.crc(), b.crc(), where + " has other contents");
                }
                // Nothing past the log end is served.
                try (ReadResult atEnd = store.read(key, end, 1 << 20)) {
                    assertTrue(atEnd.batches().isEmpty(), key + ": a read at the log end returned batches");
                }
                StoreException e = assertThrows(StoreException.class, () -> store.read(key, end + 1, 1 << 20));
                assertEquals(StoreException.Category.OFFSET_OUT_OF_RANGE, e.category());
            }

            for (int p = 0; p < CrashAppender.PARTITIONS; p++) {
                PartitionKey key = CrashAppender.key(p);
                AppendResult r = store.append(key, TestBatches.batch("after-" + cycle + "-" + p, 2, 1000), 0, false)
                        .get(10, TimeUnit.SECONDS);
                assertEquals(ends[p], r.baseOffset(), key + ": the first append after recovery skipped or reused offsets");
                assertEquals(ends[p] + 2, store.logEndOffset(key));
                try (ReadResult read = store.read(key, ends[p], 1 << 20)) {
                    assertEquals(List.of(ends[p] + ":after-" + cycle + "-" + p + "-0",
                            (ends[p] + 1) + ":after-" + cycle + "-" + p + "-1"), TestBatches.values(read));
                }
            }
        }
        // A clean close after recovery keeps it all, and says so.
        try (Store store = Store.open(config, Clock.systemUTC())) {
            assertFalse(store.recoveredFromCrash());
            for (int p = 0; p < CrashAppender.PARTITIONS; p++) {
                assertEquals(ends[p] + 2, store.logEndOffset(CrashAppender.key(p)));
            }
        }
        return ends;
    }

    /**
     * Reads the partition from offset 0 to its end, checking that batches follow each other with no gap or
     * overlap, that each is intact and was written by exactly one append of the child, and that each child
     * thread's appends to the partition appear in the order it made them.
     */
    private static TreeMap<Long, StoredBatch> walk(Store store, PartitionKey key, int partition, long end, int cycle,
                                                   Set<String> tags) {
        TreeMap<Long, StoredBatch> out = new TreeMap<>();
        Map<String, Long> lastSeqOfThread = new HashMap<>();
        long next = 0;
        while (next < end) {
            try (ReadResult r = store.read(key, next, 64 * 1024)) {
                assertEquals(end, r.highWatermark());
                assertFalse(r.batches().isEmpty(), key + ": nothing served at offset " + next + " below the log end "
                        + end + " (cycle " + cycle + ")");
                for (Slice s : r.batches()) {
                    ByteBuffer bytes = s.buffer();
                    List<MutableRecordBatch> parsed = TestBatches.parse(bytes);
                    assertEquals(1, parsed.size(), "a slice holds one batch");
                    MutableRecordBatch b = parsed.get(0);
                    String at = key + " offset " + next + " (cycle " + cycle + ")";
                    assertEquals(next, b.baseOffset(), at + ": batches do not follow each other");
                    assertEquals(CrashAppender.LEADER_EPOCH, b.partitionLeaderEpoch(), at);
                    String tag = checkRecords(b, partition, at);
                    assertTrue(tags.add(tag), at + ": batch " + tag + " is in the log twice");
                    Matcher m = VALUE.matcher(tag + "-r0-");
                    assertTrue(m.matches());
                    String writer = m.group(2) + "-" + m.group(4);
                    long seq = Long.parseLong(m.group(5));
                    Long before = lastSeqOfThread.put(writer, seq);
                    assertTrue(before == null || before < seq, at + ": " + tag + " comes after sequence " + before
                            + " of the same writer");
                    out.put(b.baseOffset(), new StoredBatch(b.baseOffset(), b.lastOffset(),
                            CrashAppender.contentCrc(bytes), tag));
                    next = b.lastOffset() + 1;
                }
            }
        }
        assertEquals(end, next, key + ": the last batch does not end at the log end");
        return out;
    }

    /** Checks offsets, keys and values of a batch's records; returns the tag they share. */
    private static String checkRecords(MutableRecordBatch b, int partition, String at) {
        String tag = null;
        int i = 0;
        for (Iterator<Record> it = b.iterator(); it.hasNext(); i++) {
            Record rec = it.next();
            assertEquals(b.baseOffset() + i, rec.offset(), at);
            assertEquals("k" + i, StandardCharsets.UTF_8.decode(rec.key()).toString(), at);
            Header[] headers = rec.headers();
            assertEquals(0, headers.length, at);
            String value = StandardCharsets.UTF_8.decode(rec.value()).toString();
            Matcher m = VALUE.matcher(value);
            assertTrue(m.matches(), at + ": value " + value + " was never written");
            assertEquals(partition, Integer.parseInt(m.group(3)), at + ": " + value + " belongs to another partition");
            assertEquals(i, Integer.parseInt(m.group(6)), at + ": " + value + " is record " + i + " of its batch");
            if (tag == null) {
                tag = m.group(1);
            } else {
                assertEquals(tag, m.group(1), at + ": one batch mixes two appends");
            }
        }
        assertEquals(b.lastOffset() - b.baseOffset() + 1, i, at + ": record count");
        assertNotNull(tag, at + ": empty batch");
        return tag;
    }
}
