package io.ferrite.group;

import io.ferrite.storage.ConfigValues;
import java.util.Map;

/**
 * The group coordinator's settings, under Kafka's names.
 *
 * @param minSessionTimeoutMs        {@code group.min.session.timeout.ms} (6 s)
 * @param maxSessionTimeoutMs        {@code group.max.session.timeout.ms} (30 min)
 * @param initialRebalanceDelayMs    {@code group.initial.rebalance.delay.ms} (3 s): how long a new group
 *                                   waits for more members before its first rebalance completes
 * @param maxSize                    {@code group.max.size}: members per classic group
 * @param offsetsRetentionMs         {@code offsets.retention.minutes} (7 days): how long an empty group's
 *                                   committed offsets are kept
 * @param offsetsRetentionCheckMs    {@code offsets.retention.check.interval.ms} (10 min)
 * @param offsetMetadataMaxBytes     {@code offset.metadata.max.bytes} (4096)
 * @param newMemberJoinTimeoutMs     how long a member that joined a rebalance as new may take to join again
 *                                   (Kafka's fixed 5 min)
 * @param compactAfterBytes          CommitLog bytes the coordinator log may hold from deletion before it is
 *                                   compacted ({@code store.coordinator.compact.bytes}; default 64 MiB)
 */
public record GroupConfig(int minSessionTimeoutMs, int maxSessionTimeoutMs, int initialRebalanceDelayMs, int maxSize,
                          long offsetsRetentionMs, long offsetsRetentionCheckMs, int offsetMetadataMaxBytes,
                          int newMemberJoinTimeoutMs, long compactAfterBytes) {
    public GroupConfig {
        if (minSessionTimeoutMs <= 0 || maxSessionTimeoutMs < minSessionTimeoutMs) {
            throw new IllegalArgumentException("group.min.session.timeout.ms must be positive and at most "
                    + "group.max.session.timeout.ms");
        }
        if (initialRebalanceDelayMs < 0 || maxSize <= 0 || offsetsRetentionMs <= 0 || offsetsRetentionCheckMs <= 0
                || offsetMetadataMaxBytes < 0 || newMemberJoinTimeoutMs <= 0 || compactAfterBytes <= 0) {
            throw new IllegalArgumentException("group settings must be positive (the rebalance delay and metadata"
                    + " size may be 0)");
        }
    }

    public static GroupConfig fromProperties(Map<String, String> props) {
        return new GroupConfig(
                ConfigValues.intOf(props, "group.min.session.timeout.ms", 6_000),
                ConfigValues.intOf(props, "group.max.session.timeout.ms", 1_800_000),
                ConfigValues.intOf(props, "group.initial.rebalance.delay.ms", 3_000),
                ConfigValues.intOf(props, "group.max.size", Integer.MAX_VALUE),
                ConfigValues.longOf(props, "offsets.retention.minutes", 7 * 24 * 60) * 60_000L,
                ConfigValues.longOf(props, "offsets.retention.check.interval.ms", 600_000),
                ConfigValues.intOf(props, "offset.metadata.max.bytes", 4096),
                300_000,
                ConfigValues.longOf(props, "store.coordinator.compact.bytes", 64L << 20));
    }
}
