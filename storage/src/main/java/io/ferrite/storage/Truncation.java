package io.ferrite.storage;

import java.util.function.Consumer;

/**
 * A follower's cut of one partition at an offset, once its log has diverged from a new leader's: the batches that
 * end at or after the offset go. Entries cannot be removed from a CommitLog every partition shares, so the cut is
 * an entry of its own, a truncation marker ({@link CommitLogEntry}) naming the partition and the offset, written
 * into the log where the cut took effect. What each part does with it:
 * <ul>
 *   <li><b>Live</b>, under the append lock ({@link CommitLog#truncate}): the queue is cut and the cut entries
 *       zeroed durably; the log end moves back, and the size count with it; the marker is written. Then, outside
 *       the lock and with the partition's appends refused, producer state is rebuilt from a snapshot at or below
 *       the cut, or else from the log start, and the aborted-transaction index keeps the aborts before the cut.
 *       A retention pass or a cleaner's pass planned before the cut does not act after it
 *       ({@link PartitionLog#cuts}).</li>
 *   <li><b>Recovery</b> replays a marker where it lies ({@link Recovery}): the partition's entries before it are
 *       indexed already, and it cuts them; entries after it are indexed from the new end on.</li>
 *   <li><b>A rebuild</b> from the first retained CommitLog file indexes the stale entries before it meets the
 *       marker, so the marker must stay as long as they may. The reclaimer never counts a marker dead while its
 *       partition exists: it may leave some dead entries before it in place (a run too short to mark), whose
 *       offsets new batches have reused.</li>
 *   <li><b>The checkpoint</b> is rewritten once the marker is durable ({@link Store#truncate}): an older one
 *       records the higher log end, and a queue ending below the end its checkpoint recorded is taken for lost
 *       files and rebuilt from the whole CommitLog.</li>
 * </ul>
 */
final class Truncation {
    private Truncation() {
    }

    /**
     * After a live cut ({@link CommitLog#truncate}), outside the append lock, which other partitions' appends need:
     * rebuilds the partition's producer state while its own appends are refused, then lets them in again. If the
     * rebuild fails, the state is not what the log holds: the partition goes on refusing appends, and the failure
     * goes to {@code fatal} (the store goes offline) before it is thrown.
     */
    static void rebuildProducerState(PartitionLog p, MappedFileQueue commitLogFiles, Consumer<StoreException> fatal) {
        try {
            // Held throughout, so a reader of producer state (a read_committed fetch's last stable offset) waits
            // for the rebuilt state rather than seeing it half-built.
            synchronized (p.producers()) {
                Recovery.rebuildProducerState(p, commitLogFiles, true);
            }
        } catch (RuntimeException | Error e) {
            StoreException failure = e instanceof StoreException se ? se : new StoreException(
                    StoreException.Category.IO, "rebuilding the producer state of " + p.key() + " after a cut", e);
            fatal.accept(failure);
            throw failure;
        }
        p.cutting(false);
    }

    /** The cut as recovery replays it; producer state and sizes are rebuilt after the scan, and nothing refused. */
    static void replay(PartitionLog p, long offset) {
        p.truncateTail(offset);
    }
}
