package io.ferrite.quorum;

import java.util.List;
import org.apache.kafka.common.Uuid;

/** A topic and its partitions, numbered from 0. */
public record TopicState(Uuid id, String name, List<PartitionState> partitions) {
    public TopicState {
        partitions = List.copyOf(partitions);
    }
}
