package io.ferrite.server.config;

import io.ferrite.storage.CleanerConfig;
import io.ferrite.storage.FlushMode;
import io.ferrite.storage.Retention;
import io.ferrite.storage.StoreConfig;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef.CaseInsensitiveValidString;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * The store's keys ({@code store.*}, and Kafka's {@code log.retention.check.interval.ms},
 * {@code producer.id.expiration.ms} and {@code log.cleaner.*}), each defined once
 * with its type, bounds and documentation. The values they default to are {@link StoreConfig#defaults}', the
 * measured defaults the store itself starts from; the two defaults that depend on the flush mode are left
 * unset here and follow it. The store module has no Kafka dependency, so its keys are defined on this side.
 */
final class StoreConfigs {
    private static final StoreConfig D = StoreConfig.defaults(Path.of("data"), FlushMode.ASYNC);
    private static final CleanerConfig C = D.cleaner();

    static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define("store.flush.mode", Type.STRING, "async", CaseInsensitiveValidString.in("sync", "async"),
                    Importance.HIGH, "sync: a produce is acknowledged after the group fsync that covers it; async: "
                            + "once in the page cache, flushed every store.flush.interval.ms.")
            .define("store.flush.interval.ms", Type.LONG, D.flushIntervalMs(), Range.atLeast(1), Importance.HIGH,
                    "The period of the background flush and checkpoint.")
            .define("store.group.commit.gather.us", Type.LONG, D.groupCommitGatherMicros(), Range.between(0, 100_000),
                    Importance.MEDIUM, "Sync mode: the longest wait to gather as many appends as the last fsync "
                            + "served before the next one; 0 never waits.")
            .define("store.commitlog.file.bytes", Type.INT, D.commitLogFileSize(),
                    Range.atLeast(StoreConfig.MIN_FILE_SIZE), Importance.MEDIUM,
                    "Bytes per CommitLog file, a multiple of 4096.")
            .define("store.consumequeue.file.entries", Type.INT, D.consumeQueueEntriesPerFile(), Range.atLeast(256),
                    Importance.LOW, "Entries per ConsumeQueue file, a multiple of 256.")
            .define("store.warm.enable", Type.BOOLEAN, D.warmFiles(), Importance.LOW,
                    "Write every page of a new CommitLog file before it is used.")
            .define("store.warm.flush.pages", Type.INT, D.warmFlushPages(), Range.atLeast(0), Importance.LOW,
                    "While warming, flush every so many pages; 0 never.")
            .define("store.mlock.enable", Type.BOOLEAN, D.mlock(), Importance.LOW,
                    "Lock CommitLog files in memory (needs RLIMIT_MEMLOCK).")
            .define("store.append.into.mapping", Type.BOOLEAN, D.appendIntoMapping(), Importance.LOW,
                    "Copy appends into the CommitLog mapping instead of writing them from the request buffer with "
                            + "one gathering pwrite.")
            .define("store.transient.pool.enable", Type.BOOLEAN, null, Importance.LOW,
                    "Write appends through a pool of off-heap buffers. Default: on in sync mode, off in async.")
            .define("store.transient.pool.buffers", Type.INT, D.transientStorePoolBuffers(), Range.atLeast(1),
                    Importance.LOW, "Buffers in that pool.")
            .define("store.commit.interval.ms", Type.LONG, D.commitIntervalMs(), Range.atLeast(1), Importance.LOW,
                    "How often the pool's bytes move into the files.")
            .define("store.read.verify.crc", Type.BOOLEAN, D.readVerifyCrc(), Importance.LOW,
                    "Check the CRCs of every batch read.")
            .define("store.release.flushed.pages", Type.BOOLEAN, D.releaseFlushedPages(), Importance.LOW,
                    "Drop this process's mappings of flushed CommitLog pages after each flush (the pages stay in "
                            + "the page cache).")
            .define("store.max.disk.used.ratio", Type.DOUBLE, D.maxDiskUsedRatio(), Range.between(0.01, 1.0),
                    Importance.MEDIUM, "Above this share of the disk used, produce is refused with "
                            + "KAFKA_STORAGE_ERROR (producers retry) until retention or the operator frees space; "
                            + "nothing already written is deleted for it.")
            .define("store.disk.full.delete.oldest", Type.BOOLEAN, D.diskFullDeletesOldest(), Importance.LOW,
                    "Above store.max.disk.used.ratio, delete the oldest CommitLog file instead, whatever the "
                            + "partitions' retention: unexpired data of every topic goes to keep produce working.")
            .define("store.file.max.age.ms", Type.LONG, D.fileMaxAgeMs(), Range.atLeast(-1), Importance.LOW,
                    "A CommitLog file older than this goes, whatever the partitions' retention; -1 never.")
            .define("store.reclaim.delay.ms", Type.LONG, D.reclaimDelayMs(), ConfigDef.LambdaValidator.with(
                    (name, value) -> {
                        long v = (Long) value;
                        if (v != -1 && v < 1000) { // shorter, a fetch in flight could be handed a hole's zeros
                            throw new ConfigException(name, value, "must be -1 or at least 1000");
                        }
                    }, () -> "-1, or [1000,...]"), Importance.LOW,
                    "How long CommitLog entries no partition reads any more (compacted away, expired, of a deleted "
                            + "topic) keep their disk space when their file must stay for other partitions' "
                            + "entries; then a retention pass punches them out of the file. Readers that found "
                            + "them before may still be reading them, as with Kafka's file.delete.delay.ms. "
                            + "-1: never; the space goes with the whole file.")
            .define("store.max.partitions", Type.INT, 0, Range.atLeast(0), Importance.MEDIUM,
                    "Most partitions the broker's topics may have together; a creation past it is refused with "
                            + "POLICY_VIOLATION. 0: half the process's open-file limit, since a partition holding "
                            + "data keeps a descriptor open for its index.")
            .define("log.retention.check.interval.ms", Type.LONG, D.retentionCheckIntervalMs(), Range.atLeast(1),
                    Importance.MEDIUM, "How often retention runs.")
            .define("producer.id.expiration.ms", Type.INT, (int) D.producerIdExpirationMs(), Range.atLeast(1),
                    Importance.LOW, "How long a partition remembers an idempotent producer that has not written to it, "
                            + "for duplicate and sequence checks; checked at each retention pass (Kafka counts from "
                            + "the last batch's timestamp). A producer with a transaction open is kept.")
            .define("log.cleaner.enable", Type.BOOLEAN, C.enable(), Importance.MEDIUM,
                    "Run the cleaner, which compacts topics whose cleanup.policy includes compact. Off, such "
                            + "topics keep every record.")
            .define("log.cleaner.threads", Type.INT, C.threads(), Range.atLeast(1), Importance.MEDIUM,
                    "Cleaner threads (ferrite-cleaner-<n>); each cleans one partition at a time.")
            .define("log.cleaner.dedupe.buffer.size", Type.LONG, C.dedupeBufferBytes(), Range.atLeast(1024 * 1024),
                    Importance.MEDIUM, "Memory for the cleaners' key maps, all threads together (24 bytes per key), "
                            + "off the heap; a thread takes it as its passes need it, up to its share. A pass cleans "
                            + "as far as its map holds keys.")
            .define("log.cleaner.io.buffer.load.factor", Type.DOUBLE, C.loadFactor(), Range.between(0.1, 0.9),
                    Importance.LOW, "How full a cleaner's key map may get.")
            .define("log.cleaner.io.max.bytes.per.second", Type.DOUBLE, C.ioMaxBytesPerSecond(), Range.atLeast(1),
                    Importance.MEDIUM, "Bytes a cleaner thread may read plus write per second.")
            .define("log.cleaner.backoff.ms", Type.LONG, C.backoffMs(), Range.atLeast(1), Importance.LOW,
                    "How long a cleaner thread sleeps when no partition is due.");

    private StoreConfigs() {
    }

    /** The store under {@code dataDir}, from parsed values of {@link #CONFIG_DEF}; checks what spans keys. */
    static StoreConfig from(Path dataDir, Map<String, Object> v, Retention defaultRetention) {
        FlushMode mode = FlushMode.valueOf(((String) v.get("store.flush.mode")).toUpperCase(Locale.ROOT));
        StoreConfig.Builder b = StoreConfig.builder(dataDir, mode)
                .flushIntervalMs((Long) v.get("store.flush.interval.ms"))
                .groupCommitGatherMicros((Long) v.get("store.group.commit.gather.us"))
                .commitLogFileSize((Integer) v.get("store.commitlog.file.bytes"))
                .consumeQueueEntriesPerFile((Integer) v.get("store.consumequeue.file.entries"))
                .warmFiles((Boolean) v.get("store.warm.enable"))
                .warmFlushPages((Integer) v.get("store.warm.flush.pages"))
                .mlock((Boolean) v.get("store.mlock.enable"))
                .appendIntoMapping((Boolean) v.get("store.append.into.mapping"))
                .transientStorePoolBuffers((Integer) v.get("store.transient.pool.buffers"))
                .commitIntervalMs((Long) v.get("store.commit.interval.ms"))
                .readVerifyCrc((Boolean) v.get("store.read.verify.crc"))
                .releaseFlushedPages((Boolean) v.get("store.release.flushed.pages"))
                .maxDiskUsedRatio((Double) v.get("store.max.disk.used.ratio"))
                .diskFullDeletesOldest((Boolean) v.get("store.disk.full.delete.oldest"))
                .fileMaxAgeMs((Long) v.get("store.file.max.age.ms"))
                .reclaimDelayMs((Long) v.get("store.reclaim.delay.ms"))
                .retentionCheckIntervalMs((Long) v.get("log.retention.check.interval.ms"))
                .producerIdExpirationMs((Integer) v.get("producer.id.expiration.ms"))
                .defaultRetention(defaultRetention)
                .cleaner(new CleanerConfig((Boolean) v.get("log.cleaner.enable"), (Integer) v.get("log.cleaner.threads"),
                        (Long) v.get("log.cleaner.dedupe.buffer.size"),
                        (Double) v.get("log.cleaner.io.buffer.load.factor"),
                        (Double) v.get("log.cleaner.io.max.bytes.per.second"), (Long) v.get("log.cleaner.backoff.ms")));
        if (v.get("store.transient.pool.enable") != null) {
            b.transientStorePoolEnabled((Boolean) v.get("store.transient.pool.enable"));
        }
        return b.build();
    }
}
