package io.ferrite.storage;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The periodic flush: every {@code store.flush.interval.ms} it forces the ConsumeQueues, in async mode the
 * CommitLog too, drops the broker's mappings of flushed CommitLog pages ({@code store.release.flushed.pages}),
 * and then writes a checkpoint at a position both cover.
 *
 * <p>Order matters: the confirmed position is read before the queues are flushed, so every queue entry for
 * an entry before it is on disk; the checkpoint is the lesser of that and the CommitLog's flushed position.
 * A failed flush is reported to {@code onFailure}, which takes the store offline; a checkpoint that cannot be
 * written (a full disk) is only retried, since it bounds recovery time and not what is durable.
 */
final class FlushService implements Agent {
    private static final Logger LOG = LogManager.getLogger(FlushService.class);
    /** Most queues flushed one by one in a round; more take one syncfs. */
    static final int PER_QUEUE_LIMIT = 64;
    private final CommitLog log;
    private final Partitions partitions;
    private final boolean flushCommitLog;
    private final boolean releaseFlushedPages;
    private final Consumer<StoreException> onFailure;
    private final Supplier<StoreObserver> observer;

    FlushService(CommitLog log, Partitions partitions, boolean flushCommitLog, boolean releaseFlushedPages,
                 Consumer<StoreException> onFailure, Supplier<StoreObserver> observer) {
        this.log = log;
        this.observer = observer;
        this.partitions = partitions;
        this.flushCommitLog = flushCommitLog;
        this.releaseFlushedPages = releaseFlushedPages;
        this.onFailure = onFailure;
    }

    @Override
    public String roleName() {
        return "ferrite-flush";
    }

    @Override
    public int doWork() {
        long confirmed = log.confirmedPosition();
        long flushed;
        long start = System.nanoTime();
        try {
            flushQueues();
            flushed = flushCommitLog ? log.flush() : log.files().flushedPosition();
        } catch (IOException e) {
            onFailure.accept(StoreException.fromIo("flush failed", log.files().dir(), e));
            return 0;
        }
        try {
            observer.get().flushed(System.nanoTime() - start);
        } catch (RuntimeException e) { // the metrics' failure, not the flush's
            LOG.warn("the store's observer failed: {}", e.toString());
        }
        if (releaseFlushedPages) {
            // Written and flushed CommitLog pages are only read from now on, by consumers that fault them back
            // in if they need them; mapped, they would count as the broker's memory until the file is deleted.
            log.files().releaseFlushedPages();
        }
        long position = Math.min(confirmed, flushed);
        if (position > partitions.checkpointedPosition()) {
            try {
                partitions.writeCheckpoint(position);
            } catch (IOException e) {
                // The data is durable; an old checkpoint only means a longer recovery scan. Retry next time.
                LOG.warn("checkpoint at {} not written, retrying next interval: {}", position, e.toString());
            }
        }
        return 0; // periodic: always idle until the next interval
    }

    /**
     * An fdatasync for each queue written since the last flush; beyond {@link #PER_QUEUE_LIMIT} of them, one
     * syncfs, which writes every queue's dirty pages with one journal commit where an fdatasync per queue
     * would cost a disk round trip for each of a thousand partitions. Not syncfs always: it also writes out
     * every other dirty page on the filesystem, another program's included, on this thread's time.
     */
    private void flushQueues() throws IOException {
        List<PartitionLog> written = partitions.all().stream().filter(p -> p.queue().hasUnflushed()).toList();
        if (written.size() > PER_QUEUE_LIMIT) {
            int[] cuts = written.stream().mapToInt(p -> p.queue().cuts()).toArray(); // read before the ends
            long[] ends = written.stream().mapToLong(p -> p.queue().writtenBytes()).toArray();
            if (NativeIO.syncfs(log.files().dir())) {
                for (int i = 0; i < ends.length; i++) {
                    written.get(i).queue().markFlushed(ends[i], cuts[i]);
                }
                return;
            }
        }
        for (PartitionLog p : written) {
            p.queue().flush();
        }
    }

    @Override
    public void onClose() {
        doWork();
    }
}
