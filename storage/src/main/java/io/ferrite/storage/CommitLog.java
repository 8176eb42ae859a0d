package io.ferrite.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one sequential log every partition appends to: entries framed by {@link CommitLogEntry} in the files
 * of a {@link MappedFileQueue}.
 *
 * <p>An append takes the append lock for as long as it takes to pick the partition's next offset, write the
 * entry into the current file, and add the ConsumeQueue entry; so CommitLog order and offset order agree.
 * The broker's fields (base offset, leader epoch, LogAppendTime) are set in a copy of the batch header, and
 * the entry is written as that head plus the caller's records, unmodified and uncopied.
 * It never waits for disk: durability is the group-commit service's job, after the lock is released.
 *
 * <p>{@code confirmedPosition} moves, under the lock, past each entry whose ConsumeQueue entry is written:
 * it is what a checkpoint may cover once flushed.
 */
final class CommitLog implements AutoCloseable {
    private final MappedFileQueue files;
    private final Clock clock;
    private final boolean intoMapping;
    private final ReentrantLock appendLock = new ReentrantLock();
    /** Entry header and batch header of the append under way, rewritten here, never in the caller's batch. */
    private final ByteBuffer head = ByteBuffer.allocateDirect(CommitLogEntry.HEAD_SIZE); // guarded by appendLock
    private volatile long confirmedPosition;
    private boolean closed; // guarded by appendLock
    private volatile boolean refusingForDisk;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    /** @param intoMapping copy appends into the mapping instead of writing them through the file's channel */
    CommitLog(MappedFileQueue files, Clock clock, boolean intoMapping) {
        this.files = files;
        this.clock = clock;
        this.intoMapping = intoMapping;
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
        return append(p, batch, leaderEpoch, logAppendTime, false);
    }

    /** As above; with {@code verified} a transactional batch may open its producer's transaction here. */
    AppendResult append(PartitionLog p, ByteBuffer batch, int leaderEpoch, boolean logAppendTime, boolean verified) {
        int entrySize = checkEntry(batch);
        appendLock.lock();
        try {
            checkWritable(p, batch);
            ProducerStateTable.BatchMetadata dup = p.producers().check(batch, verified);
            if (dup != null) {
                return new AppendResult(dup.firstOffset(), dup.lastOffset(), -1, -1, p.logStartOffset(), true);
            }
            return write(p, batch, entrySize, p.logEndOffset(), leaderEpoch, logAppendTime);
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * Appends a batch copied from the partition's leader, as a follower does: at the offset and with the leader
     * epoch the batch carries, which must not start before this partition's log end (it may start after it: a
     * compacted leader's log has gaps); timestamps as the leader set them. Producer state follows the batch without
     * checking it, since the leader already did. A disk past its ratio refuses it as it refuses a producer's batch:
     * the follower falls behind, and out of the ISR, rather than fill the disk.
     */
    AppendResult appendReplica(PartitionLog p, ByteBuffer batch) {
        int entrySize = checkEntry(batch);
        appendLock.lock();
        try {
            checkWritable(p, batch);
            long base = RecordBatchHeader.baseOffset(batch);
            long end = p.logEndOffset();
            if (base < end) {
                throw new StoreException(StoreException.Category.UNEXPECTED_OFFSET, "a replicated batch of "
                        + p.key() + " starts at offset " + base + ", before the log end " + end);
            }
            boolean empty = end == p.logStartOffset();
            AppendResult r = write(p, batch, entrySize, base, RecordBatchHeader.leaderEpoch(batch), false);
            if (empty && base > end) {
                // Nothing is stored below the batch, so the log starts there: a read from the start finds it.
                p.advanceLogStart(base);
            }
            return r;
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * Cuts the partition at {@code offset}, as a follower whose log diverged from its new leader's does, and writes
     * a truncation marker after the cut under the same hold of the append lock, so that no entry lies between the
     * two (see {@link Truncation}). The partition is left {@link PartitionLog#cutting}: appends to it are refused
     * until the caller has rebuilt its producer state. Returns the position after the marker, which the caller
     * makes durable, or -1 when the offset is at or past the log end and nothing was cut. A disk past its ratio
     * does not refuse it: it frees more than its 24 bytes. A failure after the cut is made, which a restart
     * would undo, is passed to {@code fatal} (the store goes offline) before it is thrown.
     */
    long truncate(PartitionLog p, long offset, Consumer<StoreException> fatal) {
        appendLock.lock();
        try {
            checkWritable(p, true);
            if (offset >= p.logEndOffset()) {
                return -1;
            }
            if (offset < p.logStartOffset()) {
                throw new StoreException(StoreException.Category.OFFSET_OUT_OF_RANGE, "cannot cut " + p.key()
                        + " at offset " + offset + ", below its log start " + p.logStartOffset());
            }
            MappedFile f = fileFor(CommitLogEntry.TRUNCATION_SIZE); // a full disk fails here, before the cut
            p.cutTail(offset);
            p.cutting(true);
            ByteBuffer marker = head.clear().limit(CommitLogEntry.TRUNCATION_SIZE);
            CommitLogEntry.writeTruncation(marker, p.id(), offset);
            long position = f.fileFromOffset() + f.wrotePosition();
            try {
                f.append(marker, EMPTY, intoMapping);
            } catch (IOException | RuntimeException e) {
                // The cut is made and its marker is not: a restart would bring the batches back. The partition
                // stays refusing appends, and the store goes offline.
                StoreException failure = e instanceof IOException io
                        ? StoreException.fromIo("appending a truncation marker to the CommitLog", f.path(), io)
                        : new StoreException(StoreException.Category.IO, "appending a truncation marker failed", e);
                fatal.accept(failure);
                throw failure;
            }
            confirmedPosition = position + CommitLogEntry.TRUNCATION_SIZE;
            return confirmedPosition;
        } finally {
            appendLock.unlock();
        }
    }

    /** The entry size of a well-framed batch that fits in one CommitLog file. */
    private int checkEntry(ByteBuffer batch) {
        RecordBatchHeader.checkFraming(batch);
        int entrySize = CommitLogEntry.HEADER_SIZE + batch.remaining();
        if (entrySize > maxEntrySize()) {
            throw new StoreException(StoreException.Category.TOO_LARGE, "entry of " + entrySize
                    + " bytes exceeds the CommitLog file size " + maxEntrySize(), files.dir(), -1, null);
        }
        return entrySize;
    }

    /** Under the append lock: refuses appends to a closed store, a deleted partition, or a disk too full. */
    private void checkWritable(PartitionLog p, ByteBuffer batch) {
        checkWritable(p, RecordBatchHeader.isControl(batch));
    }

    /** As above; {@code evenOnFullDisk}: a transaction marker or a truncation, which a full disk does not refuse. */
    private void checkWritable(PartitionLog p, boolean evenOnFullDisk) {
        if (closed) {
            throw new StoreException(StoreException.Category.CLOSED, "the store is closed");
        }
        if (p.isDeleted()) {
            throw new StoreException(StoreException.Category.UNKNOWN_PARTITION, "partition " + p.key() + " was deleted");
        }
        if (p.cutting()) {
            throw new StoreException(StoreException.Category.UNEXPECTED_OFFSET, "partition " + p.key()
                    + " is being cut at a follower's truncation");
        }
        if (refusingForDisk && !p.pinned() && !evenOnFullDisk) {
            throw new StoreException(StoreException.Category.DISK_FULL, "the disk is fuller than "
                    + "store.max.disk.used.ratio allows; produce resumes once space is freed");
        }
    }

    /** Under the append lock: writes the entry with the batch at {@code baseOffset} and indexes it. */
    private AppendResult write(PartitionLog p, ByteBuffer batch, int entrySize, long baseOffset, int leaderEpoch,
                               boolean logAppendTime) {
        // Both files are secured before anything is written, so a full disk fails the append cleanly.
        p.queue().ensureCapacity();
        MappedFile f = fileFor(entrySize);
        long now = clock.millis();
        ByteBuffer records = batch.slice(batch.position() + RecordBatchHeader.HEADER_SIZE,
                batch.remaining() - RecordBatchHeader.HEADER_SIZE);
        head.clear();
        CommitLogEntry.writeHead(head, p.id(), batch);
        ByteBuffer stored = head.slice(CommitLogEntry.HEADER_SIZE, RecordBatchHeader.HEADER_SIZE);
        RecordBatchHeader.assignOffset(stored, baseOffset, leaderEpoch);
        if (logAppendTime) {
            RecordBatchHeader.setLogAppendTime(stored, records, now);
        }
        CommitLogEntry.seal(head);
        long position = f.fileFromOffset() + f.wrotePosition();
        try {
            f.append(head, records, intoMapping);
        } catch (IOException e) {
            throw StoreException.fromIo("appending to the CommitLog", f.path(), e);
        }
        int delta = RecordBatchHeader.lastOffsetDelta(stored);
        p.onAppended(stored, position, entrySize);
        p.producers().update(stored, baseOffset,
                RecordBatchHeader.isControl(batch) ? RecordBatchHeader.controlType(batch) : -1);
        confirmedPosition = position + entrySize;
        return new AppendResult(baseOffset, baseOffset + delta, logAppendTime ? now : -1, position,
                p.logStartOffset(), false);
    }

    /** Under the append lock: the file the next {@code size} bytes go to, the current one ended if they do not fit. */
    private MappedFile fileFor(int size) {
        MappedFile f = files.lastForAppend(confirmedPosition);
        if (f.remaining() < size) {
            MappedFile next = files.next();
            if (f.remaining() >= CommitLogEntry.BLANK_SIZE) {
                ByteBuffer blank = head.clear().limit(CommitLogEntry.BLANK_SIZE);
                CommitLogEntry.writeBlank(blank, f.remaining());
                try {
                    f.append(blank, EMPTY, intoMapping);
                } catch (IOException e) {
                    throw StoreException.fromIo("ending a CommitLog file", f.path(), e);
                }
            }
            f.advance(f.remaining());
            f = next;
        }
        return f;
    }

    /** Whether producers' batches are refused because the disk is too full (see {@link DiskMonitor}). */
    boolean refusingForDisk() {
        return refusingForDisk;
    }

    void refuseForDisk(boolean refuse) {
        refusingForDisk = refuse;
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
