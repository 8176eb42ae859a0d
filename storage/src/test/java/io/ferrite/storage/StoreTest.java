package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {
    private static final PartitionKey P0 = new PartitionKey("orders", 0);
    private static final PartitionKey P1 = new PartitionKey("orders", 1);

    @TempDir
    Path dir;

    @Test
    void appendsGetConsecutiveOffsetsPerPartition() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            store.createPartition(P0);
            store.createPartition(P1);
            assertEquals(0, store.append(P0, TestBatches.batch("a", 3, 1000), 0, false).get().baseOffset());
            assertEquals(0, store.append(P1, TestBatches.batch("b", 2, 1000), 0, false).get().baseOffset());
            AppendResult r = store.append(P0, TestBatches.batch("c", 2, 1000), 0, false).get();
            assertEquals(3, r.baseOffset());
            assertEquals(4, r.lastOffset());
            assertEquals(5, store.logEndOffset(P0));
            assertEquals(2, store.logEndOffset(P1));
            try (ReadResult read = store.read(P0, 0, 1 << 20)) {
                assertEquals(List.of("0:a-0", "1:a-1", "2:a-2", "3:c-0", "4:c-1"), TestBatches.values(read));
                assertEquals(5, read.highWatermark());
            }
        }
    }

    @Test
    void syncModeCompletesAfterFlush() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            store.createPartition(P0);
            for (int i = 0; i < 50; i++) {
                assertEquals(i * 2L, store.append(P0, TestBatches.batch("x", 2, 1000), 0, false).get().baseOffset());
            }
        }
    }

    @Test
    void cleanRestartKeepsEveryBatchWithTheSameOffsets() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            store.createPartition(P0);
            store.createPartition(P1);
            for (int i = 0; i < 400; i++) {
                store.append(i % 2 == 0 ? P0 : P1, TestBatches.batch("r" + i, 2, 1000 + i), 0, false).get();
            }
        }
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            assertFalse(store.recoveredFromCrash());
            assertEquals(400, store.logEndOffset(P0));
            assertEquals(400, store.logEndOffset(P1));
            try (ReadResult read = store.read(P1, 0, Integer.MAX_VALUE)) {
                List<String> values = TestBatches.values(read);
                assertEquals(400, values.size());
                assertEquals("0:r1-0", values.get(0));
                assertEquals("399:r399-1", values.get(399));
            }
            assertEquals(400, store.append(P0, TestBatches.batch("after", 1, 5000), 0, false).get().baseOffset());
        }
    }

    @Test
    void readStartingInsideABatchReturnsTheWholeBatch() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            store.createPartition(P0);
            store.append(P0, TestBatches.batch("a", 5, 1000), 0, false).get();
            try (ReadResult read = store.read(P0, 3, 1 << 20)) {
                List<MutableRecordBatch> batches = TestBatches.parse(read.batches().get(0).buffer());
                assertEquals(0, batches.get(0).baseOffset());
                assertEquals(4, batches.get(0).lastOffset());
            }
        }
    }

    @Test
    void outOfRangeAndUnknownPartitionAreTypedErrors() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            store.createPartition(P0);
            store.append(P0, TestBatches.batch("a", 2, 1000), 0, false).get();
            try (ReadResult atEnd = store.read(P0, 2, 100)) {
                assertTrue(atEnd.batches().isEmpty());
            }
            StoreException e = assertThrows(StoreException.class, () -> store.read(P0, 3, 100));
            assertEquals(StoreException.Category.OFFSET_OUT_OF_RANGE, e.category());
            e = assertThrows(StoreException.class, () -> store.read(P1, 0, 100));
            assertEquals(StoreException.Category.UNKNOWN_PARTITION, e.category());
        }
    }

    @Test
    void oversizedAppendIsRefusedWithAClearError() {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            store.createPartition(P0);
            ByteBuffer huge = TestBatches.sized(64 * 1024, 1000);
            StoreException e = assertThrows(StoreException.class, () -> store.append(P0, huge, 0, false));
            assertEquals(StoreException.Category.TOO_LARGE, e.category());
            assertEquals(0, store.logEndOffset(P0));
        }
    }
}
