package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The leader epoch history read from a partition's batches answers as Kafka's leader epoch cache does. */
class LeaderEpochsTest {
    private static final PartitionKey P = new PartitionKey("t", 0);

    @TempDir
    Path dir;

    /** Epoch 0 at offsets 0-4 (two batches), epoch 2 at 5-7, epoch 5 at 8-9. */
    private static void fill(Store store) throws Exception {
        store.createPartition(P);
        store.appendReplica(P, batch(0, 0, 3)).get();
        store.appendReplica(P, batch(3, 0, 2)).get();
        store.appendReplica(P, batch(5, 2, 3)).get();
        store.appendReplica(P, batch(8, 5, 2)).get();
    }

    @Test
    void eachEpochEndsWhereTheNextBegins() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            fill(store);
            assertEquals(5, store.latestEpoch(P));
            assertEquals(new EpochEndOffset(0, 5), store.endOffsetForEpoch(P, 0));
            assertEquals(new EpochEndOffset(0, 5), store.endOffsetForEpoch(P, 1), "no batch of 1: the one before");
            assertEquals(new EpochEndOffset(2, 8), store.endOffsetForEpoch(P, 2));
            assertEquals(new EpochEndOffset(2, 8), store.endOffsetForEpoch(P, 4));
            assertEquals(new EpochEndOffset(5, 10), store.endOffsetForEpoch(P, 5), "the latest ends at the log end");
            assertEquals(EpochEndOffset.UNDEFINED, store.endOffsetForEpoch(P, 6));
            assertEquals(EpochEndOffset.UNDEFINED, store.endOffsetForEpoch(P, -1));
        }
    }

    @Test
    void theHistoryFollowsTheLogStartACutAndARestart() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            fill(store);
            store.advanceLogStart(P, 6);
            // Older than every epoch left: the epoch asked for, ending where the log now starts.
            assertEquals(new EpochEndOffset(0, 6), store.endOffsetForEpoch(P, 0));
            assertEquals(new EpochEndOffset(2, 8), store.endOffsetForEpoch(P, 2));
            assertEquals(8, store.truncate(P, 8));
            assertEquals(2, store.latestEpoch(P));
            assertEquals(new EpochEndOffset(2, 8), store.endOffsetForEpoch(P, 2));
            assertEquals(EpochEndOffset.UNDEFINED, store.endOffsetForEpoch(P, 5));
            store.appendReplica(P, batch(8, 7, 1)).get(); // a new leader's first batch
        }
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            assertEquals(7, store.latestEpoch(P));
            assertEquals(new EpochEndOffset(2, 8), store.endOffsetForEpoch(P, 5));
            assertEquals(new EpochEndOffset(7, 9), store.endOffsetForEpoch(P, 7));
        }
    }

    @Test
    void anEmptyLogKnowsNoEpoch() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            store.createPartition(P);
            assertEquals(-1, store.latestEpoch(P));
            assertEquals(EpochEndOffset.UNDEFINED, store.endOffsetForEpoch(P, 0));
            store.append(P, TestBatches.batch("a", 1, 1000), 3, false).get(); // a leader stamps its own epoch
            assertEquals(3, store.latestEpoch(P));
            assertEquals(new EpochEndOffset(3, 1), store.endOffsetForEpoch(P, 3));
            assertEquals(new EpochEndOffset(2, 0), store.endOffsetForEpoch(P, 2));
        }
    }

    /** A batch as a leader of {@code epoch} stored it, at {@code offset}. */
    private static ByteBuffer batch(long offset, int epoch, int records) {
        SimpleRecord[] r = new SimpleRecord[records];
        for (int i = 0; i < records; i++) {
            r[i] = new SimpleRecord(1000, null, ("e" + epoch + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords((byte) 2, offset, Compression.NONE, TimestampType.CREATE_TIME, -1L,
                (short) -1, -1, epoch, false, r).buffer();
    }
}
