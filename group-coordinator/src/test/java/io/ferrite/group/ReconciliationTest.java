package io.ferrite.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.FencedMemberEpochException;
import org.junit.jupiter.api.Test;

class ReconciliationTest {
    private static final Uuid T = new Uuid(7, 7);
    private static final Uuid GONE = new Uuid(9, 9);
    private final Map<Integer, Integer> held = new HashMap<>(); // partition of T to its holder's epoch

    private Reconciliation.Holders holders() {
        return (topic, p) -> topic.equals(T) ? held.get(p) : null;
    }

    private static ConsumerGroupMember member(int epoch, MemberState state, Set<Integer> assigned,
                                              Set<Integer> pending) {
        return ConsumerGroupMember.joining("m").withAssignment(epoch, epoch - 1, state,
                assigned.isEmpty() ? Map.of() : Map.of(T, assigned), pending.isEmpty() ? Map.of() : Map.of(T, pending));
    }

    @Test
    void aNewMemberGetsItsFreeTargetPartitionsAtTheTargetEpoch() {
        ConsumerGroupMember next = Reconciliation.next(member(0, MemberState.STABLE, Set.of(), Set.of()), 3,
                Map.of(T, Set.of(0, 1)), holders(), Map.of(), Set.of(T));
        assertEquals(3, next.memberEpoch());
        assertEquals(0, next.previousMemberEpoch());
        assertEquals(MemberState.STABLE, next.state());
        assertEquals(Map.of(T, Set.of(0, 1)), next.assigned());
    }

    @Test
    void partitionsHeldByAnotherMemberWaitUntilReleased() {
        held.put(1, 2);
        ConsumerGroupMember waiting = Reconciliation.next(member(2, MemberState.STABLE, Set.of(0), Set.of()), 3,
                Map.of(T, Set.of(0, 1)), holders(), null, Set.of(T));
        assertEquals(MemberState.UNRELEASED_PARTITIONS, waiting.state());
        assertEquals(3, waiting.memberEpoch());
        assertEquals(Map.of(T, Set.of(0)), waiting.assigned());

        held.remove(1);
        ConsumerGroupMember done = Reconciliation.next(waiting, 3, Map.of(T, Set.of(0, 1)), holders(), null,
                Set.of(T));
        assertEquals(MemberState.STABLE, done.state());
        assertEquals(Map.of(T, Set.of(0, 1)), done.assigned());
        assertEquals(2, done.assignmentEpoch(T, 0), "held since epoch 2");
        assertEquals(3, done.assignmentEpoch(T, 1), "given at epoch 3");
    }

    @Test
    void aMemberRevokesBeforeMovingOnAndKeepsItsEpochMeanwhile() {
        ConsumerGroupMember stable = member(2, MemberState.STABLE, Set.of(0, 1, 2), Set.of());
        Map<Uuid, Set<Integer>> target = Map.of(T, Set.of(0));
        ConsumerGroupMember revoking = Reconciliation.next(stable, 3, target, holders(),
                Map.of(T, Set.of(0, 1, 2)), Set.of(T));
        assertEquals(MemberState.UNREVOKED_PARTITIONS, revoking.state());
        assertEquals(2, revoking.memberEpoch());
        assertEquals(Map.of(T, Set.of(0)), revoking.assigned());
        assertEquals(Map.of(T, Set.of(1, 2)), revoking.pendingRevocation());

        // Still owning one of them (or not saying): no progress.
        assertSame(revoking, Reconciliation.next(revoking, 3, target, holders(), Map.of(T, Set.of(0, 2)),
                Set.of(T)));
        assertSame(revoking, Reconciliation.next(revoking, 3, target, holders(), null, Set.of(T)));

        ConsumerGroupMember done = Reconciliation.next(revoking, 3, target, holders(), Map.of(T, Set.of(0)),
                Set.of(T));
        assertEquals(MemberState.STABLE, done.state());
        assertEquals(3, done.memberEpoch());
        assertEquals(Map.of(), done.pendingRevocation());
    }

    @Test
    void aPartitionTheMemberItselfIsRevokingIsNotWaitedFor() {
        ConsumerGroupMember revoking = member(2, MemberState.UNREVOKED_PARTITIONS, Set.of(0), Set.of(1));
        held.put(1, 2); // held by this very member, pending revocation
        ConsumerGroupMember next = Reconciliation.next(revoking, 3, Map.of(T, Set.of(0, 1)), holders(),
                Map.of(T, Set.of(0)), Set.of(T));
        assertEquals(MemberState.STABLE, next.state());
        assertEquals(Map.of(T, Set.of(0, 1)), next.assigned());
    }

    @Test
    void partitionsOfTopicsNoLongerSubscribedAreRevokedAtOnce() {
        ConsumerGroupMember stable = ConsumerGroupMember.joining("m").withAssignment(3, 2, MemberState.STABLE,
                Map.of(T, Set.of(0), GONE, Set.of(0, 1)), Map.of());
        ConsumerGroupMember next = Reconciliation.next(stable, 3, Map.of(T, Set.of(0), GONE, Set.of(0, 1)),
                holders(), Map.of(T, Set.of(0), GONE, Set.of(0, 1)), Set.of(T));
        assertEquals(MemberState.UNREVOKED_PARTITIONS, next.state());
        assertEquals(Map.of(T, Set.of(0)), next.assigned());
        assertEquals(Map.of(GONE, Set.of(0, 1)), next.pendingRevocation());
    }

    @Test
    void aMemberAlreadyAtTheTargetIsLeftAlone() {
        ConsumerGroupMember stable = member(3, MemberState.STABLE, Set.of(0), Set.of());
        assertSame(stable, Reconciliation.next(stable, 3, Map.of(T, Set.of(0)), holders(), null, Set.of(T)));
    }

    @Test
    void aMemberInAnUnknownStateMustStartOver() {
        ConsumerGroupMember unknown = member(2, MemberState.UNKNOWN, Set.of(0), Set.of());
        assertThrows(FencedMemberEpochException.class, () -> Reconciliation.next(unknown, 3, Map.of(T, Set.of(0)),
                holders(), Map.of(T, Set.of(0)), Set.of(T)));
        assertEquals(MemberState.STABLE, Reconciliation.next(unknown, 3, Map.of(T, Set.of(0)), holders(), Map.of(),
                Set.of(T)).state());
    }

    @Test
    void aStaticMemberLeavingForNowHoldsItsPartitionsFromEpochZero() {
        ConsumerGroupMember m = member(4, MemberState.UNREVOKED_PARTITIONS, Set.of(0), Set.of(1)).leftForNow();
        assertEquals(ConsumerGroupMember.STATIC_LEFT_EPOCH, m.memberEpoch());
        assertEquals(Map.of(), m.pendingRevocation());
        assertEquals(0, m.assignmentEpoch(T, 0));
        assertEquals(null, m.assignmentEpoch(T, 1));
    }

    @Test
    void theRecordsCarryTheWholeState() {
        ConsumerGroupMember m = member(4, MemberState.UNREVOKED_PARTITIONS, Set.of(0), Set.of(1))
                .updatedBy("i", "r", 1000, List.of("b", "a"), "x.*", "range", "c", "/h");
        ConsumerGroupMember back = ConsumerGroupMember.joining("m").withSubscription(m.subscriptionRecord("g"))
                .withAssignment(m.assignmentRecord("g"));
        assertEquals(m, back);
        assertEquals(List.of("a", "b"), back.topicNames());
    }
}
