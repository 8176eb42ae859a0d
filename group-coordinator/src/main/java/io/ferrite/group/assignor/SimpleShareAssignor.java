package io.ferrite.group.assignor;

import io.ferrite.group.assignor.Assignors.MemberSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;

/**
 * The share groups' assignor, Kafka's "simple" (KIP-932): every partition of a subscribed topic goes to at least
 * one member subscribed to it, and when a topic has more subscribed members than partitions its partitions are
 * shared, each by about as many members, so no member is left idle. Records are handed out one by one on fetch,
 * so members sharing a partition do not read the same records.
 *
 * <p>Per topic, members in id order: with M members and P partitions, each partition wants S = ceil(M / P)
 * members and each member about P * S / M partitions (the first members in order one more when it does not
 * divide). Each member keeps what it holds while both its count and the partition's stay within those; what is
 * left goes to the least loaded members that do not hold the partition yet. The result depends only on the
 * inputs. Kafka balances a group whose members all subscribe to the same topics over all their partitions at
 * once; here each topic is balanced on its own, which is the same for one topic.
 */
final class SimpleShareAssignor implements Assignors.Assignor {
    static final String NAME = "simple";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Map<Uuid, Set<Integer>>> assign(List<MemberSpec> specs, Map<Uuid, Integer> partitionCounts) {
        List<MemberSpec> members = new ArrayList<>(specs);
        members.sort(Comparator.comparing(MemberSpec::memberId));
        Map<String, Map<Uuid, Set<Integer>>> out = new HashMap<>();
        for (MemberSpec m : members) {
            out.put(m.memberId(), new HashMap<>());
        }
        for (Map.Entry<Uuid, Integer> topic : new TreeMap<>(partitionCounts).entrySet()) {
            List<MemberSpec> subscribed = members.stream().filter(m -> m.topics().contains(topic.getKey())).toList();
            if (!subscribed.isEmpty() && topic.getValue() > 0) {
                assignTopic(topic.getKey(), topic.getValue(), subscribed, out);
            }
        }
        out.values().removeIf(Map::isEmpty);
        for (MemberSpec m : members) {
            out.putIfAbsent(m.memberId(), Map.of());
        }
        return out;
    }

    private static void assignTopic(Uuid topic, int partitions, List<MemberSpec> members,
                                    Map<String, Map<Uuid, Set<Integer>>> out) {
        int m = members.size();
        int sharing = (m + partitions - 1) / partitions;
        int slots = partitions * sharing;
        int[] quota = new int[m];
        int[] load = new int[m];
        for (int i = 0; i < m; i++) {
            quota[i] = slots / m + (i < slots % m ? 1 : 0);
        }
        List<Set<Integer>> holders = new ArrayList<>(partitions); // member indexes holding each partition
        for (int p = 0; p < partitions; p++) {
            holders.add(new HashSet<>());
        }
        for (int i = 0; i < m; i++) { // keep what balance allows
            Set<Integer> current = members.get(i).current().getOrDefault(topic, Set.of());
            for (int p : new java.util.TreeSet<>(current)) {
                if (p < partitions && load[i] < quota[i] && holders.get(p).size() < sharing) {
                    holders.get(p).add(i);
                    load[i]++;
                }
            }
        }
        for (int p = 0; p < partitions; p++) { // fill each partition up to its sharing
            while (holders.get(p).size() < sharing) {
                int best = -1;
                for (int i = 0; i < m; i++) {
                    if (!holders.get(p).contains(i) && load[i] < quota[i] && (best < 0 || load[i] < load[best])) {
                        best = i;
                    }
                }
                if (best < 0) {
                    break; // every member with room holds it already
                }
                holders.get(p).add(best);
                load[best]++;
            }
        }
        for (int p = 0; p < partitions; p++) {
            for (int i : holders.get(p)) {
                out.get(members.get(i).memberId()).computeIfAbsent(topic, t -> new java.util.TreeSet<>()).add(p);
            }
        }
    }
}
