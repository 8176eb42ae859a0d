package io.ferrite.server.config;

import io.ferrite.group.GroupConfigKeys;
import java.util.List;
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
                .append(" sets it. Keys are Kafka's where Kafka has them; the *Kafka* column says so, or names the nearest")
                .append(" Kafka key for Ferrite's own. The broker reads them at start; a value that does not parse or is")
                .append(" out of bounds stops it with a message naming the key. Those marked *per broker* in the")
                .append(" *dynamic* column can also change while it runs (IncrementalAlterConfigs or AlterConfigs on its")
                .append(" BROKER resource, `kafka-configs --entity-type brokers --entity-name <node.id> --alter`), as")
                .append(" Kafka's dynamic per-broker configs do: kept in `broker-configs` in the data directory and")
                .append(" applied again at every start; every broker default of a topic config below is dynamic too")
                .append(", as are a TLS listener's key and trust stores. This page is")
                .append(" generated from the definitions the broker parses with (`ConfigDocsTest` fails when it is out")
                .append(" of date; `mvn -pl server -am test -Dtest=ConfigDocsTest -Dsurefire.failIfNoSpecifiedTests=false")
                .append(" -Dferrite.write.docs=true` writes it again).\n");
        for (Map.Entry<String, ConfigDef> section : BrokerConfig.SECTIONS.entrySet()) {
            md.append("\n## ").append(section.getKey()).append("\n\n")
                    .append("| key | type | default | valid values | importance | dynamic | Kafka | description |\n")
                    .append("|---|---|---|---|---|---|---|---|\n");
            for (ConfigKey k : section.getValue().configKeys().values()) {
                md.append("| `").append(k.name).append("` | ").append(k.type.name().toLowerCase(Locale.ROOT))
                        .append(" | ").append(code(k.defaultValue == null ? null
                                : ConfigDef.convertToString(k.defaultValue, k.type)))
                        .append(" | ").append(k.validator == null ? "" : cell(k.validator.toString()))
                        .append(" | ").append(k.importance.name().toLowerCase(Locale.ROOT))
                        .append(" | ").append(DynamicKeys.reconfigurable(k.name, List.of()) ? "per broker" : "no")
                        .append(" | ").append(kafka(k.name))
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

    /** Ferrite's own keys, with the nearest Kafka key or why there is none. */
    private static final Map<String, String> OWN = Map.ofEntries(
            Map.entry("http.listener", "none: Kafka is watched through a JMX exporter agent"),
            Map.entry(BrokerConfig.MAX_UNCOMPRESSED_BYTES, "none: Kafka bounds only the compressed size"),
            Map.entry("store.flush.mode", "none: Kafka acknowledges once in the page cache, as `async` does"),
            Map.entry("store.flush.interval.ms", "`log.flush.interval.ms`, per log there"),
            Map.entry("store.commitlog.file.bytes", "`log.segment.bytes`, per partition there"),
            Map.entry("store.consumequeue.file.entries", "`log.index.size.max.bytes`"),
            Map.entry("store.max.disk.used.ratio", "none"),
            Map.entry("store.file.max.age.ms", "none"),
            Map.entry("store.max.partitions", "the controller's partition limit policy"));

    private static String kafka(String key) {
        String own = OWN.get(key);
        if (own != null) {
            return cell(own);
        }
        return key.startsWith("store.") ? "none: Ferrite's store" : "same key";
    }

    private static String code(String value) {
        return value == null ? "" : value.isEmpty() ? "\"\"" : "`" + value + "`";
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
