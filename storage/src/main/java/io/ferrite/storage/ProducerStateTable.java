package io.ferrite.storage;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Idempotent-producer and transaction state of one partition: per producer id, the epoch and the last five
 * batches written; the transactions open here; and the transactions aborted after writing here, kept on disk
 * in the partition's {@link AbortedTransactionIndex}. Rebuilt on open (between {@link #beginRebuild} and
 * {@link #endRebuild}) from the log, or from a {@link ProducerSnapshot} and the batches after it; updated under
 * the append lock.
 *
 * <p>The checks follow Kafka's: a retried batch identical to one of the last five gets that batch's offsets
 * back; an older epoch is INVALID_PRODUCER_EPOCH; a new epoch starts at sequence 0; within an epoch each
 * batch continues the last sequence; a producer the log no longer knows may start anywhere.
 */
public final class ProducerStateTable {
    static final int BATCHES_KEPT = 5;

    /** One remembered batch. */
    public record BatchMetadata(int firstSequence, int lastSequence, long firstOffset, long lastOffset, long timestamp) {
    }

    /**
     * A transaction aborted after writing to this partition: its producer, its first offset here, and the
     * offset of its abort marker. Records of that producer between the two are not to be read committed.
     */
    public record AbortedTransaction(long producerId, long firstOffset, long lastOffset) {
    }

    /** What the partition knows of one producer. */
    public record ProducerState(long producerId, short epoch, List<BatchMetadata> lastBatches) {
        public int lastSequence() {
            return lastBatches.isEmpty() ? -1 : lastBatches.get(lastBatches.size() - 1).lastSequence();
        }

        public long lastOffset() {
            return lastBatches.isEmpty() ? -1 : lastBatches.get(lastBatches.size() - 1).lastOffset();
        }
    }

    private static final class Entry {
        short epoch;
        /** When {@link #expire} first saw it after its last write; -1: written since the last check. */
        long lastSeenMs = -1;
        final ArrayDeque<BatchMetadata> batches = new ArrayDeque<>(BATCHES_KEPT);
    }

    private final Map<Long, Entry> producers = new HashMap<>();
    /** Producer id to the first offset of its transaction open in this partition. */
    private final Map<Long, Long> openTransactions = new HashMap<>();
    /** Transactions aborted after writing here, in the order of their abort markers; null: not recorded. */
    private final AbortedTransactionIndex aborted;
    /** While the state is rebuilt from the log: the aborts found, which the index is then made to hold. */
    private List<AbortedTransactionIndex.Entry> rebuilding;

    /** With {@code aborted} null, aborted transactions are not recorded: for tests of the sequence rules. */
    ProducerStateTable(AbortedTransactionIndex aborted) {
        this.aborted = aborted;
    }

    /**
     * Checks a batch about to be appended. Returns the earlier batch it duplicates, or null if it is new. A
     * transactional batch that would open its producer's transaction here is refused unless {@code verified}:
     * the transaction coordinator has confirmed that the transaction is open and holds this partition (KIP-890),
     * so that a late batch cannot open a transaction nobody will end. A batch of a newer epoch than the
     * transaction still open here is refused too: it belongs to the producer's next transaction, and waits for
     * the marker of this one.
     *
     * @throws StoreException OUT_OF_ORDER_SEQUENCE, INVALID_PRODUCER_EPOCH or TRANSACTION_NOT_VERIFIED
     */
    synchronized BatchMetadata check(ByteBuffer batch, boolean verified) {
        long pid = RecordBatchHeader.producerId(batch);
        if (pid == RecordBatchHeader.NO_PRODUCER_ID) {
            return null;
        }
        Entry e = producers.get(pid);
        short epoch = RecordBatchHeader.producerEpoch(batch);
        if (RecordBatchHeader.isControl(batch)) { // a marker carries no sequence, but an older one is fenced
            if (e != null && epoch < e.epoch) {
                throw new StoreException(StoreException.Category.INVALID_PRODUCER_EPOCH,
                        "marker of producer " + pid + " epoch " + epoch + " is older than " + e.epoch);
            }
            return null;
        }
        BatchMetadata dup = e == null ? null : checkSequence(e, pid, epoch, batch);
        if (dup == null && RecordBatchHeader.isTransactional(batch)) {
            boolean open = openTransactions.containsKey(pid);
            if (open && e != null && epoch > e.epoch) {
                // A new epoch's batch while the old epoch's transaction awaits its marker here (protocol 2 bumps
                // the epoch at every end): it must not join that transaction, verified or not.
                throw new StoreException(StoreException.Category.TRANSACTION_NOT_VERIFIED,
                        "producer " + pid + " epoch " + epoch + " writes before the marker of its transaction at "
                                + e.epoch);
            }
            if (!open && !verified) {
                throw new StoreException(StoreException.Category.TRANSACTION_NOT_VERIFIED,
                        "producer " + pid + " has no transaction open in this partition");
            }
        }
        return dup;
    }

    private static BatchMetadata checkSequence(Entry e, long pid, short epoch, ByteBuffer batch) {
        int first = RecordBatchHeader.baseSequence(batch);
        int last = lastSequence(first, RecordBatchHeader.lastOffsetDelta(batch));
        if (epoch == e.epoch) {
            for (BatchMetadata m : e.batches) {
                if (m.firstSequence == first && m.lastSequence == last) {
                    return m;
                }
            }
        }
        if (epoch < e.epoch) {
            throw new StoreException(StoreException.Category.INVALID_PRODUCER_EPOCH,
                    "producer " + pid + " epoch " + epoch + " is older than " + e.epoch);
        }
        if (epoch > e.epoch) {
            if (first != 0) {
                throw new StoreException(StoreException.Category.OUT_OF_ORDER_SEQUENCE,
                        "producer " + pid + " new epoch " + epoch + " starts at sequence " + first + ", not 0");
            }
            return null;
        }
        int lastSeen = e.batches.isEmpty() ? -1 : e.batches.peekLast().lastSequence;
        if (!e.batches.isEmpty() && !follows(lastSeen, first)) {
            throw new StoreException(StoreException.Category.OUT_OF_ORDER_SEQUENCE,
                    "producer " + pid + " sent sequence " + first + " after " + lastSeen);
        }
        return null;
    }

    /**
     * Records a batch written at {@code baseOffset}, given its header and, for a control batch, its record's type
     * ({@link RecordBatchHeader#controlType}). A transactional batch opens its producer's transaction here if
     * none is open; a marker closes it, and an abort marker of a transaction that wrote here is kept as aborted.
     * Append lock (or recovery) only.
     */
    synchronized void update(ByteBuffer batch, long baseOffset, int controlType) {
        long pid = RecordBatchHeader.producerId(batch);
        if (pid == RecordBatchHeader.NO_PRODUCER_ID) {
            return;
        }
        short epoch = RecordBatchHeader.producerEpoch(batch);
        if (RecordBatchHeader.isControl(batch)) {
            Long first = openTransactions.remove(pid);
            if (first != null && controlType == RecordBatchHeader.CONTROL_ABORT && aborted != null) {
                AbortedTransactionIndex.Entry e = new AbortedTransactionIndex.Entry(
                        new AbortedTransaction(pid, first, baseOffset), lastStableOffset(baseOffset + 1));
                if (rebuilding != null) {
                    rebuilding.add(e);
                } else {
                    aborted.append(e);
                }
            }
            // A marker under a newer epoch (the coordinator fenced the producer) fences the older one here too.
            Entry e = producers.computeIfAbsent(pid, k -> new Entry());
            e.lastSeenMs = -1;
            if (epoch > e.epoch) {
                e.batches.clear();
                e.epoch = epoch;
            }
            return;
        }
        if (RecordBatchHeader.isTransactional(batch)) {
            openTransactions.putIfAbsent(pid, baseOffset);
        }
        int delta = RecordBatchHeader.lastOffsetDelta(batch);
        int first = RecordBatchHeader.baseSequence(batch);
        Entry e = producers.computeIfAbsent(pid, k -> new Entry());
        e.lastSeenMs = -1;
        if (epoch != e.epoch) {
            e.batches.clear();
            e.epoch = epoch;
        }
        if (e.batches.size() == BATCHES_KEPT) {
            e.batches.removeFirst();
        }
        e.batches.addLast(new BatchMetadata(first, lastSequence(first, delta), baseOffset, baseOffset + delta,
                RecordBatchHeader.maxTimestamp(batch)));
    }

    /**
     * Forgets producers that have not written here for {@code expirationMs} ({@code producer.id.expiration.ms})
     * unless a transaction of theirs is open here, so the table stays bounded however many producers came and
     * went. "Written" is as seen by these calls (to within one retention interval): Kafka counts from the last
     * batch's own timestamp instead, which would forget at once a producer writing records with old timestamps,
     * and so accept its retries twice. A forgotten producer may start again at any sequence. Returns how many
     * were forgotten.
     */
    synchronized int expire(long nowMs, long expirationMs) {
        int before = producers.size();
        producers.entrySet().removeIf(en -> {
            Entry e = en.getValue();
            if (e.lastSeenMs < 0) {
                e.lastSeenMs = nowMs;
            }
            return !openTransactions.containsKey(en.getKey()) && nowMs - e.lastSeenMs >= expirationMs;
        });
        return before - producers.size();
    }

    /**
     * Forgets producers whose last batch lies wholly before the log start, as retention removed it. A
     * transaction still open stays, wherever it started. (Aborted transactions before the log start stay in the
     * index until the next open rewrites it; no read asks for them.)
     */
    synchronized void removeBefore(long logStartOffset) {
        producers.values().removeIf(e -> e.batches.isEmpty() || e.batches.peekLast().lastOffset < logStartOffset);
    }

    /**
     * The last stable offset of a partition ending at {@code logEndOffset}: the first offset of the earliest
     * transaction still open, or the log end if none is.
     */
    synchronized long lastStableOffset(long logEndOffset) {
        long stable = logEndOffset;
        for (long offset : openTransactions.values()) {
            stable = Math.min(stable, offset);
        }
        return stable;
    }

    /**
     * The aborted transactions that may hold records in {@code [fromOffset, upToOffset)}, in the order their
     * aborts were written, as a read_committed fetch of that range must be told.
     */
    List<AbortedTransaction> abortedTransactions(long fromOffset, long upToOffset) {
        return aborted == null ? List.of() : aborted.collect(fromOffset, upToOffset);
    }

    /** Producer id to the first offset of its transaction open in this partition. */
    synchronized Map<Long, Long> openTransactions() {
        return Map.copyOf(openTransactions);
    }

    synchronized ProducerState get(long producerId) {
        Entry e = producers.get(producerId);
        return e == null ? null : new ProducerState(producerId, e.epoch, List.copyOf(e.batches));
    }

    synchronized List<ProducerState> all() {
        List<ProducerState> out = new ArrayList<>(producers.size());
        producers.forEach((pid, e) -> out.add(new ProducerState(pid, e.epoch, List.copyOf(e.batches))));
        return out;
    }

    /**
     * The state now, for a snapshot covering the log up to {@code endOffset}, whose last batch lies at
     * {@code lastBatchPosition} with CRC {@code lastBatchCrc}. Under the append lock, so that it matches the log.
     */
    synchronized ProducerSnapshot.State snapshot(long endOffset, long lastBatchPosition, int lastBatchCrc) {
        return new ProducerSnapshot.State(endOffset, lastBatchPosition, lastBatchCrc,
                aborted == null ? 0 : (int) aborted.count(), all(), Map.copyOf(openTransactions));
    }

    /**
     * Starts a rebuild from a snapshot: recovery then passes only the batches from its end offset on to
     * {@link #update}. Returns false, changing nothing, if the aborted-transaction index no longer holds the
     * entries the snapshot counted; the caller then rebuilds from the whole log. Aborts wholly before
     * {@code logStartOffset} are dropped from the index.
     */
    synchronized boolean beginRebuild(ProducerSnapshot.State s, long logStartOffset) {
        List<AbortedTransactionIndex.Entry> kept =
                aborted == null ? new ArrayList<>() : aborted.validPrefix(s.abortedEntries());
        if (kept == null) {
            return false;
        }
        kept.removeIf(e -> e.transaction().lastOffset() < logStartOffset);
        producers.clear();
        openTransactions.clear();
        for (ProducerState p : s.producers()) {
            Entry e = new Entry();
            e.epoch = p.epoch();
            e.batches.addAll(p.lastBatches());
            producers.put(p.producerId(), e);
        }
        openTransactions.putAll(s.openTransactions());
        rebuilding = kept;
        return true;
    }

    /** Forgets everything, to be rebuilt from the partition's batches, which recovery passes to {@link #update}. */
    synchronized void beginRebuild() {
        producers.clear();
        openTransactions.clear();
        rebuilding = new ArrayList<>();
    }

    /** The rebuild is done: the on-disk index is made to hold exactly the aborts found (rewritten if it does not). */
    synchronized void endRebuild() {
        if (aborted != null) {
            aborted.reconcile(rebuilding);
        }
        rebuilding = null;
    }

    /**
     * The rebuild after a follower's cut is done: the index keeps its entries for aborts before {@code logEnd},
     * in place, since read_committed fetches read it meanwhile (the open's reconcile rewrites the file).
     */
    synchronized void endRebuildAfterCut(long logEnd) {
        rebuilding = null;
        if (aborted != null) {
            aborted.cutAt(logEnd);
        }
    }

    /** A rebuild that failed: later aborts go to the index again, as before it. */
    synchronized void abandonRebuild() {
        rebuilding = null;
    }

    /** The partition is gone: its index file too. */
    synchronized void delete() {
        if (aborted != null) {
            aborted.delete();
        }
    }

    synchronized void close() {
        if (aborted != null) {
            aborted.close();
        }
    }

    /** Sequences wrap from Integer.MAX_VALUE to 0. */
    static int lastSequence(int first, int delta) {
        return first > Integer.MAX_VALUE - delta ? delta - (Integer.MAX_VALUE - first) - 1 : first + delta;
    }

    static boolean follows(int last, int next) {
        return next == last + 1 || (last == Integer.MAX_VALUE && next == 0);
    }
}
