package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.Test;

/** Our reading of the v2 layout, checked against Kafka's own builder and reader. */
class RecordBatchHeaderTest {

    @Test
    void readsTheFieldsKafkaWrote() {
        ByteBuffer b = TestBatches.idempotent(77, (short) 3, 10, 4);
        MutableRecordBatch k = TestBatches.parse(b).get(0);
        assertEquals(k.sizeInBytes(), RecordBatchHeader.totalSize(b));
        assertEquals(k.lastOffset() - k.baseOffset(), RecordBatchHeader.lastOffsetDelta(b));
        assertEquals(k.maxTimestamp(), RecordBatchHeader.maxTimestamp(b));
        assertEquals(77, RecordBatchHeader.producerId(b));
        assertEquals(3, RecordBatchHeader.producerEpoch(b));
        assertEquals(10, RecordBatchHeader.baseSequence(b));
        assertEquals(4, RecordBatchHeader.recordCount(b));
        assertEquals((int) k.checksum(), RecordBatchHeader.storedCrc(b));
        assertTrue(RecordBatchHeader.crcMatches(b));
    }

    @Test
    void assignedOffsetAndEpochLeaveTheBatchValid() {
        ByteBuffer b = TestBatches.batch("x", 3, 1234);
        RecordBatchHeader.assignOffset(b, 1000, 7);
        MutableRecordBatch k = TestBatches.parse(b).get(0);
        assertEquals(1000, k.baseOffset());
        assertEquals(1002, k.lastOffset());
        assertEquals(7, k.partitionLeaderEpoch());
    }

    @Test
    void logAppendTimeRewritesTypeTimestampAndCrcAsKafkaExpects() {
        ByteBuffer b = TestBatches.batch("x", 3, 1234);
        ByteBuffer original = ByteBuffer.allocate(b.remaining()).put(b.duplicate()).flip();
        ByteBuffer header = b.slice(0, RecordBatchHeader.HEADER_SIZE);
        RecordBatchHeader.setLogAppendTime(header, b.slice(RecordBatchHeader.HEADER_SIZE,
                b.remaining() - RecordBatchHeader.HEADER_SIZE), 99_999);
        assertEquals(original.slice(RecordBatchHeader.HEADER_SIZE, b.remaining() - RecordBatchHeader.HEADER_SIZE),
                b.slice(RecordBatchHeader.HEADER_SIZE, b.remaining() - RecordBatchHeader.HEADER_SIZE),
                "only the header changes");
        MutableRecordBatch k = TestBatches.parse(b).get(0); // ensureValid checks the CRC
        assertEquals(TimestampType.LOG_APPEND_TIME, k.timestampType());
        assertEquals(99_999, k.maxTimestamp());
        k.forEach(r -> assertEquals(99_999, r.timestamp()));
    }

    @Test
    void framingRejectsShortWrongMagicAndInconsistentLength() {
        assertEquals(StoreException.Category.INVALID_BATCH, assertThrows(StoreException.class,
                () -> RecordBatchHeader.checkFraming(ByteBuffer.allocate(20))).category());
        ByteBuffer wrongMagic = TestBatches.batch("x", 1, 1);
        wrongMagic.put(RecordBatchHeader.MAGIC, (byte) 1);
        assertThrows(StoreException.class, () -> RecordBatchHeader.checkFraming(wrongMagic));
        ByteBuffer longer = ByteBuffer.allocate(TestBatches.batch("x", 1, 1).remaining() + 5);
        longer.put(TestBatches.batch("x", 1, 1)).rewind();
        assertThrows(StoreException.class, () -> RecordBatchHeader.checkFraming(longer));
    }

    @Test
    void entryClassificationNamesEveryCase() {
        ByteBuffer batch = TestBatches.batch("x", 2, 1);
        int size = CommitLogEntry.HEADER_SIZE + batch.remaining();
        ByteBuffer file = ByteBuffer.allocate(size + 64);
        CommitLogEntry.writeHead(file, 5, batch);
        file.put(CommitLogEntry.HEAD_SIZE, batch, batch.position() + RecordBatchHeader.HEADER_SIZE,
                batch.remaining() - RecordBatchHeader.HEADER_SIZE);
        CommitLogEntry.seal(file.slice(0, CommitLogEntry.HEAD_SIZE));
        assertEquals(CommitLogEntry.Kind.ENTRY, CommitLogEntry.classify(file, 0, file.capacity(), true));
        assertEquals(5, CommitLogEntry.partitionId(file, 0));
        assertEquals(CommitLogEntry.Kind.END_OF_LOG, CommitLogEntry.classify(file, size, file.capacity(), true));
        CommitLogEntry.writeBlank(file.slice(size, 64), 64);
        assertEquals(CommitLogEntry.Kind.END_OF_FILE, CommitLogEntry.classify(file, size, file.capacity(), true));
        assertEquals(CommitLogEntry.Kind.END_OF_FILE, CommitLogEntry.classify(file, file.capacity() - 7, file.capacity(), true));
        file.put(size - 1, (byte) (file.get(size - 1) ^ 1)); // last record byte: batch CRC only
        assertEquals(CommitLogEntry.Kind.CORRUPT, CommitLogEntry.classify(file, 0, file.capacity(), true));
        assertEquals(CommitLogEntry.Kind.ENTRY, CommitLogEntry.classify(file, 0, file.capacity(), false));
        file.put(CommitLogEntry.HEADER_SIZE + 3, (byte) 1); // base offset: header CRC
        assertFalse(CommitLogEntry.classify(file, 0, file.capacity(), false) == CommitLogEntry.Kind.ENTRY);
    }
}
