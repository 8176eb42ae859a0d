package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.storage.ProducerStateTable.BatchMetadata;
import io.ferrite.storage.ProducerStateTable.ProducerState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Producer-state snapshots: an open reads only the batches after one, uses one only while the log still holds
 * the batch it ends with, and keeps the same idempotence rules whichever way the state was rebuilt.
 */
class ProducerSnapshotTest {
    private static final PartitionKey P = new PartitionKey("t", 0);

    @TempDir
    Path dir;

    private Path queueDir() {
        return dir.resolve("consumequeue").resolve("0");
    }

    @Test
    void aSnapshotReadsBackAsWrittenAndADamagedOneIsNotRead() throws Exception {
        ProducerSnapshot.State s = new ProducerSnapshot.State(42, 4096, 0xCAFE, 3,
                List.of(new ProducerState(7, (short) 2, List.of(new BatchMetadata(0, 4, 30, 34, 1000),
                        new BatchMetadata(5, 5, 41, 41, 1001))), new ProducerState(9, (short) 0, List.of())),
                Map.of(7L, 30L));
        ProducerSnapshot.write(dir, s);
        assertEquals(s, ProducerSnapshot.read(dir));
        byte[] bytes = Files.readAllBytes(dir.resolve(ProducerSnapshot.FILE));
        bytes[40] ^= 1;
        Files.write(dir.resolve(ProducerSnapshot.FILE), bytes);
        assertNull(ProducerSnapshot.read(dir));
        Files.write(dir.resolve(ProducerSnapshot.FILE), new byte[7]);
        assertNull(ProducerSnapshot.read(dir));
        Files.delete(dir.resolve(ProducerSnapshot.FILE));
        assertNull(ProducerSnapshot.read(dir));
    }

    /** Producer 5: 10 batches of 2 records, after one plain batch (offsets 0-1). */
    private static void write(Store store, int fromBatch, int toBatch) throws Exception {
        for (int i = fromBatch; i < toBatch; i++) {
            store.append(P, TestBatches.idempotent(5, (short) 0, 2 * i, 2), 0, false).get();
        }
    }

    /** The rules as they stand after batches {@code 0..batches-1} of producer 5: a retry, a gap, the next. */
    private static void assertIdempotence(Store store, int batches) throws Exception {
        long end = 2 + 2L * batches;
        assertEquals(end, store.logEndOffset(P));
        AppendResult retry = store.append(P, TestBatches.idempotent(5, (short) 0, 2 * (batches - 1), 2), 0, false)
                .get();
        assertTrue(retry.duplicate());
        assertEquals(end - 2, retry.baseOffset());
        StoreException gap = assertThrows(StoreException.class,
                () -> store.append(P, TestBatches.idempotent(5, (short) 0, 2 * batches + 1, 1), 0, false));
        assertEquals(StoreException.Category.OUT_OF_ORDER_SEQUENCE, gap.category());
        assertEquals(end, store.append(P, TestBatches.idempotent(5, (short) 0, 2 * batches, 2), 0, false).get()
                .baseOffset());
    }

    @Test
    void aCleanCloseLeavesNothingToReadAtTheNextOpen() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            store.createPartition(P);
            store.append(P, TestBatches.batch("plain", 2, 1), 0, false).get();
            write(store, 0, 10);
        }
        assertTrue(Files.exists(queueDir().resolve(ProducerSnapshot.FILE)));
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            assertEquals(0, store.recoveryReport().batchesRead());
            assertIdempotence(store, 10);
        }
        Files.delete(queueDir().resolve(ProducerSnapshot.FILE)); // without one, the whole log is read: same rules
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            assertEquals(12, store.recoveryReport().batchesRead());
            assertIdempotence(store, 11);
        }
    }

    @Test
    void afterACrashOnlyTheBatchesSinceTheLastSnapshotAreRead() throws Exception {
        Path live = dir.resolve("live");
        Path crashed = dir.resolve("crashed");
        try (Store store = Store.open(TestBatches.smallConfig(live, FlushMode.SYNC), Clock.systemUTC())) {
            store.createPartition(P);
            store.append(P, TestBatches.batch("plain", 2, 1), 0, false).get();
            write(store, 0, 6);
            store.runRetention(); // a retention pass snapshots what changed
            write(store, 6, 10);
            LiveTree.copy(live, crashed);
        }
        try (Store store = Store.open(TestBatches.smallConfig(crashed, FlushMode.SYNC), Clock.systemUTC())) {
            assertTrue(store.recoveredFromCrash());
            assertEquals(4, store.recoveryReport().batchesRead());
            assertIdempotence(store, 10);
        }
    }

    @Test
    void aSnapshotPastWhatACrashLeftIsNotUsed() throws Exception {
        Path live = dir.resolve("live");
        Path crashed = dir.resolve("crashed");
        List<AppendResult> acked = new java.util.ArrayList<>();
        // No periodic flush: the checkpoint stays before the batches, so recovery scans them all.
        try (Store store = Store.open(TestBatches.smallConfig(live, FlushMode.ASYNC, 3_600_000), Clock.systemUTC())) {
            store.createPartition(P);
            acked.add(store.append(P, TestBatches.batch("plain", 2, 1), 0, false).get());
            for (int i = 0; i < 10; i++) {
                acked.add(store.append(P, TestBatches.idempotent(5, (short) 0, 2 * i, 2), 0, false).get());
            }
            store.runRetention();
            LiveTree.copy(live, crashed);
        }
        // Async mode lost the last four batches (their first page never reached the disk).
        Path log = crashed.resolve("commitlog").resolve(String.format("%020d", 0));
        try (var ch = java.nio.channels.FileChannel.open(log, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(CommitLogEntry.HEADER_SIZE), acked.get(7).position());
        }
        try (Store store = Store.open(TestBatches.smallConfig(crashed, FlushMode.ASYNC), Clock.systemUTC())) {
            assertEquals(14, store.logEndOffset(P));
            assertEquals(7, store.recoveryReport().batchesRead(), "the snapshot at 22 describes batches now gone");
            ProducerSnapshot.State now = ProducerSnapshot.read(crashed.resolve("consumequeue").resolve("0"));
            assertTrue(now == null || now.endOffset() == 14, "deleted, or already replaced by retention's first pass");
            assertIdempotence(store, 6);
        }
    }
}
