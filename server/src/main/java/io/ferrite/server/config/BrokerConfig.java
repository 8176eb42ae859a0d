package io.ferrite.server.config;

import com.sun.management.UnixOperatingSystemMXBean;
import io.ferrite.group.ConsumerGroupConfig;
import io.ferrite.group.ShareGroupConfig;
import io.ferrite.group.GroupConfig;
import io.ferrite.protocol.BatchValidator;
import io.ferrite.protocol.KafkaFrameDecoder;
import io.ferrite.storage.StoreConfig;
import io.ferrite.txn.TransactionConfig;
import io.netty.util.internal.PlatformDependent;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.server.config.QuotaConfig;
import org.apache.kafka.common.config.ConfigException;

/**
 * The broker's settings, validated once at start. Every key it reads is defined once, in {@link #CONFIG_DEF}:
 * its own below, the store's ({@code StoreConfigs}), the group coordinator's ({@link GroupConfig},
 * {@link ConsumerGroupConfig}) and the transaction coordinator's ({@link TransactionConfig}), with Kafka's names where Kafka has them. Parsing, DescribeConfigs and
 * docs/CONFIG.md all come from that definition; topic configs and their broker defaults come from
 * {@link TopicConfigs}.
 *
 * @param listeners       {@code listeners} with their protocols, advertised addresses and TLS settings
 *                        ({@link SecurityConfigs}); at least one
 * @param nodeId          {@code node.id}
 * @param maxRequestBytes {@code socket.request.max.bytes}
 * @param networkThreads  {@code num.network.threads}: event-loop threads (default: one per core)
 * @param autoCreateTopics {@code auto.create.topics.enable}: Metadata creates unknown topics
 * @param numPartitions   {@code num.partitions}: partitions of an auto-created topic
 * @param store           the store, under the first of {@code log.dirs}; its default retention is the topic
 *                        defaults' retention
 * @param topicDefaults   what topics run with for the configs they do not set: the broker synonyms set here
 *                        ({@code message.max.bytes}, {@code log.retention.hours}, ...) over Kafka's defaults
 * @param group           the group coordinator's settings
 * @param consumerGroups  the settings of consumer groups (KIP-848)
 * @param shareGroups     the settings of share groups (KIP-932)
 * @param transactions    the transaction coordinator's settings
 * @param values          every defined key's value as the broker runs with it (set, or its default), typed
 * @param properties      every property as given, for DescribeConfigs to tell what was set from what was not
 */
public record BrokerConfig(List<Listener> listeners, int nodeId,
                           int maxRequestBytes, int networkThreads, boolean autoCreateTopics, int numPartitions,
                           StoreConfig store, TopicDefaults topicDefaults, GroupConfig group,
                           ConsumerGroupConfig consumerGroups, ShareGroupConfig shareGroups,
                           TransactionConfig transactions,
                           Map<String, Object> values,
                           Map<String, String> properties) {
    static final String MAX_UNCOMPRESSED_BYTES = "produce.batch.max.uncompressed.bytes";
    static final String HTTP_LISTENER = "http.listener";
    /** {@code http.listener}'s values, named so in docs/CONFIG.md. */
    private static final ConfigDef.Validator HOST_PORT = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            httpAddress((String) value);
        }

        @Override
        public String toString() {
            return "host:port, or empty";
        }
    };

    /** The broker's own keys. */
    static final ConfigDef OWN = new ConfigDef()
            .define("node.id", Type.INT, 1, Range.atLeast(0), Importance.HIGH, "This broker's id.")
            .define("broker.rack", Type.STRING, null, Importance.MEDIUM, "This broker's rack, told to clients in "
                    + "Metadata and DescribeCluster: consumers' rack-aware assignors (client.rack) use it.")
            .define(HTTP_LISTENER, Type.STRING, "", HOST_PORT, Importance.MEDIUM,
                    "host:port of the broker's HTTP listener, apart from the Kafka listeners, serving Prometheus "
                    + "metrics at /metrics, readiness at /health and the web console at /; port 0 takes a "
                    + "free one. "
                    + "Empty: no HTTP listener. It has no authentication: bind it to an address only operators reach.")
            .define("log.dirs", Type.STRING, null, Importance.HIGH,
                    "Where the store keeps its files (the first directory listed). Default: log.dir.")
            .define("log.dir", Type.STRING, "data", Importance.HIGH,
                    "Where the store keeps its files, when log.dirs is not set.")
            .define("socket.request.max.bytes", Type.INT, KafkaFrameDecoder.DEFAULT_MAX_FRAME_BYTES,
                    Range.atLeast(1), Importance.HIGH, "The largest request accepted; a larger one closes the connection.")
            .define("num.network.threads", Type.INT, null, Importance.HIGH,
                    "Event-loop threads serving connections. Default: one per core.")
            .define("auto.create.topics.enable", Type.BOOLEAN, true, Importance.HIGH,
                    "Whether Metadata creates the topics it is asked for and that do not exist.")
            .define("num.partitions", Type.INT, 1, Range.atLeast(1), Importance.MEDIUM,
                    "Partitions of a topic created without a count.")
            .define("max.connections", Type.INT, Integer.MAX_VALUE, Range.atLeast(0), Importance.MEDIUM,
                    "Most connections the broker holds; at the limit it stops accepting until one closes.")
            .define("max.connections.per.ip", Type.INT, Integer.MAX_VALUE, Range.atLeast(0), Importance.MEDIUM,
                    "Most connections from one IP address; a connection past it is closed at once.")
            .define("max.connections.per.ip.overrides", Type.STRING, "", Importance.MEDIUM,
                    "Per-host exceptions to max.connections.per.ip, as host:count,host:count (a name or an address).")
            .define("max.connection.creation.rate", Type.INT, Integer.MAX_VALUE, Range.atLeast(0), Importance.MEDIUM,
                    "Most new connections accepted per second; past it, accepting waits.")
            .define("connections.max.idle.ms", Type.LONG, 600_000L, Importance.MEDIUM,
                    "A connection that reads and writes nothing for this long, with no request pending, is closed; "
                            + "-1 never.")
            .define("queued.max.request.bytes", Type.LONG, -1L, Importance.MEDIUM,
                    "Bytes of requests read (from a frame's size on, partial frames included) and not yet answered, "
                            + "over all connections; at the limit the broker reads no more requests until some are "
                            + "answered. -1: half the JVM's maximum direct memory, at least socket.request.max.bytes "
                            + "(Kafka's -1 means no limit).")
            .define("fetch.max.bytes", Type.INT, 55 * 1024 * 1024, Range.atLeast(1024), Importance.MEDIUM,
                    "The most one fetch response carries, whatever the request asks (the first batch goes even "
                            + "if larger, so a consumer always moves on).")
            .define("max.incremental.fetch.session.cache.slots", Type.INT, 1000, Range.atLeast(0), Importance.MEDIUM,
                    "Most incremental fetch sessions kept at once (KIP-227); past it a new one evicts the least "
                            + "recently used if that has been idle two minutes, else the consumer fetches without one. "
                            + "0: no sessions.")
            .define(MAX_UNCOMPRESSED_BYTES, Type.LONG, BatchValidator.Rules.DEFAULT_MAX_UNCOMPRESSED_BYTES,
                    Range.atLeast(0), Importance.MEDIUM, "The most a compressed batch's records may take once "
                            + "decompressed; a produced batch past it is refused with MESSAGE_TOO_LARGE (a producer "
                            + "then splits it). Bounds the work a few kilobytes of a compression bomb can cause.");

    /** How client quotas are measured: Kafka's own definitions of the keys. */
    static final ConfigDef QUOTAS = new ConfigDef()
            .define(QuotaConfig.CONFIG_DEF.configKeys().get(QuotaConfig.NUM_QUOTA_SAMPLES_CONFIG))
            .define(QuotaConfig.CONFIG_DEF.configKeys().get(QuotaConfig.QUOTA_WINDOW_SIZE_SECONDS_CONFIG))
            .define(QuotaConfig.CONFIG_DEF.configKeys().get(QuotaConfig.NUM_CONTROLLER_QUOTA_SAMPLES_CONFIG))
            .define(QuotaConfig.CONFIG_DEF.configKeys().get(QuotaConfig.CONTROLLER_QUOTA_WINDOW_SIZE_SECONDS_CONFIG));

    /** Every key the broker reads: its own, the store's and the coordinators'. */
    public static final ConfigDef CONFIG_DEF = merge(OWN, QUOTAS, SecurityConfigs.CONFIG_DEF, StoreConfigs.CONFIG_DEF, GroupConfig.CONFIG_DEF,
            ConsumerGroupConfig.CONFIG_DEF, ShareGroupConfig.CONFIG_DEF, TransactionConfig.CONFIG_DEF);

    /** The parts of {@link #CONFIG_DEF}, in the order docs/CONFIG.md lists them. */
    public static final Map<String, ConfigDef> SECTIONS = sections();

    public BrokerConfig {
        listeners = List.copyOf(listeners);
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("at least one listener is needed");
        }
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(topicDefaults, "topicDefaults");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(consumerGroups, "consumerGroups");
        Objects.requireNonNull(shareGroups, "shareGroups");
        Objects.requireNonNull(transactions, "transactions");
        values = Collections.unmodifiableMap(new HashMap<>(values)); // values may be null, unlike Map.copyOf's
        properties = Map.copyOf(properties);
        if (networkThreads <= 0) {
            throw new IllegalArgumentException("num.network.threads must be positive");
        }
        if ((Long) values.get("queued.max.request.bytes") > 0
                && (Long) values.get("queued.max.request.bytes") < maxRequestBytes) { // as Kafka: a request must fit
            throw new IllegalArgumentException("queued.max.request.bytes must be at least socket.request.max.bytes ("
                    + maxRequestBytes + ")");
        }
        connectionLimits(values, maxRequestBytes); // refuses bad overrides at start, naming the key
    }

    /**
     * This configuration with {@code dynamic} (configs set while the broker runs) over its properties, parsed as
     * at start; this one if there are none.
     *
     * @throws IllegalArgumentException as {@link #fromProperties} does
     */
    public BrokerConfig withDynamic(Map<String, String> dynamic) {
        if (dynamic.isEmpty()) {
            return this;
        }
        Map<String, String> props = new HashMap<>(properties);
        props.putAll(dynamic);
        return fromProperties(props);
    }

    /**
     * Kafka's property names over the defaults. A value that does not parse or is out of bounds fails with
     * an {@link IllegalArgumentException} naming its key; keys not defined here are kept for DescribeConfigs.
     */
    public static BrokerConfig fromProperties(Map<String, String> props) {
        try {
            return parse(props);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static BrokerConfig parse(Map<String, String> props) {
        Map<String, Object> v = new HashMap<>(CONFIG_DEF.parse(props));
        SingleNode.check(props, v);
        List<Listener> listeners = SecurityConfigs.listeners(v, props);
        String logDirs = v.get("log.dirs") != null ? (String) v.get("log.dirs") : (String) v.get("log.dir");
        Path dataDir = Path.of(logDirs.split(",")[0].trim());
        v.put("log.dirs", dataDir.toString());
        if (v.get("num.network.threads") == null) {
            v.put("num.network.threads", Runtime.getRuntime().availableProcessors());
        }
        TopicDefaults topicDefaults = TopicDefaults.of(props)
                .withMaxUncompressedBytes((Long) v.get(MAX_UNCOMPRESSED_BYTES));
        // One source for the default retention: the store's matches what DescribeConfigs reports for topics.
        StoreConfig store = StoreConfigs.from(dataDir, v, TopicConfigs.retention(topicDefaults, Map.of()));
        v.put("store.transient.pool.enable", store.transientStorePoolEnabled());
        return new BrokerConfig(listeners, (Integer) v.get("node.id"),
                (Integer) v.get("socket.request.max.bytes"), (Integer) v.get("num.network.threads"),
                (Boolean) v.get("auto.create.topics.enable"), (Integer) v.get("num.partitions"), store, topicDefaults,
                GroupConfig.fromValues(v), ConsumerGroupConfig.fromValues(v), ShareGroupConfig.fromValues(v),
                TransactionConfig.fromValues(v, (Long) v.get("store.coordinator.compact.bytes")), v, props);
    }

    private static ConfigDef merge(ConfigDef... parts) {
        ConfigDef all = new ConfigDef();
        for (ConfigDef part : parts) {
            part.configKeys().values().forEach(all::define); // define refuses a key defined twice
        }
        return all;
    }

    /** {@code http.listener}'s address; null when there is none. */
    public java.net.InetSocketAddress httpListener() {
        return httpAddress((String) values.get(HTTP_LISTENER));
    }

    private static java.net.InetSocketAddress httpAddress(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        int colon = value.lastIndexOf(':');
        int port;
        try {
            port = colon < 0 ? -1 : Integer.parseInt(value.substring(colon + 1).trim());
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException(HTTP_LISTENER, value, "must be host:port, the port from 0 to 65535");
        }
        String host = value.substring(0, colon).trim();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return host.isEmpty() ? new java.net.InetSocketAddress(port)
                : new java.net.InetSocketAddress(host, port);
    }

    /** {@code broker.rack}; null when none is set. */
    public String rack() {
        String rack = (String) values.get("broker.rack");
        return rack == null || rack.isBlank() ? null : rack.trim();
    }

    /** {@code authorizer.class.name}; null when none is set (no authorization). */
    public String authorizerClassName() {
        String name = (String) values.get("authorizer.class.name");
        return name == null || name.isBlank() ? null : name.trim();
    }

    /** The listeners as an authorizer is told of them. */
    public List<org.apache.kafka.common.Endpoint> endpoints() {
        return listeners.stream().map(l -> new org.apache.kafka.common.Endpoint(l.name(), l.protocol(), l.host(),
                l.port())).toList();
    }

    /** {@code quota.window.num}: how many windows a client's rate is measured over. */
    public int quotaWindows() {
        return (Integer) values.get(QuotaConfig.NUM_QUOTA_SAMPLES_CONFIG);
    }

    /** {@code quota.window.size.seconds}. */
    public int quotaWindowSeconds() {
        return (Integer) values.get(QuotaConfig.QUOTA_WINDOW_SIZE_SECONDS_CONFIG);
    }

    /** {@code controller.quota.window.num}: the partition-mutation bucket's windows. */
    public int mutationQuotaWindows() {
        return (Integer) values.get(QuotaConfig.NUM_CONTROLLER_QUOTA_SAMPLES_CONFIG);
    }

    /** {@code controller.quota.window.size.seconds}. */
    public int mutationQuotaWindowSeconds() {
        return (Integer) values.get(QuotaConfig.CONTROLLER_QUOTA_WINDOW_SIZE_SECONDS_CONFIG);
    }

    public int fetchMaxBytes() {
        return (Integer) values.get("fetch.max.bytes");
    }

    /** {@code max.incremental.fetch.session.cache.slots}. */
    public int fetchSessionSlots() {
        return (Integer) values.get("max.incremental.fetch.session.cache.slots");
    }

    /** The network's limits, from their keys: {@code max.connections*}, idle time and the request budget. */
    public ConnectionLimits connectionLimits() {
        return connectionLimits(values, maxRequestBytes);
    }

    private static ConnectionLimits connectionLimits(Map<String, Object> values, int maxRequestBytes) {
        long queued = (Long) values.get("queued.max.request.bytes");
        if (queued <= 0) {
            queued = Math.max(maxRequestBytes, PlatformDependent.maxDirectMemory() / 2);
        }
        return new ConnectionLimits((Integer) values.get("max.connections"),
                (Integer) values.get("max.connections.per.ip"),
                ConnectionLimits.parseOverrides((String) values.get("max.connections.per.ip.overrides")),
                (Integer) values.get("max.connection.creation.rate"), (Long) values.get("connections.max.idle.ms"),
                queued);
    }

    /**
     * {@code store.max.partitions}, resolved: when 0, half of this process's open-file limit (the rest is for
     * connections and CommitLog files), so that topics alone can never use up the descriptors the store needs.
     */
    public int maxPartitions() {
        int set = (Integer) values.get("store.max.partitions");
        if (set > 0) {
            return set;
        }
        long limit = ManagementFactory.getOperatingSystemMXBean()
                instanceof UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
        return limit <= 0 ? 100_000 : (int) Math.min(Integer.MAX_VALUE, limit / 2);
    }

    private static Map<String, ConfigDef> sections() {
        Map<String, ConfigDef> s = new LinkedHashMap<>();
        s.put("Broker", OWN);
        s.put("Listeners, TLS, SASL and authorization", SecurityConfigs.CONFIG_DEF);
        s.put("Client quotas", QUOTAS);
        s.put("Store", StoreConfigs.CONFIG_DEF);
        s.put("Group coordinator", GroupConfig.CONFIG_DEF);
        s.put("Consumer groups (KIP-848)", ConsumerGroupConfig.CONFIG_DEF);
        s.put("Share groups (KIP-932)", ShareGroupConfig.CONFIG_DEF);
        s.put("Transaction coordinator", TransactionConfig.CONFIG_DEF);
        return Collections.unmodifiableMap(s);
    }
}
