package io.ferrite.group;

import org.apache.kafka.common.Uuid;

/** Where partitions' logs start and end now: what share groups read from. Safe to call from any thread. */
public interface PartitionOffsets {
    /** The partition's log start offset, or -1 if there is no such partition. */
    long logStartOffset(Uuid topicId, int partition);

    /** The offset after the last record a consumer may read (the high watermark), or -1 if no such partition. */
    long logEndOffset(Uuid topicId, int partition);

    /**
     * The offset read_committed readers stop before: the first offset of the earliest open transaction, or the log
     * end offset if none is open; -1 if no such partition.
     */
    long lastStableOffset(Uuid topicId, int partition);

    /** The first offset with a timestamp at or after {@code timestamp}, or the log end offset if none. */
    long offsetForTimestamp(Uuid topicId, int partition, long timestamp);
}
