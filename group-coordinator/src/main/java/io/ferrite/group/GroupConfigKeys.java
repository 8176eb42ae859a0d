package io.ferrite.group;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.InvalidConfigurationException;

/**
 * The configs one group may set for itself (IncrementalAlterConfigs on a GROUP resource), under Kafka's names,
 * with Kafka's defaults, bounds and messages. Most stand for a broker key ({@code group.consumer.*},
 * {@code group.share.*}), whose value is the group's default, and a group may set them only within the broker's
 * {@code min}/{@code max} keys of the same name.
 *
 * <p>Kafka 4.3 also has {@code consumer.assignment.interval.ms}, {@code share.assignment.interval.ms} and five
 * {@code streams.*} keys. This broker computes assignments on the heartbeat that needs them and has no streams
 * groups, so it neither lists nor takes those: a value it would not act on is refused, not stored.
 */
public final class GroupConfigKeys {
    public static final String CONSUMER_SESSION_TIMEOUT_MS = "consumer.session.timeout.ms";
    public static final String CONSUMER_HEARTBEAT_INTERVAL_MS = "consumer.heartbeat.interval.ms";
    public static final String SHARE_SESSION_TIMEOUT_MS = "share.session.timeout.ms";
    public static final String SHARE_HEARTBEAT_INTERVAL_MS = "share.heartbeat.interval.ms";
    public static final String SHARE_RECORD_LOCK_DURATION_MS = "share.record.lock.duration.ms";
    public static final String SHARE_DELIVERY_COUNT_LIMIT = "share.delivery.count.limit";
    public static final String SHARE_PARTITION_MAX_RECORD_LOCKS = "share.partition.max.record.locks";
    public static final String SHARE_AUTO_OFFSET_RESET = "share.auto.offset.reset";
    public static final String SHARE_ISOLATION_LEVEL = "share.isolation.level";
    public static final String SHARE_RENEW_ACKNOWLEDGE_ENABLE = "share.renew.acknowledge.enable";

    /** Each group key once, with Kafka's type, default, bounds and a short doc. */
    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            .define(CONSUMER_SESSION_TIMEOUT_MS, Type.INT, 45_000, Range.atLeast(1), Importance.MEDIUM,
                    "How long a member of this consumer group may go without a heartbeat before it is removed.")
            .define(CONSUMER_HEARTBEAT_INTERVAL_MS, Type.INT, 5_000, Range.atLeast(1), Importance.MEDIUM,
                    "How often the members of this consumer group are told to heartbeat.")
            .define(SHARE_SESSION_TIMEOUT_MS, Type.INT, 45_000, Range.atLeast(1), Importance.MEDIUM,
                    "How long a member of this share group may go without a heartbeat before it is removed.")
            .define(SHARE_HEARTBEAT_INTERVAL_MS, Type.INT, 5_000, Range.atLeast(1), Importance.MEDIUM,
                    "How often the members of this share group are told to heartbeat.")
            .define(SHARE_RECORD_LOCK_DURATION_MS, Type.INT, 30_000, Range.atLeast(1000), Importance.MEDIUM,
                    "How long a record handed to a member of this share group stays locked to it.")
            .define(SHARE_DELIVERY_COUNT_LIMIT, Type.INT, 5, Range.atLeast(2), Importance.MEDIUM,
                    "How many times a record is delivered to this share group before it is archived.")
            .define(SHARE_PARTITION_MAX_RECORD_LOCKS, Type.INT, 2000, Range.atLeast(100), Importance.MEDIUM,
                    "The most records of one partition this share group has in flight at once.")
            .define(SHARE_AUTO_OFFSET_RESET, Type.STRING, "latest", new ResetStrategy(), Importance.MEDIUM,
                    "Where this share group starts reading a partition it has no state for: earliest, latest, "
                            + "or by_duration:<ISO-8601 duration> back from now.")
            .define(SHARE_ISOLATION_LEVEL, Type.STRING, "read_uncommitted",
                    ValidString.in("read_committed", "read_uncommitted"), Importance.MEDIUM,
                    "read_committed delivers only committed transactional records to this share group; "
                            + "read_uncommitted delivers every record.")
            .define(SHARE_RENEW_ACKNOWLEDGE_ENABLE, Type.BOOLEAN, true, Importance.MEDIUM,
                    "Whether members of this share group may renew the lock on a record they hold (RENEW); when "
                            + "false a RENEW is refused with INVALID_RECORD_STATE, as in Kafka.");

    /** The broker key that is each group key's default and names its bounds; absent for keys that have none. */
    private static final Map<String, String> BROKER_KEYS = Map.of(
            CONSUMER_SESSION_TIMEOUT_MS, "group.consumer.session.timeout.ms",
            CONSUMER_HEARTBEAT_INTERVAL_MS, "group.consumer.heartbeat.interval.ms",
            SHARE_SESSION_TIMEOUT_MS, "group.share.session.timeout.ms",
            SHARE_HEARTBEAT_INTERVAL_MS, "group.share.heartbeat.interval.ms",
            SHARE_RECORD_LOCK_DURATION_MS, "group.share.record.lock.duration.ms",
            SHARE_DELIVERY_COUNT_LIMIT, "group.share.delivery.count.limit",
            SHARE_PARTITION_MAX_RECORD_LOCKS, "group.share.partition.max.record.locks");

    /**
     * The keys the broker runs groups with. {@code share.renew.acknowledge.enable} is kept and described, but RENEW
     * is taken whatever it says.
     */
    private static final Set<String> ACTED_ON = Set.of(CONSUMER_SESSION_TIMEOUT_MS, CONSUMER_HEARTBEAT_INTERVAL_MS,
            SHARE_SESSION_TIMEOUT_MS, SHARE_HEARTBEAT_INTERVAL_MS, SHARE_RECORD_LOCK_DURATION_MS,
            SHARE_DELIVERY_COUNT_LIMIT, SHARE_PARTITION_MAX_RECORD_LOCKS, SHARE_AUTO_OFFSET_RESET,
            SHARE_ISOLATION_LEVEL, SHARE_RENEW_ACKNOWLEDGE_ENABLE);

    private GroupConfigKeys() {
    }

    /** Whether the broker acts on {@code name} (see {@link #ACTED_ON}); false for a key it only keeps. */
    public static boolean actedOn(String name) {
        return ACTED_ON.contains(name);
    }

    /** The broker key standing for {@code name} (its default and bounds), or null. */
    public static String brokerKey(String name) {
        return BROKER_KEYS.get(name);
    }

    /**
     * Checks a group's whole set: every name known, every value parsed and within Kafka's bounds and the
     * broker's; throws INVALID_CONFIG with Kafka's wording otherwise.
     */
    public static void validate(Map<String, String> configs, ConsumerGroupConfig consumer, ShareGroupConfig share) {
        TreeSet<String> unknown = new TreeSet<>(configs.keySet());
        unknown.removeAll(CONFIG_DEF.names());
        if (!unknown.isEmpty()) {
            throw new InvalidConfigurationException("Unknown group config name: " + String.join(", ", unknown));
        }
        Map<String, Object> parsed;
        try {
            parsed = CONFIG_DEF.parse(configs);
        } catch (ConfigException e) {
            throw new InvalidConfigurationException(e.getMessage());
        }
        for (String name : configs.keySet()) {
            int[] bounds = bounds(name, consumer, share);
            if (bounds == null) {
                continue;
            }
            int value = (Integer) parsed.get(name);
            String broker = BROKER_KEYS.get(name);
            if (value < bounds[0]) {
                throw new InvalidConfigurationException(name + " must be greater than or equal to "
                        + broker.replace(".consumer.", ".consumer.min.").replace(".share.", ".share.min."));
            }
            if (value > bounds[1]) {
                throw new InvalidConfigurationException(name + " must be less than or equal to "
                        + broker.replace(".consumer.", ".consumer.max.").replace(".share.", ".share.max."));
            }
        }
    }

    /** The broker's lower and upper bound on {@code name}, or null for a key without bounds. */
    private static int[] bounds(String name, ConsumerGroupConfig c, ShareGroupConfig s) {
        return switch (name) {
            case CONSUMER_SESSION_TIMEOUT_MS -> new int[] {c.minSessionTimeoutMs(), c.maxSessionTimeoutMs()};
            case CONSUMER_HEARTBEAT_INTERVAL_MS -> new int[] {c.minHeartbeatIntervalMs(), c.maxHeartbeatIntervalMs()};
            case SHARE_SESSION_TIMEOUT_MS -> new int[] {s.minSessionTimeoutMs(), s.maxSessionTimeoutMs()};
            case SHARE_HEARTBEAT_INTERVAL_MS -> new int[] {s.minHeartbeatIntervalMs(), s.maxHeartbeatIntervalMs()};
            case SHARE_RECORD_LOCK_DURATION_MS -> new int[] {s.minRecordLockDurationMs(), s.maxRecordLockDurationMs()};
            case SHARE_DELIVERY_COUNT_LIMIT -> new int[] {s.minDeliveryCountLimit(), s.maxDeliveryCountLimit()};
            case SHARE_PARTITION_MAX_RECORD_LOCKS -> new int[] {s.minPartitionMaxRecordLocks(),
                    s.maxPartitionMaxRecordLocks()};
            default -> null;
        };
    }

    /** earliest, latest, or by_duration: and a non-negative ISO-8601 duration, as Kafka takes them. */
    private static final class ResetStrategy implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            String v = ((String) value).trim();
            if (v.equalsIgnoreCase("earliest") || v.equalsIgnoreCase("latest")) {
                return;
            }
            if (v.regionMatches(true, 0, "by_duration:", 0, "by_duration:".length())) {
                try {
                    if (!Duration.parse(v.substring("by_duration:".length())).isNegative()) {
                        return;
                    }
                } catch (DateTimeParseException e) {
                    // refused below
                }
            }
            throw new ConfigException(name, value, "Invalid value `" + value + "` for configuration " + name
                    + ". The value must be either 'earliest', 'latest' or of the format 'by_duration:<PnDTnHnMn.nS>'.");
        }

        @Override
        public String toString() {
            return "[latest, earliest, by_duration:PnDTnHnMn.nS]";
        }
    }
}
