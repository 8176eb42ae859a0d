package io.ferrite.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BatchValidatorTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final BatchValidator.Rules RULES = new BatchValidator.Rules(1 << 20, TimestampType.CREATE_TIME,
            Long.MAX_VALUE, 3_600_000, false);

    private static SimpleRecord[] records(int n, long ts) {
        SimpleRecord[] rs = new SimpleRecord[n];
        for (int i = 0; i < n; i++) {
            rs[i] = new SimpleRecord(ts, ("k" + i).getBytes(StandardCharsets.UTF_8), ("value-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return rs;
    }

    private static ByteBuffer batch(Compression c, int n, long ts) {
        return MemoryRecords.withRecords(c, records(n, ts)).buffer();
    }

    private static Errors errorOf(ByteBuffer records, BatchValidator.Rules rules) {
        return assertThrows(BatchValidator.InvalidBatchException.class,
                () -> BatchValidator.validate(records, rules, NOW)).error();
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class)
    void validBatchesPassUncompressedAndCompressedAlike(CompressionType type) {
        ByteBuffer b = batch(Compression.of(type).build(), 5, NOW);
        assertEquals(b.remaining(), BatchValidator.validate(b, RULES, NOW).remaining());
    }

    /**
     * A compression bomb: one record of 64 MiB of zeros, a few hundred kilobytes or less on the wire. Checked with
     * keys and values skipped, it costs the checking thread little memory whatever it inflates to; past the
     * broker's bound it is refused.
     */
    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void compressionBombsAreCheckedInBoundedMemoryAndRefusedPastTheBound(CompressionType type) {
        int inflated = 64 << 20;
        ByteBuffer bomb = MemoryRecords.withRecords(Compression.of(type).build(),
                new SimpleRecord(NOW, null, new byte[inflated])).buffer();
        // Snappy cannot shrink zeros past about 1:20, so the batch's own limit leaves room for it.
        BatchValidator.Rules roomy = new BatchValidator.Rules(16 << 20, TimestampType.CREATE_TIME, Long.MAX_VALUE,
                Long.MAX_VALUE, true, 128L << 20);
        long before = allocatedByThisThread();
        // Accepted under a roomy bound, and flagged as keyless on a compacted topic: the record was read.
        BatchValidator.InvalidBatchException keyless = assertThrows(BatchValidator.InvalidBatchException.class,
                () -> BatchValidator.validate(bomb, roomy, NOW));
        long allocated = allocatedByThisThread() - before;
        assertEquals(Errors.INVALID_RECORD, keyless.error());
        assertTrue(allocated < 16 << 20, type + ": checking allocated " + allocated + " bytes");

        BatchValidator.Rules tight = new BatchValidator.Rules(16 << 20, TimestampType.CREATE_TIME, Long.MAX_VALUE,
                Long.MAX_VALUE, false, 32L << 20);
        assertEquals(Errors.MESSAGE_TOO_LARGE, errorOf(bomb, tight));
    }

    private static long allocatedByThisThread() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void isCompressedReadsTheCodecFromTheBatchHeader() {
        assertTrue(BatchValidator.isCompressed(batch(Compression.lz4().build(), 2, NOW)));
        assertFalse(BatchValidator.isCompressed(batch(Compression.NONE, 2, NOW)));
        assertFalse(BatchValidator.isCompressed(ByteBuffer.allocate(10)));
    }

    @Test
    void tooLargeIsMessageTooLarge() {
        ByteBuffer b = batch(Compression.NONE, 50, NOW);
        assertEquals(Errors.MESSAGE_TOO_LARGE, errorOf(b, new BatchValidator.Rules(b.remaining() - 1,
                TimestampType.CREATE_TIME, Long.MAX_VALUE, Long.MAX_VALUE, false)));
    }

    @Test
    void aFlippedBitIsCorruptMessage() {
        ByteBuffer b = batch(Compression.NONE, 3, NOW);
        b.put(b.limit() - 2, (byte) (b.get(b.limit() - 2) ^ 1));
        assertEquals(Errors.CORRUPT_MESSAGE, errorOf(b, RULES));
    }

    @Test
    void twoBatchesInOnePartitionAreInvalidRecord() {
        ByteBuffer one = batch(Compression.NONE, 1, NOW);
        ByteBuffer two = ByteBuffer.allocate(one.remaining() * 2);
        two.put(one.duplicate()).put(one.duplicate()).flip();
        assertEquals(Errors.INVALID_RECORD, errorOf(two, RULES));
    }

    @Test
    void oldMagicIsInvalidRecord() {
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(256), RecordBatch.MAGIC_VALUE_V1,
                Compression.NONE, TimestampType.CREATE_TIME, 0L);
        b.append(NOW, null, "v".getBytes(StandardCharsets.UTF_8));
        assertEquals(Errors.INVALID_RECORD, errorOf(b.build().buffer(), RULES));
    }

    @Test
    void controlBatchesFromClientsAreInvalidRecord() {
        ByteBuffer marker = MemoryRecords.withEndTransactionMarker(0L, NOW, 0, 5L, (short) 0,
                new EndTransactionMarker(ControlRecordType.COMMIT, 0)).buffer();
        assertEquals(Errors.INVALID_RECORD, errorOf(marker, RULES));
    }

    @Test
    void aRecordCountThatDisagreesWithTheOffsetsIsInvalidRecord() {
        ByteBuffer b = batch(Compression.NONE, 3, NOW);
        b.putInt(57, 4); // record count: 3 -> 4, and a CRC that matches the tampered batch
        CRC32C crc = new CRC32C();
        crc.update(b.duplicate().position(21));
        b.putInt(17, (int) crc.getValue());
        assertEquals(Errors.INVALID_RECORD, errorOf(b, RULES));
    }

    @Test
    void timestampsOutsideTheWindowAreInvalidTimestamp() {
        assertEquals(Errors.INVALID_TIMESTAMP, errorOf(batch(Compression.NONE, 2, NOW + 3_600_001), RULES));
        BatchValidator.Rules strictPast = new BatchValidator.Rules(1 << 20, TimestampType.CREATE_TIME, 1000,
                Long.MAX_VALUE, false);
        assertEquals(Errors.INVALID_TIMESTAMP, errorOf(batch(Compression.NONE, 2, NOW - 1001), strictPast));
        assertEquals(Errors.INVALID_TIMESTAMP, errorOf(batch(Compression.of(CompressionType.GZIP).build(), 2,
                NOW + 3_600_001), RULES), "compressed records are read and checked too");
        BatchValidator.validate(batch(Compression.NONE, 2, 0), new BatchValidator.Rules(1 << 20,
                TimestampType.LOG_APPEND_TIME, 0, 0, false), NOW); // LogAppendTime: the broker's clock decides
    }

    @Test
    void everyRecordWithABadTimestampIsNamedByItsIndex() {
        SimpleRecord[] rs = records(4, NOW);
        rs[1] = new SimpleRecord(NOW + 3_600_001, "k".getBytes(StandardCharsets.UTF_8), null);
        rs[3] = new SimpleRecord(NOW + 7_200_000, "k".getBytes(StandardCharsets.UTF_8), null);
        BatchValidator.InvalidBatchException e = assertThrows(BatchValidator.InvalidBatchException.class,
                () -> BatchValidator.validate(MemoryRecords.withRecords(Compression.NONE, rs).buffer(), RULES, NOW));
        assertEquals(Errors.INVALID_TIMESTAMP, e.error());
        assertEquals(List.of(1, 3), e.recordErrors().stream().map(BatchValidator.RecordError::batchIndex).toList());
    }

    @Test
    void aCompactedTopicRefusesRecordsWithoutKeys() {
        BatchValidator.Rules compacted = new BatchValidator.Rules(1 << 20, TimestampType.CREATE_TIME,
                Long.MAX_VALUE, 3_600_000, true);
        BatchValidator.validate(batch(Compression.NONE, 3, NOW), compacted, NOW);
        SimpleRecord[] rs = records(3, NOW);
        rs[2] = new SimpleRecord(NOW, null, "v".getBytes(StandardCharsets.UTF_8));
        BatchValidator.InvalidBatchException e = assertThrows(BatchValidator.InvalidBatchException.class,
                () -> BatchValidator.validate(MemoryRecords.withRecords(Compression.NONE, rs).buffer(), compacted,
                        NOW));
        assertEquals(Errors.INVALID_RECORD, e.error());
        assertEquals(2, e.recordErrors().get(0).batchIndex());
        BatchValidator.validate(MemoryRecords.withRecords(Compression.NONE, rs).buffer(), RULES, NOW);
    }

    @Test
    void recordsWithoutATimestampAreExemptButClientLogAppendTimeIsNot() {
        BatchValidator.Rules strict = new BatchValidator.Rules(1 << 20, TimestampType.CREATE_TIME, 1000, 1000, false);
        BatchValidator.validate(batch(Compression.NONE, 2, RecordBatch.NO_TIMESTAMP), strict, NOW);
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(256), Compression.NONE,
                TimestampType.LOG_APPEND_TIME, 0L);
        b.append(NOW, null, "v".getBytes(StandardCharsets.UTF_8));
        assertEquals(Errors.INVALID_TIMESTAMP, errorOf(b.build().buffer(), RULES));
    }

    @Test
    void anEmptyOrTruncatedBufferHoldsNoBatch() {
        assertEquals(Errors.INVALID_RECORD, errorOf(ByteBuffer.allocate(0), RULES));
        ByteBuffer b = batch(Compression.NONE, 3, NOW);
        assertEquals(Errors.INVALID_RECORD, errorOf(b.duplicate().limit(b.limit() - 5).slice(), RULES));
    }

    @Test
    void aPartialBatchAfterACompleteOneIsTrimmed() {
        ByteBuffer one = batch(Compression.NONE, 3, NOW);
        ByteBuffer withTail = ByteBuffer.allocate(one.remaining() + 7);
        withTail.put(one.duplicate()).put(new byte[7]).flip();
        assertEquals(one.remaining(), BatchValidator.validate(withTail, RULES, NOW).remaining());
    }
}
