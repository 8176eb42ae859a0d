package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.record.TimestampType;
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
    void callersCanTellWhichAppendsCreateFilesAndWhichReadsFindTheirBytesInMemory() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            store.createPartition(P0); // no index file until the first append
            assertTrue(store.appendCreatesFile(P0));
            store.append(P0, TestBatches.batch("a", 3, 1000), 0, false).get();
            assertFalse(store.appendCreatesFile(P0));
            assertFalse(store.appendCreatesFile(new PartitionKey("none", 0)), "unknown: the append itself refuses");
            assertTrue(store.inMemory(P0, 0, 1 << 20), "just written");
            assertTrue(store.inMemory(P0, 3, 1 << 20), "the log end: nothing to read");
            assertTrue(store.inMemory(P0, 99, 1 << 20), "out of range: the read fails at once");
            assertTrue(store.inMemory(new PartitionKey("none", 0), 0, 1 << 20));
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

    /**
     * Writing through the channel (the default), copying into the mapping, and copying into a pooled buffer
     * must leave byte-identical CommitLog files, and none may change the caller's batch.
     */
    @Test
    void everyWayOfWritingAppendsLeavesTheSameBytes() throws Exception {
        List<byte[]> logs = new ArrayList<>();
        for (String way : List.of("channel", "mapping", "pool")) {
            Path d = dir.resolve(way);
            StoreConfig config = TestBatches.smallConfig(d, FlushMode.ASYNC).toBuilder()
                    .appendIntoMapping(way.equals("mapping"))
                    .transientStorePoolEnabled(way.equals("pool"))
                    .build();
            try (Store store = Store.open(config, new MutableClock(5_000))) {
                store.createPartition(P0);
                for (int i = 0; i < 300; i++) {
                    ByteBuffer batch = TestBatches.batch("w" + i, 20, 1000 + i);
                    if (i % 2 == 0) { // what the network hands over: a direct buffer
                        batch = ByteBuffer.allocateDirect(batch.remaining()).put(batch).flip();
                    }
                    ByteBuffer before = ByteBuffer.allocate(batch.remaining()).put(batch.duplicate()).flip();
                    store.append(P0, batch, 4, i % 3 == 0).get();
                    assertEquals(before, batch, "the caller's batch is untouched");
                }
            }
            try (Store store = Store.open(config, new MutableClock(9_000))) {
                try (ReadResult read = store.read(P0, 0, Integer.MAX_VALUE)) {
                    List<MutableRecordBatch> batches = new ArrayList<>();
                    read.batches().forEach(slice -> batches.addAll(TestBatches.parse(slice.buffer())));
                    assertEquals(300, batches.size());
                    for (int i = 0; i < 300; i++) {
                        MutableRecordBatch b = batches.get(i);
                        assertEquals(20L * i, b.baseOffset());
                        assertEquals(4, b.partitionLeaderEpoch());
                        assertEquals(i % 3 == 0 ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME,
                                b.timestampType());
                        assertEquals(i % 3 == 0 ? 5_000 : 1000 + i, b.maxTimestamp());
                    }
                }
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (Stream<Path> files = Files.list(d.resolve("commitlog"))) {
                for (Path f : files.sorted().toList()) {
                    bytes.write(Files.readAllBytes(f));
                }
            }
            logs.add(bytes.toByteArray());
        }
        assertTrue(logs.get(0).length > 64 * 1024, "the appends span more than one CommitLog file");
        assertArrayEquals(logs.get(0), logs.get(1), "channel and mapping");
        assertArrayEquals(logs.get(0), logs.get(2), "channel and pool");
    }
}
