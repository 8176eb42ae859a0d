package io.ferrite.server;

import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.Uuid;

/** A topic as the registry keeps it. */
record Topic(String name, Uuid id, int partitions, int leaderEpoch, Map<String, String> configs) {
    Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(id, "id");
        configs = Map.copyOf(configs);
        if (partitions <= 0) {
            throw new IllegalArgumentException("a topic has at least one partition");
        }
    }
}
