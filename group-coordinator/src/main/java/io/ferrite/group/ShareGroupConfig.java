package io.ferrite.group;

import java.util.Map;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef;

/**
 * The broker's settings of share groups (KIP-932), under Kafka's names, with its defaults and bounds. Each
 * setting a group may override ({@link GroupConfigKeys}) has a broker default and, for most, a lower and upper
 * bound on what a group may set.
 *
 * @param sessionTimeoutMs           {@code group.share.session.timeout.ms} (45 s), within
 *                                   {@code group.share.min/max.session.timeout.ms} (45 s, 60 s)
 * @param heartbeatIntervalMs        {@code group.share.heartbeat.interval.ms} (5 s), within
 *                                   {@code group.share.min/max.heartbeat.interval.ms} (5 s, 15 s)
 * @param maxSize                    {@code group.share.max.size} (200): members per share group
 * @param recordLockDurationMs       {@code group.share.record.lock.duration.ms} (30 s): how long a record
 *                                   handed to a consumer stays its own before it is offered again; within
 *                                   {@code group.share.min/max.record.lock.duration.ms} (15 s, 60 s)
 * @param deliveryCountLimit         {@code group.share.delivery.count.limit} (5): deliveries of one record
 *                                   before it is archived; within {@code group.share.min/max.delivery.count.limit}
 * @param partitionMaxRecordLocks    {@code group.share.partition.max.record.locks} (2,000): records of one
 *                                   share-partition in flight at once; within its min/max (100, 4,000)
 * @param maxShareSessions           {@code group.share.max.share.sessions} (2,000): share sessions the broker
 *                                   keeps
 */
public record ShareGroupConfig(int sessionTimeoutMs, int minSessionTimeoutMs, int maxSessionTimeoutMs,
                               int heartbeatIntervalMs, int minHeartbeatIntervalMs, int maxHeartbeatIntervalMs,
                               int maxSize, int recordLockDurationMs, int minRecordLockDurationMs,
                               int maxRecordLockDurationMs, int deliveryCountLimit, int minDeliveryCountLimit,
                               int maxDeliveryCountLimit, int partitionMaxRecordLocks, int minPartitionMaxRecordLocks,
                               int maxPartitionMaxRecordLocks, int maxShareSessions) {
    public ShareGroupConfig {
        within("group.share.session.timeout.ms", sessionTimeoutMs, minSessionTimeoutMs, maxSessionTimeoutMs);
        within("group.share.heartbeat.interval.ms", heartbeatIntervalMs, minHeartbeatIntervalMs,
                maxHeartbeatIntervalMs);
        if (heartbeatIntervalMs >= sessionTimeoutMs) {
            throw new IllegalArgumentException("group.share.heartbeat.interval.ms must be less than "
                    + "group.share.session.timeout.ms");
        }
        within("group.share.record.lock.duration.ms", recordLockDurationMs, minRecordLockDurationMs,
                maxRecordLockDurationMs);
        within("group.share.delivery.count.limit", deliveryCountLimit, minDeliveryCountLimit, maxDeliveryCountLimit);
        within("group.share.partition.max.record.locks", partitionMaxRecordLocks, minPartitionMaxRecordLocks,
                maxPartitionMaxRecordLocks);
    }

    private static void within(String key, int value, int min, int max) {
        String bounds = key.replace("group.share.", "group.share.min.") + " and "
                + key.replace("group.share.", "group.share.max.");
        if (min > max) {
            throw new IllegalArgumentException(bounds + ": the lower bound is above the upper one");
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException(key + " must be between " + bounds);
        }
    }

    /** Each key once, with Kafka's name, type, default and bounds (merged into the broker's definition). */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define("group.share.session.timeout.ms", Type.INT, 45_000, Range.atLeast(1), Importance.MEDIUM,
                    "How long a share-group member may go without a heartbeat before it is removed.")
            .define("group.share.min.session.timeout.ms", Type.INT, 45_000, Range.atLeast(1), Importance.MEDIUM,
                    "The lower bound of a share group's session timeout.")
            .define("group.share.max.session.timeout.ms", Type.INT, 60_000, Range.atLeast(1), Importance.MEDIUM,
                    "The upper bound of a share group's session timeout.")
            .define("group.share.heartbeat.interval.ms", Type.INT, 5_000, Range.atLeast(1), Importance.MEDIUM,
                    "How often share-group members are told to heartbeat.")
            .define("group.share.min.heartbeat.interval.ms", Type.INT, 5_000, Range.atLeast(1), Importance.MEDIUM,
                    "The lower bound of a share group's heartbeat interval.")
            .define("group.share.max.heartbeat.interval.ms", Type.INT, 15_000, Range.atLeast(1), Importance.MEDIUM,
                    "The upper bound of a share group's heartbeat interval.")
            .define("group.share.max.size", Type.INT, 200, Range.between(1, 1000), Importance.MEDIUM,
                    "The most members a share group may have.")
            .define("group.share.record.lock.duration.ms", Type.INT, 30_000, Range.between(1000, 3_600_000),
                    Importance.MEDIUM, "How long a record handed to a share consumer is locked to it before it "
                            + "is offered again.")
            .define("group.share.min.record.lock.duration.ms", Type.INT, 15_000, Range.between(1000, 30_000),
                    Importance.MEDIUM, "The lower bound of a share group's record lock duration.")
            .define("group.share.max.record.lock.duration.ms", Type.INT, 60_000, Range.between(30_000, 3_600_000),
                    Importance.MEDIUM, "The upper bound of a share group's record lock duration.")
            .define("group.share.delivery.count.limit", Type.INT, 5, Range.between(2, 10), Importance.MEDIUM,
                    "How many times a record is delivered to a share group before it is archived.")
            .define("group.share.min.delivery.count.limit", Type.INT, 2, Range.between(2, 5), Importance.MEDIUM,
                    "The lower bound of a share group's delivery count limit.")
            .define("group.share.max.delivery.count.limit", Type.INT, 10, Range.between(5, 25), Importance.MEDIUM,
                    "The upper bound of a share group's delivery count limit.")
            .define("group.share.partition.max.record.locks", Type.INT, 2000, Range.between(100, 10_000),
                    Importance.MEDIUM, "The most records of one share-partition in flight at once.")
            .define("group.share.min.partition.max.record.locks", Type.INT, 100, Range.between(100, 2000),
                    Importance.MEDIUM, "The lower bound of a share group's record lock limit per partition.")
            .define("group.share.max.partition.max.record.locks", Type.INT, 4000, Range.between(2000, 10_000),
                    Importance.MEDIUM, "The upper bound of a share group's record lock limit per partition.")
            .define("group.share.max.share.sessions", Type.INT, 2000, Range.atLeast(1), Importance.MEDIUM,
                    "The most share sessions the broker keeps.");

    public static ShareGroupConfig defaults() {
        return fromProperties(Map.of());
    }

    /** The settings of these properties (keys not defined here are ignored); a bad value names its key. */
    public static ShareGroupConfig fromProperties(Map<String, ?> props) {
        return fromValues(CONFIG_DEF.parse(props));
    }

    /** The settings of values already parsed by a definition holding {@link #CONFIG_DEF}'s keys (the broker's). */
    public static ShareGroupConfig fromValues(Map<String, ?> v) {
        return new ShareGroupConfig(i(v, "group.share.session.timeout.ms"), i(v, "group.share.min.session.timeout.ms"),
                i(v, "group.share.max.session.timeout.ms"), i(v, "group.share.heartbeat.interval.ms"),
                i(v, "group.share.min.heartbeat.interval.ms"), i(v, "group.share.max.heartbeat.interval.ms"),
                i(v, "group.share.max.size"), i(v, "group.share.record.lock.duration.ms"),
                i(v, "group.share.min.record.lock.duration.ms"), i(v, "group.share.max.record.lock.duration.ms"),
                i(v, "group.share.delivery.count.limit"), i(v, "group.share.min.delivery.count.limit"),
                i(v, "group.share.max.delivery.count.limit"), i(v, "group.share.partition.max.record.locks"),
                i(v, "group.share.min.partition.max.record.locks"), i(v, "group.share.max.partition.max.record.locks"),
                i(v, "group.share.max.share.sessions"));
    }

    private static int i(Map<String, ?> v, String key) {
        return (Integer) v.get(key);
    }
}
