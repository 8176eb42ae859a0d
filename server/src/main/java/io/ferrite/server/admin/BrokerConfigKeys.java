package io.ferrite.server.admin;

import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.config.SecurityConfigs;
import io.ferrite.server.config.TopicConfigDef.BrokerSynonym;
import io.ferrite.server.config.TopicConfigDef;
import io.ferrite.server.config.TopicConfigs;
import io.ferrite.server.config.DynamicKeys;
import io.ferrite.server.config.TopicDefaults;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;

/**
 * This broker's configs as DescribeConfigs lists them for its node id: those set while it runs (a listener's TLS
 * stores, with source DYNAMIC_BROKER_CONFIG and not read-only), every key the broker defines
 * ({@link BrokerConfig#CONFIG_DEF}), the broker default of every topic config, and whatever else its properties
 * set. Entries the broker can change while it runs ({@link DynamicKeys}) are not read-only, as in Kafka; a
 * password, and a property it does not know (a per-listener key, say), is listed as sensitive, without its
 * value, as Kafka lists them.
 */
final class BrokerConfigKeys {
    private BrokerConfigKeys() {
    }

    /** Every entry, in name order. */
    static List<DescribeConfigsResourceResult> describe(BrokerConfig config, TopicDefaults topicDefaults,
                                                        Map<String, String> dynamic, boolean includeSynonyms,
                                                        boolean includeDocumentation) {
        Map<String, String> props = config.properties();
        Map<String, DescribeConfigsResourceResult> byName = new TreeMap<>();
        for (Map.Entry<String, String> d : dynamic.entrySet()) { // set while running: over the file's, as in Kafka
            List<TopicDefaults.Synonym> synonyms = new ArrayList<>();
            synonyms.add(new TopicDefaults.Synonym(d.getKey(), d.getValue(), ConfigSource.DYNAMIC_BROKER_CONFIG));
            if (props.containsKey(d.getKey())) {
                synonyms.add(new TopicDefaults.Synonym(d.getKey(), props.get(d.getKey()),
                        ConfigSource.STATIC_BROKER_CONFIG));
            }
            ConfigDef.ConfigKey k = BrokerConfig.CONFIG_DEF.configKeys().get(d.getKey());
            ConfigDef.Type type = k != null ? k.type : topicDefaultType(d.getKey());
            if (k == null && type == null) { // a listener's TLS key
                k = SecurityConfigs.SECURITY.configKeys().get(d.getKey().replaceFirst("^listener\\.name\\.[^.]+\\.", ""));
                type = k == null ? null : k.type;
            }
            boolean sensitive = type == null || type == ConfigDef.Type.PASSWORD;
            byName.put(d.getKey(), ConfigDescriptions.entry(d.getKey(), d.getValue(), false, sensitive, synonyms,
                    type, k == null ? null : k.documentation, includeSynonyms, includeDocumentation));
        }
        for (ConfigKey k : BrokerConfig.CONFIG_DEF.configKeys().values()) {
            if (dynamic.containsKey(k.name)) {
                continue; // listed above, with its dynamic value first
            }
            List<TopicDefaults.Synonym> synonyms = new ArrayList<>();
            if (props.containsKey(k.name)) {
                synonyms.add(new TopicDefaults.Synonym(k.name, props.get(k.name), ConfigSource.STATIC_BROKER_CONFIG));
            }
            // A default worked out at start (one network thread per core, say) is the running value when unset.
            String running = ConfigDef.convertToString(config.values().get(k.name), k.type);
            String byDefault = k.defaultValue != null ? ConfigDef.convertToString(k.defaultValue, k.type)
                    : props.containsKey(k.name) ? null : running;
            if (byDefault != null) {
                synonyms.add(new TopicDefaults.Synonym(k.name, byDefault, ConfigSource.DEFAULT_CONFIG));
            }
            String value = props.containsKey(k.name) ? props.get(k.name) : running;
            boolean sensitive = k.type == ConfigDef.Type.PASSWORD; // as Kafka: a password is never shown
            byName.put(k.name, ConfigDescriptions.entry(k.name, value,
                    !DynamicKeys.reconfigurable(k.name, config.listeners()), sensitive, synonyms, k.type,
                    k.documentation, includeSynonyms, includeDocumentation));
        }
        Set<String> listed = new HashSet<>(byName.keySet());
        listed.addAll(dynamic.keySet());
        for (TopicConfigDef def : TopicConfigs.all()) {
            for (BrokerSynonym s : def.brokerSynonyms()) {
                if (!listed.add(s.name())) {
                    continue;
                }
                String value = props.getOrDefault(s.name(), s.kafkaDefault());
                boolean readOnly = !DynamicKeys.topicDefault(s.name());
                byName.put(s.name(), ConfigDescriptions.entry(s.name(), value, readOnly, false,
                        topicDefaults.chain(s.name(), def.brokerSynonyms()), s.type(),
                        "default of topic config " + def.name() + " for every topic", includeSynonyms,
                        includeDocumentation));
            }
        }
        for (Map.Entry<String, String> p : props.entrySet()) {
            if (listed.add(p.getKey())) {
                byName.put(p.getKey(), ConfigDescriptions.entry(p.getKey(), p.getValue(), true, true,
                        List.of(new TopicDefaults.Synonym(p.getKey(), p.getValue(), ConfigSource.STATIC_BROKER_CONFIG)),
                        null, null, includeSynonyms, includeDocumentation));
            }
        }
        return new ArrayList<>(byName.values());
    }

    /** The type of a topic config's broker default by that name; null if it is none. */
    private static ConfigDef.Type topicDefaultType(String key) {
        for (TopicConfigDef def : TopicConfigs.all()) {
            for (BrokerSynonym s : def.brokerSynonyms()) {
                if (s.name().equals(key)) {
                    return s.type();
                }
            }
        }
        return null;
    }
}
