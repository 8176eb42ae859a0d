package io.ferrite.server.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferrite.server.config.TopicConfigs;
import io.ferrite.server.metadata.TopicConfigChanger;
import io.ferrite.server.metadata.TopicNames;
import io.ferrite.server.metadata.TopicRegistry;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The console's two writes, made through the same registry paths and checks as CreateTopics and
 * IncrementalAlterConfigs (topic name rules, every config's own definition, the broker's partition limit), so
 * the console can do nothing a Kafka client could not: create a topic, and set or delete a topic's configs.
 * The console offers them only where the broker authorizes nobody (see {@link Console}).
 */
final class TopicChanges {
    /** Kafka's per-request bound on a CreateTopics' partitions, here for one topic. */
    private static final int MAX_PARTITIONS = TopicRegistry.MAX_PARTITIONS_PER_REQUEST;

    /** A refusal, with the HTTP status it is answered with. */
    static final class Refused extends RuntimeException {
        final int status;

        Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private final TopicRegistry topics;
    private final TopicConfigChanger configs;

    TopicChanges(TopicRegistry topics) {
        this.topics = topics;
        this.configs = new TopicConfigChanger(topics);
    }

    /** {@code {"name": N, "partitions": P, "configs": {k: v}}}; returns the topic's name. */
    String create(JsonNode body) {
        String name = text(body, "name");
        JsonNode p = body.get("partitions");
        int partitions = p == null ? 1 : p.isInt() ? p.asInt() : -1;
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            throw new Refused(400, "partitions must be a whole number from 1 to " + MAX_PARTITIONS);
        }
        String nameProblem = TopicNames.problem(name);
        if (nameProblem != null) {
            throw new Refused(400, nameProblem);
        }
        Map<String, String> set = strings(body.get("configs"));
        String invalid = TopicConfigs.problem(set, topics.defaults());
        if (invalid != null) {
            throw new Refused(400, invalid);
        }
        TopicRegistry.Creation c = topics.createAll(List.of(new TopicRegistry.NewTopic(name, partitions, set))).get(0);
        if (c.error() != null) {
            throw new Refused(c.error() instanceof TopicExistsException ? 409 : 400, c.error().getMessage());
        }
        return name;
    }

    /** {@code {"set": {k: v}, "delete": [k]}} on topic {@code name}, as one IncrementalAlterConfigs. */
    void alter(String name, JsonNode body) {
        Map<String, String> set = strings(body.get("set"));
        List<String> deleted = new java.util.ArrayList<>();
        JsonNode d = body.get("delete");
        if (d != null && !d.isNull()) {
            if (!d.isArray()) {
                throw new Refused(400, "delete must be a list of config names");
            }
            d.forEach(k -> deleted.add(k.asText()));
        }
        try {
            configs.change(name, current -> {
                Map<String, String> next = new HashMap<>(current);
                deleted.forEach(next::remove);
                next.putAll(set);
                return next;
            }, false);
        } catch (UnknownTopicOrPartitionException e) {
            throw new Refused(404, e.getMessage());
        } catch (KafkaStorageException e) { // the broker's trouble, not the request's
            throw new Refused(503, e.getMessage());
        } catch (ApiException e) {
            throw new Refused(400, e.getMessage());
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual()) {
            throw new Refused(400, field + " is needed, as text");
        }
        return v.asText();
    }

    private static Map<String, String> strings(JsonNode node) {
        Map<String, String> out = new HashMap<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw new Refused(400, "configs must be an object of names to values");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw new Refused(400, "the value of " + e.getKey() + " must be text or a number");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }
}
