package io.ferrite.storage;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Field access for a Kafka record batch, magic v2: the only part of Kafka's format the store knows.
 * All methods read absolutely from {@code b.position()}, so a slice of a larger buffer works as is.
 *
 * <pre>
 *  0  int64  base offset            \
 *  8  int32  batch length (after this field)   } outside the batch CRC
 * 12  int32  partition leader epoch |
 * 16  int8   magic (2)              /
 * 17  uint32 CRC-32C of bytes 21..end
 * 21  int16  attributes: bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control
 * 23  int32  last offset delta
 * 27  int64  base timestamp
 * 35  int64  max timestamp
 * 43  int64  producer id
 * 51  int16  producer epoch
 * 53  int32  base sequence
 * 57  int32  record count
 * 61  ...    records
 * </pre>
 */
public final class RecordBatchHeader {
    public static final int BASE_OFFSET = 0;
    public static final int LENGTH = 8;
    public static final int LEADER_EPOCH = 12;
    public static final int MAGIC = 16;
    public static final int CRC = 17;
    public static final int ATTRIBUTES = 21;
    public static final int LAST_OFFSET_DELTA = 23;
    public static final int BASE_TIMESTAMP = 27;
    public static final int MAX_TIMESTAMP = 35;
    public static final int PRODUCER_ID = 43;
    public static final int PRODUCER_EPOCH = 51;
    public static final int BASE_SEQUENCE = 53;
    public static final int RECORD_COUNT = 57;
    /** Size of the header; a batch is at least this long. */
    public static final int HEADER_SIZE = 61;
    /** Bytes before the length field's coverage starts: base offset and length itself. */
    public static final int LOG_OVERHEAD = 12;

    public static final byte MAGIC_V2 = 2;
    public static final int TIMESTAMP_TYPE_BIT = 0x08;
    public static final int TRANSACTIONAL_BIT = 0x10;
    public static final int CONTROL_BIT = 0x20;
    public static final int DELETE_HORIZON_BIT = 0x40;
    public static final long NO_PRODUCER_ID = -1L;

    private RecordBatchHeader() {
    }

    public static long baseOffset(ByteBuffer b) {
        return b.getLong(b.position() + BASE_OFFSET);
    }

    /** The whole batch size: the length field plus the 12 bytes before it. */
    public static int totalSize(ByteBuffer b) {
        return b.getInt(b.position() + LENGTH) + LOG_OVERHEAD;
    }

    public static int leaderEpoch(ByteBuffer b) {
        return b.getInt(b.position() + LEADER_EPOCH);
    }

    public static byte magic(ByteBuffer b) {
        return b.get(b.position() + MAGIC);
    }

    public static int storedCrc(ByteBuffer b) {
        return b.getInt(b.position() + CRC);
    }

    public static short attributes(ByteBuffer b) {
        return b.getShort(b.position() + ATTRIBUTES);
    }

    public static int lastOffsetDelta(ByteBuffer b) {
        return b.getInt(b.position() + LAST_OFFSET_DELTA);
    }

    public static int crc(ByteBuffer b) {
        return b.getInt(b.position() + CRC);
    }

    public static long maxTimestamp(ByteBuffer b) {
        return b.getLong(b.position() + MAX_TIMESTAMP);
    }

    public static long producerId(ByteBuffer b) {
        return b.getLong(b.position() + PRODUCER_ID);
    }

    public static short producerEpoch(ByteBuffer b) {
        return b.getShort(b.position() + PRODUCER_EPOCH);
    }

    public static int baseSequence(ByteBuffer b) {
        return b.getInt(b.position() + BASE_SEQUENCE);
    }

    public static int recordCount(ByteBuffer b) {
        return b.getInt(b.position() + RECORD_COUNT);
    }

    public static boolean isControl(ByteBuffer b) {
        return (attributes(b) & CONTROL_BIT) != 0;
    }

    public static boolean isTransactional(ByteBuffer b) {
        return (attributes(b) & TRANSACTIONAL_BIT) != 0;
    }

    /** The delete horizon a cleaner set on the batch (KIP-534: in the base timestamp, flagged), or -1. */
    public static long deleteHorizonMs(ByteBuffer b) {
        return (attributes(b) & DELETE_HORIZON_BIT) != 0 ? b.getLong(b.position() + BASE_TIMESTAMP) : -1;
    }

    /** A control batch's record type: abort. */
    public static final int CONTROL_ABORT = 0;
    /** A control batch's record type: commit. */
    public static final int CONTROL_COMMIT = 1;
    /** Bytes of a control batch enough to read its record's type: the header and the record up to its key. */
    public static final int CONTROL_TYPE_BYTES = HEADER_SIZE + 32;

    /**
     * The type of a control batch's record ({@link #CONTROL_ABORT}, {@link #CONTROL_COMMIT}, or another
     * Kafka type), read from its first record's key: varint length, int8 attributes, varlong timestamp delta,
     * varint offset delta, varint key length, then the key (int16 version, int16 type). Control batches are
     * never compressed. -1 if the bytes given end before the type, or the record has no key.
     */
    public static int controlType(ByteBuffer b) {
        int[] at = {b.position() + HEADER_SIZE};
        int limit = b.limit();
        if (readVarlong(b, at, limit) == null || at[0] + 1 > limit) { // record length, then attributes
            return -1;
        }
        at[0]++;
        Long timestampDelta = readVarlong(b, at, limit);
        Long offsetDelta = timestampDelta == null ? null : readVarlong(b, at, limit);
        Long keyLength = offsetDelta == null ? null : readVarlong(b, at, limit);
        if (keyLength == null || keyLength < 4 || at[0] + 4 > limit) {
            return -1;
        }
        return b.getShort(at[0] + 2);
    }

    /** A zigzag varint (as Kafka's records use) at {@code at[0]}, moving it on; null if it runs past the limit. */
    private static Long readVarlong(ByteBuffer b, int[] at, int limit) {
        long raw = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at[0] >= limit) {
                return null;
            }
            byte x = b.get(at[0]++);
            raw |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        return null;
    }

    /** CRC-32C over attributes..end, the range the stored CRC covers. */
    public static int computeCrc(ByteBuffer b) {
        CRC32C crc = new CRC32C();
        crc.update(b.slice(b.position() + ATTRIBUTES, totalSize(b) - ATTRIBUTES));
        return (int) crc.getValue();
    }

    public static boolean crcMatches(ByteBuffer b) {
        return computeCrc(b) == storedCrc(b);
    }

    /** Rewrites the fields the broker owns. Neither lies under the batch CRC. */
    static void assignOffset(ByteBuffer b, long baseOffset, int leaderEpoch) {
        b.putLong(b.position() + BASE_OFFSET, baseOffset);
        b.putInt(b.position() + LEADER_EPOCH, leaderEpoch);
    }

    /**
     * Marks a batch LogAppendTime with the given time, then recomputes the CRC these fields lie under. The
     * batch is given in two parts: its header, and the records after it.
     */
    static void setLogAppendTime(ByteBuffer header, ByteBuffer records, long timestamp) {
        header.putShort(header.position() + ATTRIBUTES, (short) (attributes(header) | TIMESTAMP_TYPE_BIT));
        header.putLong(header.position() + MAX_TIMESTAMP, timestamp);
        CRC32C crc = new CRC32C();
        crc.update(header.slice(header.position() + ATTRIBUTES, HEADER_SIZE - ATTRIBUTES));
        crc.update(records.duplicate());
        header.putInt(header.position() + CRC, (int) crc.getValue());
    }

    /**
     * The checks the store needs before it frames a batch: enough bytes, magic 2, a length field that
     * matches the buffer. Full validation (CRC, record count, timestamps) belongs to the protocol layer.
     */
    static void checkFraming(ByteBuffer b) {
        if (b.remaining() < HEADER_SIZE) {
            throw new StoreException(StoreException.Category.INVALID_BATCH,
                    "batch of " + b.remaining() + " bytes is shorter than a v2 header");
        }
        if (magic(b) != MAGIC_V2) {
            throw new StoreException(StoreException.Category.INVALID_BATCH, "batch magic " + magic(b) + " is not 2");
        }
        if (totalSize(b) != b.remaining()) {
            throw new StoreException(StoreException.Category.INVALID_BATCH,
                    "batch length field says " + totalSize(b) + " bytes, buffer holds " + b.remaining());
        }
        if (lastOffsetDelta(b) < 0) {
            throw new StoreException(StoreException.Category.INVALID_BATCH, "negative last offset delta");
        }
    }
}
