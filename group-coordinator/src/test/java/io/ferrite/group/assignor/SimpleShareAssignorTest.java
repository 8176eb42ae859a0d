package io.ferrite.group.assignor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.group.assignor.Assignors.MemberSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class SimpleShareAssignorTest {
    private static final Uuid ORDERS = new Uuid(1, 1);
    private static final Uuid PAYMENTS = new Uuid(2, 2);
    private final Assignors.Assignor simple = Assignors.share();

    private static List<MemberSpec> members(int n, Set<Uuid> topics) {
        List<MemberSpec> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new MemberSpec("m" + i, null, topics, Map.of()));
        }
        return out;
    }

    /** How many members hold each partition of {@code topic}. */
    private static int[] sharing(Map<String, Map<Uuid, Set<Integer>>> result, Uuid topic, int partitions) {
        int[] holders = new int[partitions];
        result.values().forEach(a -> a.getOrDefault(topic, Set.of()).forEach(p -> holders[p]++));
        return holders;
    }

    @Test
    void moreMembersThanPartitionsShareThemEvenly() {
        Map<String, Map<Uuid, Set<Integer>>> four = simple.assign(members(4, Set.of(ORDERS)), Map.of(ORDERS, 1));
        four.values().forEach(a -> assertEquals(Map.of(ORDERS, Set.of(0)), a));

        Map<String, Map<Uuid, Set<Integer>>> three = simple.assign(members(3, Set.of(ORDERS)), Map.of(ORDERS, 2));
        assertEquals(List.of(2, 2), List.of(sharing(three, ORDERS, 2)[0], sharing(three, ORDERS, 2)[1]));
        List<Integer> loads = three.values().stream().map(a -> a.get(ORDERS).size()).sorted().toList();
        assertEquals(List.of(1, 1, 2), loads);
    }

    @Test
    void asManyMembersAsPartitionsGetOneEach() {
        Map<String, Map<Uuid, Set<Integer>>> r = simple.assign(members(8, Set.of(ORDERS)), Map.of(ORDERS, 8));
        r.values().forEach(a -> assertEquals(1, a.get(ORDERS).size()));
        for (int h : sharing(r, ORDERS, 8)) {
            assertEquals(1, h);
        }
    }

    @Test
    void fewerMembersSplitThePartitionsAndKeepWhatTheyHad() {
        Map<String, Map<Uuid, Set<Integer>>> r = simple.assign(members(3, Set.of(ORDERS)), Map.of(ORDERS, 7));
        for (int h : sharing(r, ORDERS, 7)) {
            assertEquals(1, h);
        }
        assertEquals(List.of(2, 2, 3), r.values().stream().map(a -> a.get(ORDERS).size()).sorted().toList());

        // A fourth member joins: the others keep all they can, the newcomer takes from the most loaded.
        List<MemberSpec> next = new ArrayList<>();
        r.forEach((id, a) -> next.add(new MemberSpec(id, null, Set.of(ORDERS), a)));
        next.add(new MemberSpec("m9", null, Set.of(ORDERS), Map.of()));
        Map<String, Map<Uuid, Set<Integer>>> after = simple.assign(next, Map.of(ORDERS, 7));
        for (int h : sharing(after, ORDERS, 7)) {
            assertEquals(1, h);
        }
        int kept = 0;
        for (MemberSpec m : next) {
            Set<Integer> was = m.current().getOrDefault(ORDERS, Set.of());
            kept += (int) after.get(m.memberId()).getOrDefault(ORDERS, Set.of()).stream().filter(was::contains).count();
        }
        assertEquals(6, kept, "only one partition moves");
    }

    @Test
    void eachTopicGoesOnlyToItsSubscribersAndNobodyIsLeftOut() {
        List<MemberSpec> specs = List.of(new MemberSpec("a", null, Set.of(ORDERS), Map.of()),
                new MemberSpec("b", null, Set.of(ORDERS, PAYMENTS), Map.of()),
                new MemberSpec("c", null, Set.of(PAYMENTS), Map.of()),
                new MemberSpec("d", null, Set.of(), Map.of()));
        Map<String, Map<Uuid, Set<Integer>>> r = simple.assign(specs, Map.of(ORDERS, 1, PAYMENTS, 3));
        assertEquals(Map.of(), r.get("d"));
        assertEquals(Set.of(0), r.get("a").get(ORDERS));
        assertTrue(r.get("b").containsKey(ORDERS) && r.get("b").containsKey(PAYMENTS));
        assertTrue(!r.get("c").containsKey(ORDERS));
        for (int h : sharing(r, PAYMENTS, 3)) {
            assertEquals(1, h);
        }
        Map<String, Integer> paymentLoads = new HashMap<>();
        r.forEach((id, a) -> paymentLoads.put(id, a.getOrDefault(PAYMENTS, Set.of()).size()));
        assertEquals(3, paymentLoads.get("b") + paymentLoads.get("c"));
        assertTrue(Math.abs(paymentLoads.get("b") - paymentLoads.get("c")) <= 1);
    }

    @Test
    void theSameInputsGiveTheSameAssignment() {
        List<MemberSpec> reversed = new ArrayList<>(members(5, Set.of(ORDERS, PAYMENTS)));
        java.util.Collections.reverse(reversed);
        assertEquals(simple.assign(members(5, Set.of(ORDERS, PAYMENTS)), Map.of(ORDERS, 3, PAYMENTS, 2)),
                simple.assign(reversed, Map.of(ORDERS, 3, PAYMENTS, 2)));
    }
}
