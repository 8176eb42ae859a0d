package io.ferrite.storage;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a partition's batches out of the CommitLog through its ConsumeQueue, as held zero-copy slices.
 *
 * <p>Every batch handed out is the one its queue entry names (partition, base offset and size are compared,
 * always) and has passed both CRCs (unless {@code verifyCrc} is off). A batch that fails is
 * never served: a read stops before it, and a read that starts at it fails with
 * {@link StoreException.Category#CORRUPT}. The partition is thereby fenced at that offset until an
 * operator moves its log start past it; other partitions, and appends, carry on.
 */
final class LogReader {
    private final MappedFileQueue commitLog;
    private final boolean verifyCrc;

    LogReader(MappedFileQueue commitLog, boolean verifyCrc) {
        this.commitLog = commitLog;
        this.verifyCrc = verifyCrc;
    }

    /**
     * Batches from the one holding {@code offset}, until {@code maxBytes} would be exceeded. The first batch is
     * returned even if it alone is larger, as Kafka does, so a consumer can always make progress.
     */
    ReadResult read(PartitionLog p, long offset, int maxBytes) {
        return read(p, offset, maxBytes, Long.MAX_VALUE);
    }

    /** As {@link #read(PartitionLog, long, int)}, with no batch starting at or after {@code upToOffset}. */
    ReadResult read(PartitionLog p, long offset, int maxBytes, long upToOffset) {
        long start = p.logStartOffset();
        long end = p.logEndOffset();
        if (offset < start || offset > end) {
            throw new StoreException(StoreException.Category.OFFSET_OUT_OF_RANGE,
                    "offset " + offset + " is outside [" + start + ", " + end + "] of " + p.key());
        }
        List<Slice> out = new ArrayList<>();
        try {
            long from = offset;
            int bytes = 0;
            CleanedLog c = p.cleaned();
            if (c != null && offset < c.endOffset()) {
                for (int i = c.indexOf(offset); i < c.batches(); i++) {
                    ConsumeQueue.Entry e = c.entry(i);
                    int batchSize = e.size() - CommitLogEntry.HEADER_SIZE;
                    if (e.baseOffset() >= end || e.baseOffset() >= upToOffset
                            || !out.isEmpty() && bytes + batchSize > maxBytes) {
                        return new ReadResult(out, end, start);
                    }
                    Slice s = c.slice(e);
                    if (s == null) {
                        // replaced by a newer cleaning pass under this read: what was read stands; the rest of the
                        // range is in the new generation, which the next read finds
                        return new ReadResult(out, end, start);
                    }
                    out.add(s);
                    bytes += batchSize;
                    if (bytes >= maxBytes) {
                        return new ReadResult(out, end, start);
                    }
                }
                from = c.endOffset();
            }
            readQueue(p, from, maxBytes, upToOffset, end, out, bytes);
        } catch (RuntimeException ex) {
            out.forEach(Slice::close);
            throw ex;
        }
        return new ReadResult(out, end, start);
    }

    /** Adds batches from the queue, from the one holding {@code offset}, to {@code out} (holding {@code bytes}). */
    private void readQueue(PartitionLog p, long offset, int maxBytes, long upToOffset, long end, List<Slice> out,
                           int bytes) {
        ConsumeQueue q = p.queue();
        long index = offset >= end ? -1 : q.indexOf(offset, q.startIndex());
        if (index < 0 && offset < end && p.cleaned() != null) {
            index = p.startIndex(); // the offset lies in a gap the cleaner left before the queue's first batch
        }
        for (long i = index; i >= 0 && i < q.endIndex(); i++) {
            ConsumeQueue.Entry e = q.entry(i);
            if (e == null || e.baseOffset() >= end || e.baseOffset() >= upToOffset) {
                break; // appended after this read began (beyond the high watermark it reports), or past the bound
            }
            int batchSize = e.size() - CommitLogEntry.HEADER_SIZE;
            if (!out.isEmpty() && bytes + batchSize > maxBytes) {
                break;
            }
            Slice s = slice(p, e, out.isEmpty());
            if (s == null) {
                break;
            }
            out.add(s);
            bytes += batchSize;
            if (bytes >= maxBytes) {
                break;
            }
        }
    }

    /**
     * Whether a read from {@code offset} of up to {@code maxBytes} (at least its first batch, within its first
     * CommitLog file) would find its bytes in the page cache, so that it cannot wait for the disk: a caller on
     * an event loop reads elsewhere when not. True when it cannot tell (an offset out of range, say: the read
     * then fails at once).
     */
    boolean inMemory(PartitionLog p, long offset, int maxBytes) {
        if (offset < p.logStartOffset() || offset >= p.logEndOffset()) {
            return true;
        }
        CleanedLog c = p.cleaned();
        if (c != null && offset < c.endOffset()) {
            return false; // the cleaner's files are not tracked for residency: read them off the event loop
        }
        ConsumeQueue q = p.queue();
        long i = q.indexOf(offset, q.startIndex());
        ConsumeQueue.Entry e = i < 0 ? null : q.entry(i);
        MappedFile f = e == null ? null : commitLog.find(e.position());
        if (f == null) {
            return true;
        }
        int at = (int) (e.position() - f.fileFromOffset());
        long len = Math.min(Math.max((long) maxBytes, e.size()), (long) f.readablePosition() - at);
        return len <= 0 || f.resident(at, (int) len);
    }

    /**
     * The first batch at or after the log start whose max timestamp is >= {@code timestamp}, or an empty
     * result. The ConsumeQueue's running maximum finds it by binary search; only when the running maximum
     * was raised by batches retention already removed does it scan forward from the log start.
     */
    ReadResult batchForTimestamp(PartitionLog p, long timestamp) {
        CleanedLog c = p.cleaned();
        if (c != null && c.hold()) { // held: a newer pass may retire it meanwhile, and its views must stay mapped
            try {
                for (int i = Math.max(c.indexOf(p.logStartOffset()), c.firstWithRunningMaxAtLeast(timestamp));
                     i < c.batches(); i++) {
                    ConsumeQueue.Entry e = c.entry(i);
                    if (RecordBatchHeader.maxTimestamp(CommitLogEntry.batch(c.view(e), 0)) >= timestamp) {
                        Slice s = c.slice(e);
                        return new ReadResult(s == null ? List.of() : List.of(s), p.logEndOffset(),
                                p.logStartOffset());
                    }
                }
            } finally {
                c.release();
            }
        }
        ConsumeQueue q = p.queue();
        long from = p.startIndex();
        long i = q.firstIndexWithRunningMaxAtLeast(timestamp, from);
        if (i < 0) {
            return new ReadResult(List.of(), p.logEndOffset(), p.logStartOffset());
        }
        for (; i < q.endIndex(); i++) {
            ConsumeQueue.Entry e = q.entry(i);
            if (e == null) {
                continue;
            }
            Slice s = slice(p, e, true);
            if (s == null) {
                break;
            }
            if (RecordBatchHeader.maxTimestamp(s.buffer()) >= timestamp) {
                return new ReadResult(List.of(s), p.logEndOffset(), p.logStartOffset());
            }
            s.close();
        }
        return new ReadResult(List.of(), p.logEndOffset(), p.logStartOffset());
    }

    /** The first batch holding the partition's largest timestamp, or an empty result for an empty log. */
    ReadResult batchWithMaxTimestamp(PartitionLog p) {
        ConsumeQueue q = p.queue();
        long from = p.startIndex();
        ConsumeQueue.Entry last = q.entry(q.endIndex() - 1);
        if (last == null || q.endIndex() <= from) {
            return new ReadResult(List.of(), p.logEndOffset(), p.logStartOffset());
        }
        if (p.cleaned() == null) {
            long i = q.firstIndexWithRunningMaxAtLeast(last.runningMaxTimestamp(), from);
            Slice s = slice(p, q.entry(i), true);
            if (s != null && RecordBatchHeader.maxTimestamp(s.buffer()) == last.runningMaxTimestamp()) {
                return new ReadResult(List.of(s), p.logEndOffset(), p.logStartOffset());
            }
            if (s != null) {
                s.close();
            }
        }
        // The maximum came from batches already removed, or the cleaner holds part of the log: find the largest
        // among those left, the cleaned ones first.
        long best = Long.MIN_VALUE;
        ConsumeQueue.Entry bestCleaned = null;
        CleanedLog c = p.cleaned();
        if (c != null && c.hold()) {
            try {
                for (int j = c.indexOf(p.logStartOffset()); j < c.batches(); j++) {
                    ConsumeQueue.Entry e = c.entry(j);
                    long ts = RecordBatchHeader.maxTimestamp(CommitLogEntry.batch(c.view(e), 0));
                    if (ts > best) {
                        best = ts;
                        bestCleaned = e;
                    }
                }
            } finally {
                c.release();
            }
        }
        long bestIndex = -1;
        for (long j = from; j < q.endIndex(); j++) {
            ConsumeQueue.Entry e = q.entry(j);
            Slice b = e == null ? null : slice(p, e, true);
            if (b == null) {
                continue;
            }
            long ts = RecordBatchHeader.maxTimestamp(b.buffer());
            b.close();
            if (ts > best) {
                best = ts;
                bestIndex = j;
            }
        }
        Slice found = bestIndex >= 0 ? slice(p, q.entry(bestIndex), true)
                : bestCleaned != null ? c.slice(bestCleaned) : null;
        return new ReadResult(found == null ? List.of() : List.of(found), p.logEndOffset(), p.logStartOffset());
    }

    /**
     * A held slice of the batch an entry points at; null if its bytes are not readable yet or the file is
     * gone. A batch failing its CRC ends the read, or fails it when it is the first.
     */
    private Slice slice(PartitionLog p, ConsumeQueue.Entry e, boolean first) {
        if (e == null) {
            return null;
        }
        MappedFile f = commitLog.find(e.position());
        if (f == null) {
            return null;
        }
        int at = (int) (e.position() - f.fileFromOffset());
        if (at + e.size() > f.readablePosition()) {
            return null; // appended but still in the write buffer: not visible yet
        }
        Slice whole = f.slice(at, e.size());
        if (whole == null) {
            return null;
        }
        ByteBuffer entry = whole.buffer();
        String fault = !CommitLogEntry.matches(entry, 0, p.id(), e)
                ? "the index entry for offset " + e.baseOffset() + " of " + p.key() + " points at another batch"
                : verifyCrc && CommitLogEntry.classify(entry, 0, entry.remaining(), true) != CommitLogEntry.Kind.ENTRY
                ? "batch at offset " + e.baseOffset() + " fails its CRC" : null;
        if (fault != null) {
            whole.close();
            if (first) {
                throw new StoreException(StoreException.Category.CORRUPT, fault, f.path(), at, null);
            }
            return null;
        }
        Slice batch = new Slice(entry.slice(CommitLogEntry.HEADER_SIZE, e.size() - CommitLogEntry.HEADER_SIZE), f);
        // The new slice takes over the reference the whole-entry slice held.
        return batch;
    }
}
