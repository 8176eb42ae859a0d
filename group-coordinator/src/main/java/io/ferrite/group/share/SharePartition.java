package io.ferrite.group.share;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One partition as one share group reads it (KIP-932): which of its records are handed out, to whom, how often,
 * and which are done. Offsets below {@link #startOffset} are done (Kafka's share-partition start offset, SPSO);
 * offsets from {@link #nextOffset} on were never handed out (the end offset, SPEO); each offset between them is
 * in flight, in one of Kafka's record states:
 *
 * <pre>
 *   AVAILABLE --acquire--> ACQUIRED --ACCEPT--> ACKNOWLEDGED
 *       ^                     |  |----REJECT or GAP-----> ARCHIVED
 *       '-- RELEASE, lock ----'  '-- the same, at the delivery count limit --> ARCHIVED
 *           timeout, or the owner's session closing
 * </pre>
 *
 * Each acquisition counts a delivery and locks the record to its member for the lock duration (RENEW extends
 * it). A batch of acknowledgements is checked whole: if any of its offsets is not acquired by that member, none
 * changes (INVALID_RECORD_STATE). At most {@code maxInFlight} offsets are between the start and end offsets at
 * once ({@code share.partition.max.record.locks}).
 *
 * <p>Not thread-safe: its owner runs every call on one thread. The clock is the caller's ({@code now}).
 */
public final class SharePartition {
    /** Kafka's record states, with the numbers its share-state records store. */
    public enum RecordState {
        AVAILABLE(0), ACQUIRED(1), ACKNOWLEDGED(2), ARCHIVED(4);

        public final byte id;

        RecordState(int id) {
            this.id = (byte) id;
        }

        boolean done() {
            return this == ACKNOWLEDGED || this == ARCHIVED;
        }

        public static RecordState of(byte id) {
            for (RecordState s : values()) {
                if (s.id == id) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown record state " + id);
        }
    }

    /** Kafka's acknowledgement types, by their wire numbers. */
    public enum AckType {
        GAP(0), ACCEPT(1), RELEASE(2), REJECT(3), RENEW(4);

        public final byte id;

        AckType(int id) {
            this.id = (byte) id;
        }

        /** The type of wire number {@code id}, or null for one Kafka does not define. */
        public static AckType of(byte id) {
            for (AckType t : values()) {
                if (t.id == id) {
                    return t;
                }
            }
            return null;
        }
    }

    /** A run of offsets handed to a member at one delivery count: ShareFetch's AcquiredRecords. */
    public record Acquired(long firstOffset, long lastOffset, int deliveryCount) {
    }

    /** A run of offsets in one state at one delivery count: the durable form of the in-flight offsets. */
    public record StateBatch(long firstOffset, long lastOffset, RecordState state, int deliveryCount) {
    }

    /** What outlives a restart: the start offset and the in-flight offsets that are not available and new. */
    public record Snapshot(long startOffset, List<StateBatch> batches) {
        public Snapshot {
            batches = List.copyOf(batches);
        }
    }

    /** Why an acknowledgement changed nothing. */
    public static final class InvalidRecordState extends Exception {
        public InvalidRecordState(String message) {
            super(message, null, false, false);
        }
    }

    private static final class InFlight {
        RecordState state;
        int deliveryCount;
        String owner;
        long lockDeadline;

        InFlight(RecordState state, int deliveryCount) {
            this.state = state;
            this.deliveryCount = deliveryCount;
        }
    }

    private final TreeMap<Long, InFlight> inFlight = new TreeMap<>();
    private long startOffset;
    private long nextOffset;

    private SharePartition(long startOffset) {
        this.startOffset = startOffset;
        this.nextOffset = startOffset;
    }

    /** A share-partition nothing has been read from yet, starting at {@code startOffset}. */
    public static SharePartition startingAt(long startOffset) {
        return new SharePartition(startOffset);
    }

    /**
     * The share-partition a snapshot describes. Offsets it had as ACQUIRED come back AVAILABLE: their lock died
     * with the broker that held it. Those whose last delivery that was are archived when next met by
     * {@link #acquire}, which knows the group's delivery limit then.
     */
    public static SharePartition restore(Snapshot s) {
        SharePartition p = new SharePartition(s.startOffset());
        for (StateBatch b : s.batches()) {
            RecordState state = b.state().done() ? b.state() : RecordState.AVAILABLE;
            for (long o = Math.max(b.firstOffset(), s.startOffset()); o <= b.lastOffset(); o++) {
                p.inFlight.put(o, new InFlight(state, b.deliveryCount()));
                p.nextOffset = Math.max(p.nextOffset, o + 1);
            }
        }
        p.advance();
        return p;
    }

    public long startOffset() {
        return startOffset;
    }

    public long nextOffset() {
        return nextOffset;
    }

    /** In-flight offsets that are done (acknowledged or archived) above the start offset. */
    public int doneInFlight() {
        int n = 0;
        for (InFlight f : inFlight.values()) {
            n += f.state.done() ? 1 : 0;
        }
        return n;
    }

    /** In-flight offsets acquired by someone now. */
    public int acquiredCount() {
        int n = 0;
        for (InFlight f : inFlight.values()) {
            n += f.state == RecordState.ACQUIRED ? 1 : 0;
        }
        return n;
    }

    /**
     * The log's records below {@code logStartOffset} are gone (retention, DeleteRecords): offsets below it are
     * done, whatever their state.
     */
    public void logStartMoved(long logStartOffset) {
        if (logStartOffset <= startOffset) {
            return;
        }
        inFlight.headMap(logStartOffset).clear();
        startOffset = logStartOffset;
        nextOffset = Math.max(nextOffset, logStartOffset);
        advance();
    }

    /**
     * Hands up to {@code maxRecords} offsets to {@code member}: first those available again (released or timed
     * out), lowest first, then new ones from the end offset up to {@code logEndOffset}, while fewer than
     * {@code maxInFlight} are in flight. Each counts a delivery and is locked to the member until
     * {@code now + lockMs}. An available record already delivered {@code deliveryLimit} times (after a restart,
     * or the limit lowered) is archived instead.
     */
    public List<Acquired> acquire(String member, long logEndOffset, int maxRecords, int maxInFlight, int deliveryLimit,
                                  long now, long lockMs) {
        List<Acquired> out = new ArrayList<>();
        int left = maxRecords;
        for (Map.Entry<Long, InFlight> e : inFlight.entrySet()) {
            if (left == 0 || e.getKey() >= logEndOffset) { // past the end a read_committed group may read, say
                break;
            }
            InFlight f = e.getValue();
            if (f.state == RecordState.AVAILABLE && f.deliveryCount >= deliveryLimit) {
                done(f, RecordState.ARCHIVED);
            } else if (f.state == RecordState.AVAILABLE) {
                lock(f, member, now + lockMs);
                add(out, e.getKey(), f.deliveryCount);
                left--;
            }
        }
        while (left > 0 && nextOffset < logEndOffset && nextOffset - startOffset < maxInFlight) {
            InFlight f = new InFlight(RecordState.AVAILABLE, 0);
            lock(f, member, now + lockMs);
            inFlight.put(nextOffset, f);
            add(out, nextOffset, f.deliveryCount);
            nextOffset++;
            left--;
        }
        advance();
        return out;
    }

    private static void lock(InFlight f, String member, long deadline) {
        f.state = RecordState.ACQUIRED;
        f.deliveryCount++;
        f.owner = member;
        f.lockDeadline = deadline;
    }

    private static void add(List<Acquired> out, long offset, int deliveryCount) {
        Acquired last = out.isEmpty() ? null : out.get(out.size() - 1);
        if (last != null && last.lastOffset() == offset - 1 && last.deliveryCount() == deliveryCount) {
            out.set(out.size() - 1, new Acquired(last.firstOffset(), offset, deliveryCount));
        } else {
            out.add(new Acquired(offset, offset, deliveryCount));
        }
    }

    /**
     * Applies one acknowledgement batch of {@code member}: {@code types} holds one type for the whole range, or
     * one per offset. Offsets of the range must all be acquired by the member, else nothing changes.
     *
     * @param deliveryLimit deliveries after which a released record is archived
     */
    public void acknowledge(String member, long first, long last, List<AckType> types, int deliveryLimit, long now,
                            long lockMs) throws InvalidRecordState {
        check(member, first, last, types.size());
        for (long o = first; o <= last; o++) {
            InFlight f = inFlight.get(o);
            AckType t = types.size() == 1 ? types.get(0) : types.get((int) (o - first));
            switch (t) {
                case ACCEPT -> done(f, RecordState.ACKNOWLEDGED);
                case REJECT, GAP -> done(f, RecordState.ARCHIVED);
                case RELEASE -> release(f, deliveryLimit);
                case RENEW -> f.lockDeadline = now + lockMs;
            }
        }
        advance();
    }

    /**
     * Throws unless {@link #acknowledge} of this batch would be taken: every offset acquired by {@code member},
     * and one type or one per offset. Changes nothing, so a caller can check all of a request's batches first.
     */
    public void check(String member, long first, long last, int types) throws InvalidRecordState {
        if (last < first || (types != 1 && types != last - first + 1)) {
            throw new InvalidRecordState("acknowledgement batch " + first + "-" + last + " with " + types + " types");
        }
        for (long o = first; o <= last; o++) {
            InFlight f = inFlight.get(o);
            if (f == null || f.state != RecordState.ACQUIRED || !f.owner.equals(member)) {
                throw new InvalidRecordState("offset " + o + " is not acquired by member " + member);
            }
        }
    }

    private static void done(InFlight f, RecordState state) {
        f.state = state;
        f.owner = null;
    }

    private static void release(InFlight f, int deliveryLimit) {
        f.state = f.deliveryCount >= deliveryLimit ? RecordState.ARCHIVED : RecordState.AVAILABLE;
        f.owner = null;
    }

    /**
     * Offsets of {@code [first, last]} that {@code member} acquired but was never sent (its answer was full):
     * available again, that delivery not counted.
     */
    public void giveBack(String member, long first, long last) {
        for (Map.Entry<Long, InFlight> e : inFlight.subMap(first, true, last, true).entrySet()) {
            InFlight f = e.getValue();
            if (f.state == RecordState.ACQUIRED && member.equals(f.owner)) {
                f.state = RecordState.AVAILABLE;
                f.owner = null;
                f.deliveryCount--;
            }
        }
    }

    /** Every record {@code member} holds is released (its share session closed, or it left the group). */
    public void releaseAll(String member, int deliveryLimit) {
        for (InFlight f : inFlight.values()) {
            if (f.state == RecordState.ACQUIRED && f.owner.equals(member)) {
                release(f, deliveryLimit);
            }
        }
        advance();
    }

    /**
     * Releases every record whose lock ran out by {@code now}; returns how many, so the caller knows the state
     * changed.
     */
    public int expireLocks(long now, int deliveryLimit) {
        int n = 0;
        for (InFlight f : inFlight.values()) {
            if (f.state == RecordState.ACQUIRED && f.lockDeadline <= now) {
                release(f, deliveryLimit);
                n++;
            }
        }
        advance();
        return n;
    }

    /** The earliest lock deadline, or Long.MAX_VALUE when nothing is acquired. */
    public long nextLockDeadline() {
        long min = Long.MAX_VALUE;
        for (InFlight f : inFlight.values()) {
            if (f.state == RecordState.ACQUIRED) {
                min = Math.min(min, f.lockDeadline);
            }
        }
        return min;
    }

    /** Moves the start offset past the done offsets at its head. */
    private void advance() {
        Iterator<Map.Entry<Long, InFlight>> it = inFlight.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, InFlight> e = it.next();
            if (e.getKey() != startOffset || !e.getValue().state.done()) {
                break;
            }
            it.remove();
            startOffset++;
        }
        if (inFlight.isEmpty()) {
            startOffset = Math.max(startOffset, nextOffset);
        }
    }

    /** The durable form: the start offset and every in-flight offset, in runs of one state and count. */
    public Snapshot snapshot() {
        List<StateBatch> batches = new ArrayList<>();
        for (Map.Entry<Long, InFlight> e : inFlight.entrySet()) {
            long o = e.getKey();
            InFlight f = e.getValue();
            StateBatch last = batches.isEmpty() ? null : batches.get(batches.size() - 1);
            if (last != null && last.lastOffset() == o - 1 && last.state() == f.state
                    && last.deliveryCount() == f.deliveryCount) {
                batches.set(batches.size() - 1, new StateBatch(last.firstOffset(), o, f.state, f.deliveryCount));
            } else {
                batches.add(new StateBatch(o, o, f.state, f.deliveryCount));
            }
        }
        return new Snapshot(startOffset, batches);
    }
}
