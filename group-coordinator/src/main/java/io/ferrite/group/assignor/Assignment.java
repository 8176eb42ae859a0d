package io.ferrite.group.assignor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;

/**
 * Partition sets as the consumer group protocol keeps them: topic id to partition numbers. These helpers keep
 * them immutable and without empty topics, so two equal assignments are equal maps.
 */
public final class Assignment {
    public static final Map<Uuid, Set<Integer>> EMPTY = Map.of();

    private Assignment() {
    }

    /** An immutable copy without empty topics. */
    public static Map<Uuid, Set<Integer>> copyOf(Map<Uuid, ? extends Collection<Integer>> partitions) {
        if (partitions == null || partitions.isEmpty()) {
            return EMPTY;
        }
        Map<Uuid, Set<Integer>> out = new HashMap<>();
        partitions.forEach((topic, ps) -> {
            if (!ps.isEmpty()) {
                out.put(topic, Set.copyOf(ps));
            }
        });
        return Map.copyOf(out);
    }

    /** An immutable copy of partition epochs (topic id to partition to epoch), without empty topics. */
    public static Map<Uuid, Map<Integer, Integer>> copyOfEpochs(Map<Uuid, Map<Integer, Integer>> epochs) {
        Map<Uuid, Map<Integer, Integer>> out = new HashMap<>();
        epochs.forEach((topic, ps) -> {
            if (!ps.isEmpty()) {
                out.put(topic, Map.copyOf(ps));
            }
        });
        return Map.copyOf(out);
    }

    public static boolean contains(Map<Uuid, Set<Integer>> partitions, Uuid topic, int partition) {
        Set<Integer> ps = partitions.get(topic);
        return ps != null && ps.contains(partition);
    }

    public static int size(Map<Uuid, Set<Integer>> partitions) {
        int n = 0;
        for (Set<Integer> ps : partitions.values()) {
            n += ps.size();
        }
        return n;
    }

    /** Topics in id order, each with its partitions in order: the same bytes for the same assignment. */
    public static Map<Uuid, List<Integer>> sorted(Map<Uuid, Set<Integer>> partitions) {
        Map<Uuid, List<Integer>> out = new TreeMap<>();
        partitions.forEach((topic, ps) -> out.put(topic, new ArrayList<>(new TreeSet<>(ps))));
        return out;
    }
}
