package io.ferrite.server.admin;

import io.ferrite.group.GroupConfigKeys;
import io.ferrite.group.GroupCoordinator;
import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.config.TopicDefaults;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;

/**
 * GROUP resources in DescribeConfigs and both alter APIs: the configs a group sets for itself
 * ({@link GroupConfigKeys}), kept durably by the group coordinator. Any group id may be described or altered,
 * one that does not exist included, as in Kafka; the empty id is refused with Kafka's INVALID_REQUEST.
 */
final class GroupConfigResources {
    private final GroupCoordinator groups;
    private final BrokerConfig config;

    GroupConfigResources(GroupCoordinator groups, BrokerConfig config) {
        this.groups = groups;
        this.config = config;
    }

    CompletableFuture<List<DescribeConfigsResourceResult>> describe(String group, boolean includeSynonyms,
                                                                    boolean includeDocumentation) {
        if (group.isEmpty()) {
            throw new InvalidRequestException("Group name must not be empty");
        }
        return groups.groupConfigs(group).thenApply(own -> entries(own, includeSynonyms, includeDocumentation));
    }

    CompletableFuture<Void> alter(String group, UnaryOperator<Map<String, String>> edit, boolean validateOnly) {
        if (group.isEmpty()) {
            throw new InvalidRequestException("Default group resources are not allowed.");
        }
        return groups.alterGroupConfigs(group, edit, validateOnly);
    }

    /**
     * Every group config, in name order. One the group sets has source GROUP_CONFIG; one it does not takes its
     * broker key's value (set in the properties file, or Kafka's default), and for the few without a broker
     * key, Kafka's default under its own name: the synonyms Kafka lists.
     */
    private List<DescribeConfigsResourceResult> entries(Map<String, String> own, boolean includeSynonyms,
                                                        boolean includeDocumentation) {
        List<DescribeConfigsResourceResult> out = new ArrayList<>();
        for (ConfigKey k : new TreeMap<>(GroupConfigKeys.CONFIG_DEF.configKeys()).values()) {
            List<TopicDefaults.Synonym> synonyms = new ArrayList<>();
            if (own.containsKey(k.name)) {
                synonyms.add(new TopicDefaults.Synonym(k.name, own.get(k.name), ConfigSource.GROUP_CONFIG));
            }
            String brokerKey = GroupConfigKeys.brokerKey(k.name);
            String otherwise;
            if (brokerKey != null) {
                ConfigKey b = BrokerConfig.CONFIG_DEF.configKeys().get(brokerKey);
                String given = config.properties().get(brokerKey);
                if (given != null) {
                    synonyms.add(new TopicDefaults.Synonym(brokerKey, given, ConfigSource.STATIC_BROKER_CONFIG));
                }
                synonyms.add(new TopicDefaults.Synonym(brokerKey, ConfigDef.convertToString(b.defaultValue, b.type),
                        ConfigSource.DEFAULT_CONFIG));
                otherwise = ConfigDef.convertToString(config.values().get(brokerKey), b.type);
            } else {
                otherwise = ConfigDef.convertToString(k.defaultValue, k.type);
                synonyms.add(new TopicDefaults.Synonym(k.name, otherwise, ConfigSource.DEFAULT_CONFIG));
            }
            out.add(ConfigDescriptions.entry(k.name, own.getOrDefault(k.name, otherwise), false, false, synonyms,
                    k.type, k.documentation, includeSynonyms, includeDocumentation));
        }
        return out;
    }
}
