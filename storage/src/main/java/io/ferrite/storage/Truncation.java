package io.ferrite.storage;

/**
 * A follower's cut of one partition at an offset, once its log has diverged from a new leader's: the batches that
 * end at or after the offset go. Entries cannot be removed from a CommitLog every partition shares, so the cut is
 * an entry of its own, a truncation marker ({@link CommitLogEntry}) naming the partition and the offset, written
 * into the log where the cut took effect. What each part does with it:
 * <ul>
 *   <li><b>Live</b>, under the append lock ({@link CommitLog#truncate}): the queue is cut and the cut entries
 *       zeroed durably; the log end moves back, and the size count with it; producer state is rebuilt from a
 *       snapshot at or below the cut, or else from the log start; the aborted-transaction index is made to hold
 *       only the aborts the rebuild found.</li>
 *   <li><b>Recovery</b> replays a marker where it lies ({@link Recovery}): the partition's entries before it are
 *       indexed already, and it cuts them; entries after it are indexed from the new end on.</li>
 *   <li><b>A rebuild</b> from the first retained CommitLog file indexes the stale entries before it meets the
 *       marker, so the marker must stay as long as they do. The reclaimer's rule (an entry before its partition's
 *       first live batch is dead) keeps it exactly that long: the marker lies after the stale entries.</li>
 *   <li><b>The checkpoint</b> is rewritten once the marker is durable ({@link Store#truncate}): an older one
 *       records the higher log end, and a queue ending below the end its checkpoint recorded is taken for lost
 *       files and rebuilt from the whole CommitLog.</li>
 * </ul>
 */
final class Truncation {
    private Truncation() {
    }

    /** The cut as a live follower makes it; the caller holds the append lock and has written the marker. */
    static void live(PartitionLog p, long offset, MappedFileQueue commitLogFiles) {
        p.truncateTail(offset);
        // Held throughout, so a reader of producer state (a read_committed fetch's last stable offset) waits for
        // the rebuilt state rather than seeing it half-built.
        synchronized (p.producers()) {
            Recovery.rebuildProducerState(p, commitLogFiles, false);
        }
    }

    /** The cut as recovery replays it; producer state and sizes are rebuilt after the scan. */
    static void replay(PartitionLog p, long offset) {
        p.truncateTail(offset);
    }
}
