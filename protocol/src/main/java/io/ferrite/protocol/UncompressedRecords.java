package io.ferrite.protocol;

import java.nio.ByteBuffer;
import org.apache.kafka.common.InvalidRecordException;

/**
 * Walks the records of an uncompressed v2 batch in place, for validation: every length is checked as Kafka's
 * record reader checks it, and each record's key presence, timestamp and offset go to
 * {@link BatchValidator.RecordChecks}, but nothing is allocated per record.
 *
 * <pre>
 * batch:  61-byte header (base offset at 0, base timestamp at 27, record count at 57), then the records
 * record: varint  body length (the bytes after this field)
 *         int8    attributes (unused)
 *         varlong timestamp delta from the base timestamp
 *         varint  offset delta from the base offset
 *         varint  key length (-1: null), key bytes
 *         varint  value length (-1: null), value bytes
 *         varint  header count, then each header:
 *                 varint key length (never negative), key bytes, varint value length (-1: null), value bytes
 * </pre>
 * Varints are zigzag-encoded, at most 5 bytes (varlongs 10). Outcomes match Kafka's reader: a body length
 * longer than 5 bytes is a CORRUPT_MESSAGE (an {@link IllegalArgumentException} here); any other structural
 * fault, running out of bytes, a body that is not exactly its declared length, too few records for the count
 * or bytes left after the last, is an {@link InvalidRecordException} (INVALID_RECORD).
 */
final class UncompressedRecords {
    private static final int BASE_OFFSET = 0;
    private static final int BASE_TIMESTAMP = 27;
    private static final int RECORD_COUNT = 57;
    private static final int RECORDS = 61;

    private final ByteBuffer b;
    private int pos;

    private UncompressedRecords(ByteBuffer batch) {
        this.b = batch;
        this.pos = batch.position() + RECORDS;
    }

    /** Checks every record of {@code batch} (exactly the batch's bytes) and returns how many there were. */
    static int walk(ByteBuffer batch, BatchValidator.RecordChecks checks) {
        int start = batch.position();
        long baseOffset = batch.getLong(start + BASE_OFFSET);
        long baseTimestamp = batch.getLong(start + BASE_TIMESTAMP);
        int count = batch.getInt(start + RECORD_COUNT);
        if (count < 0) {
            throw new InvalidRecordException("record count " + count + " is negative");
        }
        UncompressedRecords w = new UncompressedRecords(batch);
        for (int i = 0; i < count; i++) {
            if (w.pos >= batch.limit()) {
                throw new InvalidRecordException("the batch ends after " + i + " of its " + count + " records");
            }
            w.record(i, baseOffset, baseTimestamp, checks);
        }
        // Kafka's reader looks for leftover bytes after the last record, so a batch of none is not checked.
        if (count > 0 && w.pos != batch.limit()) {
            throw new InvalidRecordException((batch.limit() - w.pos) + " bytes follow the batch's " + count
                    + " records");
        }
        return count;
    }

    private void record(int index, long baseOffset, long baseTimestamp, BatchValidator.RecordChecks checks) {
        int bodySize = varint(); // outside Kafka's structure checks: a malformed length is corruption
        if (b.limit() - pos < bodySize) {
            throw new InvalidRecordException("record " + index + " declares " + bodySize + " bytes, the batch has "
                    + (b.limit() - pos) + " left");
        }
        int bodyStart = pos;
        long timestamp;
        long offset;
        int keySize;
        try {
            skip(1); // attributes
            timestamp = baseTimestamp + varlong();
            offset = baseOffset + varint();
            keySize = varint();
            skip(keySize);
            skip(varint()); // value
            int headers = varint();
            if (headers < 0 || headers > b.limit() - pos) {
                throw new InvalidRecordException("record " + index + " has an invalid header count " + headers);
            }
            for (int h = 0; h < headers; h++) {
                int headerKey = varint();
                if (headerKey < 0) {
                    throw new InvalidRecordException("record " + index + " has a header with a null key");
                }
                skip(headerKey);
                skip(varint()); // header value
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidRecordException("record " + index + " does not parse: " + e.getMessage());
        }
        if (pos - bodyStart != bodySize) {
            throw new InvalidRecordException("record " + index + " declares " + bodySize + " bytes but holds "
                    + (pos - bodyStart));
        }
        checks.check(index, keySize >= 0, timestamp, offset);
    }

    /** Skips a field of {@code n} bytes; negative means null, nothing to skip. */
    private void skip(int n) {
        if (n > b.limit() - pos) {
            throw new InvalidRecordException("a field of " + n + " bytes runs past the batch");
        }
        if (n > 0) {
            pos += n;
        }
    }

    private byte next() {
        if (pos >= b.limit()) {
            throw new InvalidRecordException("a record runs past the batch");
        }
        return b.get(pos++);
    }

    private int varint() {
        int raw = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            byte x = next();
            raw |= (x & 0x7f) << shift;
            if (x >= 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new IllegalArgumentException("a varint is longer than 5 bytes");
    }

    private long varlong() {
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            byte x = next();
            raw |= (long) (x & 0x7f) << shift;
            if (x >= 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new IllegalArgumentException("a varlong is longer than 10 bytes");
    }
}
