package io.ferrite.storage;

import java.util.Objects;

/** A topic-partition as the store names it. */
public record PartitionKey(String topic, int partition) {
    public PartitionKey {
        Objects.requireNonNull(topic, "topic");
        if (topic.isEmpty() || partition < 0) {
            throw new IllegalArgumentException("bad partition " + topic + "-" + partition);
        }
    }

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
