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
    private volatile boolean verifyCrc;

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
            // A cleaning pass may swap the partition's cleaned generation under this read, and drop the queue
            // files before its end: a read that finds nothing where it looked starts again on the new one.
            for (int attempt = 0; attempt < 3; attempt++) {
                CleanedLog c = p.cleaned();
                if (readFrom(p, c, offset, maxBytes, upToOffset, end, out) || !out.isEmpty() || p.cleaned() == c) {
                    break;
                }
            }
        } catch (RuntimeException ex) {
            out.forEach(Slice::close);
            throw ex;
        }
        return new ReadResult(out, end, start);
    }

    /**
     * Adds to {@code out} the batches from {@code offset}: from generation {@code c} (null: none) below its end,
     * then from the queue. Returns false when the read met the end of what {@code c} and the queue agree on:
     * the generation was replaced under it, and nothing past what was added can be trusted to follow on.
     */
    private boolean readFrom(PartitionLog p, CleanedLog c, long offset, int maxBytes, long upToOffset, long end,
                             List<Slice> out) {
        long from = offset;
        int bytes = 0;
        if (c != null && offset < c.endOffset()) {
            for (int i = c.indexOf(offset); i < c.batches(); i++) {
                ConsumeQueue.Entry e = c.entry(i);
                int batchSize = e.size() - CommitLogEntry.HEADER_SIZE;
                if (e.baseOffset() >= end || e.baseOffset() >= upToOffset
                        || !out.isEmpty() && bytes + batchSize > maxBytes) {
                    return true;
                }
                Slice s = c.slice(e);
                if (s == null) {
                    return false; // retired: the rest of the range is in the new generation
                }
                out.add(s);
                bytes += batchSize;
                if (bytes >= maxBytes) {
                    return true;
                }
            }
            from = c.endOffset();
        }
        ConsumeQueue q = p.queue();
        long index = from >= end ? -1 : q.indexOf(from, q.startIndex());
        if (index < 0 && from < end) {
            // Nothing in the queue at or before the offset: its files were dropped by a pass that swapped a
            // newer generation in after this read took its own (or, with none swapped, deleted by force).
            return p.cleaned() == c;
        }
        for (long i = index; i >= 0 && i < q.endIndex(); i++) {
            ConsumeQueue.Entry e = q.entry(i);
            if (e == null) {
                return p.cleaned() == c; // the same: a file dropped under the read
            }
            if (e.baseOffset() >= end || e.baseOffset() >= upToOffset) {
                break; // appended after this read began (beyond the high watermark it reports), or past the bound
            }
            if (e.lastOffset() < from) {
                continue; // the offset lies in a gap after this batch, as a follower's copy of a compacted log has
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
        return true;
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
        CleanedLog c = heldCleaned(p);
        if (c != null) {
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
        long max = last.runningMaxTimestamp(); // over every batch the partition ever had
        CleanedLog c = heldCleaned(p);
        if (c != null) {
            try {
                // The cleaned generation's running max covers its own batches: the first to reach its last value
                // is the first batch holding its largest timestamp.
                int k = c.batches() == 0 ? -1 : c.firstWithRunningMaxAtLeast(c.entry(c.batches() - 1)
                        .runningMaxTimestamp());
                if (k >= 0 && c.entry(k).lastOffset() >= p.logStartOffset() && c.entry(k).runningMaxTimestamp() == max) {
                    Slice s = c.slice(c.entry(k));
                    return new ReadResult(s == null ? List.of() : List.of(s), p.logEndOffset(), p.logStartOffset());
                }
            } finally {
                c.release();
            }
        }
        long i = q.firstIndexWithRunningMaxAtLeast(max, from);
        Slice s = i < 0 ? null : slice(p, q.entry(i), true);
        if (s != null && RecordBatchHeader.maxTimestamp(s.buffer()) == max) {
            return new ReadResult(List.of(s), p.logEndOffset(), p.logStartOffset());
        }
        if (s != null) {
            s.close();
        }
        // The maximum came from batches already removed: find the largest among those left, the cleaned ones
        // first (on a tie the earlier batch wins).
        long best = Long.MIN_VALUE;
        Slice found = null;
        c = heldCleaned(p);
        if (c != null) {
            try {
                for (int j = c.indexOf(p.logStartOffset()); j < c.batches(); j++) {
                    ConsumeQueue.Entry e = c.entry(j);
                    long ts = RecordBatchHeader.maxTimestamp(CommitLogEntry.batch(c.view(e), 0));
                    if (ts > best) {
                        best = ts;
                        if (found != null) {
                            found.close();
                        }
                        found = c.slice(e);
                    }
                }
            } finally {
                c.release();
            }
        }
        long bestIndex = -1;
        for (long j = p.startIndex(); j < q.endIndex(); j++) {
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
        if (bestIndex >= 0) {
            if (found != null) {
                found.close();
            }
            found = slice(p, q.entry(bestIndex), true);
        }
        return new ReadResult(found == null ? List.of() : List.of(found), p.logEndOffset(), p.logStartOffset());
    }

    /**
     * The partition's cleaned generation, held (its data must stay mapped while read), or null: one retired
     * under the call has already been replaced, so the newer one is taken (null too after three such swaps).
     */
    static CleanedLog heldCleaned(PartitionLog p) {
        for (int attempt = 0; attempt < 3; attempt++) {
            CleanedLog c = p.cleaned();
            if (c == null || c.hold()) {
                return c;
            }
        }
        return null;
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

    /** {@code store.read.verify.crc} changed while the store runs. */
    void verifyCrc(boolean verify) {
        this.verifyCrc = verify;
    }
}
