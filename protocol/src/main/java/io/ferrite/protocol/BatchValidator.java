package io.ferrite.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * Checks one partition's records from a produce request the way Kafka's broker does before it appends,
 * and names the Kafka error for what fails. Compressed batches are checked (and their records read, as Kafka
 * reads them) but stored as sent.
 *
 * <ul>
 *   <li>a batch the client marked LogAppendTime: INVALID_TIMESTAMP;</li>
 *   <li>exactly one batch, magic v2 (produce v3 and later): INVALID_RECORD;</li>
 *   <li>larger than {@code max.message.bytes}: MESSAGE_TOO_LARGE;</li>
 *   <li>CRC-32C, or a record that does not parse: CORRUPT_MESSAGE;</li>
 *   <li>record count, offset deltas and the batch's offset range disagree, a control batch, or a producer id
 *       without a sequence: INVALID_RECORD;</li>
 *   <li>under CreateTime, a record timestamp (other than -1, none) outside
 *       [now - before.max.ms, now + after.max.ms]: INVALID_TIMESTAMP;</li>
 *   <li>on a compacted topic, a record without a key: INVALID_RECORD.</li>
 * </ul>
 * The last two are per record: every offending record is named, with its index, as Kafka names them.
 *
 * <p>A compressed batch is decompressed once, as a stream, with keys, values and headers skipped rather than
 * read (Kafka's broker does the same), so its memory does not grow with what it holds. What it holds is
 * bounded too: a batch that inflates past {@link Rules#maxUncompressedBytes} is refused with MESSAGE_TOO_LARGE
 * as soon as the stream shows it (and so is one that holds more records than that could), so a few kilobytes
 * of a compression bomb cost no more than the bound's worth of inflating.
 */
public final class BatchValidator {
    /** Where a v2 batch header keeps its magic byte and its attributes, and the attributes' codec bits. */
    private static final int MAGIC_OFFSET = 16;
    private static final int ATTRIBUTES_OFFSET = 21;
    private static final int COMPRESSION_CODEC_MASK = 0x07;

    /** One refused record: its index in the batch and why (Produce v8+ returns these to the client). */
    public record RecordError(int batchIndex, String message) {
    }

    /**
     * A batch Kafka would refuse, with the error code it would answer and, when particular records are to
     * blame, which ones: the producer fails those records with their message and the rest of the batch with
     * a generic one.
     */
    public static final class InvalidBatchException extends RuntimeException {
        private final Errors error;
        private final List<RecordError> recordErrors;

        InvalidBatchException(Errors error, String message) {
            this(error, message, List.of());
        }

        InvalidBatchException(Errors error, String message, List<RecordError> recordErrors) {
            super(message);
            this.error = error;
            this.recordErrors = List.copyOf(recordErrors);
        }

        public Errors error() {
            return error;
        }

        public List<RecordError> recordErrors() {
            return recordErrors;
        }
    }

    /**
     * The topic settings validation reads.
     *
     * @param maxMessageBytes      {@code max.message.bytes}
     * @param timestampType        {@code message.timestamp.type}
     * @param timestampBeforeMaxMs {@code message.timestamp.before.max.ms}
     * @param timestampAfterMaxMs  {@code message.timestamp.after.max.ms}
     * @param compacted            {@code cleanup.policy} includes compact: every record needs a key
     * @param maxUncompressedBytes the most a compressed batch's records may take once decompressed
     */
    public record Rules(int maxMessageBytes, TimestampType timestampType, long timestampBeforeMaxMs,
                        long timestampAfterMaxMs, boolean compacted, long maxUncompressedBytes) {
        /** The default bound on a compressed batch's records, decompressed. */
        public static final long DEFAULT_MAX_UNCOMPRESSED_BYTES = 256L << 20;

        public Rules(int maxMessageBytes, TimestampType timestampType, long timestampBeforeMaxMs,
                     long timestampAfterMaxMs, boolean compacted) {
            this(maxMessageBytes, timestampType, timestampBeforeMaxMs, timestampAfterMaxMs, compacted,
                    DEFAULT_MAX_UNCOMPRESSED_BYTES);
        }

        public Rules {
            // 0 is a limit Kafka accepts (every batch is then too large), so it is one here too.
            if (maxMessageBytes < 0 || timestampBeforeMaxMs < 0 || timestampAfterMaxMs < 0
                    || maxUncompressedBytes < 0) {
                throw new IllegalArgumentException("limits must not be negative");
            }
            if (timestampType != TimestampType.CREATE_TIME && timestampType != TimestampType.LOG_APPEND_TIME) {
                throw new IllegalArgumentException("message.timestamp.type is CreateTime or LogAppendTime");
            }
        }
    }

    private BatchValidator() {
    }

    /**
     * Validates the records and returns the one batch they hold, as a view of {@code records}. A truncated
     * batch is no batch at all (INVALID_RECORD), as for Kafka.
     *
     * @throws InvalidBatchException naming the Kafka error to answer with
     */
    public static ByteBuffer validate(ByteBuffer records, Rules rules, long nowMs) {
        if (records.remaining() > rules.maxMessageBytes()) {
            throw new InvalidBatchException(Errors.MESSAGE_TOO_LARGE, "records of " + records.remaining()
                    + " bytes exceed max.message.bytes " + rules.maxMessageBytes());
        }
        Iterator<MutableRecordBatch> batches;
        MutableRecordBatch batch;
        try {
            batches = MemoryRecords.readableRecords(records.duplicate()).batches().iterator();
            if (!batches.hasNext()) {
                throw new InvalidBatchException(Errors.INVALID_RECORD, "produce request holds no record batch");
            }
            batch = batches.next();
            if (batches.hasNext()) {
                throw new InvalidBatchException(Errors.INVALID_RECORD,
                        "produce requests may hold exactly one record batch per partition");
            }
        } catch (InvalidBatchException e) {
            throw e;
        } catch (RuntimeException e) { // CorruptRecordException; or a size field past the buffer's end
            throw new InvalidBatchException(Errors.CORRUPT_MESSAGE, "records do not frame: " + e.getMessage());
        }
        if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
            throw new InvalidBatchException(Errors.INVALID_RECORD, "record batch magic " + batch.magic()
                    + " is not 2, which produce v3 and later require");
        }
        if (!batch.isValid()) {
            throw new InvalidBatchException(Errors.CORRUPT_MESSAGE, "record batch fails its CRC");
        }
        checkBatchFields(batch);
        // Bytes after the batch too few to be another one are dropped, as Kafka trims them.
        ByteBuffer bytes = records.duplicate().limit(records.position() + batch.sizeInBytes()).slice();
        checkRecords(batch, bytes, rules, nowMs);
        return bytes;
    }

    private static void checkBatchFields(MutableRecordBatch batch) {
        Integer count = batch.countOrNull();
        long fromOffsets = batch.lastOffset() - batch.baseOffset() + 1;
        if (count == null || count <= 0) {
            throw new InvalidBatchException(Errors.INVALID_RECORD, "invalid record count " + count);
        }
        if (fromOffsets != count) {
            throw new InvalidBatchException(Errors.INVALID_RECORD, "offset range [" + batch.baseOffset() + ", "
                    + batch.lastOffset() + "] disagrees with the record count " + count);
        }
        if (batch.isControlBatch()) {
            throw new InvalidBatchException(Errors.INVALID_RECORD, "clients may not write control records");
        }
        if (batch.hasProducerId() && batch.baseSequence() < 0) {
            throw new InvalidBatchException(Errors.INVALID_RECORD, "producer id " + batch.producerId()
                    + " with no sequence number");
        }
    }

    /**
     * Each record parses and, under CreateTime, has a timestamp in the window. Compressed batches are read too.
     * Uncompressed ones are walked in place (see {@link UncompressedRecords}), with the outcomes Kafka's
     * record reader would give, without making an object per record.
     */
    private static void checkRecords(MutableRecordBatch batch, ByteBuffer bytes, Rules rules, long nowMs) {
        if (batch.timestampType() == TimestampType.LOG_APPEND_TIME) {
            throw new InvalidBatchException(Errors.INVALID_TIMESTAMP, "clients may not send LogAppendTime batches");
        }
        RecordChecks checks = new RecordChecks(rules, nowMs);
        int seen;
        try {
            seen = batch.isCompressed() ? checkEachRecord(batch, checks, rules.maxUncompressedBytes())
                    : UncompressedRecords.walk(bytes, checks);
        } catch (InvalidBatchException e) {
            throw e;
        } catch (InvalidRecordException e) {
            throw new InvalidBatchException(Errors.INVALID_RECORD, "records are invalid: " + e.getMessage());
        } catch (RuntimeException e) { // CorruptRecordException, a codec failing
            throw new InvalidBatchException(Errors.CORRUPT_MESSAGE, "records do not parse: " + e.getMessage());
        }
        List<RecordError> errors = checks.errors;
        if (!errors.isEmpty()) {
            // As in Kafka, one bad timestamp makes the whole answer INVALID_TIMESTAMP.
            throw new InvalidBatchException(checks.badTimestamp ? Errors.INVALID_TIMESTAMP : Errors.INVALID_RECORD,
                    errors.size() + " record(s) refused; the first: " + errors.get(0).message(), errors);
        }
        if (seen != batch.countOrNull()) {
            throw new InvalidBatchException(Errors.INVALID_RECORD, "batch says " + batch.countOrNull()
                    + " records but holds " + seen);
        }
    }

    /**
     * Reads a compressed batch's records with Kafka's own iterator that skips keys, values and headers, as
     * Kafka's broker does, adding up their sizes as they inflate.
     */
    static int checkEachRecord(MutableRecordBatch batch, RecordChecks checks, long maxUncompressedBytes) {
        int seen = 0; // Kafka's iterator reads as many records as the header counts, no more
        long inflated = 0;
        try (CloseableIterator<Record> it = batch.skipKeyValueIterator(BufferSupplier.NO_CACHING)) {
            while (it.hasNext()) {
                Record r = it.next();
                inflated += r.sizeInBytes();
                if (inflated > maxUncompressedBytes) {
                    throw new InvalidBatchException(Errors.MESSAGE_TOO_LARGE, "compressed batch decompresses to "
                            + "more than " + maxUncompressedBytes + " bytes, the broker's bound");
                }
                checks.check(seen, r.hasKey(), r.timestamp(), r.offset());
                seen++;
            }
        }
        return seen;
    }

    /** True if the records start with a batch header whose attributes name a codec: validating it inflates it. */
    public static boolean isCompressed(ByteBuffer records) {
        int at = records.position();
        return records.remaining() >= DefaultRecordBatch.RECORD_BATCH_OVERHEAD
                && records.get(at + MAGIC_OFFSET) == RecordBatch.MAGIC_VALUE_V2
                && (records.getShort(at + ATTRIBUTES_OFFSET) & COMPRESSION_CODEC_MASK) != 0;
    }

    /** The per-record rules at one moment, and the refusals found so far. */
    static final class RecordChecks {
        private final Rules rules;
        private final boolean createTime;
        private final long earliest;
        private final long latest;
        final List<RecordError> errors = new ArrayList<>(0);
        boolean badTimestamp;

        RecordChecks(Rules rules, long nowMs) {
            this.rules = rules;
            this.createTime = rules.timestampType() == TimestampType.CREATE_TIME;
            // Saturating: the limits default to Long.MAX_VALUE, which must mean "no limit", not overflow.
            this.earliest = rules.timestampBeforeMaxMs() >= nowMs ? Long.MIN_VALUE
                    : nowMs - rules.timestampBeforeMaxMs();
            this.latest = rules.timestampAfterMaxMs() > Long.MAX_VALUE - nowMs ? Long.MAX_VALUE
                    : nowMs + rules.timestampAfterMaxMs();
        }

        void check(int index, boolean hasKey, long timestamp, long offset) {
            if (rules.compacted() && !hasKey) {
                errors.add(new RecordError(index, "a compacted topic cannot take a record without a key"));
            }
            // A record without a timestamp (-1) is exempt, as in Kafka.
            if (createTime && timestamp != RecordBatch.NO_TIMESTAMP && (timestamp < earliest || timestamp > latest)) {
                badTimestamp = true;
                errors.add(new RecordError(index, "timestamp " + timestamp + " of the record at offset " + offset
                        + " is outside [now - " + rules.timestampBeforeMaxMs() + " ms, now + "
                        + rules.timestampAfterMaxMs() + " ms]"));
            }
        }
    }
}
