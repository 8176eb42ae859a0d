package io.ferrite.group.assignor;

import io.ferrite.group.assignor.Assignors.MemberSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;

/**
 * Kafka's default server assignor, "uniform": every member ends up with as even a share of the partitions it
 * may have as its subscription allows, and keeps as many of its current partitions as balance allows, so a
 * member joining or leaving moves only what must move.
 *
 * <p>Three passes over members in id order and partitions in (topic id, partition) order, so the result
 * depends only on the inputs: (1) each member keeps its current partitions that it still subscribes to and
 * nobody kept first; (2) every partition left goes to the least loaded member subscribed to its topic; (3) a
 * partition moves from its owner to a subscribed member with at least two fewer partitions, highest
 * partitions first, until no such move is left. With one subscription for everybody that ends with loads at
 * most one apart; with different subscriptions, with no member able to take from one more loaded by two.
 */
final class UniformAssignor implements Assignors.Assignor {
    static final String NAME = "uniform";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Map<Uuid, Set<Integer>>> assign(List<MemberSpec> specs, Map<Uuid, Integer> partitionCounts) {
        List<MemberSpec> members = new ArrayList<>(specs);
        members.sort(Comparator.comparing(MemberSpec::memberId));
        int[] load = new int[members.size()];
        Map<Uuid, List<Integer>> eligible = new TreeMap<>();
        for (int i = 0; i < members.size(); i++) {
            for (Uuid topic : members.get(i).topics()) {
                if (partitionCounts.getOrDefault(topic, 0) > 0) {
                    eligible.computeIfAbsent(topic, t -> new ArrayList<>()).add(i);
                }
            }
        }
        Map<Uuid, int[]> owners = new HashMap<>();
        eligible.forEach((topic, ms) -> {
            int[] o = new int[partitionCounts.get(topic)];
            Arrays.fill(o, -1);
            owners.put(topic, o);
        });

        for (int i = 0; i < members.size(); i++) { // (1) stickiness
            MemberSpec m = members.get(i);
            for (Map.Entry<Uuid, List<Integer>> e : Assignment.sorted(m.current()).entrySet()) {
                int[] o = owners.get(e.getKey());
                if (o == null || !m.topics().contains(e.getKey())) {
                    continue;
                }
                for (int p : e.getValue()) {
                    if (p < o.length && o[p] < 0) {
                        o[p] = i;
                        load[i]++;
                    }
                }
            }
        }
        eligible.forEach((topic, ms) -> { // (2) whatever nobody kept
            int[] o = owners.get(topic);
            for (int p = 0; p < o.length; p++) {
                if (o[p] < 0) {
                    int to = leastLoaded(ms, load);
                    o[p] = to;
                    load[to]++;
                }
            }
        });
        boolean moved = true; // (3) balance; each move lowers the sum of squared loads, so this ends
        while (moved) {
            moved = false;
            for (Map.Entry<Uuid, List<Integer>> e : eligible.entrySet()) {
                if (e.getValue().size() < 2) {
                    continue;
                }
                int[] o = owners.get(e.getKey());
                for (int p = o.length - 1; p >= 0; p--) {
                    int to = leastLoaded(e.getValue(), load);
                    if (load[to] < load[o[p]] - 1) {
                        load[o[p]]--;
                        load[to]++;
                        o[p] = to;
                        moved = true;
                    }
                }
            }
        }

        Map<String, Map<Uuid, Set<Integer>>> out = new HashMap<>();
        List<Map<Uuid, Set<Integer>>> byIndex = new ArrayList<>();
        for (MemberSpec m : members) {
            Map<Uuid, Set<Integer>> a = new HashMap<>();
            byIndex.add(a);
            out.put(m.memberId(), a);
        }
        owners.forEach((topic, o) -> {
            for (int p = 0; p < o.length; p++) {
                byIndex.get(o[p]).computeIfAbsent(topic, t -> new TreeSet<>()).add(p);
            }
        });
        out.replaceAll((id, a) -> Assignment.copyOf(a));
        return out;
    }

    private static int leastLoaded(List<Integer> members, int[] load) {
        int best = members.get(0);
        for (int i : members) {
            if (load[i] < load[best]) {
                best = i;
            }
        }
        return best;
    }
}
