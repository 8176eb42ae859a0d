package io.ferrite.storage;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The store's settings, validated once when built. The broker reads them from its properties (the
 * {@code store.*} keys, defined in the server's {@code StoreConfigs}, documented in docs/CONFIG.md); the
 * defaults are {@link #defaults(Path, FlushMode)}.
 *
 * @param dataDir                      root of the store's files
 * @param commitLogFileSize            bytes per CommitLog file ({@code store.commitlog.file.bytes}, 1 GiB)
 * @param consumeQueueEntriesPerFile   entries per ConsumeQueue file, even ({@code store.consumequeue.file.entries}, 65536)
 * @param flushMode                    {@code store.flush.mode}: sync (group commit) or async (periodic), async
 * @param flushIntervalMs              async flush and checkpoint period ({@code store.flush.interval.ms}, 500)
 * @param groupCommitGatherMicros      sync mode: longest wait before an fsync for as many appends as the last one
 *                                     served ({@code store.group.commit.gather.us}, 100; 0 never waits)
 * @param warmFiles                    touch every page of a new CommitLog file ({@code store.warm.enable}, false;
 *                                     see {@link #defaults(Path, FlushMode)})
 * @param warmFlushPages               while warming, flush every so many pages; 0 never ({@code store.warm.flush.pages}, 4096)
 * @param mlock                        mlock CommitLog files ({@code store.mlock.enable}, false)
 * @param appendIntoMapping            copy appended batches into the CommitLog mapping instead of writing them
 *                                     from the request buffer with one gathering write
 *                                     ({@code store.append.into.mapping}, false)
 * @param transientStorePoolEnabled    write through off-heap buffers ({@code store.transient.pool.enable}; on in
 *                                     sync mode, off in async)
 * @param transientStorePoolBuffers    buffers in that pool ({@code store.transient.pool.buffers}, 3)
 * @param commitIntervalMs             commit period of the pool's bytes into files ({@code store.commit.interval.ms}, 200)
 * @param readVerifyCrc                check both CRCs of every batch read ({@code store.read.verify.crc}, true)
 * @param releaseFlushedPages          drop this process's mappings of flushed CommitLog pages after each flush; the
 *                                     pages stay in the page cache ({@code store.release.flushed.pages}, true)
 * @param maxDiskUsedRatio             above this share of the disk used, appends are refused (DISK_FULL) until
 *                                     retention or the operator frees space ({@code store.max.disk.used.ratio}, 0.90)
 * @param diskFullDeletesOldest        above that share, delete the oldest CommitLog file instead, whatever the
 *                                     partitions' retention ({@code store.disk.full.delete.oldest}, false)
 * @param fileMaxAgeMs                 a CommitLog file older than this goes regardless; -1 never ({@code store.file.max.age.ms}, -1)
 * @param reclaimDelayMs               how long CommitLog entries no partition reads any more stay on disk before
 *                                     retention punches them out of files it cannot delete yet; -1 never
 *                                     ({@code store.reclaim.delay.ms}, 60000; see {@link Reclaimer})
 * @param retentionCheckIntervalMs     how often retention runs ({@code log.retention.check.interval.ms}, 300000)
 * @param producerIdExpirationMs       idempotent producers not heard from for this long are forgotten, at each
 *                                     retention pass ({@code producer.id.expiration.ms}, 86400000)
 * @param defaultRetention             retention for partitions that set none ({@code log.retention.ms}, {@code log.retention.bytes})
 * @param cleaner                      the cleaner of compacted partitions ({@code log.cleaner.*}, see {@link CleanerConfig})
 */
public record StoreConfig(
        Path dataDir,
        int commitLogFileSize,
        int consumeQueueEntriesPerFile,
        FlushMode flushMode,
        long flushIntervalMs,
        long groupCommitGatherMicros,
        boolean warmFiles,
        int warmFlushPages,
        boolean mlock,
        boolean appendIntoMapping,
        boolean transientStorePoolEnabled,
        int transientStorePoolBuffers,
        long commitIntervalMs,
        boolean readVerifyCrc,
        boolean releaseFlushedPages,
        double maxDiskUsedRatio,
        boolean diskFullDeletesOldest,
        long fileMaxAgeMs,
        long reclaimDelayMs,
        long retentionCheckIntervalMs,
        long producerIdExpirationMs,
        Retention defaultRetention,
        CleanerConfig cleaner) {

    public static final int PAGE_SIZE = 4096;
    /** Smallest CommitLog file: a page. Tests use small files; the default is 1 GiB. */
    public static final int MIN_FILE_SIZE = PAGE_SIZE;

    public StoreConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(flushMode, "flushMode");
        Objects.requireNonNull(defaultRetention, "defaultRetention");
        Objects.requireNonNull(cleaner, "cleaner");
        require(commitLogFileSize >= MIN_FILE_SIZE && commitLogFileSize % PAGE_SIZE == 0,
                "store.commitlog.file.bytes must be a multiple of " + PAGE_SIZE + ", at least " + MIN_FILE_SIZE);
        require(consumeQueueEntriesPerFile >= 256 && consumeQueueEntriesPerFile % 256 == 0,
                "store.consumequeue.file.entries must be a positive multiple of 256");
        require(flushIntervalMs > 0, "store.flush.interval.ms must be positive");
        require(groupCommitGatherMicros >= 0 && groupCommitGatherMicros <= 100_000,
                "store.group.commit.gather.us must be between 0 and 100000");
        require(warmFlushPages >= 0, "store.warm.flush.pages must not be negative");
        require(transientStorePoolBuffers >= 1, "store.transient.pool.buffers must be at least 1");
        require(commitIntervalMs > 0, "store.commit.interval.ms must be positive");
        require(maxDiskUsedRatio > 0 && maxDiskUsedRatio <= 1, "store.max.disk.used.ratio must be in (0, 1]");
        require(fileMaxAgeMs == -1 || fileMaxAgeMs > 0, "store.file.max.age.ms must be -1 or positive");
        require(reclaimDelayMs >= -1, "store.reclaim.delay.ms must be -1 or more");
        require(producerIdExpirationMs >= 1, "producer.id.expiration.ms must be positive");
        require(retentionCheckIntervalMs > 0, "log.retention.check.interval.ms must be positive");
    }

    /** The defaults, with data under {@code dataDir}: async flush. */
    public static StoreConfig defaults(Path dataDir) {
        return defaults(dataDir, FlushMode.ASYNC);
    }

    /**
     * The defaults for a flush mode, as measured against stock clients (docs/PERFORMANCE.md). Appends are written
     * with pwrite straight from the request buffer. The write-buffer pool is on in sync mode only: there the
     * network thread copies into a pooled buffer and the group-commit thread does the pwrite next to its fsync
     * (1.06 and 1.17 times the throughput of the direct write in two runs); in async mode it gains nothing over the direct write, and
     * an acknowledged append still in a pooled buffer would be lost to a kill -9. Warming is off in both: the
     * store alone fsyncs faster over warmed blocks, but writing every 1 GiB file twice costs more than that saves.
     */
    public static StoreConfig defaults(Path dataDir, FlushMode mode) {
        boolean sync = mode == FlushMode.SYNC;
        return new StoreConfig(dataDir, 1 << 30, 65536, mode, 500, 100, false, 4096, false, false, sync, 3, 200,
                true, true, 0.90, false, -1, 60_000, 300_000, 86_400_000, Retention.KAFKA_DEFAULT, CleanerConfig.KAFKA_DEFAULT);
    }

    /** A builder starting from the defaults of {@code mode}; {@link Builder#build()} validates. */
    public static Builder builder(Path dataDir, FlushMode mode) {
        return defaults(dataDir, mode).toBuilder();
    }

    /** A builder starting from this config. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A copy with another flush mode and everything else unchanged. */
    public StoreConfig withFlushMode(FlushMode mode) {
        return toBuilder().flushMode(mode).build();
    }

    /**
     * This config with the settings a running store can take from {@code next} (see {@link Store#reconfigure});
     * the rest stay this config's.
     */
    public StoreConfig withRunningSettings(StoreConfig next) {
        return toBuilder().flushIntervalMs(next.flushIntervalMs())
                .groupCommitGatherMicros(next.groupCommitGatherMicros()).maxDiskUsedRatio(next.maxDiskUsedRatio())
                .fileMaxAgeMs(next.fileMaxAgeMs()).readVerifyCrc(next.readVerifyCrc())
                .defaultRetention(next.defaultRetention()).cleaner(next.cleaner()).build();
    }

    /** Changes some fields of a config by name, for tests, benchmarks and property parsing. */
    public static final class Builder {
        private Path dataDir;
        private int commitLogFileSize;
        private int consumeQueueEntriesPerFile;
        private FlushMode flushMode;
        private long flushIntervalMs;
        private long groupCommitGatherMicros;
        private boolean warmFiles;
        private int warmFlushPages;
        private boolean mlock;
        private boolean appendIntoMapping;
        private boolean transientStorePoolEnabled;
        private int transientStorePoolBuffers;
        private long commitIntervalMs;
        private boolean readVerifyCrc;
        private boolean releaseFlushedPages;
        private double maxDiskUsedRatio;
        private boolean diskFullDeletesOldest;
        private long fileMaxAgeMs;
        private long reclaimDelayMs;
        private long retentionCheckIntervalMs;
        private long producerIdExpirationMs;
        private Retention defaultRetention;
        private CleanerConfig cleaner;

        private Builder(StoreConfig c) {
            dataDir = c.dataDir;
            commitLogFileSize = c.commitLogFileSize;
            consumeQueueEntriesPerFile = c.consumeQueueEntriesPerFile;
            flushMode = c.flushMode;
            flushIntervalMs = c.flushIntervalMs;
            groupCommitGatherMicros = c.groupCommitGatherMicros;
            warmFiles = c.warmFiles;
            warmFlushPages = c.warmFlushPages;
            mlock = c.mlock;
            appendIntoMapping = c.appendIntoMapping;
            transientStorePoolEnabled = c.transientStorePoolEnabled;
            transientStorePoolBuffers = c.transientStorePoolBuffers;
            commitIntervalMs = c.commitIntervalMs;
            readVerifyCrc = c.readVerifyCrc;
            releaseFlushedPages = c.releaseFlushedPages;
            maxDiskUsedRatio = c.maxDiskUsedRatio;
            diskFullDeletesOldest = c.diskFullDeletesOldest;
            fileMaxAgeMs = c.fileMaxAgeMs;
            reclaimDelayMs = c.reclaimDelayMs;
            retentionCheckIntervalMs = c.retentionCheckIntervalMs;
            producerIdExpirationMs = c.producerIdExpirationMs;
            defaultRetention = c.defaultRetention;
            cleaner = c.cleaner;
        }

        public Builder dataDir(Path v) {
            dataDir = v;
            return this;
        }

        public Builder commitLogFileSize(int v) {
            commitLogFileSize = v;
            return this;
        }

        public Builder consumeQueueEntriesPerFile(int v) {
            consumeQueueEntriesPerFile = v;
            return this;
        }

        public Builder flushMode(FlushMode v) {
            flushMode = v;
            return this;
        }

        public Builder flushIntervalMs(long v) {
            flushIntervalMs = v;
            return this;
        }

        public Builder groupCommitGatherMicros(long v) {
            groupCommitGatherMicros = v;
            return this;
        }

        public Builder warmFiles(boolean v) {
            warmFiles = v;
            return this;
        }

        public Builder warmFlushPages(int v) {
            warmFlushPages = v;
            return this;
        }

        public Builder mlock(boolean v) {
            mlock = v;
            return this;
        }

        public Builder appendIntoMapping(boolean v) {
            appendIntoMapping = v;
            return this;
        }

        public Builder transientStorePoolEnabled(boolean v) {
            transientStorePoolEnabled = v;
            return this;
        }

        public Builder transientStorePoolBuffers(int v) {
            transientStorePoolBuffers = v;
            return this;
        }

        public Builder commitIntervalMs(long v) {
            commitIntervalMs = v;
            return this;
        }

        public Builder readVerifyCrc(boolean v) {
            readVerifyCrc = v;
            return this;
        }

        public Builder releaseFlushedPages(boolean v) {
            releaseFlushedPages = v;
            return this;
        }

        public Builder maxDiskUsedRatio(double v) {
            maxDiskUsedRatio = v;
            return this;
        }

        public Builder diskFullDeletesOldest(boolean v) {
            diskFullDeletesOldest = v;
            return this;
        }

        public Builder fileMaxAgeMs(long v) {
            fileMaxAgeMs = v;
            return this;
        }

        public Builder reclaimDelayMs(long v) {
            reclaimDelayMs = v;
            return this;
        }

        public Builder retentionCheckIntervalMs(long v) {
            retentionCheckIntervalMs = v;
            return this;
        }

        public Builder producerIdExpirationMs(long v) {
            producerIdExpirationMs = v;
            return this;
        }

        public Builder defaultRetention(Retention v) {
            defaultRetention = v;
            return this;
        }

        public Builder cleaner(CleanerConfig v) {
            cleaner = v;
            return this;
        }

        public StoreConfig build() {
            return new StoreConfig(dataDir, commitLogFileSize, consumeQueueEntriesPerFile, flushMode, flushIntervalMs,
                    groupCommitGatherMicros, warmFiles, warmFlushPages, mlock, appendIntoMapping, transientStorePoolEnabled,
                    transientStorePoolBuffers, commitIntervalMs, readVerifyCrc, releaseFlushedPages, maxDiskUsedRatio,
                    diskFullDeletesOldest, fileMaxAgeMs, reclaimDelayMs, retentionCheckIntervalMs, producerIdExpirationMs, defaultRetention,
                    cleaner);
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
