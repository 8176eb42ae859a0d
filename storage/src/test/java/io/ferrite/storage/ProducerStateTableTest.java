package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

class ProducerStateTableTest {
    private final ProducerStateTable table = new ProducerStateTable(null);
    private long nextOffset;

    private void write(ByteBuffer batch) {
        assertNull(table.check(batch, false));
        table.update(batch, nextOffset, -1);
        nextOffset += RecordBatchHeader.lastOffsetDelta(batch) + 1;
    }

    @Test
    void aRetriedBatchAmongTheLastFiveGetsItsOriginalOffsets() {
        for (int i = 0; i < 6; i++) {
            write(TestBatches.idempotent(7, (short) 0, i * 2, 2));
        }
        ProducerStateTable.BatchMetadata dup = table.check(TestBatches.idempotent(7, (short) 0, 4, 2), false);
        assertNotNull(dup);
        assertEquals(4, dup.firstOffset());
        assertEquals(5, dup.lastOffset());
        // The first batch fell out of the window of five: no longer a duplicate, and out of order.
        StoreException e = assertThrows(StoreException.class, () -> table.check(TestBatches.idempotent(7, (short) 0, 0, 2), false));
        assertEquals(StoreException.Category.OUT_OF_ORDER_SEQUENCE, e.category());
    }

    @Test
    void aGapInSequencesIsOutOfOrder() {
        write(TestBatches.idempotent(1, (short) 0, 0, 3));
        StoreException e = assertThrows(StoreException.class, () -> table.check(TestBatches.idempotent(1, (short) 0, 4, 1), false));
        assertEquals(StoreException.Category.OUT_OF_ORDER_SEQUENCE, e.category());
        assertNull(table.check(TestBatches.idempotent(1, (short) 0, 3, 1), false));
    }

    @Test
    void epochsMoveForwardOnlyAndANewEpochStartsAtZero() {
        write(TestBatches.idempotent(1, (short) 3, 0, 1));
        assertEquals(StoreException.Category.INVALID_PRODUCER_EPOCH, assertThrows(StoreException.class,
                () -> table.check(TestBatches.idempotent(1, (short) 2, 1, 1), false)).category());
        assertEquals(StoreException.Category.OUT_OF_ORDER_SEQUENCE, assertThrows(StoreException.class,
                () -> table.check(TestBatches.idempotent(1, (short) 4, 5, 1), false)).category());
        write(TestBatches.idempotent(1, (short) 4, 0, 1));
        assertEquals(4, table.get(1).epoch());
        assertEquals(0, table.get(1).lastSequence());
    }

    @Test
    void anUnknownProducerMayStartAtAnySequence() {
        assertNull(table.check(TestBatches.idempotent(9, (short) 0, 42, 1), false));
    }

    @Test
    void sequencesWrapAtIntMax() {
        assertEquals(1, ProducerStateTable.lastSequence(Integer.MAX_VALUE - 1, 3));
        assertEquals(true, ProducerStateTable.follows(Integer.MAX_VALUE, 0));
    }

    @Test
    void producersWhollyBeforeTheLogStartAreForgotten() {
        write(TestBatches.idempotent(1, (short) 0, 0, 2));
        write(TestBatches.idempotent(2, (short) 0, 0, 2));
        table.removeBefore(2);
        assertNull(table.get(1));
        assertNotNull(table.get(2));
    }

    @Test
    void producersExpireOnceTheyHaveNotWrittenForTheIntervalUnlessATransactionOfTheirsIsOpen() {
        write(TestBatches.idempotent(1, (short) 0, 0, 2)); // record timestamps of 1970: not what counts
        write(TestBatches.idempotent(2, (short) 0, 0, 1));
        ByteBuffer txn = MemoryRecords.withTransactionalRecords(Compression.NONE, 3, (short) 0, 0,
                new SimpleRecord(1000L, null, "t".getBytes(StandardCharsets.UTF_8))).buffer();
        assertNull(table.check(txn, true)); // as the coordinator confirmed the transaction
        table.update(txn, nextOffset++, -1);
        long t0 = 1_700_000_000_000L;
        assertEquals(0, table.expire(t0, 1000), "first seen now");
        write(TestBatches.idempotent(1, (short) 0, 2, 1)); // producer 1 writes again
        assertEquals(0, table.expire(t0 + 999, 1000));
        assertEquals(1, table.expire(t0 + 1000, 1000), "producer 2 has been silent for the interval");
        assertNull(table.get(2));
        assertNotNull(table.get(1), "producer 1 wrote since");
        assertEquals(1, table.expire(t0 + 999 + 1000, 1000));
        assertNull(table.get(1));
        assertNotNull(table.get(3), "its transaction is open here");
        // A forgotten producer may start again anywhere, as a new one.
        assertNull(table.check(TestBatches.idempotent(1, (short) 0, 57, 1), false));
    }
}
