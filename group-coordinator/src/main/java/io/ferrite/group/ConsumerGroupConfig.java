package io.ferrite.group;

import io.ferrite.group.assignor.Assignors;
import io.ferrite.storage.ConfigValues;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

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
 */
public record ConsumerGroupConfig(int sessionTimeoutMs, int minSessionTimeoutMs, int maxSessionTimeoutMs,
                                  int heartbeatIntervalMs, int minHeartbeatIntervalMs, int maxHeartbeatIntervalMs,
                                  int maxSize, List<String> assignors) {
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

    public static ConsumerGroupConfig defaults() {
        return fromProperties(Map.of());
    }

    public static ConsumerGroupConfig fromProperties(Map<String, String> props) {
        String assignors = props.getOrDefault("group.consumer.assignors", "uniform,range");
        return new ConsumerGroupConfig(
                ConfigValues.intOf(props, "group.consumer.session.timeout.ms", 45_000),
                ConfigValues.intOf(props, "group.consumer.min.session.timeout.ms", 45_000),
                ConfigValues.intOf(props, "group.consumer.max.session.timeout.ms", 60_000),
                ConfigValues.intOf(props, "group.consumer.heartbeat.interval.ms", 5_000),
                ConfigValues.intOf(props, "group.consumer.min.heartbeat.interval.ms", 5_000),
                ConfigValues.intOf(props, "group.consumer.max.heartbeat.interval.ms", 15_000),
                ConfigValues.intOf(props, "group.consumer.max.size", Integer.MAX_VALUE),
                Arrays.stream(assignors.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                        .map(ConsumerGroupConfig::assignorName).toList());
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
