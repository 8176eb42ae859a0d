package io.ferrite.group;

import io.ferrite.group.assignor.Assignment;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.FencedMemberEpochException;

/**
 * Moves one member's current assignment a step towards its target, the way Kafka's consumer group protocol
 * does, without ever giving a partition to a member while another may still be using it:
 * <ul>
 *   <li>partitions it has that the target takes away become <em>pending revocation</em>; while the member still
 *       reports owning any of them it stays at its epoch, in UNREVOKED_PARTITIONS;</li>
 *   <li>once it owns none of them it moves to the target epoch and gets those of its target partitions that no
 *       other member holds (assigned or pending revocation); if some are still held it is in
 *       UNRELEASED_PARTITIONS and gets them at a later heartbeat, else STABLE;</li>
 *   <li>partitions of topics it no longer subscribes to are taken away at once, whatever the target says.</li>
 * </ul>
 * A pure function of its inputs; the caller writes the result if it differs.
 */
final class Reconciliation {
    /** Who holds a partition: the epoch of its holder, or null if nobody does. */
    @FunctionalInterface
    interface Holders {
        Integer epochOf(Uuid topic, int partition);
    }

    private Reconciliation() {
    }

    /**
     * The member's next state.
     *
     * @param targetEpoch the epoch of the group's target assignment
     * @param target      the member's part of it
     * @param holders     who holds each partition now
     * @param owned       the partitions the member reported owning in this heartbeat, or null if it did not say
     * @param subscribed  ids of the existing topics the member subscribes to
     */
    static ConsumerGroupMember next(ConsumerGroupMember m, int targetEpoch, Map<Uuid, Set<Integer>> target,
                                    Holders holders, Map<Uuid, Set<Integer>> owned, Set<Uuid> subscribed) {
        return switch (m.state()) {
            case STABLE -> m.memberEpoch() != targetEpoch ? towardsTarget(m, m.memberEpoch(), targetEpoch, target,
                    holders, owned, subscribed) : dropUnsubscribed(m, owned, subscribed);
            case UNREVOKED_PARTITIONS -> ownsAny(owned, m.pendingRevocation()) ? dropUnsubscribed(m, owned, subscribed)
                    : towardsTarget(m, m.memberEpoch(), targetEpoch, target, holders, owned, subscribed);
            case UNRELEASED_PARTITIONS -> towardsTarget(m, m.memberEpoch(), targetEpoch, target, holders, owned,
                    subscribed);
            case UNKNOWN -> {
                if (owned == null || !owned.isEmpty()) {
                    throw new FencedMemberEpochException("member " + m.memberId() + " is in a state this broker"
                            + " does not know; it must give up all its partitions and join again");
                }
                yield towardsTarget(m, targetEpoch, targetEpoch, target, holders, owned, subscribed);
            }
        };
    }

    private static ConsumerGroupMember towardsTarget(ConsumerGroupMember m, int memberEpoch, int targetEpoch,
                                                     Map<Uuid, Set<Integer>> target, Holders holders,
                                                     Map<Uuid, Set<Integer>> owned, Set<Uuid> subscribed) {
        Map<Uuid, Set<Integer>> keep = new HashMap<>();
        Map<Uuid, Set<Integer>> revoke = new HashMap<>();
        Map<Uuid, Set<Integer>> add = new HashMap<>();
        boolean unreleased = false;
        Set<Uuid> topics = new HashSet<>(target.keySet());
        topics.addAll(m.assigned().keySet());
        for (Uuid topic : topics) {
            Set<Integer> wanted = subscribed.contains(topic) ? target.getOrDefault(topic, Set.of()) : Set.of();
            Set<Integer> has = m.assigned().getOrDefault(topic, Set.of());
            Set<Integer> kept = new HashSet<>(has);
            kept.retainAll(wanted);
            Set<Integer> gone = new HashSet<>(has);
            gone.removeAll(kept);
            Set<Integer> coming = new HashSet<>();
            for (int p : wanted) {
                if (kept.contains(p)) {
                    continue;
                }
                // Held by another member until it revokes; what this member itself is revoking is free to it.
                if (holders.epochOf(topic, p) != null && !Assignment.contains(m.pendingRevocation(), topic, p)) {
                    unreleased = true;
                } else {
                    coming.add(p);
                }
            }
            keep.put(topic, kept);
            revoke.put(topic, gone);
            add.put(topic, coming);
        }
        Map<Uuid, Set<Integer>> pending = Assignment.copyOf(revoke);
        if (!pending.isEmpty() && ownsAny(owned, pending)) {
            // Stay at this epoch until the member says it no longer uses what it must give up.
            return m.withAssignment(memberEpoch, m.memberEpoch(), MemberState.UNREVOKED_PARTITIONS,
                    keep, pending);
        }
        add.forEach((topic, ps) -> keep.get(topic).addAll(ps));
        MemberState state = unreleased ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE;
        return m.withAssignment(targetEpoch, m.memberEpoch(), state, keep, Assignment.EMPTY);
    }

    /** Takes away at once the partitions of topics the member no longer subscribes to (or that are gone). */
    private static ConsumerGroupMember dropUnsubscribed(ConsumerGroupMember m, Map<Uuid, Set<Integer>> owned,
                                                        Set<Uuid> subscribed) {
        Map<Uuid, Set<Integer>> keep = new HashMap<>(m.assigned());
        Map<Uuid, Set<Integer>> pending = new HashMap<>(m.pendingRevocation());
        boolean dropped = false;
        for (Map.Entry<Uuid, Set<Integer>> e : m.assigned().entrySet()) {
            if (!subscribed.contains(e.getKey())) {
                keep.remove(e.getKey());
                Set<Integer> all = new HashSet<>(pending.getOrDefault(e.getKey(), Set.of()));
                all.addAll(e.getValue());
                pending.put(e.getKey(), all);
                dropped = true;
            }
        }
        if (!dropped) {
            return m;
        }
        if (ownsAny(owned, pending)) {
            return m.withAssignment(m.memberEpoch(), m.memberEpoch(), MemberState.UNREVOKED_PARTITIONS, keep,
                    pending);
        }
        // Already given up by the member: only the assignment shrinks.
        return m.withAssignment(m.memberEpoch(), m.memberEpoch(), m.state(), keep, m.pendingRevocation());
    }

    /** Whether the member may still use any of {@code partitions}; not knowing (null) counts as yes. */
    private static boolean ownsAny(Map<Uuid, Set<Integer>> owned, Map<Uuid, Set<Integer>> partitions) {
        if (owned == null) {
            return true;
        }
        for (Map.Entry<Uuid, Set<Integer>> e : owned.entrySet()) {
            for (int p : e.getValue()) {
                if (Assignment.contains(partitions, e.getKey(), p)) {
                    return true;
                }
            }
        }
        return false;
    }
}
