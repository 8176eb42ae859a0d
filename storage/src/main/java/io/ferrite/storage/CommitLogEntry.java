package io.ferrite.storage;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The framing of one CommitLog entry: a 16-byte header, then a record batch as the client sent it
 * (base offset and leader epoch rewritten, and for LogAppendTime the max timestamp and CRC).
 *
 * <pre>
 * entry:
 *  0  int32  entry size, header included
 *  4  int32  magic 0xFE771E02
 *  8  int32  partition id (see {@link PartitionTable})
 * 12  int32  header CRC-32C over entry bytes 0..11 and batch bytes 0..16
 * 16  ...    record batch, magic v2
 *
 * end-of-file marker, where the next entry does not fit:
 *  0  int32  bytes left in the file, marker included
 *  4  int32  magic 0xFE77B1A4
 *  (the rest of the file stays zero; fewer than 8 bytes left need no marker)
 *
 * skip marker, written over the first of a run of entries no partition reads any more (see {@link Reclaimer}):
 *  0  int32  bytes to the next entry, marker included
 *  4  int32  magic 0xFE775C1B
 *  8  int32  CRC-32C over bytes 0..7
 *  (the run's bytes after the marker may be a hole punched in the file, reading as zeros)
 *
 * truncation marker, a follower's cut of one partition (see {@link Truncation}):
 *  0  int32  24, the marker's size
 *  4  int32  magic 0xFE777C07
 *  8  int32  partition id
 * 12  int64  offset: the partition's batches that end at or after it are dropped
 * 20  int32  CRC-32C over bytes 0..19
 * </pre>
 *
 * The header CRC covers what the batch CRC does not (base offset, length, leader epoch, magic), so together
 * the two CRCs cover every byte of an entry. An all-zero header is where the written log ends.
 */
final class CommitLogEntry {
    static final int HEADER_SIZE = 16;
    static final int MAGIC = 0xFE771E02;
    static final int BLANK_MAGIC = 0xFE77B1A4;
    static final int BLANK_SIZE = 8;
    static final int SKIP_MAGIC = 0xFE775C1B;
    static final int SKIP_SIZE = 12;
    static final int TRUNCATION_MAGIC = 0xFE777C07;
    static final int TRUNCATION_SIZE = 24;
    private static final int BATCH_BYTES_UNDER_HEADER_CRC = RecordBatchHeader.CRC;

    /** What a scan finds at a position. */
    enum Kind { ENTRY, SKIPPED, TRUNCATION, END_OF_FILE, END_OF_LOG, CORRUPT }

    private CommitLogEntry() {
    }

    /** Bytes {@link #writeHead} writes: the entry header and the batch header. */
    static final int HEAD_SIZE = HEADER_SIZE + RecordBatchHeader.HEADER_SIZE;

    /**
     * Writes the entry header and a copy of the batch header into {@code head} (at least {@link #HEAD_SIZE}
     * bytes from index 0), so the broker's fields can be set without touching the caller's batch. The
     * entry is this head followed by the batch's bytes after its header.
     */
    static void writeHead(ByteBuffer head, int partitionId, ByteBuffer batch) {
        head.putInt(0, HEADER_SIZE + batch.remaining());
        head.putInt(4, MAGIC);
        head.putInt(8, partitionId);
        head.put(HEADER_SIZE, batch, batch.position(), RecordBatchHeader.HEADER_SIZE);
    }

    /** Computes and stores the header CRC once the batch fields are final; {@code entry} may be just its head. */
    static void seal(ByteBuffer entry) {
        entry.putInt(12, headerCrc(entry));
    }

    static void writeBlank(ByteBuffer target, int bytesLeft) {
        target.putInt(0, bytesLeft);
        target.putInt(4, BLANK_MAGIC);
    }

    /** Writes a skip marker over {@code size} bytes into {@code target} (at least {@link #SKIP_SIZE} bytes from 0). */
    static void writeSkip(ByteBuffer target, int size) {
        target.putInt(0, size);
        target.putInt(4, SKIP_MAGIC);
        target.putInt(8, skipCrc(target, 0));
    }

    private static int skipCrc(ByteBuffer file, int pos) {
        return crcOf(file, pos, 8);
    }

    /** Writes a truncation marker into {@code target} (at least {@link #TRUNCATION_SIZE} bytes from 0). */
    static void writeTruncation(ByteBuffer target, int partitionId, long offset) {
        target.putInt(0, TRUNCATION_SIZE);
        target.putInt(4, TRUNCATION_MAGIC);
        target.putInt(8, partitionId);
        target.putLong(12, offset);
        target.putInt(20, crcOf(target, 0, 20));
    }

    /** The offset a truncation marker at {@code pos} cuts its partition at. */
    static long truncationOffset(ByteBuffer file, int pos) {
        return file.getLong(pos + 12);
    }

    private static int crcOf(ByteBuffer file, int pos, int length) {
        CRC32C crc = new CRC32C();
        crc.update(file.slice(pos, length));
        return (int) crc.getValue();
    }

    private static int headerCrc(ByteBuffer entry) {
        CRC32C crc = new CRC32C();
        crc.update(entry.slice(0, 12));
        crc.update(entry.slice(HEADER_SIZE, BATCH_BYTES_UNDER_HEADER_CRC));
        return (int) crc.getValue();
    }

    /**
     * Classifies the bytes at {@code pos} of a file whose bytes up to {@code limit} are written.
     * ENTRY means both CRCs pass (or, with {@code checkBatchCrc} off, the header CRC); SKIPPED, a valid skip
     * marker, whose size says where the next entry starts; TRUNCATION, a valid truncation marker.
     */
    static Kind classify(ByteBuffer file, int pos, int limit, boolean checkBatchCrc) {
        if (limit - pos < BLANK_SIZE) {
            return Kind.END_OF_FILE;
        }
        int size = file.getInt(pos);
        int magic = file.getInt(pos + 4);
        if (size == 0 && magic == 0) {
            return Kind.END_OF_LOG;
        }
        if (magic == BLANK_MAGIC) {
            return size == limit - pos ? Kind.END_OF_FILE : Kind.CORRUPT;
        }
        if (magic == SKIP_MAGIC) {
            return size >= SKIP_SIZE && size <= limit - pos && limit - pos >= SKIP_SIZE
                    && file.getInt(pos + 8) == skipCrc(file, pos) ? Kind.SKIPPED : Kind.CORRUPT;
        }
        if (magic == TRUNCATION_MAGIC) {
            return size == TRUNCATION_SIZE && limit - pos >= TRUNCATION_SIZE
                    && file.getInt(pos + 20) == crcOf(file, pos, 20) ? Kind.TRUNCATION : Kind.CORRUPT;
        }
        if (magic != MAGIC || size < HEADER_SIZE + RecordBatchHeader.HEADER_SIZE || size > limit - pos) {
            return Kind.CORRUPT;
        }
        ByteBuffer entry = file.slice(pos, size);
        if (entry.getInt(12) != headerCrc(entry)) {
            return Kind.CORRUPT;
        }
        ByteBuffer batch = entry.slice(HEADER_SIZE, size - HEADER_SIZE);
        if (RecordBatchHeader.magic(batch) != RecordBatchHeader.MAGIC_V2
                || RecordBatchHeader.totalSize(batch) != size - HEADER_SIZE) {
            return Kind.CORRUPT;
        }
        if (checkBatchCrc && !RecordBatchHeader.crcMatches(batch)) {
            return Kind.CORRUPT;
        }
        return Kind.ENTRY;
    }

    /**
     * Whether the entry at {@code pos} is the one a queue entry says it is: its size, its partition and its
     * batch's base offset. A mismatch means the index and the log disagree (a bug, or damage the CRCs cannot
     * see, since each byte range is valid on its own): the batch there must not be served for that offset.
     */
    static boolean matches(ByteBuffer file, int pos, int partitionId, ConsumeQueue.Entry e) {
        return file.getInt(pos) == e.size() && file.getInt(pos + 4) == MAGIC && file.getInt(pos + 8) == partitionId
                && file.getLong(pos + HEADER_SIZE + RecordBatchHeader.BASE_OFFSET) == e.baseOffset();
    }

    static int size(ByteBuffer file, int pos) {
        return file.getInt(pos);
    }

    static int partitionId(ByteBuffer file, int pos) {
        return file.getInt(pos + 8);
    }

    /** The batch inside the entry at {@code pos}. */
    static ByteBuffer batch(ByteBuffer file, int pos) {
        return file.slice(pos + HEADER_SIZE, file.getInt(pos) - HEADER_SIZE);
    }
}
