package io.ferrite.group;

import java.util.Map;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef;

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

    /**
     * Each key once, with Kafka's name, type, default and bounds; the broker merges these into its own
     * definition, from which its properties are parsed, DescribeConfigs answers and docs/CONFIG.md is made.
     */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define("group.min.session.timeout.ms", Type.INT, 6_000, Range.atLeast(1), Importance.MEDIUM,
                    "The shortest session timeout a classic-group member may ask for.")
            .define("group.max.session.timeout.ms", Type.INT, 1_800_000, Range.atLeast(1), Importance.MEDIUM,
                    "The longest session timeout a classic-group member may ask for.")
            .define("group.initial.rebalance.delay.ms", Type.INT, 3_000, Range.atLeast(0), Importance.MEDIUM,
                    "How long a new classic group waits for more members before its first rebalance completes.")
            .define("group.max.size", Type.INT, Integer.MAX_VALUE, Range.atLeast(1), Importance.MEDIUM,
                    "The most members a classic group may have.")
            .define("offsets.retention.minutes", Type.INT, 7 * 24 * 60, Range.atLeast(1), Importance.HIGH,
                    "How long the committed offsets of a group without members are kept.")
            .define("offsets.retention.check.interval.ms", Type.LONG, 600_000L, Range.atLeast(1), Importance.HIGH,
                    "How often offset expiry runs.")
            .define("offset.metadata.max.bytes", Type.INT, 4096, Range.atLeast(0), Importance.HIGH,
                    "The longest metadata string an offset commit may carry.")
            .define("store.coordinator.compact.bytes", Type.LONG, 64L << 20, Range.atLeast(1), Importance.LOW,
                    "CommitLog bytes the coordinator log may hold back from deletion before the coordinator "
                            + "compacts it (writes what is live again and moves its start).");

    /** Kafka's fixed time a member that joined a rebalance as new may take to join again. */
    private static final int NEW_MEMBER_JOIN_TIMEOUT_MS = 300_000;

    /** The settings of these properties (keys not defined here are ignored); a bad value names its key. */
    public static GroupConfig fromProperties(Map<String, ?> props) {
        return fromValues(CONFIG_DEF.parse(props));
    }

    /** The settings of values already parsed by a definition holding {@link #CONFIG_DEF}'s keys (the broker's). */
    public static GroupConfig fromValues(Map<String, ?> v) {
        return new GroupConfig((Integer) v.get("group.min.session.timeout.ms"),
                (Integer) v.get("group.max.session.timeout.ms"), (Integer) v.get("group.initial.rebalance.delay.ms"),
                (Integer) v.get("group.max.size"), (Integer) v.get("offsets.retention.minutes") * 60_000L,
                (Long) v.get("offsets.retention.check.interval.ms"), (Integer) v.get("offset.metadata.max.bytes"),
                NEW_MEMBER_JOIN_TIMEOUT_MS, (Long) v.get("store.coordinator.compact.bytes"));
    }

    /** Kafka's defaults. */
    public static GroupConfig defaults() {
        return fromProperties(Map.of());
    }
}
