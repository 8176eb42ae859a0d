package io.ferrite.group.assignor;

import io.ferrite.group.assignor.Assignors.MemberSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;

/**
 * Kafka's "range" server assignor: for each topic, its subscribers in order (static members by
 * group.instance.id first, then the others by member id) each get a contiguous range of partitions, the first
 * {@code partitions % subscribers} of them one more than the rest. Members with the same subscriptions to
 * topics with the same partition counts thus get the same partition numbers of every topic (co-partitioning).
 * It is not sticky: the ranges follow the order of the members.
 */
final class RangeAssignor implements Assignors.Assignor {
    static final String NAME = "range";

    private static final Comparator<MemberSpec> ORDER = (a, b) -> {
        if (a.instanceId() != null && b.instanceId() != null) {
            return a.instanceId().compareTo(b.instanceId());
        }
        if (a.instanceId() != null || b.instanceId() != null) {
            return a.instanceId() != null ? -1 : 1;
        }
        return a.memberId().compareTo(b.memberId());
    };

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Map<Uuid, Set<Integer>>> assign(List<MemberSpec> specs, Map<Uuid, Integer> partitionCounts) {
        List<MemberSpec> members = new ArrayList<>(specs);
        members.sort(ORDER);
        Map<String, Map<Uuid, Set<Integer>>> out = new HashMap<>();
        Map<Uuid, List<MemberSpec>> subscribers = new HashMap<>();
        for (MemberSpec m : members) {
            out.put(m.memberId(), new HashMap<>());
            for (Uuid topic : m.topics()) {
                subscribers.computeIfAbsent(topic, t -> new ArrayList<>()).add(m);
            }
        }
        subscribers.forEach((topic, ms) -> {
            int partitions = partitionCounts.getOrDefault(topic, 0);
            int quota = partitions / ms.size();
            int extra = partitions % ms.size();
            int start = 0;
            for (int i = 0; i < ms.size(); i++) {
                int end = start + quota + (i < extra ? 1 : 0);
                Set<Integer> range = new TreeSet<>();
                for (int p = start; p < end; p++) {
                    range.add(p);
                }
                if (!range.isEmpty()) {
                    out.get(ms.get(i).memberId()).put(topic, range);
                }
                start = end;
            }
        });
        out.replaceAll((id, a) -> Assignment.copyOf(a));
        return out;
    }
}
