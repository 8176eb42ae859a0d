package io.ferrite.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The one error type of the store. It carries a category the broker maps to a Kafka error code,
 * and where known the file and position the failure concerns.
 */
public final class StoreException extends RuntimeException {

    /** What went wrong, coarse enough for the broker to pick a Kafka error code from. */
    public enum Category {
        /** The disk has no room for a new file. Appends fail; reads keep working. */
        DISK_FULL,
        /** Any other I/O failure on the data path. */
        IO,
        /** Bytes on disk fail their CRC or do not parse. Never served as valid data. */
        CORRUPT,
        /** The batch itself is malformed (wrong magic, inconsistent length). */
        INVALID_BATCH,
        /** The entry cannot fit in one CommitLog file. */
        TOO_LARGE,
        /** A read asked for an offset outside [log start, log end]. */
        OFFSET_OUT_OF_RANGE,
        /** The partition is not known to the store. */
        UNKNOWN_PARTITION,
        /** A follower's append or start does not fit the partition: a batch before its end, a start with batches. */
        UNEXPECTED_OFFSET,
        /** An idempotent producer's sequence does not follow its last one. */
        OUT_OF_ORDER_SEQUENCE,
        /** An idempotent producer's epoch is older than the one the log has seen. */
        INVALID_PRODUCER_EPOCH,
        /**
         * A transactional batch would open its producer's transaction in the partition, and the append was not
         * told that the transaction coordinator confirmed the transaction holds it.
         */
        TRANSACTION_NOT_VERIFIED,
        /** The store is closed, or went offline after an I/O failure. */
        CLOSED
    }

    private final Category category;
    private final Path file;
    private final long position;

    public StoreException(Category category, String message) {
        this(category, message, null, -1, null);
    }

    public StoreException(Category category, String message, Throwable cause) {
        this(category, message, null, -1, cause);
    }

    public StoreException(Category category, String message, Path file, long position, Throwable cause) {
        super(describe(category, message, file, position), cause);
        this.category = category;
        this.file = file;
        this.position = position;
    }

    /** Wraps an I/O failure, telling a full disk apart from other failures. */
    public static StoreException fromIo(String what, Path file, IOException cause) {
        return new StoreException(isDiskFull(cause) ? Category.DISK_FULL : Category.IO, what, file, -1, cause);
    }

    static boolean isDiskFull(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (m != null && (m.contains("No space left") || m.contains("ENOSPC") || m.contains("Disk quota"))) {
                return true;
            }
        }
        return false;
    }

    public Category category() {
        return category;
    }

    /** The file concerned, or null. */
    public Path file() {
        return file;
    }

    /** The position concerned (file-relative or CommitLog-absolute as the message says), or -1. */
    public long position() {
        return position;
    }

    private static String describe(Category category, String message, Path file, long position) {
        StringBuilder sb = new StringBuilder().append(category).append(": ").append(message);
        if (file != null) {
            sb.append(" [file ").append(file);
            if (position >= 0) {
                sb.append(" at ").append(position);
            }
            sb.append(']');
        }
        return sb.toString();
    }
}
