package io.ferrite.group;

import java.util.Collection;
import org.apache.kafka.common.Uuid;

/** What the coordinator needs to know of topics: which exist, their ids, and where their partitions' logs are. */
public interface TopicLookup extends PartitionOffsets {
    /** The number of partitions of the topic, or -1 if there is no such topic. */
    int partitions(String topic);

    /** The name of the topic with this id, or null. */
    String name(Uuid id);

    /** The id of the topic, or {@link Uuid#ZERO_UUID}. */
    Uuid id(String topic);

    /** The names of every topic, for subscriptions by regular expression. */
    Collection<String> names();
}
