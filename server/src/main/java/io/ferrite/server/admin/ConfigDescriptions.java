package io.ferrite.server.admin;

import io.ferrite.server.config.TopicConfigDef;
import io.ferrite.server.config.TopicConfigs;
import io.ferrite.server.config.TopicDefaults;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

/** DescribeConfigs' entries: a topic's configs, and the one entry shape broker configs use too. */
final class ConfigDescriptions {
    private ConfigDescriptions() {
    }

    /**
     * Every topic config, in name order, as the topic runs with it. A config the topic sets comes from
     * DYNAMIC_TOPIC_CONFIG (DescribeConfigs' "TOPIC_CONFIG"); one it does not takes the source of its first
     * broker-level synonym, or DEFAULT_CONFIG when there is none.
     */
    static List<DescribeConfigsResourceResult> topic(TopicDefaults defaults, Map<String, String> configs,
                                                     boolean includeSynonyms, boolean includeDocumentation) {
        List<DescribeConfigsResourceResult> out = new ArrayList<>();
        for (TopicConfigDef def : TopicConfigs.all()) {
            String value = defaults.effective(configs, def.name());
            List<TopicDefaults.Synonym> synonyms = new ArrayList<>();
            if (configs.containsKey(def.name())) {
                synonyms.add(new TopicDefaults.Synonym(def.name(), value, ConfigSource.TOPIC_CONFIG));
            }
            if (!def.brokerSynonyms().isEmpty()) {
                synonyms.addAll(defaults.chain(def.brokerSynonyms().get(0).name(), def.brokerSynonyms()));
            }
            out.add(entry(def.name(), value, false, false, synonyms, def.type(), def.doc(), includeSynonyms,
                    includeDocumentation));
        }
        return out;
    }

    /**
     * One entry. Its source is its first synonym's, or DEFAULT_CONFIG without any; synonyms and documentation
     * are left out unless asked for. A sensitive entry shows no value, nor do its synonyms.
     */
    static DescribeConfigsResourceResult entry(String name, String value, boolean readOnly, boolean sensitive,
                                               List<TopicDefaults.Synonym> synonyms, ConfigDef.Type type,
                                               String doc, boolean includeSynonyms, boolean includeDocumentation) {
        ConfigSource source = synonyms.isEmpty() ? ConfigSource.DEFAULT_CONFIG : synonyms.get(0).source();
        List<DescribeConfigsSynonym> listed = new ArrayList<>();
        if (includeSynonyms) {
            for (TopicDefaults.Synonym s : synonyms) {
                listed.add(new DescribeConfigsSynonym().setName(s.name()).setValue(sensitive ? null : s.value())
                        .setSource(s.source().id()));
            }
        }
        return new DescribeConfigsResourceResult().setName(name).setValue(sensitive ? null : value)
                .setReadOnly(readOnly).setIsSensitive(sensitive).setConfigSource(source.id()).setSynonyms(listed)
                .setConfigType((type == null ? ConfigType.UNKNOWN : ConfigType.valueOf(type.name())).id())
                .setDocumentation(includeDocumentation ? doc : null);
    }
}
