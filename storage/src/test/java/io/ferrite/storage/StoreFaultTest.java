package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damage done to the files between runs, and what the store makes of it. */
class StoreFaultTest {
    private static final PartitionKey P0 = new PartitionKey("t", 0);
    private static final PartitionKey P1 = new PartitionKey("t", 1);

    @TempDir
    Path dir;

    private List<AppendResult> fill(Store store, int batches) throws Exception {
        store.createPartition(P0);
        store.createPartition(P1);
        List<AppendResult> out = new ArrayList<>();
        for (int i = 0; i < batches; i++) {
            out.add(store.append(i % 2 == 0 ? P0 : P1, TestBatches.batch("v" + i, 3, 1000 + i), 0, false).get());
        }
        return out;
    }

    private List<String> readAll(Store store, PartitionKey key) {
        try (ReadResult r = store.read(key, store.logStartOffset(key), Integer.MAX_VALUE)) {
            return TestBatches.values(r);
        }
    }

    private List<Path> commitLogFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("commitlog"))) {
            return s.filter(p -> p.getFileName().toString().matches("\\d{20}")).sorted().toList();
        }
    }

    private static void write(Path file, long position, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), position);
        }
    }

    @Test
    void garbageAtTheTailIsTruncated() throws Exception {
        List<String> p0;
        long end;
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            List<AppendResult> acked = fill(store, 40);
            p0 = readAll(store, P0);
            AppendResult last = acked.get(acked.size() - 1);
            end = last.position() + CommitLogEntry.HEADER_SIZE + TestBatches.batch("v39", 3, 1039).remaining();
        }
        Path last = commitLogFiles().get(commitLogFiles().size() - 1);
        long at = end - Long.parseLong(last.getFileName().toString());
        write(last, at, new byte[] {0x12, 0x34, 0x56, 0x78, (byte) 0xFE, 0x77, 0x1E, 0x02, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        Files.write(dir.resolve(Store.ABORT_FILE), new byte[0]); // as after a crash

        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            assertTrue(store.recoveredFromCrash());
            assertEquals(end, store.recoveryReport().corruptAt());
            assertEquals(p0, readAll(store, P0));
            assertEquals(60, store.logEndOffset(P0));
            assertEquals(60, store.append(P0, TestBatches.batch("after", 1, 5000), 0, false).get().baseOffset());
        }
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            assertEquals(-1, store.recoveryReport().corruptAt());
            assertEquals(61, store.logEndOffset(P0));
        }
    }

    @Test
    void halfWrittenEntryAfterTheCheckpointIsTruncated() throws Exception {
        Path copy = dir.resolve("crashed");
        List<String> p1;
        // No periodic flush while it runs: the last checkpoint stays the one written when the partitions were
        // made, so the torn entry lies after it whatever the timing.
        StoreConfig unflushed = TestBatches.smallConfig(dir.resolve("live"), FlushMode.ASYNC, 3_600_000);
        try (Store store = Store.open(unflushed, Clock.systemUTC())) {
            fill(store, 30);
            p1 = readAll(store, P1);
            // A copy of the files taken while the store runs is what a crash leaves: abort file, old checkpoint.
            LiveTree.copy(dir.resolve("live"), copy);
        }
        // Cut the last entry in half, as a crash mid-append would. The newest file may be an empty one made ahead.
        Path last = null;
        ByteBuffer content = null;
        int lastEntry = -1;
        List<Path> files;
        try (Stream<Path> s = Files.list(copy.resolve("commitlog"))) {
            files = s.filter(p -> p.getFileName().toString().matches("\\d{20}")).sorted().toList();
        }
        for (int f = files.size() - 1; f >= 0 && lastEntry < 0; f--) {
            last = files.get(f);
            content = ByteBuffer.wrap(Files.readAllBytes(last));
            for (int pos = 0; pos + 8 <= content.capacity() && content.getInt(pos + 4) == CommitLogEntry.MAGIC; ) {
                lastEntry = pos;
                pos += content.getInt(pos);
            }
        }
        int size = content.getInt(lastEntry);
        write(last, lastEntry + size / 2, new byte[size - size / 2]);

        try (Store store = TestBatches.open(copy, FlushMode.ASYNC)) {
            assertTrue(store.recoveredFromCrash());
            List<String> expected = p1.subList(0, p1.size() - 3); // the torn batch was P1's last (3 records)
            assertEquals(expected, readAll(store, P1));
            assertEquals(42, store.logEndOffset(P1));
            assertEquals(42, store.append(P1, TestBatches.batch("again", 1, 9000), 0, false).get().baseOffset());
        }
    }

    @Test
    void flippedBitInAnOlderBatchIsNeverServed() throws Exception {
        List<AppendResult> acked;
        List<String> p1;
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            acked = fill(store, 20);
            p1 = readAll(store, P1);
        }
        AppendResult victim = acked.get(10); // P0's sixth batch: offsets 15..17
        Path file = commitLogFiles().get(0);
        long inBatch = victim.position() + CommitLogEntry.HEADER_SIZE + RecordBatchHeader.HEADER_SIZE + 5;
        byte[] one = new byte[1];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.read(ByteBuffer.wrap(one), inBatch);
        }
        write(file, inBatch, new byte[] {(byte) (one[0] ^ 0x10)});

        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            // Reads stop before the damaged batch...
            try (ReadResult r = store.read(P0, 0, Integer.MAX_VALUE)) {
                assertEquals(15, TestBatches.values(r).size());
            }
            // ...and a read that starts at it fails rather than serve it.
            StoreException e = assertThrows(StoreException.class, () -> store.read(P0, 15, 1 << 20));
            assertEquals(StoreException.Category.CORRUPT, e.category());
            // Batches after it, other partitions and appends are unaffected.
            try (ReadResult r = store.read(P0, 18, Integer.MAX_VALUE)) {
                assertEquals("18:v12-0", TestBatches.values(r).get(0));
            }
            assertEquals(p1, readAll(store, P1));
            assertEquals(30, store.append(P0, TestBatches.batch("x", 1, 1), 0, false).get().baseOffset());
        }
    }

    @Test
    void flippedBitInABaseOffsetIsCaughtByTheHeaderCrc() throws Exception {
        List<AppendResult> acked;
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            acked = fill(store, 6);
        }
        AppendResult victim = acked.get(2); // P0's second batch: offsets 3..5
        write(commitLogFiles().get(0), victim.position() + CommitLogEntry.HEADER_SIZE + 7, new byte[] {1});
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            StoreException e = assertThrows(StoreException.class, () -> store.read(P0, 3, 1 << 20));
            assertEquals(StoreException.Category.CORRUPT, e.category());
        }
    }

    @Test
    void deletedConsumeQueueIsRebuiltIdentical() throws Exception {
        Path queues = dir.resolve("consumequeue");
        Map<String, byte[]> before;
        List<String> p0;
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            fill(store, 1200); // 600 batches per partition: three 256-entry queue files each
            p0 = readAll(store, P0);
        }
        before = snapshot(queues);
        Path p0Queue = queues.resolve("0");
        try (Stream<Path> s = Files.list(p0Queue)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        // P1 loses only its last file.
        Path p1Last;
        try (Stream<Path> s = Files.list(queues.resolve("1"))) {
            p1Last = s.filter(f -> f.getFileName().toString().matches("\\d{20}")).sorted().reduce((a, b) -> b)
                    .orElseThrow();
        }
        Files.delete(p1Last);

        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            assertEquals(List.of(P0, P1), store.recoveryReport().rebuilt().stream().sorted(
                    (a, b) -> Integer.compare(a.partition(), b.partition())).toList());
            assertEquals(p0, readAll(store, P0));
            assertEquals(1800, store.logEndOffset(P1));
        }
        Map<String, byte[]> after = snapshot(queues);
        assertEquals(before.keySet(), after.keySet());
        for (String name : before.keySet()) {
            assertArrayEquals(before.get(name), after.get(name), name);
        }
    }

    @Test
    void rebuildingAnIndexPastAnUnreadableOldEntryNeverTruncatesTheLog() throws Exception {
        List<AppendResult> acked;
        List<String> p1;
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            acked = fill(store, 1200); // several 64 KiB CommitLog files
            p1 = readAll(store, P1);
        }
        assertTrue(commitLogFiles().size() >= 3);
        AppendResult victim = acked.get(2); // P0's second batch, in the first file
        write(commitLogFiles().get(0), victim.position() + 2, new byte[] {0x7F}); // its entry size: header CRC fails
        try (Stream<Path> s = Files.list(dir.resolve("consumequeue").resolve("0"))) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            assertEquals(List.of(P0), store.recoveryReport().rebuilt());
            assertEquals(-1, store.recoveryReport().corruptAt(), "nothing acknowledged is cut");
            assertEquals(p1, readAll(store, P1), "other partitions keep everything");
            assertEquals(1800, store.logEndOffset(P1));
            assertEquals(1800, store.logEndOffset(P0), "the rebuilt index still reaches the end");
            assertEquals(1800, store.append(P0, TestBatches.batch("next", 1, 1), 0, false).get().baseOffset());
        }
    }

    @Test
    void deleteRecordsCountsTheBytesItRemoves() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            store.createPartition(P0);
            int batch = TestBatches.sized(1000, 1).remaining();
            for (int i = 0; i < 10; i++) {
                store.append(P0, TestBatches.sized(1000, 1_000 + i), 0, false).get();
            }
            assertEquals(5, store.advanceLogStart(P0, 5));
            store.setRetention(P0, new Retention(-1, 3L * batch));
            store.runRetention();
            assertEquals(7, store.logStartOffset(P0), "five batches left, two go to get down to the limit");
        }
    }

    @Test
    void retentionDeletesAFileOnlyAfterItsLastReaderLetsGo() throws Exception {
        MutableClock clock = new MutableClock(1_000_000);
        try (Store store = Store.open(TestBatches.smallConfig(dir, FlushMode.ASYNC), clock)) {
            store.createPartition(P0);
            for (int i = 0; i < 300; i++) { // ~ 300 x 1 KiB: five 64 KiB files
                store.append(P0, TestBatches.sized(1000, 1_000 + i), 0, false).get();
            }
            Path first = commitLogFiles().get(0);
            ReadResult held = store.read(P0, 0, 1);
            store.setRetention(P0, new Retention(60_000, -1));
            clock.advance(3_600_000); // every batch is now older than a minute...
            store.append(P0, TestBatches.sized(1000, clock.millis()), 0, false).get(); // ...but this one
            assertTrue(store.runRetention() >= 4);
            assertEquals(300, store.logStartOffset(P0));
            assertTrue(Files.exists(first), "a held file must survive deletion");
            assertEquals(1, TestBatches.parse(held.batches().get(0).buffer()).size());
            held.close();
            assertFalse(Files.exists(first), "released: now it goes");
            assertThrows(StoreException.class, () -> store.read(P0, 0, 100));
            try (ReadResult r = store.read(P0, 300, 1 << 20)) {
                assertEquals(1, r.batches().size());
            }
        }
        try (Store store = Store.open(TestBatches.smallConfig(dir, FlushMode.ASYNC), clock)) {
            assertEquals(300, store.logStartOffset(P0));
            assertEquals(301, store.logEndOffset(P0));
        }
    }

    @Test
    void retentionBytesKeepsAtLeastTheLimit() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            store.createPartition(P0);
            int batch = TestBatches.sized(1000, 1).remaining();
            for (int i = 0; i < 100; i++) {
                store.append(P0, TestBatches.sized(1000, 1_000 + i), 0, false).get();
            }
            store.setRetention(P0, new Retention(-1, 10L * batch + 10));
            store.runRetention();
            // Whole batches go while what is left stays at or above the limit: 11 batches remain.
            assertEquals(89, store.logStartOffset(P0));
        }
    }

    @Test
    void aPinnedPartitionIsNeverTrimmedAndHoldsItsFilesUntilItsOwnerMovesOn() throws Exception {
        PartitionKey pinned = new PartitionKey("__internal", 0);
        MutableClock clock = new MutableClock(System.currentTimeMillis());
        StoreConfig aged = TestBatches.smallConfig(dir, FlushMode.ASYNC).toBuilder()
                .warmFiles(false)
                .fileMaxAgeMs(3_600_000)
                .defaultRetention(new Retention(1000, -1))
                .build();
        try (Store store = Store.open(aged, clock, List.of(pinned))) {
            assertTrue(store.hasPartition(pinned), "created by open");
            store.createPartition(P0);
            store.append(pinned, TestBatches.batch("state", 1, 1), 0, false).get(); // an ancient timestamp
            for (int i = 0; i < 200; i++) {
                store.append(P0, TestBatches.sized(1000, i), 0, false).get();
            }
            assertTrue(store.bytesBehind(pinned) > 3 * aged.commitLogFileSize());
            clock.advance(2 * 3_600_000);
            assertEquals(0, store.runRetention(), "the first file holds the pinned partition's only batch");
            assertEquals(0, store.logStartOffset(pinned), "time retention does not touch a pinned partition");

            // The owner rewrites its live state at the tail and lets the old batch go.
            long rewritten = store.append(pinned, TestBatches.batch("state", 1, 1), 0, false).get().baseOffset();
            store.advanceLogStart(pinned, rewritten);
            assertTrue(store.bytesBehind(pinned) < aged.commitLogFileSize());
            assertTrue(store.runRetention() >= 3, "now the old files can go");
            try (ReadResult r = store.read(pinned, rewritten, Integer.MAX_VALUE)) {
                assertEquals(1, r.batches().size());
            }
        }
    }

    @Test
    void aFileOlderThanTheGlobalMaximumGoesDespitePartitionRetention() throws Exception {
        MutableClock clock = new MutableClock(System.currentTimeMillis());
        StoreConfig aged = TestBatches.smallConfig(dir, FlushMode.ASYNC).toBuilder()
                .warmFiles(false)
                .fileMaxAgeMs(3_600_000)
                .build();
        try (Store store = Store.open(aged, clock)) {
            store.createPartition(P0);
            store.createPartition(P1);
            List<AppendResult> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) { // ~200 KiB over both partitions: four 64 KiB files
                results.add(store.append(i % 2 == 0 ? P0 : P1, TestBatches.sized(1000, i), 0, false).get());
            }
            int fileSize = aged.commitLogFileSize();
            long lastFileStart = results.get(results.size() - 1).position() / fileSize * fileSize;
            assertEquals(0, store.runRetention(), "partitions keep everything, and no file is old yet");

            clock.advance(2 * 3_600_000);
            assertEquals(lastFileStart / fileSize, store.runRetention(), "every file but the one being written");
            for (int part = 0; part < 2; part++) {
                PartitionKey key = part == 0 ? P0 : P1;
                long expectedStart = -1;
                for (int i = part; i < results.size() && expectedStart < 0; i += 2) {
                    if (results.get(i).position() >= lastFileStart) {
                        expectedStart = results.get(i).baseOffset();
                    }
                }
                assertEquals(expectedStart, store.logStartOffset(key), key.toString());
                try (ReadResult r = store.read(key, expectedStart, Integer.MAX_VALUE)) {
                    assertEquals(100 - expectedStart, r.batches().size());
                }
            }
        }
    }

    @Test
    void deletedPartitionRecreatedUnderTheSameNameStartsEmpty() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            fill(store, 10);
            store.deletePartition(P0);
            assertFalse(store.hasPartition(P0));
            assertFalse(Files.exists(dir.resolve("consumequeue").resolve("0")), "its index is gone, files made ahead too");
            store.createPartition(P0);
            assertEquals(0, store.logEndOffset(P0));
            assertEquals(0, store.append(P0, TestBatches.batch("new", 1, 1), 0, false).get().baseOffset());
        }
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            assertEquals(List.of("0:new-0"), readAll(store, P0));
        }
    }

    private static Map<String, byte[]> snapshot(Path root) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    /**
     * A service thread that dies of an {@link Error} (here the retention thread, through the clock it reads)
     * takes the store offline at once: the owner hears of it, appends waiting for an fsync are failed rather
     * than left hanging, and later appends are refused.
     */
    @Test
    void aServiceThreadThatDiesTakesTheStoreOffline() throws Exception {
        AtomicBoolean poison = new AtomicBoolean();
        Clock clock = new Clock() {
            @Override
            public long millis() {
                if (poison.get() && Thread.currentThread().getName().equals("ferrite-retention")) {
                    throw new InternalError("a fault in the retention thread");
                }
                return System.currentTimeMillis();
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(millis());
            }

            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }
        };
        StoreConfig config = StoreConfig.builder(dir, FlushMode.SYNC).commitLogFileSize(1 << 20)
                .retentionCheckIntervalMs(20).build();
        try (Store store = Store.open(config, clock)) {
            store.createPartition(P0);
            assertEquals(0, store.append(P0, TestBatches.batch("before", 1, 1000), 0, false).get().baseOffset());
            CompletableFuture<StoreException> heard = new CompletableFuture<>();
            store.onFailure(heard::complete);
            poison.set(true);
            StoreException offline = heard.get(10, TimeUnit.SECONDS);
            assertTrue(offline.getMessage().contains("died"), offline.getMessage());
            assertSame(offline, store.failure());
            StoreException refused = assertThrows(StoreException.class,
                    () -> store.append(P0, TestBatches.batch("after", 1, 1001), 0, false));
            assertTrue(refused.getMessage().contains("offline"), refused.getMessage());
        }
    }

    @Test
    void aLostCheckpointIsRebuiltFromThePartitionsOwnMetadataAndLosesNothing() throws Exception {
        List<String> p0;
        List<String> p1;
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            fill(store, 20);
            p0 = readAll(store, P0);
            p1 = readAll(store, P1);
        }
        Files.delete(dir.resolve(Checkpoint.FILE));
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            assertEquals(p0, readAll(store, P0));
            assertEquals(p1, readAll(store, P1));
            assertEquals(30, store.append(P0, TestBatches.batch("next", 1, 5000), 0, false).get().baseOffset());
            PartitionKey fresh = new PartitionKey("fresh", 0);
            store.createPartition(fresh); // a new id: none of the old partitions' entries may show up in it
            assertEquals(List.of(), readAll(store, fresh));
        }
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) { // and the rebuilt table was written down
            assertEquals(31, store.logEndOffset(P0));
            assertTrue(store.hasPartition(new PartitionKey("fresh", 0)));
        }
    }

    @Test
    void aDamagedCheckpointIsSetAsideAndTheTableRebuilt() throws Exception {
        List<String> p1;
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            fill(store, 20);
            p1 = readAll(store, P1);
        }
        byte[] cp = Files.readAllBytes(dir.resolve(Checkpoint.FILE));
        cp[10] ^= 0x40;
        Files.write(dir.resolve(Checkpoint.FILE), cp);
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            assertEquals(p1, readAll(store, P1));
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.anyMatch(f -> f.getFileName().toString().startsWith("checkpoint.damaged-")),
                    "the damaged checkpoint is kept for an operator");
        }
    }

    @Test
    void aQueueDirectoryTheCheckpointDoesNotNameIsSetAsideUnlessItIsKnownGarbage() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            fill(store, 4);
        }
        Path queues = dir.resolve("consumequeue");
        Path stray = queues.resolve("900");
        Path deleted = queues.resolve("901");
        Path unfinished = queues.resolve("902");
        Path unsynced = queues.resolve("903"); // a creation whose sync never came: its index file holds no entry
        for (Path d : List.of(stray, deleted, unfinished, unsynced)) {
            Files.createDirectories(d);
        }
        byte[] entry = new byte[64];
        entry[7] = 5; // a base offset: an index file with an entry in it
        Files.write(stray.resolve("00000000000000000000"), entry);
        Files.write(unsynced.resolve("00000000000000000000"), new byte[4096]);
        new PartitionMetadata(903, new PartitionKey("t", 10)).writeInto(unsynced);
        Files.write(deleted.resolve("00000000000000000000"), new byte[64]);
        PartitionMetadata.markDeleted(deleted);
        new PartitionMetadata(902, new PartitionKey("t", 9)).writeInto(unfinished); // no index file yet
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            assertEquals(2, store.logEndOffset(P0) / 3);
        }
        assertFalse(Files.exists(stray) || Files.exists(deleted) || Files.exists(unfinished) || Files.exists(unsynced));
        try (Stream<Path> s = Files.list(dir.resolve("quarantine"))) {
            List<Path> aside = s.toList();
            assertEquals(1, aside.size());
            assertTrue(aside.get(0).getFileName().toString().startsWith("900-"));
            assertTrue(Files.exists(aside.get(0).resolve("00000000000000000000")), "set aside with its files");
        }
    }

    /** A topic created to be written to has every first index file at once, each holding one page of disk. */
    @Test
    void partitionsCreatedToBeWrittenGetTheirFirstIndexFileAtCreation() throws Exception {
        Path d = dir.resolve("ahead");
        List<PartitionKey> keys = new ArrayList<>();
        for (int p = 0; p < 1500; p++) { // more than the 1,024 queued one by one where there is no syncfs
            keys.add(new PartitionKey("ahead", p));
        }
        try (Store store = TestBatches.open(d, FlushMode.SYNC)) {
            store.createPartitions(keys, true);
            for (PartitionKey k : keys) {
                assertFalse(store.appendCreatesFile(k), k + " has no index file yet");
            }
            store.append(keys.get(1499), TestBatches.batch("last", 1, 1000), 0, false).get();
        }
        Process du = new ProcessBuilder("du", "-s", "--block-size=1", d.resolve("consumequeue").toString()).start();
        long bytes = Long.parseLong(new String(du.getInputStream().readAllBytes()).split("\\s+")[0]);
        assertEquals(0, du.waitFor());
        assertTrue(bytes < 1500L * 16 * 1024, "1,500 partitions hold " + bytes + " bytes of index and metadata");
        // A crash before the creation's sync may lose an index file's length: the open lengthens it.
        try (Stream<Path> s = Files.list(d.resolve("consumequeue").resolve("5"))) {
            Path index = s.filter(f -> f.getFileName().toString().matches("\\d{20}")).findFirst().orElseThrow();
            try (FileChannel ch = FileChannel.open(index, StandardOpenOption.WRITE)) {
                ch.truncate(0);
            }
        }
        try (Store store = TestBatches.open(d, FlushMode.SYNC)) {
            assertEquals(1, store.logEndOffset(keys.get(1499)));
            assertEquals(0, store.logEndOffset(keys.get(0)));
            assertEquals(0, store.append(keys.get(5), TestBatches.batch("five", 1, 1000), 0, false).get().baseOffset());
        }
    }

    /**
     * Enough partitions for the open to run on several threads: each comes back with its own batches, after a
     * clean close and after a crash, and a partition whose metadata file went missing gets it written again.
     */
    @Test
    void manyPartitionsOpenInParallelEachWithItsOwnBatches() throws Exception {
        int partitions = 300;
        Path live = dir.resolve("many");
        Path crashed = dir.resolve("many-crashed");
        try (Store store = TestBatches.open(live, FlushMode.SYNC)) {
            List<PartitionKey> keys = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                keys.add(new PartitionKey("wide", p));
            }
            store.createPartitions(keys);
            for (int round = 0; round < 3; round++) {
                for (int p = 0; p < partitions; p += 1 + round) {
                    store.append(keys.get(p), TestBatches.batch("p" + p + "-" + round, 1, 1000), 0, false).get();
                }
            }
            LiveTree.copy(live, crashed);
        }
        Files.delete(live.resolve("consumequeue").resolve("7").resolve(PartitionMetadata.FILE));
        // A repair cut short by a crash leaves its temporary file, never a torn metadata file.
        Files.write(live.resolve("consumequeue").resolve("8").resolve(PartitionMetadata.FILE + ".tmp"), new byte[5]);
        Files.delete(live.resolve("consumequeue").resolve("8").resolve(PartitionMetadata.FILE));
        for (Path d : List.of(live, crashed)) {
            try (Store store = TestBatches.open(d, FlushMode.SYNC)) {
                assertEquals(partitions, store.partitions().size());
                for (int p = 0; p < partitions; p++) {
                    long expected = 1 + (p % 2 == 0 ? 1 : 0) + (p % 3 == 0 ? 1 : 0);
                    assertEquals(expected, store.logEndOffset(new PartitionKey("wide", p)), d + ": partition " + p);
                }
                assertEquals(List.of("0:p42-0-0", "1:p42-1-0", "2:p42-2-0"), readAll(store, new PartitionKey("wide", 42)));
            }
        }
        assertTrue(Files.exists(live.resolve("consumequeue").resolve("7").resolve(PartitionMetadata.FILE)),
                "the missing metadata file is written again");
        Path eight = live.resolve("consumequeue").resolve("8");
        assertEquals(8, PartitionMetadata.readFrom(eight).id(), "written whole over what a cut-short repair left");
        assertFalse(Files.exists(eight.resolve(PartitionMetadata.FILE + ".tmp")));
    }

    @Test
    void entriesThatReachedTheDiskPastALostOneNeverComeBack() throws Exception {
        StoreConfig config = megabyteFiles(dir.resolve("live"));
        Path crashed = dir.resolve("crashed");
        List<AppendResult> acked;
        try (Store store = Store.open(config, Clock.systemUTC())) {
            acked = fill(store, 30);
            LiveTree.copy(dir.resolve("live"), crashed);
        }
        // Writeback went out of order: batch 20's page never reached the disk, batch 21's (P1's 31st to 33rd
        // offsets) did.
        Path file = crashed.resolve("commitlog").resolve(String.format("%020d", 0));
        AppendResult lost = acked.get(20);
        write(file, lost.position(), new byte[CommitLogEntry.HEADER_SIZE]);
        StoreConfig first = megabyteFiles(crashed);
        Path again = dir.resolve("crashed-again");
        try (Store store = Store.open(first, Clock.systemUTC())) {
            assertEquals(30, store.logEndOffset(P0));
            assertEquals(30, store.logEndOffset(P1), "P1's batch after the lost one is cut with it");
            // A batch the size of the lost one: the next entry position is where P1's old batch lies.
            assertEquals(lost.position(), store.append(P0, TestBatches.batch("w20", 3, 1020), 0, false).get()
                    .position());
            LiveTree.copy(crashed, again); // and the power goes once more
        }
        StoreConfig second = megabyteFiles(again);
        try (Store store = Store.open(second, Clock.systemUTC())) {
            assertEquals(33, store.logEndOffset(P0));
            assertEquals(30, store.logEndOffset(P1), "the old batch at P1's reused offsets stays gone");
        }
    }

    /** Files large enough for a recovered tail to be zeroed by the filesystem, not by hand; no periodic flush. */
    private static StoreConfig megabyteFiles(Path dir) {
        return StoreConfig.builder(dir, FlushMode.ASYNC).commitLogFileSize(1 << 20).consumeQueueEntriesPerFile(256)
                .flushIntervalMs(3_600_000).transientStorePoolEnabled(false).maxDiskUsedRatio(0.999)
                .retentionCheckIntervalMs(3_600_000).defaultRetention(new Retention(-1, -1)).build();
    }

    @Test
    void aQueueEntryPointingAtAnotherBatchIsNeverServed() throws Exception {
        List<AppendResult> acked;
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            acked = fill(store, 20);
        }
        // Damage each queue entry's own checks cannot see: P0's third entry claims offsets 7..8 of the batch
        // holding 6..8, and its fifth points at P1's batch lying between its neighbours.
        Path queue = dir.resolve("consumequeue").resolve("0").resolve(String.format("%020d", 0));
        write(queue, 2 * ConsumeQueue.ENTRY_SIZE, ByteBuffer.allocate(8).putLong(0, 7).array());
        write(queue, 2 * ConsumeQueue.ENTRY_SIZE + 20, ByteBuffer.allocate(4).putInt(0, 1).array());
        ByteBuffer entry = ByteBuffer.allocate(12);
        entry.putLong(0, acked.get(9).position()).putInt(8, entrySize(9));
        write(queue, 4 * ConsumeQueue.ENTRY_SIZE + 8, entry.array());
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            assertEquals(List.of(0L, 3L), baseOffsets(store, 0), "a read stops before the entry that does not match");
            StoreException e = assertThrows(StoreException.class, () -> store.read(P0, 7, Integer.MAX_VALUE));
            assertEquals(StoreException.Category.CORRUPT, e.category());
            assertEquals(List.of(9L), baseOffsets(store, 9));
            e = assertThrows(StoreException.class, () -> store.read(P0, 12, Integer.MAX_VALUE));
            assertEquals(StoreException.Category.CORRUPT, e.category());
            assertEquals(15L, baseOffsets(store, 15).get(0));
            assertEquals(30, store.append(P0, TestBatches.batch("next", 1, 5000), 0, false).get().baseOffset());
        }
    }

    private static List<Long> baseOffsets(Store store, long from) {
        try (ReadResult r = store.read(P0, from, Integer.MAX_VALUE)) {
            return r.batches().stream().map(b -> RecordBatchHeader.baseOffset(b.buffer())).toList();
        }
    }

    private static int entrySize(int i) {
        return CommitLogEntry.HEADER_SIZE + TestBatches.batch("v" + i, 3, 1000 + i).remaining();
    }

    @Test
    void batchesWhoseCommitLogFileWentAfterTheCheckpointMoveTheLogStart() throws Exception {
        List<AppendResult> acked;
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            acked = fill(store, 1200); // several 64 KiB CommitLog files
        }
        // Retention deleted the first file, and the broker died before a checkpoint recorded the new starts.
        List<Path> files = commitLogFiles();
        long secondFile = Long.parseLong(files.get(1).getFileName().toString());
        Files.delete(files.get(0));
        Files.write(dir.resolve(Store.ABORT_FILE), new byte[0]);
        long p0Start = -1;
        long p1Start = -1;
        for (AppendResult a : acked) {
            if (a.position() >= secondFile) {
                if (acked.indexOf(a) % 2 == 0 && p0Start < 0) {
                    p0Start = a.baseOffset();
                } else if (acked.indexOf(a) % 2 == 1 && p1Start < 0) {
                    p1Start = a.baseOffset();
                }
            }
        }
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            assertEquals(p0Start, store.logStartOffset(P0));
            assertEquals(p1Start, store.logStartOffset(P1));
            try (ReadResult r = store.read(P0, store.logStartOffset(P0), Integer.MAX_VALUE)) {
                assertEquals(p0Start, RecordBatchHeader.baseOffset(r.batches().get(0).buffer()),
                        "a consumer at the log start gets data, not empty answers forever");
            }
        }
    }
}
