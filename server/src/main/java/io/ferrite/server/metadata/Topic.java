package io.ferrite.server.metadata;

import io.ferrite.protocol.BatchValidator;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.Uuid;

/**
 * A topic as the registry keeps it.
 *
 * @param produceRules what a batch produced to it is checked against: its configs over the broker's defaults,
 *                     typed once when the registry makes this record (again whenever the configs change), so a
 *                     produce parses no config
 */
public record Topic(String name, Uuid id, int partitions, int leaderEpoch, Map<String, String> configs,
             BatchValidator.Rules produceRules) {
    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(produceRules, "produceRules");
        configs = Map.copyOf(configs);
        if (partitions <= 0) {
            throw new IllegalArgumentException("a topic has at least one partition");
        }
    }
}
