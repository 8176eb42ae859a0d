package io.ferrite.group.assignor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.group.assignor.Assignors.MemberSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class AssignorsTest {
    private static final Uuid ORDERS = new Uuid(1, 1);
    private static final Uuid PAYMENTS = new Uuid(2, 2);
    private final Assignors.Assignor uniform = Assignors.byName("uniform");
    private final Assignors.Assignor range = Assignors.byName("range");

    private static MemberSpec member(String id, Set<Uuid> topics, Map<Uuid, Set<Integer>> current) {
        return new MemberSpec(id, null, topics, current);
    }

    /** Every partition of every topic exactly once, each to a member subscribed to its topic. */
    private static void assertComplete(List<MemberSpec> members, Map<Uuid, Integer> counts,
                                       Map<String, Map<Uuid, Set<Integer>>> result) {
        Map<Uuid, Set<Integer>> seen = new HashMap<>();
        for (MemberSpec m : members) {
            for (Map.Entry<Uuid, Set<Integer>> e : result.get(m.memberId()).entrySet()) {
                assertTrue(m.topics().contains(e.getKey()), m.memberId() + " got a topic it does not subscribe to");
                for (int p : e.getValue()) {
                    assertTrue(seen.computeIfAbsent(e.getKey(), t -> new HashSet<>()).add(p), "assigned twice: " + p);
                }
            }
        }
        counts.forEach((topic, n) -> {
            boolean subscribed = members.stream().anyMatch(m -> m.topics().contains(topic));
            assertEquals(subscribed ? n : 0, seen.getOrDefault(topic, Set.of()).size(), "all of " + topic);
        });
    }

    @Test
    void unknownAssignorsAreNull() {
        assertNull(Assignors.byName("sticky"));
        assertNull(Assignors.byName(null));
    }

    @Test
    void uniformSplitsEvenlyAndANewMemberTakesOnlyItsShare() {
        Map<Uuid, Integer> counts = Map.of(ORDERS, 6);
        List<MemberSpec> two = List.of(member("a", Set.of(ORDERS), Map.of()), member("b", Set.of(ORDERS), Map.of()));
        Map<String, Map<Uuid, Set<Integer>>> first = uniform.assign(two, counts);
        assertComplete(two, counts, first);
        assertEquals(3, Assignment.size(first.get("a")));
        assertEquals(3, Assignment.size(first.get("b")));

        List<MemberSpec> three = List.of(member("a", Set.of(ORDERS), first.get("a")),
                member("b", Set.of(ORDERS), first.get("b")), member("c", Set.of(ORDERS), Map.of()));
        Map<String, Map<Uuid, Set<Integer>>> second = uniform.assign(three, counts);
        assertComplete(three, counts, second);
        for (String id : List.of("a", "b", "c")) {
            assertEquals(2, Assignment.size(second.get(id)), id);
        }
        // Sticky: a and b only gave up partitions, they got none they did not have.
        assertTrue(first.get("a").get(ORDERS).containsAll(second.get("a").get(ORDERS)));
        assertTrue(first.get("b").get(ORDERS).containsAll(second.get("b").get(ORDERS)));
    }

    @Test
    void uniformMovesOnlyTheLeaversPartitions() {
        Map<Uuid, Integer> counts = Map.of(ORDERS, 6);
        List<MemberSpec> three = List.of(member("a", Set.of(ORDERS), Map.of(ORDERS, Set.of(0, 1))),
                member("b", Set.of(ORDERS), Map.of(ORDERS, Set.of(2, 3))),
                member("c", Set.of(ORDERS), Map.of(ORDERS, Set.of(4, 5))));
        assertEquals(Map.of(ORDERS, Set.of(0, 1)), uniform.assign(three, counts).get("a"));
        List<MemberSpec> two = List.of(three.get(0), three.get(1));
        Map<String, Map<Uuid, Set<Integer>>> after = uniform.assign(two, counts);
        assertComplete(two, counts, after);
        assertTrue(after.get("a").get(ORDERS).containsAll(Set.of(0, 1)));
        assertTrue(after.get("b").get(ORDERS).containsAll(Set.of(2, 3)));
        assertEquals(3, Assignment.size(after.get("a")));
    }

    @Test
    void uniformGivesEachMemberOnlyWhatItSubscribesToAndBalancesTheRest() {
        Map<Uuid, Integer> counts = Map.of(ORDERS, 4, PAYMENTS, 4);
        List<MemberSpec> members = List.of(member("a", Set.of(ORDERS), Map.of()),
                member("b", Set.of(ORDERS, PAYMENTS), Map.of()), member("c", Set.of(PAYMENTS), Map.of()));
        Map<String, Map<Uuid, Set<Integer>>> result = uniform.assign(members, counts);
        assertComplete(members, counts, result);
        List<Integer> loads = new ArrayList<>();
        members.forEach(m -> loads.add(Assignment.size(result.get(m.memberId()))));
        assertTrue(loads.stream().allMatch(n -> n >= 2 && n <= 3), loads.toString());
    }

    @Test
    void uniformIsDeterministicAndDropsVanishedPartitions() {
        List<MemberSpec> members = List.of(member("b", Set.of(ORDERS), Map.of(ORDERS, Set.of(0, 1, 2, 7))),
                member("a", Set.of(ORDERS), Map.of()));
        Map<Uuid, Integer> counts = Map.of(ORDERS, 4);
        Map<String, Map<Uuid, Set<Integer>>> result = uniform.assign(members, counts);
        assertEquals(result, uniform.assign(List.of(members.get(1), members.get(0)), counts));
        assertComplete(members, counts, result);
        assertEquals(2, Assignment.size(result.get("a")));
    }

    @Test
    void rangeGivesContiguousRangesInMemberOrderAndCoPartitions() {
        Map<Uuid, Integer> counts = Map.of(ORDERS, 3, PAYMENTS, 3);
        List<MemberSpec> members = List.of(member("m1", Set.of(ORDERS, PAYMENTS), Map.of()),
                member("m0", Set.of(ORDERS, PAYMENTS), Map.of()));
        Map<String, Map<Uuid, Set<Integer>>> result = range.assign(members, counts);
        assertEquals(Map.of(ORDERS, Set.of(0, 1), PAYMENTS, Set.of(0, 1)), result.get("m0"));
        assertEquals(Map.of(ORDERS, Set.of(2), PAYMENTS, Set.of(2)), result.get("m1"));
    }

    @Test
    void rangePutsStaticMembersFirstByInstanceId() {
        Map<Uuid, Integer> counts = Map.of(ORDERS, 4);
        List<MemberSpec> members = List.of(member("a", Set.of(ORDERS), Map.of()),
                new MemberSpec("z", "i-1", Set.of(ORDERS), Map.of()),
                new MemberSpec("y", "i-2", Set.of(ORDERS), Map.of()));
        Map<String, Map<Uuid, Set<Integer>>> result = range.assign(members, counts);
        assertEquals(Map.of(ORDERS, Set.of(0, 1)), result.get("z"));
        assertEquals(Map.of(ORDERS, Set.of(2)), result.get("y"));
        assertEquals(Map.of(ORDERS, Set.of(3)), result.get("a"));
    }

    @Test
    void bothAssignorsGiveNothingToAMemberOfAnUnknownTopic() {
        List<MemberSpec> members = List.of(member("a", Set.of(ORDERS), Map.of()));
        assertEquals(Map.of("a", Map.of()), uniform.assign(members, Map.of()));
        assertEquals(Map.of("a", Map.of()), range.assign(members, Map.of()));
    }
}
