package io.ferrite.server.metadata;

import io.ferrite.server.config.TopicConfigs;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Changes a topic's config set for both alter APIs, checked in the order Kafka's controller checks: the topic
 * name, then the whole resulting config set, then that the topic exists. validateOnly stops there; otherwise
 * the registry writes the new set durably and applies it.
 */
public final class TopicConfigChanger {
    private final TopicRegistry topics;

    public TopicConfigChanger(TopicRegistry topics) {
        this.topics = topics;
    }

    /**
     * @param change from the current configs to the new ones; may throw an ApiException to refuse
     * @throws org.apache.kafka.common.errors.ApiException the error for the resource
     */
    public void change(String name, UnaryOperator<Map<String, String>> change, boolean validateOnly) {
        if (name.isEmpty()) {
            throw new InvalidRequestException("a topic resource must name a topic");
        }
        String problem = TopicNames.problem(name);
        if (problem != null) {
            throw new InvalidTopicException(problem);
        }
        UnaryOperator<Map<String, String>> checked = current -> {
            Map<String, String> next = change.apply(current);
            String invalid = TopicConfigs.problem(next, topics.defaults());
            if (invalid != null) {
                throw new InvalidConfigurationException(invalid);
            }
            return next;
        };
        Topic current = topics.get(name);
        checked.apply(current == null ? Map.of() : current.configs());
        if (current == null) {
            throw new UnknownTopicOrPartitionException("topic '" + name + "' does not exist");
        }
        if (validateOnly) {
            return;
        }
        try {
            topics.replaceConfigs(name, checked); // checked again on the configs current under the lock
        } catch (UncheckedIOException e) {
            throw new KafkaStorageException("the topic's configs could not be written: " + e.getMessage(), e);
        }
    }
}
