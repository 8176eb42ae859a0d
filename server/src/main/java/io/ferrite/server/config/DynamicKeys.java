package io.ferrite.server.config;

import java.util.List;
import java.util.Set;

/**
 * Which broker configs may change while the broker runs (IncrementalAlterConfigs or AlterConfigs on its BROKER
 * resource), as Kafka marks them dynamic per broker, where Ferrite has them:
 * <ul>
 *   <li>the broker default of every topic config ({@code log.retention.ms}, {@code log.retention.bytes},
 *       {@code message.max.bytes}, {@code log.cleanup.policy}, ...: the first of each config's synonyms, not
 *       {@code log.retention.hours} or {@code .minutes}), as Kafka's {@code DynamicLogConfig};</li>
 *   <li>the cleaner's {@code log.cleaner.threads}, {@code .dedupe.buffer.size}, {@code .io.buffer.load.factor},
 *       {@code .io.max.bytes.per.second} and {@code .backoff.ms}, as Kafka's {@code LogCleaner} (the cleaners
 *       restart with them);</li>
 *   <li>the connection quotas {@code max.connections}, {@code max.connections.per.ip},
 *       {@code max.connections.per.ip.overrides} and {@code max.connection.creation.rate};</li>
 *   <li>a TLS listener's key and trust stores ({@code listener.name.<name>.ssl.keystore.*}, ...);</li>
 *   <li>Ferrite's own store settings that can change under a running store: {@code store.flush.interval.ms},
 *       {@code store.group.commit.gather.us}, {@code store.max.disk.used.ratio}, {@code store.file.max.age.ms},
 *       {@code store.read.verify.crc}; and {@code produce.batch.max.uncompressed.bytes}.</li>
 * </ul>
 * Everything else (listeners, log.dirs, the flush mode, file sizes, thread counts of the network, ...) is read
 * once at start, and a change is refused with INVALID_REQUEST, as Kafka refuses a config that is not dynamic.
 */
public final class DynamicKeys {
    static final Set<String> CLEANER = Set.of("log.cleaner.threads", "log.cleaner.dedupe.buffer.size",
            "log.cleaner.io.buffer.load.factor", "log.cleaner.io.max.bytes.per.second", "log.cleaner.backoff.ms");
    static final Set<String> CONNECTIONS = Set.of("max.connections", "max.connections.per.ip",
            "max.connections.per.ip.overrides", "max.connection.creation.rate");
    static final Set<String> STORE = Set.of("store.flush.interval.ms", "store.group.commit.gather.us",
            "store.max.disk.used.ratio", "store.file.max.age.ms", "store.read.verify.crc",
            BrokerConfig.MAX_UNCOMPRESSED_BYTES);

    private DynamicKeys() {
    }

    /** Whether {@code key} may be set on this broker while it runs with {@code listeners}. */
    public static boolean reconfigurable(String key, List<Listener> listeners) {
        return topicDefault(key) || CLEANER.contains(key) || CONNECTIONS.contains(key) || STORE.contains(key)
                || SecurityConfigs.dynamic(key, listeners);
    }

    /**
     * Whether {@code key} is the broker default of some topic config that may change while it runs: the first
     * of its synonyms ({@code log.retention.ms}, not {@code log.retention.hours}), as Kafka allows. A later one
     * set dynamically would lose to an earlier one in the properties file and change nothing.
     */
    public static boolean topicDefault(String key) {
        for (TopicConfigDef def : TopicConfigs.all()) {
            if (!def.brokerSynonyms().isEmpty() && def.brokerSynonyms().get(0).name().equals(key)) {
                return true;
            }
        }
        return false;
    }
}
