package io.ferrite.group;

import io.ferrite.coordinator.CoordinatorState;
import io.ferrite.group.GroupRecord.GroupTombstone;
import io.ferrite.group.GroupRecord.OffsetCommit;
import io.ferrite.group.GroupRecord.OffsetKey;
import io.ferrite.group.GroupRecord.OffsetTombstone;
import io.ferrite.group.GroupRecord.PendingKey;
import io.ferrite.group.GroupRecord.PendingOffset;
import io.ferrite.group.GroupRecord.TransactionEnd;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.Uuid;

/**
 * Committed offsets, per group, per partition: what OffsetCommit writes and OffsetFetch reads. Also the
 * offsets committed inside transactions, pending per producer until its transaction ends, and the offset expiry
 * Kafka runs ({@code offsets.retention.minutes}, see {@link #expire}). Coordinator thread only.
 */
final class Offsets implements CoordinatorState<GroupRecord> {
    private final Map<String, Map<PartitionRef, OffsetCommit>> byGroup = new HashMap<>();
    /** Producer id to its transaction's pending offsets, by group and partition. */
    private final Map<Long, Map<PendingKey, PendingOffset>> pending = new HashMap<>();
    private final Map<String, Group> groups;
    private final ClassicGroups classic;

    /** A topic partition. */
    record PartitionRef(String topic, int partition) {
    }

    Offsets(Map<String, Group> groups, ClassicGroups classic) {
        this.groups = groups;
        this.classic = classic;
    }

    OffsetCommit get(String group, String topic, int partition) {
        Map<PartitionRef, OffsetCommit> offsets = byGroup.get(group);
        return offsets == null ? null : offsets.get(new PartitionRef(topic, partition));
    }

    /** Every committed offset of the group, in no particular order. */
    List<OffsetCommit> all(String group) {
        Map<PartitionRef, OffsetCommit> offsets = byGroup.get(group);
        return offsets == null ? List.of() : new ArrayList<>(offsets.values());
    }

    boolean hasOffsets(String group) {
        Map<PartitionRef, OffsetCommit> offsets = byGroup.get(group);
        return offsets != null && !offsets.isEmpty();
    }

    /** Whether a transaction holds an offset of the partition for the group that it has not committed yet. */
    boolean hasPending(String group, String topic, int partition) {
        for (Map<PendingKey, PendingOffset> offsets : pending.values()) {
            for (PendingKey k : offsets.keySet()) {
                if (k.partition() == partition && k.group().equals(group) && k.topic().equals(topic)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether a transaction holds any offset of the group that it has not committed yet. */
    boolean hasPending(String group) {
        for (Map<PendingKey, PendingOffset> offsets : pending.values()) {
            for (PendingKey k : offsets.keySet()) {
                if (k.group().equals(group)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether the producer's transaction holds offsets here. */
    boolean hasPending(long producerId) {
        return pending.containsKey(producerId);
    }

    /** Applies a record this coordinator just wrote, the same way a replay would. */
    void apply(GroupRecord r) {
        replay(r);
    }

    /** Tombstones for every offset of the group that {@code which} selects. */
    List<GroupRecord> tombstones(String group, Predicate<PartitionRef> which) {
        List<GroupRecord> out = new ArrayList<>();
        for (PartitionRef p : byGroup.getOrDefault(group, Map.of()).keySet()) {
            if (which.test(p)) {
                out.add(new OffsetTombstone(group, p.topic(), p.partition()));
            }
        }
        return out;
    }

    /**
     * Tombstones for the offsets of a deleted topic, in every group: those committed to it, or stored before
     * offsets kept their topic's id; not those of a topic of the same name created since.
     */
    List<GroupRecord> tombstonesForTopic(String topic, Uuid id) {
        List<GroupRecord> out = new ArrayList<>();
        for (Map.Entry<String, Map<PartitionRef, OffsetCommit>> e : byGroup.entrySet()) {
            Map<PartitionRef, OffsetCommit> offsets = e.getValue();
            out.addAll(tombstones(e.getKey(), p -> p.topic().equals(topic)
                    && !offsets.get(p).isOfAnotherTopicThan(id)));
        }
        // Offsets transactions hold for it too: their commit must not bring them back.
        for (Map<PendingKey, PendingOffset> offsets : pending.values()) {
            offsets.forEach((k, p) -> {
                if (k.topic().equals(topic) && !p.offset().isOfAnotherTopicThan(id)) {
                    out.add(new GroupRecord.PendingOffsetTombstone(k));
                }
            });
        }
        return out;
    }

    /**
     * The records that expire what has outlived the retention at {@code now}, by Kafka's rules: an Empty group's
     * offsets once it has been empty that long; a simple group's (no protocol) and a Stable consumer group's
     * offsets of topics it does not read, once the commit is that old; an explicit expire timestamp (v2-4
     * commits) wins. A group with nothing left that is empty goes too.
     */
    List<GroupRecord> expire(long now, long retentionMs) {
        List<GroupRecord> out = new ArrayList<>();
        for (Map.Entry<String, Map<PartitionRef, OffsetCommit>> e : byGroup.entrySet()) {
            Group g = groups.get(e.getKey());
            ToLongFunction<OffsetCommit> base = expiryBase(g);
            if (base == null) {
                continue;
            }
            boolean allExpired = true;
            for (OffsetCommit o : e.getValue().values()) {
                boolean gone = !g.isSubscribedTo(o.topic()) && (o.expireTimestamp() >= 0
                        ? now >= o.expireTimestamp() : now - base.applyAsLong(o) >= retentionMs);
                if (gone) {
                    out.add(new OffsetTombstone(o.group(), o.topic(), o.partition()));
                } else {
                    allExpired = false;
                }
            }
            if (allExpired && g.isEmpty()) {
                out.add(new GroupTombstone(e.getKey()));
            }
        }
        return out;
    }

    /** From when an offset's retention counts, or null if the group's offsets do not expire now. */
    private static ToLongFunction<OffsetCommit> expiryBase(Group g) {
        if (g instanceof ClassicGroup c) {
            if (c.protocolType == null || c.protocolType.isEmpty()) {
                return OffsetCommit::commitTimestamp;
            }
            if (c.is(ClassicGroup.State.EMPTY)) {
                return o -> c.stateTimestamp;
            }
            if ("consumer".equals(c.protocolType) && c.subscribedTopics != null && c.is(ClassicGroup.State.STABLE)) {
                return OffsetCommit::commitTimestamp;
            }
            return null;
        }
        return g == null || !g.isEmpty() ? null : OffsetCommit::commitTimestamp;
    }

    @Override
    public void replay(GroupRecord record) {
        if (record instanceof OffsetCommit o) {
            byGroup.computeIfAbsent(o.group(), k -> new LinkedHashMap<>())
                    .put(new PartitionRef(o.topic(), o.partition()), o);
            classic.getOrCreate(o.group()); // a group with offsets exists, as in Kafka (a "simple" group if no other)
        } else if (record instanceof OffsetTombstone t) {
            Map<PartitionRef, OffsetCommit> offsets = byGroup.get(t.group());
            if (offsets != null) {
                offsets.remove(new PartitionRef(t.topic(), t.partition()));
                if (offsets.isEmpty()) {
                    byGroup.remove(t.group());
                }
            }
        } else if (record instanceof GroupTombstone t) {
            byGroup.remove(t.group());
            pending.values().forEach(offsets -> offsets.keySet().removeIf(k -> k.group().equals(t.group())));
            pending.values().removeIf(Map::isEmpty);
        } else if (record instanceof GroupRecord.PendingOffsetTombstone t) {
            Map<PendingKey, PendingOffset> offsets = pending.get(t.pendingKey().producerId());
            if (offsets != null) {
                offsets.remove(t.pendingKey());
                if (offsets.isEmpty()) {
                    pending.remove(t.pendingKey().producerId());
                }
            }
        } else if (record instanceof PendingOffset p) {
            pending.computeIfAbsent(p.producerId(), k -> new LinkedHashMap<>()).put((PendingKey) p.key(), p);
            classic.getOrCreate(p.offset().group()); // as a plain commit makes a simple group
        } else if (record instanceof TransactionEnd e) {
            Map<PendingKey, PendingOffset> offsets = pending.remove(e.producerId());
            if (e.commit() && offsets != null) {
                offsets.values().forEach(p -> replay(p.offset()));
            }
        }
    }

    @Override
    public void unload() {
        byGroup.clear();
        pending.clear();
    }

    @Override
    public void snapshot(List<GroupRecord> out) {
        for (Map<PartitionRef, OffsetCommit> offsets : byGroup.values()) {
            out.addAll(offsets.values());
        }
        pending.values().forEach(offsets -> out.addAll(offsets.values()));
    }

    /** Groups that hold offsets. */
    Iterator<String> groupIds() {
        return byGroup.keySet().iterator();
    }
}
