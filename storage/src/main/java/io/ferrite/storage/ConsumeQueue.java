package io.ferrite.storage;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The index of one partition: one fixed-size entry per batch, in offset order, in files of
 * {@code entriesPerFile} entries named by the 20-digit byte position of their first entry.
 *
 * <pre>
 *  0  int64  base offset of the batch
 *  8  int64  CommitLog position of its entry
 * 16  int32  CommitLog entry size, header included
 * 20  int32  last offset delta
 * 24  int64  running max timestamp: the largest batch max timestamp in this partition up to and
 *            including this batch
 * </pre>
 *
 * 32 bytes divide a page, so no entry straddles two pages. Storing the running maximum rather than the
 * batch's own maximum makes the field non-decreasing even when producers send timestamps out of order,
 * so "first batch with max timestamp >= T" is a binary search (the first entry whose running max reaches T
 * is that batch). The batch's own max timestamp stays in the batch header in the CommitLog.
 *
 * <p>There is no checksum: the file is derived data. Entries at or after the checkpoint position are
 * dropped on open and rebuilt from the CommitLog; a lost file set is rebuilt from the CommitLog whole.
 *
 * <p>Threads: {@link #append} and {@link #cutFrom} run under the CommitLog append lock; reads come from any
 * thread and hold the file they read; {@link #flush} runs on the flush service, under this queue's monitor,
 * which a cut takes too.
 */
final class ConsumeQueue implements AutoCloseable {
    static final int ENTRY_SIZE = 32;

    /** One decoded entry. */
    record Entry(long index, long baseOffset, long position, int size, int lastOffsetDelta, long runningMaxTimestamp) {
        long lastOffset() {
            return baseOffset + lastOffsetDelta;
        }

        long endPosition() {
            return position + size;
        }
    }

    private final MappedFileQueue files;
    private final int fileSize;
    /** Index of the next entry; written under the append lock, read by anyone. */
    private volatile long endIndex;
    private volatile long startIndex;
    private long runningMax = Long.MIN_VALUE;
    /** Odd while {@link #cutFrom} runs, and bumped twice by each: a read that raced a cut reads again after it. */
    private volatile int cuts;

    ConsumeQueue(MappedFileQueue files) {
        this.files = files;
        this.fileSize = files.fileSize();
    }

    MappedFileQueue files() {
        return files;
    }

    /**
     * Maps the existing files and finds the end. First the written end: the first entry that does not follow
     * its predecessor (a zero or half-written entry). Then the trusted end: no entry may end past
     * {@code commitLogLimit}. Everything after is cut. Recovery only. Returns the names of the directory's other
     * files (see {@link MappedFileQueue#load}).
     */
    Set<String> load(long commitLogLimit) throws IOException {
        Set<String> others = files.load();
        if (files.isEmpty()) {
            startIndex = endIndex = 0;
            return others;
        }
        startIndex = files.minPosition() / ENTRY_SIZE;
        // A queue rolls only when a file is full, so only the last two files (the last may be one made
        // ahead) can end in a partly written entry.
        int from = Math.max(0, files.files().size() - 2);
        long index = Math.max(startIndex, files.files().get(from).fileFromOffset() / ENTRY_SIZE);
        Entry prev = index > startIndex ? read(index - 1) : null;
        long limit = files.last().fileFromOffset() / ENTRY_SIZE + fileSize / ENTRY_SIZE;
        for (; index < limit; index++) {
            Entry e = read(index);
            boolean follows = e.size > 0 && e.lastOffsetDelta >= 0
                    && (prev == null || (e.position >= prev.endPosition() && e.baseOffset > prev.lastOffset()
                    && e.runningMaxTimestamp >= prev.runningMaxTimestamp));
            if (!follows) {
                break;
            }
            prev = e;
        }
        endIndex = index;
        cutAt(commitLogLimit);
        return others;
    }

    /**
     * Drops every entry whose CommitLog bytes end past {@code commitLogEnd}, zeroing them so they cannot come
     * back at a later load. Recovery only.
     */
    void cutAt(long commitLogEnd) {
        long lo = startIndex;
        long hi = endIndex - 1;
        long cut = endIndex;
        while (lo <= hi) { // positions only grow along the queue, so entry ends do too
            long mid = (lo + hi) >>> 1;
            if (read(mid).endPosition() > commitLogEnd) {
                cut = mid;
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        files.truncateTo(cut * ENTRY_SIZE, cut * ENTRY_SIZE, MappedFile.Zeroing.UNTIL_ZERO_ENTRY);
        endIndex = cut;
        runningMax = cut > startIndex ? read(cut - 1).runningMaxTimestamp : Long.MIN_VALUE;
    }

    /**
     * A follower's truncation: drops the entries from {@code index} on while readers and the flush go on. They are
     * zeroed durably before this returns, so no later load finds them; a read that raced the cut waits for it and
     * reads again, rather than return a half-zeroed entry or none (which callers take for one retention deleted);
     * what the flush forced before the cut does not count for what is written at those indexes next; and files
     * asked for ahead are given up, since the next file may now be another.
     */
    synchronized void cutFrom(long index) {
        if (index >= endIndex) {
            return;
        }
        long cut = Math.max(index, startIndex);
        cuts++;
        VarHandle.storeStoreFence(); // the odd count is seen before any zero is
        try {
            endIndex = cut; // lowered first: a reader checking it after the zeroing began sees it lowered
            files.truncateTo(cut * ENTRY_SIZE, files.flushedPosition(), MappedFile.Zeroing.UNTIL_ZERO_ENTRY);
            files.cancelAhead();
            runningMax = cut > startIndex ? read(cut - 1).runningMaxTimestamp : Long.MIN_VALUE;
        } finally {
            cuts++;
        }
    }

    /** Index of the first entry whose batch ends at or after {@code offset}; the end index if none does. */
    long firstEndingAtOrAfter(long offset) {
        return firstWhere(startIndex, e -> e.lastOffset() >= offset, endIndex);
    }

    long startIndex() {
        return startIndex;
    }

    long endIndex() {
        return endIndex;
    }

    boolean isEmpty() {
        return endIndex <= startIndex;
    }

    /** Whether the next {@link #append} has a file to go to, with its blocks, without creating or allocating. */
    boolean hasRoom() {
        MappedFile f = files.last();
        return f != null && !f.isFull() && f.allocatedFor(ENTRY_SIZE);
    }

    /**
     * Makes sure the next {@link #append} has a file to go to and disk blocks to write to. Call before writing
     * the CommitLog entry: a full disk fails here, with nothing written.
     */
    void ensureCapacity() {
        long pos = endIndex * ENTRY_SIZE;
        MappedFile f = files.lastForAppend(pos);
        f.allocateFor(ENTRY_SIZE);
        int used = f.wrotePosition();
        if (used == fileSize / 2) {
            files.prefetchNext(); // half full: have the next file made in the background
        }
    }

    /** Adds an entry. Append lock held; {@link #ensureCapacity()} called first. */
    void append(long baseOffset, long position, int size, int lastOffsetDelta, long batchMaxTimestamp) {
        MappedFile f = files.lastForAppend(endIndex * ENTRY_SIZE);
        f.allocateFor(ENTRY_SIZE); // done by ensureCapacity on the append path; recovery's rebuild comes here alone
        runningMax = Math.max(runningMax, batchMaxTimestamp);
        java.nio.ByteBuffer e = f.reserve(ENTRY_SIZE);
        e.putLong(0, baseOffset);
        e.putLong(8, position);
        e.putInt(16, size);
        e.putInt(20, lastOffsetDelta);
        e.putLong(24, runningMax);
        f.advance(ENTRY_SIZE);
        endIndex = endIndex + 1;
    }

    /** The entry at {@code index}, or null if it has been deleted or not written. */
    Entry entry(long index) {
        while (true) {
            int seen = cuts;
            if ((seen & 1) != 0) {
                Thread.yield(); // a cut is under way: it takes one forced write
                continue;
            }
            if (index < startIndex || index >= endIndex) {
                return null;
            }
            MappedFile f = files.find(index * ENTRY_SIZE);
            if (f == null || !f.hold()) {
                return null;
            }
            Entry e;
            try {
                e = read(f, index);
            } finally {
                f.release();
            }
            VarHandle.loadLoadFence(); // the entry's bytes are read before the count is read again
            if (cuts == seen) {
                return e;
            }
        }
    }

    private Entry read(long index) {
        return read(files.find(index * ENTRY_SIZE), index);
    }

    private static Entry read(MappedFile f, long index) {
        int p = (int) (index * ENTRY_SIZE - f.fileFromOffset());
        return new Entry(index, f.getLong(p), f.getLong(p + 8), f.getInt(p + 16), f.getInt(p + 20), f.getLong(p + 24));
    }

    /** Index of the batch holding {@code offset}: the last entry at or after {@code fromIndex} with base offset <= it. */
    long indexOf(long offset, long fromIndex) {
        long lo = Math.max(fromIndex, startIndex);
        long hi = endIndex - 1;
        long found = -1;
        while (lo <= hi) {
            long mid = (lo + hi) >>> 1;
            Entry e = entry(mid);
            if (e == null) {
                lo = mid + 1; // deleted under us by retention: search later entries
                continue;
            }
            if (e.baseOffset <= offset) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** Index of the first entry at or after {@code fromIndex} whose running max timestamp is >= {@code ts}, or -1. */
    long firstIndexWithRunningMaxAtLeast(long ts, long fromIndex) {
        return firstWhere(fromIndex, e -> e.runningMaxTimestamp >= ts, -1);
    }

    /** Index of the first entry at or after {@code fromIndex} whose CommitLog position is >= {@code position}. */
    long firstIndexAtOrAfterPosition(long position, long fromIndex) {
        return firstWhere(fromIndex, e -> e.position >= position, endIndex);
    }

    /**
     * Binary search: the first entry at or after {@code fromIndex} that has {@code reached} (which, along the queue,
     * is false up to some entry and true from it on); {@code none} if no entry has. An entry deleted under the
     * search (by retention) counts as not reached.
     */
    private long firstWhere(long fromIndex, Predicate<Entry> reached, long none) {
        long lo = Math.max(fromIndex, startIndex);
        long hi = endIndex - 1;
        long found = none;
        while (lo <= hi) {
            long mid = (lo + hi) >>> 1;
            Entry e = entry(mid);
            if (e == null) {
                lo = mid + 1;
                continue;
            }
            if (reached.test(e)) {
                found = mid;
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        return found;
    }

    /** Deletes whole files whose entries all lie before {@code index}. Retention thread only. */
    void deleteBefore(long index) {
        files.deleteBefore(index * ENTRY_SIZE);
        long min = files.minPosition() / ENTRY_SIZE;
        if (min > startIndex) {
            startIndex = min;
        }
    }

    /** Where written entries end, in bytes: what a flush started now would cover. */
    long writtenBytes() {
        return files.writePosition();
    }

    /** Whether entries were written since they were last flushed. */
    boolean hasUnflushed() {
        return files.writePosition() > files.flushedPosition();
    }

    /** How many cuts began so far (twice that, and one more while one runs): see {@link #markFlushed}. */
    int cuts() {
        return cuts;
    }

    /**
     * Counts entries up to {@code bytes} (from {@link #writtenBytes}) as flushed by a syncfs, unless the queue was
     * cut since {@code cutsBefore} was read with them: what was written at the cut indexes since came after the
     * syncfs. Flush thread only.
     */
    synchronized void markFlushed(long bytes, int cutsBefore) {
        if (cuts == cutsBefore) {
            files.markFlushed(bytes);
        }
    }

    synchronized void flush() throws IOException {
        files.flush();
    }

    /** Deletes all files, for a deleted partition or an index rebuilt from scratch. */
    void destroy() {
        files.destroyAll();
        startIndex = endIndex = 0;
        runningMax = Long.MIN_VALUE;
    }

    @Override
    public void close() {
        files.close();
    }
}
