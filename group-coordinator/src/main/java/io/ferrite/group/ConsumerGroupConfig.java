package io.ferrite.group;

import io.ferrite.group.assignor.Assignors;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef;

/**
 * The settings of consumer groups (the KIP-848 protocol), under Kafka's names and with its defaults and
 * checks.
 *
 * @param sessionTimeoutMs       {@code group.consumer.session.timeout.ms} (45 s): a member that has not
 *                               heartbeated for this long is removed
 * @param minSessionTimeoutMs    {@code group.consumer.min.session.timeout.ms} (45 s)
 * @param maxSessionTimeoutMs    {@code group.consumer.max.session.timeout.ms} (60 s)
 * @param heartbeatIntervalMs    {@code group.consumer.heartbeat.interval.ms} (5 s): told to every member
 * @param minHeartbeatIntervalMs {@code group.consumer.min.heartbeat.interval.ms} (5 s)
 * @param maxHeartbeatIntervalMs {@code group.consumer.max.heartbeat.interval.ms} (15 s)
 * @param maxSize                {@code group.consumer.max.size}: members per consumer group
 * @param assignors              {@code group.consumer.assignors} ("uniform,range"): the server assignors a
 *                               member may name; the first is used when none is named
 * @param migrationPolicy        {@code group.consumer.migration.policy} (bidirectional): whether a live group
 *                               moves between the classic and consumer protocols as its members do
 */
public record ConsumerGroupConfig(int sessionTimeoutMs, int minSessionTimeoutMs, int maxSessionTimeoutMs,
                                  int heartbeatIntervalMs, int minHeartbeatIntervalMs, int maxHeartbeatIntervalMs,
                                  int maxSize, List<String> assignors, MigrationPolicy migrationPolicy) {
    /** Kafka's {@code group.consumer.migration.policy} values. */
    public enum MigrationPolicy {
        /** Neither way: a group changes protocol only once empty. */
        DISABLED,
        /** A classic group becomes a consumer group when a consumer-protocol member joins it. */
        UPGRADE,
        /** A consumer group becomes a classic group when its last consumer-protocol member leaves. */
        DOWNGRADE,
        BIDIRECTIONAL;

        boolean upgrades() {
            return this == UPGRADE || this == BIDIRECTIONAL;
        }

        boolean downgrades() {
            return this == DOWNGRADE || this == BIDIRECTIONAL;
        }
    }

    public ConsumerGroupConfig {
        assignors = List.copyOf(assignors);
        if (minSessionTimeoutMs <= 0 || minHeartbeatIntervalMs <= 0 || maxSize <= 0) {
            throw new IllegalArgumentException("group.consumer.min.session.timeout.ms, "
                    + "group.consumer.min.heartbeat.interval.ms and group.consumer.max.size must be positive");
        }
        if (sessionTimeoutMs < minSessionTimeoutMs || sessionTimeoutMs > maxSessionTimeoutMs) {
            throw new IllegalArgumentException("group.consumer.session.timeout.ms must be between "
                    + "group.consumer.min.session.timeout.ms and group.consumer.max.session.timeout.ms");
        }
        if (heartbeatIntervalMs < minHeartbeatIntervalMs || heartbeatIntervalMs > maxHeartbeatIntervalMs) {
            throw new IllegalArgumentException("group.consumer.heartbeat.interval.ms must be between "
                    + "group.consumer.min.heartbeat.interval.ms and group.consumer.max.heartbeat.interval.ms");
        }
        if (heartbeatIntervalMs >= sessionTimeoutMs) {
            throw new IllegalArgumentException("group.consumer.heartbeat.interval.ms must be less than "
                    + "group.consumer.session.timeout.ms");
        }
        if (assignors.isEmpty()) {
            throw new IllegalArgumentException("group.consumer.assignors must name at least one assignor");
        }
        for (String name : assignors) {
            if (Assignors.byName(name) == null) {
                throw new IllegalArgumentException("group.consumer.assignors: unknown assignor " + name
                        + " (this broker has uniform and range)");
            }
        }
    }

    /** Each key once, with Kafka's name, type, default and bounds (merged into the broker's definition). */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define("group.consumer.session.timeout.ms", Type.INT, 45_000, Range.atLeast(1), Importance.MEDIUM,
                    "How long a consumer-protocol member may go without a heartbeat before it is removed.")
            .define("group.consumer.min.session.timeout.ms", Type.INT, 45_000, Range.atLeast(1), Importance.MEDIUM,
                    "The lower bound of group.consumer.session.timeout.ms.")
            .define("group.consumer.max.session.timeout.ms", Type.INT, 60_000, Range.atLeast(1), Importance.MEDIUM,
                    "The upper bound of group.consumer.session.timeout.ms.")
            .define("group.consumer.heartbeat.interval.ms", Type.INT, 5_000, Range.atLeast(1), Importance.MEDIUM,
                    "How often consumer-protocol members are told to heartbeat.")
            .define("group.consumer.min.heartbeat.interval.ms", Type.INT, 5_000, Range.atLeast(1),
                    Importance.MEDIUM, "The lower bound of group.consumer.heartbeat.interval.ms.")
            .define("group.consumer.max.heartbeat.interval.ms", Type.INT, 15_000, Range.atLeast(1),
                    Importance.MEDIUM, "The upper bound of group.consumer.heartbeat.interval.ms.")
            .define("group.consumer.max.size", Type.INT, Integer.MAX_VALUE, Range.atLeast(1), Importance.MEDIUM,
                    "The most members a consumer group may have.")
            .define("group.consumer.assignors", Type.LIST, "uniform,range", Importance.MEDIUM,
                    "The server assignors a member may name (uniform, range, or Kafka's class names of them); "
                            + "the first is used when a member names none.")
            .define("group.consumer.migration.policy", Type.STRING, "bidirectional",
                    ConfigDef.CaseInsensitiveValidString.in("disabled", "upgrade", "downgrade", "bidirectional"),
                    Importance.MEDIUM, "Whether a live group moves between the protocols as its members switch "
                            + "group.protocol: upgrade (classic to consumer when a consumer-protocol member joins), "
                            + "downgrade (consumer to classic when the last consumer-protocol member leaves), "
                            + "bidirectional, or disabled.");

    public static ConsumerGroupConfig defaults() {
        return fromProperties(Map.of());
    }

    /** The settings of these properties (keys not defined here are ignored); a bad value names its key. */
    public static ConsumerGroupConfig fromProperties(Map<String, ?> props) {
        return fromValues(CONFIG_DEF.parse(props));
    }

    /** The settings of values already parsed by a definition holding {@link #CONFIG_DEF}'s keys (the broker's). */
    @SuppressWarnings("unchecked")
    public static ConsumerGroupConfig fromValues(Map<String, ?> v) {
        return new ConsumerGroupConfig((Integer) v.get("group.consumer.session.timeout.ms"),
                (Integer) v.get("group.consumer.min.session.timeout.ms"),
                (Integer) v.get("group.consumer.max.session.timeout.ms"),
                (Integer) v.get("group.consumer.heartbeat.interval.ms"),
                (Integer) v.get("group.consumer.min.heartbeat.interval.ms"),
                (Integer) v.get("group.consumer.max.heartbeat.interval.ms"),
                (Integer) v.get("group.consumer.max.size"),
                ((List<String>) v.get("group.consumer.assignors")).stream()
                        .map(ConsumerGroupConfig::assignorName).toList(),
                MigrationPolicy.valueOf(((String) v.get("group.consumer.migration.policy"))
                        .toUpperCase(java.util.Locale.ROOT)));
    }

    /** Kafka also takes its assignors' class names here; they mean the assignors of the same names. */
    private static String assignorName(String configured) {
        return switch (configured) {
            case "org.apache.kafka.coordinator.group.assignor.UniformAssignor" -> "uniform";
            case "org.apache.kafka.coordinator.group.assignor.RangeAssignor" -> "range";
            default -> configured;
        };
    }

    /** The assignor used when no member names one. */
    String defaultAssignor() {
        return assignors.get(0);
    }
}
