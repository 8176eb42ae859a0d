package io.ferrite.group;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.Uuid;

/** Topics a test creates, grows and deletes by hand. */
final class TestTopics implements TopicLookup {
    private final Map<String, Integer> partitions = new ConcurrentHashMap<>();
    private final Map<String, Uuid> ids = new ConcurrentHashMap<>();

    Uuid create(String name, int count) {
        partitions.put(name, count);
        return ids.computeIfAbsent(name, n -> Uuid.randomUuid());
    }

    void delete(String name) {
        partitions.remove(name);
        ids.remove(name);
    }

    @Override
    public int partitions(String topic) {
        return partitions.getOrDefault(topic, -1);
    }

    @Override
    public String name(Uuid id) {
        return ids.entrySet().stream().filter(e -> e.getValue().equals(id)).map(Map.Entry::getKey).findFirst()
                .orElse(null);
    }

    @Override
    public Uuid id(String topic) {
        return ids.getOrDefault(topic, Uuid.ZERO_UUID);
    }

    @Override
    public Collection<String> names() {
        return List.copyOf(partitions.keySet());
    }
}
