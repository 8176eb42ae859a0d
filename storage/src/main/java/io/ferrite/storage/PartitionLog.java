package io.ferrite.storage;

import java.nio.ByteBuffer;

/**
 * One partition's state in the store: its id in the CommitLog, its ConsumeQueue, its offsets and its
 * idempotent-producer table. Holds no reference to the store; the CommitLog and the reader take it as an
 * argument.
 *
 * <p>A compacted partition may also have a {@link CleanedLog}: the batches the cleaner kept below its end offset,
 * which are read from there, while the queue serves the rest ({@link #queueStartOffset()}).
 *
 * <p>{@code logEndOffset} and the queue are written under the CommitLog append lock (or by recovery);
 * {@code logStartOffset} by the retention thread, or by a caller moving it forward; the cleaned log by the
 * cleaner, under this object's lock, as the log start is. All are read freely.
 */
final class PartitionLog {
    private final int id;
    private final PartitionKey key;
    private final ConsumeQueue queue;
    private final ProducerStateTable producers;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile Retention retention;
    /** Null: not compacted. */
    private volatile Compaction compaction;
    /** The batches the cleaner kept, below its end offset; null when never cleaned. */
    private volatile CleanedLog cleaned;
    /** Bytes of the cleaned batches from the log start on; set where the generation or the log start changes. */
    private volatile long cleanedBytes;
    private volatile boolean deleted;
    /** Kept whole: retention never moves its start, and forced file deletion stops before its data. */
    private volatile boolean pinned;
    /** The CRC of the last batch appended: a producer-state snapshot names its last batch by position and CRC. */
    private volatile int lastBatchCrc;
    /**
     * Cuts made so far ({@link #truncateTail}): a retention pass or a cleaner's pass planned before a cut must not
     * act after it, since the offsets it planned by may now be other batches'.
     */
    private volatile long cuts;
    /** A cut's producer state is being rebuilt: appends to the partition are refused meanwhile (see Truncation). */
    private volatile boolean cutting;
    /** The log end the last producer-state snapshot written covered; -1: none written by this process. */
    private volatile long snapshotEnd = -1;
    /** Bytes of batches from the log start on; the appender adds, retention subtracts. */
    private final java.util.concurrent.atomic.AtomicLong sizeInBytes = new java.util.concurrent.atomic.AtomicLong();

    /** {@code aborted}: the partition's aborted-transaction index (in its queue directory). */
    PartitionLog(int id, PartitionKey key, ConsumeQueue queue, AbortedTransactionIndex aborted, long logStartOffset) {
        this.id = id;
        this.key = key;
        this.queue = queue;
        this.producers = new ProducerStateTable(aborted);
        this.logStartOffset = logStartOffset;
        this.logEndOffset = logStartOffset;
    }

    int id() {
        return id;
    }

    PartitionKey key() {
        return key;
    }

    ConsumeQueue queue() {
        return queue;
    }

    ProducerStateTable producers() {
        return producers;
    }

    long logStartOffset() {
        return logStartOffset;
    }

    long logEndOffset() {
        return logEndOffset;
    }

    Retention retention() {
        return retention;
    }

    boolean pinned() {
        return pinned;
    }

    void pin() {
        this.pinned = true;
    }

    /**
     * CommitLog position of the batch at the log start (or the cleaned end), or -1 when the partition holds none;
     * 0 when it cannot tell, which every caller takes as "anything may still be read".
     */
    long firstPosition() {
        for (int attempt = 0; attempt < 3; attempt++) {
            long i = startIndex();
            if (i >= queue.endIndex()) {
                return -1;
            }
            ConsumeQueue.Entry e = queue.entry(i);
            if (e != null) {
                return e.position();
            }
            // The queue's start moved under the lookup (a cleaner's swap or DeleteRecords dropped the file that
            // held it): not a sign the partition is empty. Look again from the new start.
        }
        return 0;
    }

    void setRetention(Retention retention) {
        this.retention = retention;
    }

    Compaction compaction() {
        return compaction;
    }

    void setCompaction(Compaction compaction) {
        this.compaction = compaction;
    }

    CleanedLog cleaned() {
        return cleaned;
    }

    /** The first offset read through the queue: the log start, or where the cleaned log ends if later. */
    long queueStartOffset() {
        CleanedLog c = cleaned;
        return c == null ? logStartOffset : Math.max(logStartOffset, c.endOffset());
    }

    /**
     * Puts a new cleaned log in place of the old one (given up, deleted once no reader holds it), and lets go of
     * the queue files wholly before it. The cleaner, or an open; returns the one replaced.
     */
    synchronized CleanedLog replaceCleaned(CleanedLog next) {
        CleanedLog old = cleaned;
        long before = cleanedBytes;
        long queueBefore = startIndex();
        cleaned = next;
        long queueAfter = startIndex();
        cleanedBytes = sizeOfCleaned(next, logStartOffset);
        sizeInBytes.addAndGet(cleanedBytes - before - queueBytes(queueBefore, queueAfter));
        queue.deleteBefore(queueAfter);
        if (old != null) {
            old.retire();
        }
        return old;
    }

    /** An open: the generation found on disk, before recovery sums sizes. */
    void loadCleaned(CleanedLog c) {
        cleaned = c;
        cleanedBytes = sizeOfCleaned(c, logStartOffset);
    }

    /** The partition is deleted: its cleaned log goes once no reader holds it. */
    synchronized void dropCleaned() {
        CleanedLog c = cleaned;
        cleaned = null;
        cleanedBytes = 0;
        if (c != null) {
            c.retire();
        }
    }

    /** The store is closing. */
    synchronized void closeCleaned() {
        CleanedLog c = cleaned;
        if (c != null) {
            c.close();
        }
    }

    /** Bytes of the cleaned log's batches at or after the log start. */
    long cleanedSize() {
        return cleanedBytes;
    }

    /** Bytes of the batches of queue entries {@code [from, to)}. */
    private long queueBytes(long from, long to) {
        long n = 0;
        for (long i = from; i < to; i++) {
            ConsumeQueue.Entry e = queue.entry(i);
            if (e != null) {
                n += e.size() - CommitLogEntry.HEADER_SIZE;
            }
        }
        return n;
    }

    /** Bytes of a cleaned log's batches at or after {@code from}. */
    private static long sizeOfCleaned(CleanedLog c, long from) {
        if (c == null) {
            return 0;
        }
        long n = 0;
        for (int i = c.indexOf(from); i < c.batches(); i++) {
            n += c.entry(i).size() - CommitLogEntry.HEADER_SIZE;
        }
        return n;
    }

    boolean isDeleted() {
        return deleted;
    }

    void markDeleted() {
        deleted = true;
    }

    /** Records a batch just written to the CommitLog, given its final header. Append lock (or recovery) only. */
    void onAppended(ByteBuffer header, long position, int entrySize) {
        long baseOffset = RecordBatchHeader.baseOffset(header);
        int lastOffsetDelta = RecordBatchHeader.lastOffsetDelta(header);
        queue.append(baseOffset, position, entrySize, lastOffsetDelta, RecordBatchHeader.maxTimestamp(header));
        lastBatchCrc = RecordBatchHeader.crc(header);
        sizeInBytes.addAndGet(entrySize - CommitLogEntry.HEADER_SIZE);
        logEndOffset = baseOffset + lastOffsetDelta + 1;
    }

    int lastBatchCrc() {
        return lastBatchCrc;
    }

    /** Recovery: the last batch may have been appended before this open. */
    void restoreLastBatchCrc(int crc) {
        lastBatchCrc = crc;
    }

    long snapshotEnd() {
        return snapshotEnd;
    }

    void snapshotWritten(long end) {
        snapshotEnd = end;
    }

    /** Bytes of the batches still readable, as Kafka's partition size counts them. */
    long sizeInBytes() {
        return sizeInBytes.get();
    }

    void addSize(long delta) {
        sizeInBytes.addAndGet(delta);
    }

    /**
     * Moves the log start forward to {@code offset} and lets go of what lies wholly before it: its bytes in
     * the size count, producers whose last batch was there, and queue files. Retention and DeleteRecords.
     */
    synchronized void truncateHead(long offset) {
        long before = startIndex();
        if (!advanceLogStart(offset)) {
            return;
        }
        CleanedLog c = cleaned;
        if (c != null) {
            long now = sizeOfCleaned(c, logStartOffset);
            sizeInBytes.addAndGet(now - cleanedBytes);
            cleanedBytes = now;
        }
        long after = startIndex();
        sizeInBytes.addAndGet(-queueBytes(before, after));
        producers.removeBefore(logStartOffset);
        queue.deleteBefore(after);
    }

    /**
     * {@link #truncateTail} for a live follower: refused below the cleaned end, checked under the same lock as the
     * cleaner's swap, so no pass can publish a cleaned log past the cut after it.
     */
    synchronized long cutTail(long offset) {
        CleanedLog c = cleaned;
        if (c != null && offset < c.endOffset()) {
            throw new StoreException(StoreException.Category.UNEXPECTED_OFFSET, "cannot cut " + key + " at offset "
                    + offset + ": the cleaner compacted it up to " + c.endOffset() + ", and a cleaned log is not cut");
        }
        return truncateTail(offset);
    }

    /**
     * A follower's cut (see {@link Truncation}): drops the queue's batches that end at or after {@code offset},
     * with their bytes in the size count, and moves the log end back to the offset, or to the first dropped
     * batch's base offset if that is lower (a batch is kept or dropped whole), never below the log start or the
     * cleaned end. The caller holds the append lock (or is recovery). Returns the new log end.
     */
    synchronized long truncateTail(long offset) {
        cuts++;
        long end = queue.endIndex();
        long cut = Math.max(queue.firstEndingAtOrAfter(offset), startIndex());
        long newEnd = Math.min(offset, logEndOffset);
        if (cut < end) {
            ConsumeQueue.Entry first = queue.entry(cut);
            if (first != null) {
                newEnd = Math.min(newEnd, first.baseOffset());
            }
            sizeInBytes.addAndGet(-queueBytes(cut, end));
            queue.cutFrom(cut);
        }
        CleanedLog c = cleaned;
        logEndOffset = Math.max(Math.max(newEnd, logStartOffset), c == null ? 0 : c.endOffset());
        return logEndOffset;
    }

    long cuts() {
        return cuts;
    }

    boolean cutting() {
        return cutting;
    }

    void cutting(boolean now) {
        cutting = now;
    }

    /** As {@link #truncateHead(long)}, unless the partition was cut since {@code cutsBefore} was read. */
    synchronized void truncateHead(long offset, long cutsBefore) {
        if (cuts == cutsBefore) {
            truncateHead(offset);
        }
    }

    /** An empty partition's start and end both move to {@code offset}; the caller holds the append lock. */
    synchronized void startAt(long offset) {
        logStartOffset = offset;
        logEndOffset = offset;
    }

    /** Moves the log start forward (never back, never past the end). Returns whether it moved. */
    synchronized boolean advanceLogStart(long offset) {
        long target = Math.min(offset, logEndOffset);
        if (target <= logStartOffset) {
            return false;
        }
        logStartOffset = target;
        return true;
    }

    /** Sets the end after recovery rebuilt the queue; the start follows if the queue ends before it. */
    void recoverEnd(long endOffset) {
        // Never below the cleaned generation's end: its offsets were given out, even if the queue lost the
        // batches after them (an async-mode crash), and must not be given out again.
        CleanedLog c = cleaned;
        logEndOffset = Math.max(Math.max(endOffset, logStartOffset), c == null ? 0 : c.endOffset());
    }

    /** The queue index of the first batch read through the queue: the one holding {@link #queueStartOffset()}. */
    long startIndex() {
        long start = queueStartOffset();
        long idx = queue.indexOf(start, queue.startIndex());
        if (idx < 0) {
            return queue.startIndex();
        }
        ConsumeQueue.Entry e = queue.entry(idx);
        // A follower's copy of a compacted log has gaps: a start inside one begins at the batch after it.
        return e != null && e.lastOffset() < start && idx + 1 < queue.endIndex() ? idx + 1 : idx;
    }

    @Override
    public String toString() {
        return key + "#" + id;
    }
}
