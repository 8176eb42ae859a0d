package io.ferrite.storage;

/**
 * How long a partition keeps its batches: by age of the batch's max timestamp, and by total size.
 * -1 turns either limit off, as in Kafka.
 */
public record Retention(long retentionMs, long retentionBytes) {
    /** Kafka's defaults: seven days, no size limit. */
    public static final Retention KAFKA_DEFAULT = new Retention(7L * 24 * 60 * 60 * 1000, -1);

    public Retention {
        if (retentionMs < -1 || retentionBytes < -1) {
            throw new IllegalArgumentException("retention limits are -1 (off) or non-negative");
        }
    }
}
