package io.ferrite.server.config;

import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.config.ConfigDef;

/**
 * One topic config as Kafka 4.3 defines it. None is read-only and none is sensitive, as in Kafka.
 *
 * @param name           the topic config's name
 * @param type           its Kafka type: decides parsing, the type DescribeConfigs reports, and whether
 *                       IncrementalAlterConfigs may APPEND to or SUBTRACT from it (LIST only)
 * @param kafkaDefault   Kafka's own default, as DescribeConfigs prints it (the broker's properties may override it)
 * @param brokerSynonyms broker properties that set the default for every topic, first set wins; empty if none
 * @param validator      Kafka's check of the parsed value, or null for none
 * @param honoured       whether this broker acts on the value; the others are accepted, kept and described only
 * @param doc            one line for DescribeConfigs' documentation
 */
public record TopicConfigDef(String name, ConfigDef.Type type, String kafkaDefault, List<BrokerSynonym> brokerSynonyms,
                      ConfigDef.Validator validator, boolean honoured, String doc) {
    public TopicConfigDef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(doc, "doc");
        brokerSynonyms = List.copyOf(brokerSynonyms);
    }

    /**
     * A broker property that sets a topic config's default for every topic.
     *
     * @param name         the broker property
     * @param type         its Kafka type (hours and minutes are INT where the topic config is a LONG of ms)
     * @param kafkaDefault Kafka's default for the property, or null if it has none
     * @param scale        multiplies the property's value into the topic config's unit (1, or ms per minute or hour)
     */
    public record BrokerSynonym(String name, ConfigDef.Type type, String kafkaDefault, long scale) {
        public BrokerSynonym {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            if (scale < 1) {
                throw new IllegalArgumentException("scale must be at least 1");
            }
        }
    }
}
