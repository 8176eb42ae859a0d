package io.ferrite.storage;

import java.util.List;

/**
 * A look at the store at one moment, for metrics, health and the console: where the CommitLog stands, its files,
 * the write-buffer pool and the service threads. Each field is read without stopping appends, so two fields
 * may be a few appends apart.
 *
 * @param writePosition       end of the last append written into a file (or its pooled buffer)
 * @param committedPosition   end of what has reached the file (pooled buffers are committed by ferrite-commit)
 * @param flushedPosition     end of what has been fsynced
 * @param checkpointedPosition where the last checkpoint says recovery starts its scan
 * @param poolBuffers         write buffers in the off-heap pool (0 without one), {@code poolAvailable} free
 * @param partitions          partitions with a ConsumeQueue, the broker's own included
 * @param failed              the store went offline (or is closed)
 */
public record StoreView(FlushMode flushMode, long writePosition, long committedPosition, long flushedPosition,
                        long checkpointedPosition, int fileSize, List<LogFile> files, int partitions,
                        int poolBuffers, int poolAvailable, List<Service> services, boolean failed,
                        Retention retention) {

    /**
     * Retention's progress: when its last pass ended ({@code -1} before the first), the CommitLog files it has
     * deleted since the store opened, and the lowest position a partition still reads: files wholly before it
     * go at the next pass.
     */
    public record Retention(long lastPassMillis, long filesDeleted, long neededFrom) {
    }

    /** One CommitLog file: its name (its first position), and how far it is written, committed and flushed. */
    public record LogFile(String name, long fromPosition, int wrote, int committed, int flushed, boolean pooled) {
    }

    /** One service thread and whether it runs. */
    public record Service(String name, boolean running) {
    }

    /** Every service thread runs and no failure took the store offline. */
    public boolean healthy() {
        return !failed && services.stream().allMatch(Service::running);
    }

    /** CommitLog bytes on disk, from the first file's start to the write position. */
    public long retainedBytes() {
        return files.isEmpty() ? 0 : writePosition - files.get(0).fromPosition();
    }
}
