package io.ferrite.server.config;

import io.ferrite.group.GroupConfigKeys;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.ConfigDef;

/**
 * docs/CONFIG.md, made from the definitions the broker parses with ({@link BrokerConfig#SECTIONS} and
 * {@link TopicConfigs}), so the page cannot drift from the code; {@code ConfigDocsTest} checks it is current.
 */
public final class ConfigDocs {
    private ConfigDocs() {
    }

    public static String render() {
        StringBuilder md = new StringBuilder();
        md.append("# Configuration\n\n")
                .append("Every key the broker reads, as `config/server.properties` or `bin/broker --override key=value`")
                .append(" sets it. Keys are Kafka's where Kafka has them. The broker reads them once, at start; a value")
                .append(" that does not parse or is out of bounds stops it with a message naming the key. This page is")
                .append(" generated from the definitions the broker parses with (`ConfigDocsTest` fails when it is out")
                .append(" of date; `mvn -pl server -am test -Dtest=ConfigDocsTest -Dsurefire.failIfNoSpecifiedTests=false")
                .append(" -Dferrite.write.docs=true` writes it again).\n");
        for (Map.Entry<String, ConfigDef> section : BrokerConfig.SECTIONS.entrySet()) {
            md.append("\n## ").append(section.getKey()).append("\n\n")
                    .append("| key | type | default | valid values | importance | description |\n")
                    .append("|---|---|---|---|---|---|\n");
            for (ConfigKey k : section.getValue().configKeys().values()) {
                md.append("| `").append(k.name).append("` | ").append(k.type.name().toLowerCase(Locale.ROOT))
                        .append(" | ").append(code(k.defaultValue == null ? null
                                : ConfigDef.convertToString(k.defaultValue, k.type)))
                        .append(" | ").append(k.validator == null ? "" : cell(k.validator.toString()))
                        .append(" | ").append(k.importance.name().toLowerCase(Locale.ROOT))
                        .append(" | ").append(cell(k.documentation)).append(" |\n");
            }
        }
        md.append("\n## Topic configs and their broker defaults\n\n")
                .append("Set per topic (CreateTopics, AlterConfigs, IncrementalAlterConfigs, `kafka-configs`); the broker")
                .append(" properties in the last column set the default for every topic, the first one set winning.")
                .append(" Configs this broker keeps and describes but does not act on are marked *kept only*.\n\n")
                .append("| topic config | type | Kafka's default | valid values | broker defaults | description |\n")
                .append("|---|---|---|---|---|---|\n");
        for (TopicConfigDef d : TopicConfigs.all()) {
            md.append("| `").append(d.name()).append("` | ").append(d.type().name().toLowerCase(Locale.ROOT))
                    .append(" | ").append(code(d.kafkaDefault()))
                    .append(" | ").append(d.validator() == null ? "" : cell(d.validator().toString()))
                    .append(" | ").append(d.brokerSynonyms().stream().map(s -> "`" + s.name() + "`")
                            .collect(Collectors.joining(", ")))
                    .append(" | ").append(cell(d.doc())).append(d.honoured() ? "" : " *kept only*").append(" |\n");
        }
        md.append("\n## Group configs and their broker defaults\n\n")
                .append("Set per group id (IncrementalAlterConfigs or AlterConfigs on a GROUP resource, `kafka-configs")
                .append(" --entity-type groups`), kept by the group coordinator; a group may set a value only within")
                .append(" the broker's `min`/`max` keys for it. Configs this broker keeps and describes but does not yet")
                .append(" act on are marked *kept only*.\n\n")
                .append("| group config | type | Kafka's default | valid values | broker default | description |\n")
                .append("|---|---|---|---|---|---|\n");
        for (ConfigKey k : new TreeMap<>(GroupConfigKeys.CONFIG_DEF.configKeys()).values()) {
            String broker = GroupConfigKeys.brokerKey(k.name);
            md.append("| `").append(k.name).append("` | ").append(k.type.name().toLowerCase(Locale.ROOT))
                    .append(" | ").append(code(ConfigDef.convertToString(k.defaultValue, k.type)))
                    .append(" | ").append(k.validator == null ? "" : cell(k.validator.toString()))
                    .append(" | ").append(broker == null ? "" : "`" + broker + "`")
                    .append(" | ").append(cell(k.documentation))
                    .append(GroupConfigKeys.actedOn(k.name) ? "" : " *kept only*").append(" |\n");
        }
        return md.toString();
    }

    private static String code(String value) {
        return value == null ? "" : value.isEmpty() ? "\"\"" : "`" + value + "`";
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
