package io.ferrite.storage;

import java.nio.ByteBuffer;

/**
 * One partition's state in the store: its id in the CommitLog, its ConsumeQueue, its offsets and its
 * idempotent-producer table. Holds no reference to the store; the CommitLog and the reader take it as an
 * argument.
 *
 * <p>{@code logEndOffset} and the queue are written under the CommitLog append lock (or by recovery);
 * {@code logStartOffset} by the retention thread, or by a caller moving it forward. Both are read freely.
 */
final class PartitionLog {
    private final int id;
    private final PartitionKey key;
    private final ConsumeQueue queue;
    private final ProducerStateTable producers;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile Retention retention;
    private volatile boolean deleted;
    /** Kept whole: retention never moves its start, and forced file deletion stops before its data. */
    private volatile boolean pinned;
    /** The CRC of the last batch appended: a producer-state snapshot names its last batch by position and CRC. */
    private volatile int lastBatchCrc;
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

    /** CommitLog position of the batch at the log start, or -1 when the partition holds none. */
    long firstPosition() {
        long i = startIndex();
        if (i >= queue.endIndex()) {
            return -1;
        }
        ConsumeQueue.Entry e = queue.entry(i);
        return e == null ? -1 : e.position();
    }

    void setRetention(Retention retention) {
        this.retention = retention;
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
        long after = startIndex();
        long removed = 0;
        for (long i = before; i < after; i++) {
            ConsumeQueue.Entry e = queue.entry(i);
            if (e != null) {
                removed += e.size() - CommitLogEntry.HEADER_SIZE;
            }
        }
        sizeInBytes.addAndGet(-removed);
        producers.removeBefore(logStartOffset);
        queue.deleteBefore(after);
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
        logEndOffset = Math.max(endOffset, logStartOffset);
    }

    /** The queue index of the first batch still readable, i.e. the one holding the log start offset. */
    long startIndex() {
        long idx = queue.indexOf(logStartOffset, queue.startIndex());
        return idx < 0 ? queue.startIndex() : idx;
    }

    @Override
    public String toString() {
        return key + "#" + id;
    }
}
