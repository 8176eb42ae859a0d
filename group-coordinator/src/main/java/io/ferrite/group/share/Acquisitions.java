package io.ferrite.group.share;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.protocol.Errors;

/**
 * What one ShareFetch was handed: per partition an error or the acquired offset ranges (maybe none), how long
 * the records stay locked to the member (the group's {@code share.record.lock.duration.ms}), and whether the group
 * reads committed records only ({@code share.isolation.level=read_committed}: nothing was acquired past the last
 * stable offset, and records of aborted transactions are for the reader to archive).
 */
public record Acquisitions(int lockDurationMs, boolean readCommitted, Map<SharedPartition, Partition> partitions) {
    public Acquisitions {
        partitions = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(partitions)); // request order
    }

    /** One partition's part: an error, or the records acquired. */
    public record Partition(Errors error, String message, List<SharePartition.Acquired> acquired) {
        public Partition {
            acquired = List.copyOf(acquired);
        }
    }

    /** Whether no partition handed out anything. */
    public boolean empty() {
        return partitions.values().stream().allMatch(p -> p.acquired().isEmpty());
    }
}
