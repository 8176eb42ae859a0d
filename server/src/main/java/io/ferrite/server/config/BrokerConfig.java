package io.ferrite.server.config;

import io.ferrite.protocol.KafkaFrameDecoder;
import io.ferrite.storage.ConfigValues;
import io.ferrite.storage.StoreConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The broker's settings, validated once at start. Keys are Kafka's where Kafka has them; the store's own
 * keys ({@code store.*}) are read by {@link StoreConfig#fromProperties}.
 *
 * @param host            {@code listeners}: address to bind (default every address)
 * @param port            {@code listeners}: port (default 9092; 0 picks a free one)
 * @param advertisedHost  {@code advertised.listeners}: the address clients are told (default: the listener's
 *                        host, or this machine's canonical host name when that is empty or a wildcard)
 * @param advertisedPort  {@code advertised.listeners}: the port clients are told (default: the bound one)
 * @param nodeId          {@code node.id} (default 1)
 * @param maxRequestBytes {@code socket.request.max.bytes} (default 100 MiB)
 * @param networkThreads  {@code num.network.threads}: event-loop threads (default: one per core)
 * @param autoCreateTopics {@code auto.create.topics.enable}: Metadata creates unknown topics (default true)
 * @param numPartitions   {@code num.partitions}: partitions of an auto-created topic (default 1)
 * @param store           the store, under the first of {@code log.dirs} (default {@code data}); its default
 *                        retention is the topic defaults' retention
 * @param topicDefaults   what topics run with for the configs they do not set: the broker synonyms set here
 *                        ({@code message.max.bytes}, {@code log.retention.hours}, ...) over Kafka's defaults
 * @param properties      every property as given, for DescribeConfigs to tell what was set from what was not
 */
public record BrokerConfig(String host, int port, String advertisedHost, int advertisedPort, int nodeId,
                           int maxRequestBytes, int networkThreads, boolean autoCreateTopics, int numPartitions,
                           StoreConfig store, TopicDefaults topicDefaults, Map<String, String> properties) {
    private static final Pattern LISTENER = Pattern.compile("(?:PLAINTEXT://)?\\[?([^\\]]*)]?:(\\d+)");

    public BrokerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(advertisedHost, "advertisedHost");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(topicDefaults, "topicDefaults");
        properties = Map.copyOf(properties);
        if (port < 0 || port > 65535 || advertisedPort < 0 || advertisedPort > 65535) {
            throw new IllegalArgumentException("ports are 0 to 65535");
        }
        if (nodeId < 0) {
            throw new IllegalArgumentException("node.id must not be negative");
        }
        if (maxRequestBytes <= 0) {
            throw new IllegalArgumentException("socket.request.max.bytes must be positive");
        }
        if (networkThreads <= 0) {
            throw new IllegalArgumentException("num.network.threads must be positive");
        }
        if (numPartitions <= 0) {
            throw new IllegalArgumentException("num.partitions must be positive");
        }
    }

    /** Kafka's property names over the defaults; {@code store.*} keys go to the store. */
    public static BrokerConfig fromProperties(Map<String, String> props) {
        String listeners = props.getOrDefault("listeners", "PLAINTEXT://:9092");
        Matcher bind = listener("listeners", listeners);
        String host = bind.group(1);
        int port = Integer.parseInt(bind.group(2));
        String advertisedHost = host;
        if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::")) {
            advertisedHost = canonicalHostName();
        }
        int advertisedPort = 0; // the bound port, once known
        String advertised = props.get("advertised.listeners");
        if (advertised != null) {
            Matcher a = listener("advertised.listeners", advertised);
            advertisedHost = a.group(1);
            advertisedPort = Integer.parseInt(a.group(2));
            if (advertisedHost.isEmpty() || advertisedHost.equals("0.0.0.0") || advertisedHost.equals("::")) {
                throw new IllegalArgumentException("advertised.listeners must name a host clients can reach, not '"
                        + advertised + "'");
            }
        }
        String logDirs = props.getOrDefault("log.dirs", props.getOrDefault("log.dir", "data"));
        Path dataDir = Path.of(logDirs.split(",")[0].trim());
        TopicDefaults topicDefaults = TopicDefaults.of(props);
        // One source for the default retention: the store's matches what DescribeConfigs reports for topics.
        StoreConfig store = StoreConfig.fromProperties(dataDir, props).toBuilder()
                .defaultRetention(TopicConfigs.retention(topicDefaults, Map.of())).build();
        return new BrokerConfig(host, port, advertisedHost, advertisedPort,
                ConfigValues.intOf(props, "node.id", 1),
                ConfigValues.intOf(props, "socket.request.max.bytes", KafkaFrameDecoder.DEFAULT_MAX_FRAME_BYTES),
                ConfigValues.intOf(props, "num.network.threads", Runtime.getRuntime().availableProcessors()),
                ConfigValues.boolOf(props, "auto.create.topics.enable", true),
                ConfigValues.intOf(props, "num.partitions", 1),
                store, topicDefaults, props);
    }

    private static String canonicalHostName() {
        try {
            return java.net.InetAddress.getLocalHost().getCanonicalHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    private static Matcher listener(String key, String value) {
        String first = value.split(",")[0].trim();
        Matcher m = LISTENER.matcher(first);
        if (!m.matches()) {
            throw new IllegalArgumentException(key + " must look like PLAINTEXT://host:port, not '" + value + "'");
        }
        return m;
    }
}
