package io.ferrite.group;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.Uuid;

/** Topics a test creates, grows and deletes by hand, with log offsets it sets by hand (all 0 at first). */
final class TestTopics implements TopicLookup {
    private final Map<String, Integer> partitions = new ConcurrentHashMap<>();
    private final Map<String, Uuid> ids = new ConcurrentHashMap<>();
    private final Map<String, long[]> logs = new ConcurrentHashMap<>(); // "id-partition" -> start, end

    /** The partition's log now starts at {@code start} and ends at {@code end}. */
    void log(Uuid topic, int partition, long start, long end) {
        logs.put(topic + "-" + partition, new long[] {start, end});
    }

    private long[] log(Uuid topic, int partition) {
        String name = name(topic);
        if (name == null || partition < 0 || partition >= partitions(name)) {
            return null;
        }
        return logs.getOrDefault(topic + "-" + partition, new long[] {0, 0});
    }

    @Override
    public long logStartOffset(Uuid topicId, int partition) {
        long[] l = log(topicId, partition);
        return l == null ? -1 : l[0];
    }

    @Override
    public long logEndOffset(Uuid topicId, int partition) {
        long[] l = log(topicId, partition);
        return l == null ? -1 : l[1];
    }

    /** No transactions here: the last stable offset is the log end. */
    @Override
    public long lastStableOffset(Uuid topicId, int partition) {
        return logEndOffset(topicId, partition);
    }

    private volatile long timeBase;

    /** Record n of every partition was written at {@code base + n}. */
    void timeBase(long base) {
        timeBase = base;
    }

    @Override
    public long offsetForTimestamp(Uuid topicId, int partition, long timestamp) {
        long[] l = log(topicId, partition);
        return l == null ? -1 : Math.min(Math.max(timestamp - timeBase, l[0]), l[1]);
    }

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
