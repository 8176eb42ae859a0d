package io.ferrite.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One cleaning pass over one compacted partition, by Kafka's rules: the latest record of each key is kept, older
 * ones go; a tombstone (a record without a value) is kept for {@code delete.retention.ms} after the pass that
 * first cleaned it (the horizon is written into its batch, as Kafka's KIP-534 does); records without a key go;
 * records of aborted transactions go; the last batch of every producer still known stays, emptied if need be,
 * so its sequence survives; a commit marker stays until no batch of its transaction is left and then
 * {@code delete.retention.ms} more, as Kafka's cleaner keeps it; an abort marker stays (see {@code Filter}).
 * Offsets never change.
 *
 * <p>The part cleaned ends before the first batch that is the partition's last (the head is never cleaned),
 * younger than {@code min.compaction.lag.ms}, in an open transaction, or not yet covered by the checkpoint (so
 * recovery never re-indexes a batch the cleaner moved), and where the {@link OffsetMap} fills. The pass reads the
 * partition's old {@link CleanedLog} and its batches from the CommitLog up to there, writes a new generation,
 * and puts it in place; the CommitLog files those batches were in can then go when no other partition needs
 * them. Records are read and batches rewritten by the store's owner ({@link RecordCleaning}; the broker uses
 * kafka-clients' own {@code MemoryRecords.filterTo}, Kafka's cleaner's code for the same job, so compression,
 * empty batches and the delete horizon are handled as Kafka handles them); the decisions are made here.
 */
final class Cleaner {
    private final MappedFileQueue commitLog;
    private final Partitions partitions;
    private final RecordCleaning records;
    private final int mapBytes;
    private final double loadFactor;
    /** Made at the first pass and grown as passes need, so a broker holds only what its partitions use. */
    private OffsetMap map;
    /** Where the batch being read is copied; grows to the largest batch met. */
    private ByteBuffer readBuffer = ByteBuffer.allocate(1 << 20);
    private final Throttler throttler;
    private final int maxFileBytes;
    private final Clock clock;
    /** Set when the store closes: a pass under way gives up at its next batch instead of running to its end. */
    private volatile boolean stopping;

    /** What a pass did, for the log and tests. */
    record Pass(long endOffset, long bytesRead, long bytesWritten, int batchesRead, int batchesWritten,
                long recordsRead, long recordsKept) {
    }

    /**
     * What a partition holds to clean: queue entries [from, to), at most {@code records} records (offsets
     * spanned, so the most keys the pass can meet), and how dirty it is; {@code cuts}, the partition's cuts when
     * it was made (a pass planned before a follower's cut must not publish after it).
     */
    record Plan(long fromIndex, long toIndex, long records, long dirtyBytes, long cleanedBytes, boolean overdue,
                long cuts) {
        double dirtyRatio() {
            long total = dirtyBytes + cleanedBytes;
            return total == 0 ? 0 : (double) dirtyBytes / total;
        }
    }

    Cleaner(MappedFileQueue commitLog, Partitions partitions, RecordCleaning records, int mapBytes, double loadFactor,
            Throttler throttler, int maxFileBytes, Clock clock) {
        this.commitLog = commitLog;
        this.partitions = partitions;
        this.records = records;
        this.mapBytes = mapBytes;
        this.loadFactor = loadFactor;
        this.throttler = throttler;
        this.maxFileBytes = maxFileBytes;
        this.clock = clock;
    }

    /** The part of {@code p} a pass could clean now; null when there is none. */
    Plan plan(PartitionLog p) {
        Compaction cfg = p.compaction();
        if (cfg == null || p.isDeleted()) {
            return null;
        }
        long cuts = p.cuts(); // read first: the limits below are of the log as it is before any later cut
        ConsumeQueue q = p.queue();
        long from = p.startIndex();
        long last = q.endIndex() - 1; // the head: never cleaned
        long to = from;
        long durable = partitions.checkpointedPosition();
        long stable = p.producers().lastStableOffset(p.logEndOffset());
        long now = clock.millis();
        long dirty = 0;
        long records = 0;
        boolean overdue = false;
        for (long i = from; i < last; i++) {
            ConsumeQueue.Entry e = q.entry(i);
            if (e == null || e.endPosition() > durable || e.lastOffset() >= stable) {
                break;
            }
            // By each batch's own largest timestamp, as Kafka goes by each segment's: the queue's running
            // maximum would let one batch from the future hold back every batch after it.
            if (cfg.minLagMs() > 0 && ownMaxTimestamp(e) > now - cfg.minLagMs()) {
                break;
            }
            if (i == from && cfg.maxLagMs() < Long.MAX_VALUE) {
                overdue = ownMaxTimestamp(e) < now - cfg.maxLagMs();
            }
            dirty += e.size() - CommitLogEntry.HEADER_SIZE;
            records += e.lastOffset() - e.baseOffset() + 1;
            to = i + 1;
        }
        return to == from ? null : new Plan(from, to, records, dirty, p.cleanedSize(), overdue, cuts);
    }

    /** The batch's own max timestamp, from its header in the CommitLog; Long.MAX_VALUE if it cannot be read. */
    private long ownMaxTimestamp(ConsumeQueue.Entry e) {
        MappedFile f = commitLog.find(e.position());
        int at = f == null ? -1 : (int) (e.position() - f.fileFromOffset());
        if (f == null || at + CommitLogEntry.HEAD_SIZE > f.readablePosition()) {
            return Long.MAX_VALUE;
        }
        try (Slice s = f.slice(at, CommitLogEntry.HEAD_SIZE)) {
            return s == null ? Long.MAX_VALUE : RecordBatchHeader.maxTimestamp(s.buffer().slice(
                    CommitLogEntry.HEADER_SIZE, RecordBatchHeader.HEADER_SIZE));
        }
    }

    /** Gives the key map's memory back; the cleaner is not used again. */
    synchronized void close() {
        if (map != null) {
            map.free();
            map = null;
        }
    }

    /** Whether {@code plan} is due by the partition's settings. */
    static boolean due(PartitionLog p, Plan plan) {
        Compaction cfg = p.compaction();
        return cfg != null && (plan.overdue() || plan.dirtyRatio() >= cfg.minCleanableRatio());
    }

    /** Makes a pass under way, and every later one, give up; its unpublished generation is deleted. */
    void stop() {
        stopping = true;
    }

    /** Thrown inside a pass when the store is closing. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }

    private void checkNotStopping() {
        if (stopping) {
            throw new Stopped();
        }
    }

    /**
     * Cleans what {@code plan} names; null if the partition changed under it (deleted, say) or the store is
     * closing. One pass at a time.
     */
    synchronized Pass clean(PartitionLog p, Plan plan) throws IOException, InterruptedException {
        Compaction cfg = p.compaction();
        CleanedLog old = p.cleaned();
        if (stopping || cfg == null || old != null && !old.hold()) {
            return null;
        }
        try {
            return cleanHeld(p, plan, cfg, old);
        } catch (Stopped e) {
            return null; // the writer deleted what it had written
        } finally {
            if (old != null) {
                old.release();
            }
        }
    }

    private Pass cleanHeld(PartitionLog p, Plan plan, Compaction cfg, CleanedLog old)
            throws IOException, InterruptedException {
        ConsumeQueue q = p.queue();
        long[] counts = new long[6]; // bytes read, bytes written, batches read, written, records read, kept
        long toIndex = buildMap(p, q, plan, counts);
        if (toIndex <= plan.fromIndex()) {
            throw new IOException("the first batch to clean has more keys than log.cleaner.dedupe.buffer.size"
                    + " holds (" + map.maxEntries() + " per thread)");
        }
        ConsumeQueue.Entry end = q.entry(toIndex);
        if (end == null) {
            return null;
        }
        long now = clock.millis();
        long start = p.logStartOffset();
        Map<Long, Long> lastOfProducer = new HashMap<>();
        p.producers().all().forEach(s -> {
            if (!s.lastBatches().isEmpty()) {
                lastOfProducer.put(s.producerId(), s.lastBatches().get(s.lastBatches().size() - 1).lastOffset());
            }
        });
        List<ProducerStateTable.AbortedTransaction> aborted = p.producers().abortedTransactions(start,
                end.baseOffset());
        Filter filter = new Filter(now, cfg.deleteRetentionMs(), lastOfProducer, aborted);
        ByteBuffer out = ByteBuffer.allocate(64 * 1024);
        CleanedLog next;
        try (CleanedLog.Writer w = new CleanedLog.Writer(q.files().dir(), end.baseOffset(), maxFileBytes)) {
            if (old != null) {
                for (int i = old.indexOf(start); i < old.batches(); i++) {
                    checkNotStopping();
                    ConsumeQueue.Entry e = old.entry(i);
                    out = copy(p, CommitLogEntry.batch(old.view(e), 0), filter, w, out, counts);
                }
            }
            for (long i = plan.fromIndex(); i < toIndex; i++) {
                checkNotStopping();
                ConsumeQueue.Entry e = q.entry(i);
                if (e == null || e.lastOffset() < Math.max(start, p.logStartOffset())) {
                    continue; // before the log start, or moved past by retention during the pass
                }
                ByteBuffer b = commitLogBatch(p, e, false); // its CRCs were checked as the map was built
                if (b != null) {
                    out = copy(p, b, filter, w, out, counts);
                }
            }
            next = w.publish();
        }
        synchronized (p) {
            // A follower's cut since the plan dropped batches the pass may have copied.
            if (p.isDeleted() || p.cleaned() != old || p.cuts() != plan.cuts()) {
                next.retire();
                return null;
            }
            p.replaceCleaned(next);
        }
        return new Pass(end.baseOffset(), counts[0], counts[1], (int) counts[2], (int) counts[3], counts[4],
                counts[5]);
    }

    /**
     * Records the latest offset of every key in the plan's batches, leaving out aborted transactions' records;
     * returns the queue index the pass ends at (earlier than the plan's when the map filled).
     */
    private long buildMap(PartitionLog p, ConsumeQueue q, Plan plan, long[] counts)
            throws IOException, InterruptedException {
        try {
            if (map == null) {
                map = new OffsetMap(mapBytes, loadFactor);
            }
            map.reset(plan.records());
        } catch (OutOfMemoryError e) { // direct memory cannot spare it now: this pass fails, not the store
            throw new IOException("cannot take the memory for the cleaner's key map (at most " + mapBytes
                    + " bytes): " + e);
        }
        long first = q.entry(plan.fromIndex()) == null ? 0 : q.entry(plan.fromIndex()).baseOffset();
        ConsumeQueue.Entry planEnd = q.entry(plan.toIndex());
        List<ProducerStateTable.AbortedTransaction> aborted = p.producers().abortedTransactions(first,
                planEnd == null ? Long.MAX_VALUE : planEnd.baseOffset());
        for (long i = plan.fromIndex(); i < plan.toIndex(); i++) {
            checkNotStopping();
            ConsumeQueue.Entry e = q.entry(i);
            if (e == null) {
                return i;
            }
            if (e.lastOffset() < p.logStartOffset()) {
                continue; // retention moved the start past it during the pass; its file may be gone
            }
            ByteBuffer batch = commitLogBatch(p, e, true);
            if (batch == null) {
                continue;
            }
            throttler.acquire(e.size());
            counts[0] += e.size();
            if (RecordBatchHeader.isControl(batch) || isAborted(batch, aborted)) {
                continue;
            }
            if (map.size() + RecordBatchHeader.recordCount(batch) > map.maxEntries() && i > plan.fromIndex()) {
                return i; // this batch's keys may not fit: end the pass before it
            }
            if (!records.forEachKey(batch, map::put)) {
                return i;
            }
        }
        return plan.toIndex();
    }

    /**
     * The batch a queue entry points at, checked against the entry, read with {@code pread} into this
     * cleaner's buffer (valid until the next call): a pass reads far more than it keeps, and a copy from the
     * page cache costs less than a fault per page of the mapping, which the flush service releases. Null when
     * retention removed the batch (and its file) during the pass.
     */
    private ByteBuffer commitLogBatch(PartitionLog p, ConsumeQueue.Entry e, boolean verify) throws IOException {
        MappedFile f = commitLog.find(e.position());
        if (f == null || !f.hold()) {
            if (e.lastOffset() < p.logStartOffset()) {
                return null; // retention took it during the pass
            }
            throw new IOException("the CommitLog file holding offset " + e.baseOffset() + " of " + p + " is gone");
        }
        try {
            if (readBuffer.capacity() < e.size()) {
                readBuffer = ByteBuffer.allocate(e.size());
            }
            readBuffer.clear().limit(e.size());
            f.read(readBuffer, (int) (e.position() - f.fileFromOffset()));
            readBuffer.flip();
        } finally {
            f.release();
        }
        ByteBuffer entry = readBuffer;
        if (!CommitLogEntry.matches(entry, 0, p.id(), e)
                || verify && CommitLogEntry.classify(entry, 0, entry.remaining(), true) != CommitLogEntry.Kind.ENTRY) {
            throw new IOException("the batch at offset " + e.baseOffset() + " of " + p + " fails its checks;"
                    + " the partition is not cleaned past it");
        }
        return entry.slice(CommitLogEntry.HEADER_SIZE, e.size() - CommitLogEntry.HEADER_SIZE);
    }

    /** Filters one batch into the new generation; returns the (maybe grown) scratch buffer. */
    private ByteBuffer copy(PartitionLog p, ByteBuffer batch, Filter filter, CleanedLog.Writer w, ByteBuffer out,
                            long[] counts) throws IOException, InterruptedException {
        counts[2]++;
        counts[4] += RecordBatchHeader.recordCount(batch);
        if (out.capacity() < batch.remaining() + 1024) {
            out = ByteBuffer.allocate(batch.remaining() + 1024);
        }
        out.clear();
        ByteBuffer written = records.filter(batch.duplicate(), filter, out);
        for (int at = 0; at < written.limit(); ) {
            ByteBuffer b = written.slice(at, RecordBatchHeader.totalSize(written.slice(at, written.limit() - at)));
            at += b.remaining();
            ByteBuffer entry = ByteBuffer.allocate(CommitLogEntry.HEADER_SIZE + b.remaining());
            CommitLogEntry.writeHead(entry, p.id(), b);
            entry.put(CommitLogEntry.HEADER_SIZE, b, 0, b.remaining());
            CommitLogEntry.seal(entry);
            throttler.acquire(entry.remaining());
            w.append(entry, RecordBatchHeader.baseOffset(b), RecordBatchHeader.lastOffsetDelta(b),
                    RecordBatchHeader.maxTimestamp(b));
            counts[1] += entry.remaining();
            counts[3]++;
            counts[5] += RecordBatchHeader.recordCount(b);
        }
        return written.capacity() > out.capacity() ? written : out;
    }

    private static boolean isAborted(ByteBuffer batch, List<ProducerStateTable.AbortedTransaction> aborted) {
        if (!RecordBatchHeader.isTransactional(batch) || RecordBatchHeader.isControl(batch)) {
            return false;
        }
        long pid = RecordBatchHeader.producerId(batch);
        long base = RecordBatchHeader.baseOffset(batch);
        for (ProducerStateTable.AbortedTransaction t : aborted) {
            if (t.producerId() == pid && base >= t.firstOffset() && base < t.lastOffset()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Kafka's retention rules, over the pass's offset map. Transactions are followed as the pass meets their
     * batches in offset order, as Kafka's cleaner follows them: a transaction's records go if it was aborted; a
     * commit marker may go once a pass meets none of its batches (they went in earlier passes), and does go when
     * a later pass finds the delete horizon that this starts ({@code delete.retention.ms}) passed, so a consumer
     * that was part way through still sees the marker that tells it how the transaction ended. Abort markers
     * stay ({@link #markerMayGo}).
     */
    private final class Filter implements RecordCleaning.Rules {
        private final long now;
        private final long deleteRetentionMs;
        private final Map<Long, Long> lastOfProducer;
        /** Aborted transactions not yet met, by first offset. */
        private final ArrayDeque<ProducerStateTable.AbortedTransaction> abortedAhead;
        /** Producer id to its aborted transaction under way at this point of the pass. */
        private final Map<Long, Aborting> ongoingAborted = new HashMap<>();
        /** Producers with a batch of a committed transaction met this pass, its marker not yet. */
        private final Set<Long> ongoingCommitted = new HashSet<>();
        /** Whether every record of the batch being rewritten goes. */
        private boolean discardRecords;

        Filter(long now, long deleteRetentionMs, Map<Long, Long> lastOfProducer,
               List<ProducerStateTable.AbortedTransaction> aborted) {
            this.now = now;
            this.deleteRetentionMs = deleteRetentionMs;
            this.lastOfProducer = lastOfProducer;
            this.abortedAhead = new ArrayDeque<>(aborted.stream()
                    .sorted(Comparator.comparingLong(ProducerStateTable.AbortedTransaction::firstOffset))
                    .toList());
        }

        @Override
        public long now() {
            return now;
        }

        @Override
        public long deleteRetentionMs() {
            return deleteRetentionMs;
        }

        @Override
        public RecordCleaning.BatchDecision batch(ByteBuffer batch) {
            long pid = RecordBatchHeader.producerId(batch);
            long last = RecordBatchHeader.baseOffset(batch) + RecordBatchHeader.lastOffsetDelta(batch);
            boolean control = RecordBatchHeader.isControl(batch);
            while (!abortedAhead.isEmpty() && abortedAhead.peekFirst().firstOffset() <= last) {
                ProducerStateTable.AbortedTransaction t = abortedAhead.pollFirst();
                ongoingAborted.put(t.producerId(), new Aborting(t));
            }
            Aborting a = ongoingAborted.get(pid);
            if (a != null && a.transaction.lastOffset() < RecordBatchHeader.baseOffset(batch)) {
                // Its marker is behind this batch and was not met: an earlier pass dropped it with the last of
                // the transaction's batches, and this batch is of a later transaction of the same producer.
                ongoingAborted.remove(pid);
            }
            boolean mayGo = control ? markerMayGo(batch, pid) : dataOfAbortedTransaction(batch, pid);
            long horizon = RecordBatchHeader.deleteHorizonMs(batch);
            discardRecords = control ? mayGo && horizon >= 0 && horizon <= now : mayGo;
            RecordCleaning.BatchRule rule;
            if (pid >= 0 && Long.valueOf(last).equals(lastOfProducer.get(pid))) {
                rule = RecordCleaning.BatchRule.FILTER_KEEP_EMPTY; // its producer's sequence lives on in it
            } else {
                rule = discardRecords ? RecordCleaning.BatchRule.DROP : RecordCleaning.BatchRule.FILTER;
            }
            return new RecordCleaning.BatchDecision(rule, control && mayGo);
        }

        /** A data batch: whether it belongs to an aborted transaction (and so goes); notes the transaction met. */
        private boolean dataOfAbortedTransaction(ByteBuffer batch, long pid) {
            if (!RecordBatchHeader.isTransactional(batch)) {
                return false;
            }
            Aborting a = ongoingAborted.get(pid);
            if (a != null) {
                a.met = true;
                return true;
            }
            ongoingCommitted.add(pid);
            return false;
        }

        /**
         * A marker: whether none of its transaction's batches was met this pass, so it may go. An abort marker
         * never goes here, unlike in Kafka: Kafka's cleaner also drops the transaction from the segment's
         * aborted-transaction index, while the partition's index here is not rewritten, and a read_committed
         * consumer told of an aborted transaction whose marker is gone would skip the producer's later
         * committed batches while it waits for that marker.
         */
        private boolean markerMayGo(ByteBuffer batch, long pid) {
            if (RecordBatchHeader.recordCount(batch) == 0) {
                return true; // a commit marker emptied by an earlier pass (abort markers are never emptied)
            }
            return switch (RecordBatchHeader.controlType(batch)) {
                case RecordBatchHeader.CONTROL_ABORT -> {
                    ongoingAborted.remove(pid);
                    yield false;
                }
                case RecordBatchHeader.CONTROL_COMMIT -> !ongoingCommitted.remove(pid);
                default -> false;
            };
        }

        /** An aborted transaction the pass is inside of, and whether it met one of its batches. */
        private static final class Aborting {
            final ProducerStateTable.AbortedTransaction transaction;
            boolean met;

            Aborting(ProducerStateTable.AbortedTransaction transaction) {
                this.transaction = transaction;
            }
        }

        @Override
        public boolean keep(ByteBuffer batch, ByteBuffer key, long offset, boolean tombstone, long deleteHorizonMs) {
            if (discardRecords) {
                return false;
            }
            if (RecordBatchHeader.isControl(batch)) {
                return true;
            }
            if (key == null || map.get(key) > offset) {
                return false;
            }
            // A tombstone stays until the horizon set by the pass that first cleaned it.
            return !tombstone || deleteHorizonMs < 0 || now < deleteHorizonMs;
        }
    }
}
