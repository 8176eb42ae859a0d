package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk: appends fail with {@link StoreException.Category#DISK_FULL}, reads go on, nothing acknowledged is
 * lost across a restart, and appends resume once there is room. First with a block allocator told to fail, then
 * on a real tmpfs filled to the last block.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DiskFullTest {
    private static final PartitionKey P0 = new PartitionKey("full", 0);
    private static final PartitionKey P1 = new PartitionKey("full", 1);
    private static final int SMALL_FILE = 64 * 1024; // TestBatches.smallConfig

    @TempDir
    Path tmp;

    private Path mounted;

    /** Allocates real blocks until told the disk is full; then fails the way posix_fallocate reports ENOSPC. */
    private static final class SwitchableBlocks implements BlockAllocator {
        final AtomicBoolean full = new AtomicBoolean();
        final AtomicInteger refused = new AtomicInteger();
        /** Whether a full disk also refuses a later step of a file allocated in steps, not only new files. */
        volatile boolean stepsToo = true;

        @Override
        public void allocate(Path file, FileChannel channel, long offset, long length) throws IOException {
            if (full.get() && (stepsToo || offset == 0)) {
                refused.incrementAndGet();
                throw new IOException("No space left on device");
            }
            BlockAllocator.DEFAULT.allocate(file, channel, offset, length);
        }
    }

    private record Acked(PartitionKey key, long baseOffset, AppendResult result, String tag) {
    }

    /** One record whose value is {@code tag} padded to {@code valueSize} bytes, so batches of one size are equal in size. */
    private static ByteBuffer batch(String tag, int valueSize) {
        byte[] value = new byte[Math.max(valueSize, tag.length() + 1)];
        byte[] t = tag.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, value, 0, t.length);
        for (int i = t.length; i < value.length; i++) {
            value[i] = '.';
        }
        return MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(1000L, "k".getBytes(StandardCharsets.US_ASCII), value)).buffer();
    }

    private static int entrySize(ByteBuffer batch) {
        return CommitLogEntry.HEADER_SIZE + batch.remaining();
    }

    /**
     * Appends and waits. Returns null and records the ack on success; returns the failure, whether thrown by
     * append or delivered through its future. Anything but a StoreException fails the test.
     */
    private static StoreException tryAppend(Store store, PartitionKey key, ByteBuffer batch, String tag,
                                            List<Acked> acked) throws InterruptedException, TimeoutException {
        try {
            AppendResult r = store.append(key, batch, 0, false).get(10, TimeUnit.SECONDS);
            acked.add(new Acked(key, r.baseOffset(), r, tag));
            return null;
        } catch (StoreException e) {
            return e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StoreException se) {
                return se;
            }
            throw new AssertionError("append failed with something other than a StoreException", e.getCause());
        }
    }

    private static AppendResult append(Store store, PartitionKey key, ByteBuffer batch, String tag, List<Acked> acked)
            throws Exception {
        StoreException e = tryAppend(store, key, batch, tag, acked);
        if (e != null) {
            throw new AssertionError("append of " + tag + " to " + key + " failed", e);
        }
        return acked.get(acked.size() - 1).result();
    }

    /** Fails with the store's exception as the cause, so its stack trace shows where it was raised. */
    private static void assertAppended(StoreException e, String what) {
        if (e != null) {
            throw new AssertionError(what + ": " + e.getMessage(), e);
        }
    }

    private static void assertDiskFull(StoreException e, String what) {
        assertNotNull(e, what + ": the append succeeded although the disk is full");
        assertEquals(StoreException.Category.DISK_FULL, e.category(), what + ": wrong category: " + e);
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting until " + what);
            }
            Thread.sleep(5);
        }
    }

    /**
     * Every acknowledged batch is readable at its offset with its value, in order, with nothing else in the
     * partition: in these tests every append either is acknowledged or fails without writing.
     */
    private static void assertHoldsExactly(Store store, List<Acked> acked, PartitionKey... keys) {
        for (PartitionKey key : keys) {
            List<String> expected = new ArrayList<>();
            for (Acked a : acked) {
                if (a.key().equals(key)) {
                    expected.add(a.baseOffset() + ":" + a.tag());
                }
            }
            assertEquals(expected.size(), store.logEndOffset(key), key + ": log end");
            List<String> actual = new ArrayList<>();
            long next = 0;
            while (next < store.logEndOffset(key)) {
                try (ReadResult r = store.read(key, next, 256 * 1024)) {
                    assertFalse(r.batches().isEmpty(), key + ": nothing served at " + next);
                    for (Slice s : r.batches()) {
                        for (MutableRecordBatch b : TestBatches.parse(s.buffer())) {
                            for (Record rec : b) {
                                String v = StandardCharsets.US_ASCII.decode(rec.value()).toString();
                                int dot = v.indexOf('.');
                                actual.add(rec.offset() + ":" + (dot < 0 ? v : v.substring(0, dot)));
                            }
                            next = b.lastOffset() + 1;
                        }
                    }
                }
            }
            assertEquals(expected, actual, key + ": contents");
        }
    }

    /** Half-created files; the store is live, so files may vanish while this looks (see {@link LiveTree}). */
    private static List<String> leftovers(Path dir) throws IOException {
        return LiveTree.files(dir).stream().map(p -> p.getFileName().toString())
                .filter(n -> n.endsWith(".allocating")).toList();
    }

    /** The bytes of disk a file holds (du), as against its length. */
    private static long allocatedBytes(Path file) throws IOException, InterruptedException {
        Process du = new ProcessBuilder("du", "--block-size=1", file.toString()).start();
        String out = new String(du.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, du.waitFor(), out);
        return Long.parseLong(out.split("\\s+")[0]);
    }

    private static Path commitLogFile(Path dataDir, long from) {
        return dataDir.resolve("commitlog").resolve(MappedFile.fileName(from));
    }

    /** Start position of the last CommitLog file on disk: the last one made while there was room. */
    private static long lastCommitLogFile(Path dataDir) throws IOException {
        try (Stream<Path> s = Files.list(dataDir.resolve("commitlog"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d{20}"))
                    .mapToLong(Long::parseLong).max().orElseThrow();
        }
    }

    /**
     * Appends alternately to the two partitions until one fails, and checks that it fails exactly when an entry
     * first needs a CommitLog file beyond {@code lastReadyFile}, the last one created while there was room.
     */
    private static StoreException appendUntilFull(Store store, int valueSize, String prefix, long lastReadyFile,
                                                  List<Acked> acked) throws Exception {
        long lastEnd = -1;
        for (int i = 0; i < 3 * SMALL_FILE / valueSize; i++) {
            String tag = prefix + i;
            ByteBuffer b = batch(tag, valueSize);
            PartitionKey key = i % 2 == 0 ? P0 : P1;
            long endBefore = store.logEndOffset(key);
            StoreException e = tryAppend(store, key, b, tag, acked);
            if (e != null) {
                assertDiskFull(e, tag);
                assertEquals(endBefore, store.logEndOffset(key), "a failed append moved the log end");
                assertTrue(lastEnd + entrySize(b) > lastReadyFile + SMALL_FILE,
                        "the append at " + lastEnd + " failed although it fit in a file created before the disk filled");
                return e;
            }
            AppendResult r = acked.get(acked.size() - 1).result();
            assertTrue(r.position() < lastReadyFile + SMALL_FILE,
                    "appended at " + r.position() + ", in a file created while the disk was full");
            lastEnd = r.position() + entrySize(b);
        }
        fail("appends never failed although no file could be created");
        return null;
    }

    @Test
    void injectedFullDiskFailsAppendsButKeepsReadsAndEveryAcknowledgedBatch() throws Exception {
        Path data = tmp.resolve("store");
        SwitchableBlocks blocks = new SwitchableBlocks();
        StoreConfig config = TestBatches.smallConfig(data, FlushMode.SYNC);
        List<Acked> acked = new ArrayList<>();
        int valueSize = 1000;

        try (Store store = Store.open(config, Clock.systemUTC(), blocks)) {
            store.createPartition(P0);
            store.createPartition(P1);
            // Fill the first file until the next entry needs the second.
            for (int i = 0; ; i++) {
                ByteBuffer b = batch("a" + i, valueSize);
                AppendResult r = append(store, i % 2 == 0 ? P0 : P1, b, "a" + i, acked);
                assertTrue(r.position() < SMALL_FILE);
                if (r.position() + 2L * entrySize(b) > SMALL_FILE) {
                    break;
                }
            }
            // The second file was made ahead, while there was room; only the third can fail.
            awaitTrue(() -> Files.exists(commitLogFile(data, SMALL_FILE)), "the second CommitLog file exists");
            blocks.full.set(true);
            assertEquals(SMALL_FILE, lastCommitLogFile(data));

            appendUntilFull(store, valueSize, "b", SMALL_FILE, acked);
            assertTrue(blocks.refused.get() > 0);
            // Still full: the next attempt fails the same way, and the store is not wedged in another state.
            assertDiskFull(tryAppend(store, P0, batch("c", valueSize), "c", acked), "second attempt");
            assertHoldsExactly(store, acked, P0, P1);
            assertEquals(List.of(), leftovers(data), "half-created files were left behind");
            assertFalse(Files.exists(commitLogFile(data, 2L * SMALL_FILE)), "a file was created on a full disk");

            // Room again: appends resume at the log end, in a new file.
            blocks.full.set(false);
            long end0 = store.logEndOffset(P0);
            AppendResult resumed = append(store, P0, batch("d0", valueSize), "d0", acked);
            assertEquals(end0, resumed.baseOffset());
            assertTrue(resumed.position() >= 2L * SMALL_FILE, "resumed at " + resumed.position());
            for (int i = 1; i < 6; i++) {
                append(store, i % 2 == 0 ? P0 : P1, batch("d" + i, valueSize), "d" + i, acked);
            }
            assertHoldsExactly(store, acked, P0, P1);
            blocks.full.set(true); // and the disk fills again before the restart
        }

        try (Store store = Store.open(config, Clock.systemUTC(), blocks)) {
            assertFalse(store.recoveredFromCrash(), "a full disk must not prevent a clean close");
            assertHoldsExactly(store, acked, P0, P1);
            appendUntilFull(store, valueSize, "e", lastCommitLogFile(data), acked);
            assertHoldsExactly(store, acked, P0, P1);

            blocks.full.set(false);
            long end1 = store.logEndOffset(P1);
            assertEquals(end1, append(store, P1, batch("f", valueSize), "f", acked).baseOffset());
        }

        try (Store store = Store.open(config, Clock.systemUTC())) {
            assertFalse(store.recoveredFromCrash());
            assertHoldsExactly(store, acked, P0, P1);
            long end0 = store.logEndOffset(P0);
            assertEquals(end0, append(store, P0, batch("g", valueSize), "g", acked).baseOffset());
        }
    }

    /**
     * The roll into the second CommitLog file queues the third; that fails while the disk is full. Room comes
     * back before the second file fills up, so the roll into the third must succeed.
     */
    @Test
    void commitLogFileQueuedWhileFullIsCreatedOnceThereIsRoomAgain() throws Exception {
        Path data = tmp.resolve("store");
        SwitchableBlocks blocks = new SwitchableBlocks();
        List<Acked> acked = new ArrayList<>();
        int valueSize = 1000;
        try (Store store = Store.open(TestBatches.smallConfig(data, FlushMode.SYNC), Clock.systemUTC(), blocks)) {
            store.createPartition(P0);
            store.createPartition(P1);
            int i = 0;
            for (; ; i++) {
                ByteBuffer b = batch("a" + i, valueSize);
                AppendResult r = append(store, i % 2 == 0 ? P0 : P1, b, "a" + i, acked);
                if (r.position() + 2L * entrySize(b) > SMALL_FILE) {
                    break;
                }
            }
            awaitTrue(() -> Files.exists(commitLogFile(data, SMALL_FILE)), "the second CommitLog file exists");
            blocks.full.set(true);
            i++;
            AppendResult rolled = append(store, i % 2 == 0 ? P0 : P1, batch("a" + i, valueSize), "a" + i, acked);
            assertTrue(rolled.position() >= SMALL_FILE, "the append went into the second file");
            awaitTrue(() -> blocks.refused.get() > 0, "creating the third file was refused");
            blocks.full.set(false);

            for (i++; store.logEndOffset(P0) + store.logEndOffset(P1) < 3L * SMALL_FILE / valueSize; i++) {
                String tag = "a" + i;
                assertAppended(tryAppend(store, i % 2 == 0 ? P0 : P1, batch(tag, valueSize), tag, acked),
                        tag + " failed although the disk has room again");
            }
            assertTrue(acked.get(acked.size() - 1).result().position() >= 2L * SMALL_FILE);
            assertHoldsExactly(store, acked, P0, P1);
        }
    }

    /**
     * The same for a ConsumeQueue file, which is queued when the current one is half full: its creation fails
     * while the disk is full, and the roll into it comes after room is back.
     */
    @Test
    void consumeQueueFileQueuedWhileFullIsCreatedOnceThereIsRoomAgain() throws Exception {
        Path data = tmp.resolve("store");
        SwitchableBlocks blocks = new SwitchableBlocks();
        List<Acked> acked = new ArrayList<>();
        int entriesPerFile = 256; // TestBatches.smallConfig
        blocks.stepsToo = false; // the file in use gets its second step at the half; only the next file is refused
        try (Store store = Store.open(TestBatches.smallConfig(data, FlushMode.SYNC), Clock.systemUTC(), blocks)) {
            store.createPartition(P0);
            int i = 0;
            for (; i < entriesPerFile / 2 - 8; i++) {
                append(store, P0, batch("q" + i, 8), "q" + i, acked);
            }
            // The CommitLog's second file is made ahead on the first append; let that finish while there is room.
            awaitTrue(() -> Files.exists(commitLogFile(data, SMALL_FILE)), "the second CommitLog file exists");
            blocks.full.set(true);
            for (; i < entriesPerFile / 2 + 8; i++) {
                append(store, P0, batch("q" + i, 8), "q" + i, acked); // the queue file in use still has room
            }
            awaitTrue(() -> blocks.refused.get() > 0, "creating the second queue file was refused");
            blocks.full.set(false);
            for (; i < 2 * entriesPerFile; i++) {
                String tag = "q" + i;
                assertAppended(tryAppend(store, P0, batch(tag, 8), tag, acked),
                        tag + " failed although the disk has room again");
            }
            assertHoldsExactly(store, acked, P0);
        }
    }

    /**
     * A queue file's blocks come in steps (one page first): the append that needs the next step while the disk
     * is full fails with DISK_FULL before its batch reaches the CommitLog, and appends go on once there is room.
     */
    @Test
    void consumeQueueStepRefusedWhileFullFailsTheAppendCleanly() throws Exception {
        Path data = tmp.resolve("store");
        SwitchableBlocks blocks = new SwitchableBlocks();
        List<Acked> acked = new ArrayList<>();
        int firstStep = MappedFile.FIRST_STEP / ConsumeQueue.ENTRY_SIZE;
        try (Store store = Store.open(TestBatches.smallConfig(data, FlushMode.SYNC), Clock.systemUTC(), blocks)) {
            store.createPartition(P0);
            int i = 0;
            for (; i < firstStep - 4; i++) {
                append(store, P0, batch("s" + i, 8), "s" + i, acked);
            }
            awaitTrue(() -> Files.exists(commitLogFile(data, SMALL_FILE)), "the second CommitLog file exists");
            Path queueFile;
            try (var files = Files.walk(data.resolve("consumequeue"))) {
                queueFile = files.filter(f -> f.getFileName().toString().matches("\\d{20}")).findFirst().orElseThrow();
            }
            assertTrue(Files.size(queueFile) > MappedFile.FIRST_STEP, "the queue file has its full length");
            assertEquals(MappedFile.FIRST_STEP, allocatedBytes(queueFile), "only the first step is allocated");
            blocks.full.set(true);
            for (; i < firstStep; i++) {
                append(store, P0, batch("s" + i, 8), "s" + i, acked); // still within the first step
            }
            long end = store.logEndOffset(P0);
            assertDiskFull(tryAppend(store, P0, batch("t", 8), "t", acked), "the append needing the next step");
            assertEquals(end, store.logEndOffset(P0));
            assertHoldsExactly(store, acked, P0);
            blocks.full.set(false);
            for (; i < 2 * firstStep; i++) {
                assertAppended(tryAppend(store, P0, batch("s" + i, 8), "s" + i, acked),
                        "s" + i + " failed although the disk has room again");
            }
            assertHoldsExactly(store, acked, P0);
        }
        try (Store store = Store.open(TestBatches.smallConfig(data, FlushMode.SYNC), Clock.systemUTC())) {
            assertHoldsExactly(store, acked, P0);
            assertAppended(tryAppend(store, P0, batch("u", 8), "u", acked), "after a restart");
            assertHoldsExactly(store, acked, P0);
        }
    }

    // ---- a real full filesystem ----

    @AfterEach
    void unmount() throws InterruptedException {
        if (mounted != null) {
            String err = Commands.run("umount", mounted.toString());
            if (err != null) {
                String lazy = Commands.run("umount", "-l", mounted.toString()); // never leave a mount behind
                if (lazy != null) {
                    fail("cannot unmount " + mounted + ": " + err + "; " + lazy);
                }
            }
            mounted = null;
        }
    }

    /** 1 MiB CommitLog files, 8 KiB queue files; retention never deletes on disk usage, so nothing goes by design. */
    private static StoreConfig tmpfsConfig(Path dir) {
        return StoreConfig.builder(dir, FlushMode.SYNC)
                .commitLogFileSize(1 << 20)
                .consumeQueueEntriesPerFile(256)
                .flushIntervalMs(20)
                .warmFiles(true)
                .warmFlushPages(64)
                .transientStorePoolEnabled(false)
                .commitIntervalMs(20)
                .maxDiskUsedRatio(1.0)
                .retentionCheckIntervalMs(3_600_000)
                .defaultRetention(new Retention(-1, -1))
                .build();
    }

    /** Mounts a 4 MiB tmpfs for this test, or skips the test where mounting is not permitted. */
    private Path mountTmpfs() throws IOException, InterruptedException {
        Path mnt = tmp.resolve("tmpfs");
        Files.createDirectories(mnt);
        String err = Commands.run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt.toString());
        Assumptions.assumeTrue(err == null, () -> "skipped: cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): " + err);
        mounted = mnt;
        return mnt;
    }

    /** Writes zeros into a new file until the filesystem refuses, through write(2) only, so never SIGBUS. */
    private static void fillUp(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocate(4096);
            while (true) {
                zeros.clear();
                ch.write(zeros);
            }
        } catch (IOException e) {
            if (!StoreException.isDiskFull(e)) {
                throw e;
            }
        }
    }

    @Test
    void realTmpfsFillsUpWithoutSigbusAndLosesNothing() throws Exception {
        Path mnt = mountTmpfs();
        Path data = mnt.resolve("store");
        StoreConfig config = tmpfsConfig(data);
        List<Acked> acked = new ArrayList<>();
        int valueSize = 4000;
        StoreException full = null;
        try (Store store = Store.open(config, Clock.systemUTC())) {
            store.createPartition(P0);
            store.createPartition(P1);
            // 4 MiB hold at most 4 files of 1 MiB: stop well after that.
            for (int i = 0; i < 2 * (4 << 20) / valueSize && full == null; i++) {
                String tag = "t" + i;
                full = tryAppend(store, i % 2 == 0 ? P0 : P1, batch(tag, valueSize), tag, acked);
            }
            assertDiskFull(full, "filling the tmpfs");
            assertTrue(acked.size() * (long) valueSize > 2L << 20,
                    "only " + acked.size() + " batches fit before the first failure");
            assertDiskFull(tryAppend(store, P0, batch("again", valueSize), "again", acked), "second attempt");
            assertHoldsExactly(store, acked, P0, P1);
            assertEquals(List.of(), leftovers(data), "half-created files were left behind");
        }

        try (Store store = Store.open(config, Clock.systemUTC())) {
            assertHoldsExactly(store, acked, P0, P1);
            assertDiskFull(tryAppend(store, P1, batch("after-reopen", valueSize), "after-reopen", acked),
                    "after reopening");
            assertHoldsExactly(store, acked, P0, P1);
        }
    }

    /**
     * Above {@code store.max.disk.used.ratio} (here something else fills the disk: a ballast file) producers'
     * batches are refused with DISK_FULL while the coordinators' pinned partition still takes appends, nothing
     * written is deleted, and once the space is freed produce resumes by itself.
     */
    @Test
    void aboveTheDiskRatioProduceIsRefusedNothingIsDeletedAndItResumesOnceSpaceIsFreed() throws Exception {
        Path mnt = mountTmpfs();
        Path data = mnt.resolve("store");
        StoreConfig config = tmpfsConfig(data).toBuilder().maxDiskUsedRatio(0.75).build();
        PartitionKey pinned = new PartitionKey("__coordinator", 0);
        List<Acked> acked = new ArrayList<>();
        try (Store store = Store.open(config, Clock.systemUTC(), List.of(pinned))) {
            store.createPartition(P0);
            append(store, P0, batch("before", 1000), "before", acked);
            Path ballast = mnt.resolve("ballast");
            // The CommitLog file made ahead takes its space first, so the ballast is measured against it.
            awaitTrue(() -> {
                try {
                    return commitLogFilesOf(data).stream().filter(f -> f.getFileName().toString().matches("\\d{20}"))
                            .count() >= 2;
                } catch (IOException e) {
                    return false;
                }
            }, "the next CommitLog file is made");
            FileStore disk = Files.getFileStore(mnt);
            long toFill = (long) (0.85 * disk.getTotalSpace()) - (disk.getTotalSpace() - disk.getUsableSpace());
            Files.write(ballast, new byte[(int) Math.max(4096, toFill)]); // to 85% used
            StoreException refused = null;
            for (int i = 0; i < 100 && refused == null; i++) { // the monitor looks once a second
                refused = tryAppend(store, P0, batch("probe" + i, 100), "probe" + i, acked);
                Thread.sleep(50);
            }
            assertNotNull(refused, "never refused above the ratio");
            assertEquals(StoreException.Category.DISK_FULL, refused.category());
            append(store, pinned, batch("offsets", 100), "offsets", acked);
            List<Path> files = commitLogFilesOf(data);

            Files.delete(ballast);
            StoreException still = refused;
            for (int i = 0; i < 100 && still != null; i++) {
                Thread.sleep(50);
                still = tryAppend(store, P0, batch("after" + i, 100), "after" + i, acked);
            }
            assertNull(still, "produce did not resume once space was freed");
            assertTrue(commitLogFilesOf(data).containsAll(files), "no CommitLog file was deleted for the disk");
            assertHoldsExactly(store, acked.stream().filter(a -> a.key().equals(P0)).toList(), P0);
        }
    }

    private static List<Path> commitLogFilesOf(Path data) throws IOException {
        try (Stream<Path> s = Files.list(data.resolve("commitlog"))) {
            return s.toList();
        }
    }

    /**
     * Something else fills the disk while the store has room in its current files: appends that fit go on, the
     * periodic checkpoint cannot be written. Once that space is freed, the store must take appends again; the
     * checkpoint only bounds how much recovery scans, so failing to write it is no reason to stay offline.
     */
    @Test
    void checkpointThatCannotBeWrittenOnAFullDiskDoesNotKeepTheStoreOffline() throws Exception {
        Path mnt = mountTmpfs();
        Path data = mnt.resolve("store");
        List<Acked> acked = new ArrayList<>();
        try (Store store = Store.open(tmpfsConfig(data), Clock.systemUTC())) {
            store.createPartition(P0);
            for (int i = 0; i < 10; i++) {
                append(store, P0, batch("a" + i, 100), "a" + i, acked);
            }
            // The second CommitLog file is made ahead; let it take its share before the rest is filled.
            awaitTrue(() -> Files.exists(data.resolve("commitlog").resolve(MappedFile.fileName(1 << 20))),
                    "the second CommitLog file exists");
            Path filler = mnt.resolve("filler");
            fillUp(filler);
            // Room in the current files: these need no new block. The checkpoints after them cannot be written.
            for (int i = 0; i < 10; i++) {
                tryAppend(store, P0, batch("b" + i, 100), "b" + i, acked);
                Thread.sleep(30);
            }
            Thread.sleep(200); // several flush intervals, each trying to write the checkpoint
            assertHoldsExactly(store, acked, P0);

            Files.delete(filler);
            for (int i = 0; i < 10; i++) {
                assertAppended(tryAppend(store, P0, batch("c" + i, 100), "c" + i, acked),
                        "c" + i + " failed although the disk has room again");
            }
            assertHoldsExactly(store, acked, P0);
        }
        try (Store store = Store.open(tmpfsConfig(data), Clock.systemUTC())) {
            assertHoldsExactly(store, acked, P0);
        }
    }
}
