package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Timestamps, idempotent producers, read limits and the write-buffer pool, through the public API. */
class StoreFeatureTest {
    private static final PartitionKey P = new PartitionKey("events", 0);

    @TempDir
    Path dir;

    private static long baseOffsetOf(ReadResult r) {
        return TestBatches.parse(r.batches().get(0).buffer()).get(0).baseOffset();
    }

    @Test
    void timestampLookupsFindTheFirstBatchAtOrAfterAndTheMaximum() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            store.createPartition(P);
            long[] ts = {100, 500, 200, 300, 600, 50};
            for (long t : ts) {
                store.append(P, TestBatches.batch("t" + t, 2, t), 0, false).get();
            }
            try (ReadResult r = store.batchForTimestamp(P, 250)) {
                assertEquals(2, baseOffsetOf(r)); // the 500 batch, though 300 comes later
            }
            try (ReadResult r = store.batchForTimestamp(P, 550)) {
                assertEquals(8, baseOffsetOf(r));
            }
            try (ReadResult r = store.batchForTimestamp(P, 601)) {
                assertTrue(r.batches().isEmpty());
            }
            try (ReadResult r = store.batchWithMaxTimestamp(P)) {
                assertEquals(8, baseOffsetOf(r));
            }
        }
    }

    @Test
    void timestampLookupSkipsMaximaOfBatchesRetentionRemoved() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            store.createPartition(P);
            for (long t : new long[] {900, 100, 200, 300}) {
                store.append(P, TestBatches.batch("t" + t, 1, t), 0, false).get();
            }
            store.advanceLogStart(P, 1);
            try (ReadResult r = store.batchForTimestamp(P, 150)) {
                assertEquals(2, baseOffsetOf(r));
            }
            try (ReadResult r = store.batchWithMaxTimestamp(P)) {
                assertEquals(3, baseOffsetOf(r));
            }
        }
    }

    @Test
    void persistedLogStartsAreInTheCheckpointOnDiskBeforeAnyClose() throws Exception {
        StoreConfig noPeriodicCheckpoint = TestBatches.smallConfig(dir, FlushMode.ASYNC).toBuilder()
                .flushIntervalMs(3_600_000).build();
        try (Store store = Store.open(noPeriodicCheckpoint, Clock.systemUTC())) {
            store.createPartition(P);
            for (int i = 0; i < 4; i++) {
                store.append(P, TestBatches.batch("b" + i, 3, 100 + i), 0, false).get();
            }
            long whole = store.sizeInBytes(P);
            int batch = TestBatches.batch("b0", 3, 100).remaining();
            assertEquals(4L * batch, whole);
            assertEquals(7, store.advanceLogStart(P, 7));
            assertEquals(2L * batch, store.sizeInBytes(P), "the batch holding offset 7 still counts, whole");
            assertEquals(0, logStartInCheckpoint(), "moving the start alone writes nothing");
            store.persistLogStarts();
            assertEquals(7, logStartInCheckpoint(), "what a crash now would find");
            assertThrows(StoreException.class, () -> store.advanceLogStart(P, 13), "past the log end");
        }
    }

    private long logStartInCheckpoint() throws Exception {
        return Checkpoint.read(dir).partitions().stream().filter(r -> r.key().equals(P)).findFirst().orElseThrow()
                .logStartOffset();
    }

    @Test
    void logAppendTimeStampsTheBatchWithTheStoreClock() throws Exception {
        MutableClock clock = new MutableClock(1_700_000_000_000L);
        try (Store store = Store.open(TestBatches.smallConfig(dir, FlushMode.ASYNC), clock)) {
            store.createPartition(P);
            AppendResult r = store.append(P, TestBatches.batch("l", 3, 5), 0, true).get();
            assertEquals(1_700_000_000_000L, r.logAppendTime());
            try (ReadResult read = store.read(P, 0, 1 << 20)) {
                MutableRecordBatch b = TestBatches.parse(read.batches().get(0).buffer()).get(0);
                assertEquals(TimestampType.LOG_APPEND_TIME, b.timestampType());
                assertEquals(1_700_000_000_000L, b.maxTimestamp());
            }
        }
    }

    @Test
    void idempotentRetriesAreDeduplicatedAcrossARestart() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            store.createPartition(P);
            store.append(P, TestBatches.batch("plain", 2, 1), 0, false).get();
            assertEquals(2, store.append(P, TestBatches.idempotent(5, (short) 0, 0, 3), 0, false).get().baseOffset());
            AppendResult dup = store.append(P, TestBatches.idempotent(5, (short) 0, 0, 3), 0, false).get();
            assertTrue(dup.duplicate());
            assertEquals(2, dup.baseOffset());
            assertEquals(4, dup.lastOffset());
        }
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            ProducerStateTable.ProducerState s = store.producerState(P, 5);
            assertNotNull(s);
            assertEquals(2, s.lastSequence());
            assertEquals(4, s.lastOffset());
            assertTrue(store.append(P, TestBatches.idempotent(5, (short) 0, 0, 3), 0, false).get().duplicate());
            StoreException e = assertThrows(StoreException.class,
                    () -> store.append(P, TestBatches.idempotent(5, (short) 0, 7, 1), 0, false));
            assertEquals(StoreException.Category.OUT_OF_ORDER_SEQUENCE, e.category());
            assertEquals(5, store.append(P, TestBatches.idempotent(5, (short) 0, 3, 1), 0, false).get().baseOffset());
            assertEquals(6, store.logEndOffset(P));
        }
    }

    @Test
    void aDuplicateInSyncModeIsAcknowledgedWithItsOriginalOffsets() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            store.createPartition(P);
            AppendResult first = store.append(P, TestBatches.idempotent(8, (short) 1, 0, 2), 0, false).get();
            AppendResult again = store.append(P, TestBatches.idempotent(8, (short) 1, 0, 2), 0, false)
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(again.duplicate());
            assertEquals(first.baseOffset(), again.baseOffset());
            assertEquals(2, store.logEndOffset(P));
        }
    }

    @Test
    void readsRespectMaxBytesButAlwaysReturnTheFirstBatch() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            store.createPartition(P);
            int size = TestBatches.sized(500, 1).remaining();
            for (int i = 0; i < 10; i++) {
                store.append(P, TestBatches.sized(500, i), 0, false).get();
            }
            try (ReadResult r = store.read(P, 0, 1)) {
                assertEquals(1, r.batches().size());
            }
            try (ReadResult r = store.read(P, 0, 3 * size + 10)) {
                assertEquals(3, r.batches().size());
                assertEquals(3 * size, r.sizeInBytes());
            }
            try (ReadResult r = store.read(P, 7, Integer.MAX_VALUE)) {
                assertEquals(3, r.batches().size());
            }
        }
    }

    @Test
    void writeBufferPoolModeServesCommittedBytesAndSurvivesRestart() throws Exception {
        StoreConfig pooled = TestBatches.smallConfig(dir, FlushMode.ASYNC).toBuilder()
                .warmFlushPages(0)
                .transientStorePoolEnabled(true)
                .transientStorePoolBuffers(2)
                .commitIntervalMs(5)
                .build();
        for (FlushMode mode : List.of(FlushMode.ASYNC, FlushMode.SYNC)) {
            try (Store store = Store.open(pooled.withFlushMode(mode), Clock.systemUTC())) {
                store.createPartition(P);
                long start = store.logEndOffset(P);
                for (int i = 0; i < 200; i++) { // ~ 200 KiB: several files, more than the pool's two buffers
                    store.append(P, TestBatches.sized(1000, i), 0, false).get();
                }
                long deadline = System.nanoTime() + 10_000_000_000L;
                int seen = 0;
                while (seen < 200 && System.nanoTime() < deadline) { // async: visible once the commit service runs
                    try (ReadResult r = store.read(P, start, Integer.MAX_VALUE)) {
                        seen = r.batches().size();
                    }
                }
                assertEquals(200, seen);
            }
        }
        try (Store store = Store.open(pooled, Clock.systemUTC())) {
            assertEquals(400, store.logEndOffset(P));
            try (ReadResult r = store.read(P, 0, Integer.MAX_VALUE)) {
                assertEquals(400, r.batches().size());
            }
        }
    }

    @Test
    void appendsAfterCloseAreRefused() {
        Store store = TestBatches.open(dir, FlushMode.SYNC);
        store.createPartition(P);
        store.close();
        store.close();
        ByteBuffer b = TestBatches.batch("late", 1, 1);
        assertEquals(StoreException.Category.CLOSED,
                assertThrows(StoreException.class, () -> store.append(P, b, 0, false)).category());
    }

    @Test
    void syncAppendFuturesCompleteInOrderUnderConcurrency() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            store.createPartition(P);
            Thread[] threads = new Thread[8];
            for (int t = 0; t < threads.length; t++) {
                threads[t] = new Thread(() -> {
                    for (int i = 0; i < 50; i++) {
                        try {
                            store.append(P, TestBatches.batch("c", 1, 1), 0, false).get();
                        } catch (InterruptedException | ExecutionException e) {
                            throw new AssertionError(e);
                        }
                    }
                });
                threads[t].start();
            }
            for (Thread t : threads) {
                t.join(30_000);
            }
            assertEquals(400, store.logEndOffset(P));
            try (ReadResult r = store.read(P, 0, Integer.MAX_VALUE)) {
                assertEquals(400, TestBatches.values(r).size());
            }
        }
    }
}
