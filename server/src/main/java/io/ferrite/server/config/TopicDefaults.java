package io.ferrite.server.config;

import io.ferrite.protocol.BatchValidator;
import io.ferrite.server.config.TopicConfigDef.BrokerSynonym;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;

/**
 * The value a topic runs with for each topic config it does not set itself: from the broker's properties where
 * they set one of the config's broker synonyms (the first one set wins; hours and minutes become milliseconds,
 * a negative retention time becomes -1, as Kafka resolves them), else Kafka's default. Built and checked at
 * start and again for each change of the broker's dynamic configs; immutable.
 */
public final class TopicDefaults {
    /** A broker-level synonym as DescribeConfigs lists it. */
    public record Synonym(String name, String value, ConfigSource source) {
    }

    private final Map<String, String> synonymProps;
    private final Map<String, String> values;
    private final long maxUncompressedBytes;
    /** The broker properties set while it runs (IncrementalAlterConfigs), described with that source. */
    private final Set<String> dynamic;

    private TopicDefaults(Map<String, String> synonymProps, Map<String, String> values, long maxUncompressedBytes,
                          Set<String> dynamic) {
        this.synonymProps = synonymProps;
        this.values = values;
        this.maxUncompressedBytes = maxUncompressedBytes;
        this.dynamic = dynamic;
    }

    /** These defaults, with compressed batches bounded by {@code bytes} once decompressed (a broker-wide key). */
    public TopicDefaults withMaxUncompressedBytes(long bytes) {
        return new TopicDefaults(synonymProps, values, bytes, dynamic);
    }

    /** These defaults, {@code keys} among the properties having been set while the broker runs. */
    public TopicDefaults withDynamic(Set<String> keys) {
        return new TopicDefaults(synonymProps, values, maxUncompressedBytes, Set.copyOf(keys));
    }

    /**
     * Reads the topic defaults from the broker's properties.
     *
     * @throws IllegalArgumentException naming the property, for a value Kafka would refuse
     */
    public static TopicDefaults of(Map<String, String> props) {
        Map<String, String> synonymProps = new HashMap<>();
        Map<String, String> values = new HashMap<>();
        for (TopicConfigDef def : TopicConfigs.all()) {
            String value = null;
            for (BrokerSynonym s : def.brokerSynonyms()) {
                String raw = props.get(s.name());
                if (raw == null) {
                    continue;
                }
                synonymProps.put(s.name(), raw);
                String converted = convert(def, s, raw);
                if (value == null) {
                    value = converted;
                }
            }
            values.put(def.name(), value != null ? value : def.kafkaDefault());
        }
        return new TopicDefaults(Map.copyOf(synonymProps), Map.copyOf(values),
                BatchValidator.Rules.DEFAULT_MAX_UNCOMPRESSED_BYTES, Set.of());
    }

    private static String convert(TopicConfigDef def, BrokerSynonym s, String raw) {
        try {
            Object v = ConfigDef.parseType(s.name(), raw, s.type());
            String asTopic;
            if (s.scale() != 1) {
                asTopic = Long.toString(Math.multiplyExact(((Number) v).longValue(), s.scale()));
            } else {
                asTopic = ConfigDef.convertToString(v, s.type());
            }
            if (def.name().equals("retention.ms") && Long.parseLong(asTopic) < 0) {
                asTopic = "-1";
            }
            return TopicConfigs.canonical(def, asTopic);
        } catch (ConfigException | ArithmeticException e) {
            throw new IllegalArgumentException(s.name() + " is not a valid default for topic config " + def.name()
                    + ": " + e.getMessage(), e);
        }
    }

    /** The broker's value for a topic config, in DescribeConfigs' form. */
    public String value(String name) {
        return Objects.requireNonNull(values.get(name), () -> "no topic config " + name);
    }

    /** The topic's own value if it sets one, else the broker's, in DescribeConfigs' form. */
    public String effective(Map<String, String> topicConfigs, String name) {
        String own = topicConfigs.get(name);
        return own != null ? TopicConfigs.canonical(TopicConfigs.get(name), own) : value(name);
    }

    /** What a batch produced to a topic with {@code topicConfigs} is checked against. */
    public BatchValidator.Rules produceRules(Map<String, String> topicConfigs) {
        boolean logAppendTime = "LogAppendTime".equals(effective(topicConfigs, "message.timestamp.type"));
        return new BatchValidator.Rules(intValue(topicConfigs, "max.message.bytes"),
                logAppendTime ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME,
                longValue(topicConfigs, "message.timestamp.before.max.ms"),
                longValue(topicConfigs, "message.timestamp.after.max.ms"),
                effective(topicConfigs, "cleanup.policy").contains("compact"), maxUncompressedBytes);
    }

    public int intValue(Map<String, String> topicConfigs, String name) {
        return Integer.parseInt(effective(topicConfigs, name));
    }

    public long longValue(Map<String, String> topicConfigs, String name) {
        return Long.parseLong(effective(topicConfigs, name));
    }

    /** Whether the broker's properties set this property. */
    public boolean isSet(String brokerProperty) {
        return synonymProps.containsKey(brokerProperty);
    }

    /**
     * The broker-level synonyms DescribeConfigs lists for {@code from}, a member of {@code group}, in Kafka's
     * order: those the properties set, then those with a Kafka default, each in the group's order; and, as Kafka
     * does, nothing ahead of the first entry named {@code from}. So a topic's retention.ms shows no synonyms
     * when only log.retention.hours is set, though its value comes from there.
     */
    public List<Synonym> chain(String from, List<BrokerSynonym> group) {
        List<Synonym> all = new ArrayList<>();
        for (BrokerSynonym s : group) {
            String v = synonymProps.get(s.name());
            if (v != null) {
                all.add(new Synonym(s.name(), v, dynamic.contains(s.name()) ? ConfigSource.DYNAMIC_BROKER_CONFIG
                        : ConfigSource.STATIC_BROKER_CONFIG));
            }
        }
        for (BrokerSynonym s : group) {
            if (s.kafkaDefault() != null) {
                all.add(new Synonym(s.name(), s.kafkaDefault(), ConfigSource.DEFAULT_CONFIG));
            }
        }
        int first = 0;
        while (first < all.size() && !all.get(first).name().equals(from)) {
            first++;
        }
        return List.copyOf(all.subList(first, all.size()));
    }
}
