package io.ferrite.storage;

/**
 * A partition's leader epoch history, read from its batches instead of kept in a file of its own. Each batch
 * carries the epoch of the leader that wrote it, and along one partition's log epochs never go down: a leader
 * stamps its own, a follower keeps its leader's, and a new leader's epoch is higher than every earlier one. So an
 * epoch ends where the first batch of a higher epoch begins, which a binary search over the ConsumeQueue (after a
 * compacted partition's cleaned log) finds by reading about log2(batches) batch headers.
 *
 * <p>Kafka keeps the same history in each partition's {@code leader-epoch-checkpoint} and has to cut it at every
 * truncation, move it with the log start, and bring it back into line with the log after a crash. Read from the
 * batches, it follows truncation, retention, DeleteRecords and recovery by itself, and an open reads nothing.
 *
 * <p>Two things the log does not hold are the caller's: an epoch whose leader wrote no batch (the caller knows
 * the partition's current epoch), and batches appended but not readable yet (still in the write-buffer pool),
 * which are left out, so an answer describes the log as readers see it and is never behind what one has read.
 */
final class LeaderEpochs {
    /** What {@link #epochOf} returns for a batch it cannot read now: moved or deleted under the lookup. */
    private static final int UNREADABLE = Integer.MIN_VALUE;
    private static final int ATTEMPTS = 3;

    private final MappedFileQueue commitLog;

    LeaderEpochs(MappedFileQueue commitLog) {
        this.commitLog = commitLog;
    }

    /**
     * Kafka's answer to OffsetForLeaderEpoch from this log: for the latest epoch, the log end; for an older one
     * the log holds, the start of the next; for one older than any it holds, the start of the first it does
     * (with the epoch asked for); for a newer one, or a negative one, {@link EpochEndOffset#UNDEFINED}.
     */
    EpochEndOffset endOffsetFor(PartitionLog p, int epoch) {
        if (epoch < 0) {
            return EpochEndOffset.UNDEFINED;
        }
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            EpochEndOffset answer = tryEndOffsetFor(p, epoch);
            if (answer != null) {
                return answer;
            }
            // Retention, DeleteRecords or the cleaner moved the batches under the search: look again.
        }
        throw new StoreException(StoreException.Category.IO, "the batches of " + p.key()
                + " kept moving under " + ATTEMPTS + " lookups of leader epoch " + epoch);
    }

    /** The epoch of the partition's last readable batch; -1 if it holds none. */
    int latestEpoch(PartitionLog p) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try (Batches b = new Batches(p)) {
                if (b.count() == 0) {
                    return -1;
                }
                int latest = b.epochAt(b.count() - 1);
                if (latest != UNREADABLE && b.unchanged()) {
                    return latest;
                }
            }
        }
        throw new StoreException(StoreException.Category.IO, "the last batch of " + p.key() + " kept moving");
    }

    /** One search over the batches as they are now; null if they changed under it (and it must look again). */
    private EpochEndOffset tryEndOffsetFor(PartitionLog p, int epoch) {
        try (Batches b = new Batches(p)) {
            EpochEndOffset answer = search(b, p, epoch);
            return answer != null && b.unchanged() ? answer : null;
        }
    }

    /** The answer from the batches counted; null if one it needed went meanwhile. */
    private static EpochEndOffset search(Batches b, PartitionLog p, int epoch) {
        long n = b.count();
        if (n == 0) {
            return EpochEndOffset.UNDEFINED;
        }
        int latest = b.epochAt(n - 1);
        if (latest == UNREADABLE) {
            return null;
        }
        if (epoch == latest) {
            return new EpochEndOffset(latest, b.endOffset());
        }
        if (epoch > latest) {
            return EpochEndOffset.UNDEFINED;
        }
        long lo = 0;
        long hi = n - 1; // the last batch's epoch is higher than the one asked for
        while (lo < hi) { // the first batch of a higher epoch
            long mid = (lo + hi) >>> 1;
            int e = b.epochAt(mid);
            if (e == UNREADABLE) {
                return null;
            }
            if (e > epoch) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        ConsumeQueue.Entry next = b.entry(lo);
        if (next == null) {
            return null;
        }
        long end = Math.max(next.baseOffset(), p.logStartOffset());
        if (lo == 0) {
            return new EpochEndOffset(epoch, end); // older than every epoch the log holds
        }
        int before = b.epochAt(lo - 1);
        return before == UNREADABLE ? null : new EpochEndOffset(before, end);
    }

    /**
     * The partition's readable batches from its log start, numbered from 0 in offset order: the cleaned log's
     * (held meanwhile), then the queue's, up to the last one whose bytes are readable.
     */
    private final class Batches implements AutoCloseable {
        private final PartitionLog p;
        /** Read first: a cut, or a cleaner's swap, after them makes the batches below another log's. */
        private final long cuts;
        private final long logEnd;
        private final CleanedLog cleaned;
        private final int cleanedFrom;
        private final long cleanedCount;
        private final long queueFrom;
        private final long queueTo;
        private final boolean wholeQueue;

        Batches(PartitionLog p) {
            this.p = p;
            this.cuts = p.cuts();
            this.logEnd = p.logEndOffset(); // before the queue's end: every batch it counts is in the queue then
            this.cleaned = LogReader.heldCleaned(p);
            this.cleanedFrom = cleaned == null ? 0 : cleaned.indexOf(p.logStartOffset());
            this.cleanedCount = cleaned == null ? 0 : cleaned.batches() - cleanedFrom;
            ConsumeQueue q = p.queue();
            this.queueFrom = p.startIndex();
            long end = q.endIndex();
            long to = end;
            while (to > queueFrom && !readable(q.entry(to - 1))) {
                to--; // appended, but still in the write-buffer pool: not in the log readers see yet
            }
            this.queueTo = Math.max(to, queueFrom);
            this.wholeQueue = queueTo == end;
        }

        long count() {
            return cleanedCount + (queueTo - queueFrom);
        }

        /** The {@code k}th batch's queue entry (a cleaned log's entry for the first ones); null if it went. */
        ConsumeQueue.Entry entry(long k) {
            return k < cleanedCount ? cleaned.entry((int) (cleanedFrom + k))
                    : p.queue().entry(queueFrom + k - cleanedCount);
        }

        int epochAt(long k) {
            ConsumeQueue.Entry e = entry(k);
            if (e == null) {
                return UNREADABLE;
            }
            if (k < cleanedCount) {
                return RecordBatchHeader.leaderEpoch(CommitLogEntry.batch(cleaned.view(e), 0));
            }
            return epochOf(e);
        }

        /**
         * Where the last batch counted ends; the log end read first if that is later (an end in a gap, after a
         * cut or a start) and every batch is counted. Never a batch appended after the batches were counted.
         */
        long endOffset() {
            ConsumeQueue.Entry last = entry(count() - 1);
            long lastEnd = last == null ? logEnd : last.lastOffset() + 1;
            return wholeQueue ? Math.max(logEnd, lastEnd) : lastEnd;
        }

        /** Whether no cut and no cleaner's swap came since the batches were counted: an answer from them holds. */
        boolean unchanged() {
            return p.cuts() == cuts && p.cleaned() == cleaned;
        }

        private boolean readable(ConsumeQueue.Entry e) {
            if (e == null) {
                return false;
            }
            MappedFile f = commitLog.find(e.position());
            return f != null && e.position() - f.fileFromOffset() + e.size() <= f.readablePosition();
        }

        /** The leader epoch in the batch header a queue entry points at; {@link #UNREADABLE} if its file went. */
        private int epochOf(ConsumeQueue.Entry e) {
            MappedFile f = commitLog.find(e.position());
            if (f == null || !f.hold()) {
                return UNREADABLE;
            }
            try {
                int at = (int) (e.position() - f.fileFromOffset());
                if (at + e.size() > f.readablePosition()
                        || !CommitLogEntry.matches(f.view(at, CommitLogEntry.HEAD_SIZE), 0, p.id(), e)) {
                    return UNREADABLE;
                }
                return f.getInt(at + CommitLogEntry.HEADER_SIZE + RecordBatchHeader.LEADER_EPOCH);
            } finally {
                f.release();
            }
        }

        @Override
        public void close() {
            if (cleaned != null) {
                cleaned.release();
            }
        }
    }
}
