package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ferrite.storage.ProducerStateTable.AbortedTransaction;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions as one partition sees them, with batches and markers made by Kafka's own builders: the last
 * stable offset stops at the earliest open transaction, markers close them, aborted ones are listed for a
 * read_committed range, and all of it comes back when the store is opened again.
 */
class TransactionStateTest {
    private static final PartitionKey P = new PartitionKey("t", 0);

    @TempDir
    Path dir;

    private static ByteBuffer transactional(long producerId, int sequence, int records) {
        return transactional(producerId, (short) 0, sequence, records);
    }

    private static ByteBuffer transactional(long producerId, short epoch, int sequence, int records) {
        SimpleRecord[] r = new SimpleRecord[records];
        for (int i = 0; i < records; i++) {
            r[i] = new SimpleRecord(1_700_000_000_000L, null, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, epoch, sequence, r).buffer();
    }

    private static ByteBuffer marker(long producerId, ControlRecordType type) {
        return marker(producerId, (short) 0, type);
    }

    private static ByteBuffer marker(long producerId, short epoch, ControlRecordType type) {
        return MemoryRecords.withEndTransactionMarker(1_700_000_000_000L, producerId, epoch,
                new EndTransactionMarker(type, 0)).buffer();
    }

    /** Appended as the broker does once the coordinator has confirmed the transaction. */
    private static long append(Store store, ByteBuffer batch) throws Exception {
        return store.append(P, batch, 0, false, true).get().baseOffset();
    }

    private static StoreException.Category refusal(Store store, ByteBuffer batch) {
        return assertThrows(StoreException.class, () -> store.append(P, batch, 0, false)).category();
    }

    @Test
    void onlyAConfirmedTransactionOpensInAPartitionAndANewerMarkerFencesTheOlderEpoch() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            store.createPartition(P);
            assertEquals(StoreException.Category.TRANSACTION_NOT_VERIFIED, refusal(store, transactional(7, 0, 1)));
            assertEquals(0, store.logEndOffset(P)); // nothing written
            append(store, transactional(7, 0, 1));
            // The transaction is open here: its next batches need no confirmation.
            assertEquals(1, store.append(P, transactional(7, 1, 1), 0, false).get().baseOffset());
            store.append(P, marker(7, ControlRecordType.COMMIT), 0, false).get();
            assertEquals(StoreException.Category.TRANSACTION_NOT_VERIFIED, refusal(store, transactional(7, 2, 1)));
            // The coordinator fences epoch 0 with an abort at epoch 1: epoch 0 can write no more.
            append(store, transactional(7, 2, 1));
            append(store, marker(7, (short) 1, ControlRecordType.ABORT));
            assertEquals(StoreException.Category.INVALID_PRODUCER_EPOCH, refusal(store, transactional(7, 3, 1)));
            assertEquals(StoreException.Category.INVALID_PRODUCER_EPOCH,
                    refusal(store, marker(7, (short) 0, ControlRecordType.COMMIT)));
            assertEquals(5, store.append(P, transactional(7, (short) 2, 0, 1), 0, false, true).get().baseOffset());
            // Protocol 2: the next transaction's epoch writes before this one's marker: it waits, even verified.
            StoreException early = assertThrows(StoreException.class,
                    () -> store.append(P, transactional(7, (short) 3, 0, 1), 0, false, true));
            assertEquals(StoreException.Category.TRANSACTION_NOT_VERIFIED, early.category());
            append(store, marker(7, (short) 3, ControlRecordType.COMMIT));                   // 6, under epoch 3
            assertEquals(7, store.append(P, transactional(7, (short) 3, 0, 1), 0, false, true).get().baseOffset());
        }
    }

    @Test
    void theLastStableOffsetStopsAtTheEarliestOpenTransactionAndAbortsAreListed() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            store.createPartition(P);
            append(store, TestBatches.batch("plain", 2, 1000));                 // 0-1, no transaction
            assertEquals(2, store.lastStableOffset(P));
            long a = append(store, transactional(7, 0, 3));                     // 2-4, producer 7 opens
            long b = append(store, transactional(8, 0, 2));                     // 5-6, producer 8 opens
            append(store, transactional(7, 3, 1));                              // 7, producer 7 again
            assertEquals(2, a);
            assertEquals(a, store.lastStableOffset(P));
            long abort7 = append(store, marker(7, ControlRecordType.ABORT));    // 8
            assertEquals(b, store.lastStableOffset(P));
            append(store, marker(8, ControlRecordType.COMMIT));                 // 9
            assertEquals(10, store.lastStableOffset(P));
            assertEquals(List.of(new AbortedTransaction(7, a, abort7)), store.abortedTransactions(P, 0, 10));
            assertEquals(List.of(), store.abortedTransactions(P, 9, 10));      // ended before the range
            assertEquals(List.of(), store.abortedTransactions(P, 0, 2));       // started after it
            append(store, marker(9, ControlRecordType.ABORT));                  // no transaction of 9 here: nothing
            long c = append(store, transactional(8, 2, 1));                     // 11, producer 8 opens anew
            assertEquals(c, store.lastStableOffset(P));
        }
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) { // from the snapshot the close wrote
            assertEquals(0, store.recoveryReport().batchesRead());
            assertEquals(11, store.lastStableOffset(P));
            assertEquals(List.of(new AbortedTransaction(7, 2, 8)), store.abortedTransactions(P, 0, 12));
            append(store, marker(8, ControlRecordType.ABORT));                  // 12
            assertEquals(13, store.lastStableOffset(P));
            assertEquals(List.of(new AbortedTransaction(7, 2, 8), new AbortedTransaction(8, 11, 12)),
                    store.abortedTransactions(P, 0, 13));
            append(store, transactional(7, (short) 1, 0, 1));                   // 13, producer 7 opens anew
        }
        Files.delete(dir.resolve("consumequeue").resolve("0").resolve(ProducerSnapshot.FILE));
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) { // rebuilt from the whole log
            assertEquals(10, store.recoveryReport().batchesRead());
            assertEquals(13, store.lastStableOffset(P));
            assertEquals(List.of(new AbortedTransaction(7, 2, 8), new AbortedTransaction(8, 11, 12)),
                    store.abortedTransactions(P, 0, 14));
        }
    }

    @Test
    void aMarkersTypeIsReadFromItsRecordAndCutBytesAreNotGuessed() {
        ByteBuffer commit = marker(5, ControlRecordType.COMMIT);
        assertEquals(RecordBatchHeader.CONTROL_COMMIT, RecordBatchHeader.controlType(commit));
        assertEquals(RecordBatchHeader.CONTROL_ABORT, RecordBatchHeader.controlType(marker(5, ControlRecordType.ABORT)));
        assertEquals(-1, RecordBatchHeader.controlType(commit.duplicate().limit(RecordBatchHeader.HEADER_SIZE + 3)));
        // What recovery reads of a marker is enough for its type.
        int peek = Math.min(RecordBatchHeader.CONTROL_TYPE_BYTES, commit.remaining());
        assertEquals(RecordBatchHeader.CONTROL_COMMIT, RecordBatchHeader.controlType(commit.duplicate().limit(peek)));
    }
}
