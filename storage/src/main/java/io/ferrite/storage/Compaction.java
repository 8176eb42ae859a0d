package io.ferrite.storage;

/**
 * How a compacted partition is cleaned (its topic's {@code cleanup.policy} includes compact): Kafka's topic keys.
 *
 * @param deleteRetentionMs  a tombstone is kept this long after the pass that first cleaned it ({@code delete.retention.ms})
 * @param minLagMs           a batch younger than this (by its max timestamp) is not cleaned ({@code min.compaction.lag.ms})
 * @param maxLagMs           a partition whose oldest uncleaned batch is older than this is cleaned whatever its dirty
 *                           ratio ({@code max.compaction.lag.ms})
 * @param minCleanableRatio  otherwise a partition is cleaned once uncleaned bytes are at least this share of its
 *                           bytes ({@code min.cleanable.dirty.ratio})
 */
public record Compaction(long deleteRetentionMs, long minLagMs, long maxLagMs, double minCleanableRatio) {
    /** Kafka's defaults: tombstones for a day, no lag bounds, cleaned at half dirty. */
    public static final Compaction KAFKA_DEFAULT = new Compaction(86_400_000L, 0, Long.MAX_VALUE, 0.5);

    public Compaction {
        if (deleteRetentionMs < 0 || minLagMs < 0 || maxLagMs < 1 || minCleanableRatio < 0 || minCleanableRatio > 1) {
            throw new IllegalArgumentException("compaction settings out of range: " + deleteRetentionMs + ", "
                    + minLagMs + ", " + maxLagMs + ", " + minCleanableRatio);
        }
    }
}
