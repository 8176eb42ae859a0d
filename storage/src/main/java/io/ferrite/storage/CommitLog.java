package io.ferrite.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The one sequential log every partition appends to: entries framed by {@link CommitLogEntry} in the files
 * of a {@link MappedFileQueue}.
 *
 * <p>An append takes the append lock for as long as it takes to pick the partition's next offset, copy the
 * batch into the current file, and add the ConsumeQueue entry; so CommitLog order and offset order agree.
 * It never waits for disk: durability is the group-commit service's job, after the lock is released.
 *
 * <p>{@code confirmedPosition} moves, under the lock, past each entry whose ConsumeQueue entry is written:
 * it is what a checkpoint may cover once flushed.
 */
final class CommitLog implements AutoCloseable {
    private final MappedFileQueue files;
    private final Clock clock;
    private final ReentrantLock appendLock = new ReentrantLock();
    private volatile long confirmedPosition;
    private boolean closed; // guarded by appendLock

    CommitLog(MappedFileQueue files, Clock clock) {
        this.files = files;
        this.clock = clock;
    }

    MappedFileQueue files() {
        return files;
    }

    long confirmedPosition() {
        return confirmedPosition;
    }

    /** Largest entry (header included) that fits in one file. */
    int maxEntrySize() {
        return files.fileSize();
    }

    /**
     * Appends one v2 batch to a partition. The caller's buffer is not modified.
     *
     * @param leaderEpoch   written into the batch's partition leader epoch
     * @param logAppendTime if true, the batch becomes LogAppendTime with the current time
     */
    AppendResult append(PartitionLog p, ByteBuffer batch, int leaderEpoch, boolean logAppendTime) {
        RecordBatchHeader.checkFraming(batch);
        int entrySize = CommitLogEntry.HEADER_SIZE + batch.remaining();
        if (entrySize > maxEntrySize()) {
            throw new StoreException(StoreException.Category.TOO_LARGE, "entry of " + entrySize
                    + " bytes exceeds the CommitLog file size " + maxEntrySize(), files.dir(), -1, null);
        }
        appendLock.lock();
        try {
            if (closed) {
                throw new StoreException(StoreException.Category.CLOSED, "the store is closed");
            }
            if (p.isDeleted()) {
                throw new StoreException(StoreException.Category.UNKNOWN_PARTITION, "partition " + p.key() + " was deleted");
            }
            ProducerStateTable.BatchMetadata dup = p.producers().check(batch);
            if (dup != null) {
                return new AppendResult(dup.firstOffset(), dup.lastOffset(), -1, -1, p.logStartOffset(), true);
            }
            // Both files are secured before anything is written, so a full disk fails the append cleanly.
            p.queue().ensureCapacity();
            MappedFile f = files.lastForAppend(confirmedPosition);
            if (f.remaining() < entrySize) {
                MappedFile next = files.next();
                if (f.remaining() >= CommitLogEntry.BLANK_SIZE) {
                    CommitLogEntry.writeBlank(f.reserve(CommitLogEntry.BLANK_SIZE), f.remaining());
                }
                f.advance(f.remaining());
                f = next;
            }
            long baseOffset = p.logEndOffset();
            long now = clock.millis();
            ByteBuffer entry = f.reserve(entrySize);
            CommitLogEntry.write(entry, p.id(), batch);
            ByteBuffer stored = entry.slice(CommitLogEntry.HEADER_SIZE, batch.remaining());
            RecordBatchHeader.assignOffset(stored, baseOffset, leaderEpoch);
            if (logAppendTime) {
                RecordBatchHeader.setLogAppendTime(stored, now);
            }
            CommitLogEntry.seal(entry);
            long position = f.fileFromOffset() + f.wrotePosition();
            f.advance(entrySize);
            int delta = RecordBatchHeader.lastOffsetDelta(stored);
            p.onAppended(baseOffset, delta, position, entrySize, RecordBatchHeader.maxTimestamp(stored));
            p.producers().update(stored, baseOffset);
            confirmedPosition = position + entrySize;
            return new AppendResult(baseOffset, baseOffset + delta, logAppendTime ? now : -1, position,
                    p.logStartOffset(), false);
        } finally {
            appendLock.unlock();
        }
    }

    /** Runs {@code action} with appends held off, for a consistent snapshot of positions and offsets. */
    <T> T underAppendLock(Supplier<T> action) {
        appendLock.lock();
        try {
            return action.get();
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * Sets the end after recovery; no appends run yet. Bytes past {@code flushedUpTo} (the checkpoint) were
     * recovered from the page cache and count as flushed only once forced again.
     *
     * @param zeroRest the log ended at an invalid entry, so later bytes may hold entries that must not return
     */
    void recoverTo(long position, long flushedUpTo, boolean zeroRest) {
        files.truncateTo(position, flushedUpTo, zeroRest ? MappedFile.Zeroing.REST : MappedFile.Zeroing.NONE);
        confirmedPosition = position;
    }

    /** Refuses every later append; an append already holding the lock finishes first. */
    void shutdown() {
        appendLock.lock();
        try {
            closed = true;
        } finally {
            appendLock.unlock();
        }
    }

    /** A reference-free view of the entry bytes, for recovery. */
    ByteBuffer fileView(MappedFile f) {
        return f.view(0, f.fileSize());
    }

    long commit() throws IOException {
        return files.commit();
    }

    long flush() throws IOException {
        return files.flush();
    }

    @Override
    public void close() {
        files.close();
    }
}
