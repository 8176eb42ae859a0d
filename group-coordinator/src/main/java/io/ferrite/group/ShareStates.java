package io.ferrite.group;

import io.ferrite.coordinator.CoordinatorRuntime;
import io.ferrite.coordinator.CoordinatorState;
import io.ferrite.group.GroupRecord.ShareState;
import io.ferrite.group.GroupRecord.ShareStateKey;
import io.ferrite.group.GroupRecord.ShareStateTombstone;
import io.ferrite.group.share.Acquisitions;
import io.ferrite.group.share.ShareAck;
import io.ferrite.group.share.SharePartition;
import io.ferrite.group.share.SharePartition.AckType;
import io.ferrite.group.share.SharePartition.Acquired;
import io.ferrite.group.share.SharedPartition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.protocol.Errors;

/**
 * The share-partitions of every share group ({@link SharePartition}), and what ShareFetch and ShareAcknowledge do
 * to them. A share-partition starts where the group's {@code share.auto.offset.reset} says when first read, and
 * that start is written at once; acknowledgements and releases write the share-partition's state whole
 * ({@link ShareState}) and are answered once it is durable. Acquisitions are not written: after a restart what
 * was acquired and not acknowledged is delivered again, as in Kafka. Locks run out on the coordinator's timers.
 * Coordinator thread only.
 */
final class ShareStates implements CoordinatorState<GroupRecord> {
    private final Map<String, Group> groups;
    private final CoordinatorRuntime<GroupRecord> runtime;
    private final GroupConfigs groupConfigs;
    private final TopicLookup topics;
    /** By group, then partition. */
    private final Map<String, Map<SharedPartition, SharePartition>> states = new HashMap<>();

    ShareStates(Map<String, Group> groups, CoordinatorRuntime<GroupRecord> runtime, GroupConfigs groupConfigs,
                TopicLookup topics) {
        this.groups = groups;
        this.runtime = runtime;
        this.groupConfigs = groupConfigs;
        this.topics = topics;
    }

    /** The member, checked: GROUP_ID_NOT_FOUND or UNKNOWN_MEMBER_ID otherwise. */
    private void requireMember(String group, String member) {
        if (!(groups.get(group) instanceof ShareGroup g)) {
            throw new GroupIdNotFoundException("Share group " + group + " not found.");
        }
        g.requireMember(member);
    }

    /**
     * Hands {@code member} up to {@code maxRecords} records over {@code partitions}, in order. A partition first
     * read gets its start offset (written before the answer).
     */
    CompletableFuture<Acquisitions> acquire(String group, String member, List<SharedPartition> partitions,
                                            int maxRecords) {
        requireMember(group, member);
        long now = runtime.now();
        List<GroupRecord> records = new ArrayList<>();
        Map<SharedPartition, Acquisitions.Partition> out = new LinkedHashMap<>();
        int left = maxRecords;
        boolean readCommitted = groupConfigs.shareReadCommitted(group);
        for (SharedPartition p : partitions) {
            long logEnd = readCommitted ? topics.lastStableOffset(p.topicId(), p.partition())
                    : topics.logEndOffset(p.topicId(), p.partition());
            if (logEnd < 0) {
                // By id, as the share APIs name topics: an id no topic has is UNKNOWN_TOPIC_ID, as for Fetch.
                out.put(p, topics.name(p.topicId()) == null
                        ? new Acquisitions.Partition(Errors.UNKNOWN_TOPIC_ID, "no topic has this id", List.of())
                        : new Acquisitions.Partition(Errors.UNKNOWN_TOPIC_OR_PARTITION, "no such partition", List.of()));
                continue;
            }
            SharePartition sp = states.computeIfAbsent(group, g -> new HashMap<>()).get(p);
            if (sp == null) {
                long start = initialOffset(group, p, logEnd, now);
                sp = SharePartition.startingAt(start < 0 ? logEnd : start); // -1: the partition went meanwhile
                states.get(group).put(p, sp);
                records.add(new ShareState(group, p.topicId(), p.partition(), sp.snapshot()));
            }
            sp.logStartMoved(topics.logStartOffset(p.topicId(), p.partition()));
            List<Acquired> got = left <= 0 ? List.of() : sp.acquire(member, logEnd, left,
                    groupConfigs.sharePartitionMaxRecordLocks(group), groupConfigs.shareDeliveryCountLimit(group), now,
                    groupConfigs.shareRecordLockDurationMs(group));
            for (Acquired a : got) {
                left -= (int) (a.lastOffset() - a.firstOffset() + 1);
            }
            if (!got.isEmpty()) {
                scheduleLocks(group, p, sp);
            }
            out.put(p, new Acquisitions.Partition(Errors.NONE, null, got));
        }
        int lockMs = groupConfigs.shareRecordLockDurationMs(group);
        return runtime.write(records).thenApply(v -> new Acquisitions(lockMs, readCommitted, out));
    }

    /** Where a share-partition first read starts: the group's {@code share.auto.offset.reset}. */
    private long initialOffset(String group, SharedPartition p, long logEnd, long now) {
        String reset = groupConfigs.shareAutoOffsetReset(group).trim();
        if (reset.equalsIgnoreCase("earliest")) {
            return Math.max(0, topics.logStartOffset(p.topicId(), p.partition()));
        }
        if (reset.toLowerCase(Locale.ROOT).startsWith("by_duration:")) {
            long back = Duration.parse(reset.substring("by_duration:".length())).toMillis();
            return topics.offsetForTimestamp(p.topicId(), p.partition(), now - back);
        }
        return logEnd;
    }

    /**
     * Applies {@code member}'s acknowledgements, partition by partition: a partition with a batch refused gets
     * INVALID_RECORD_STATE and none of its batches applies. Answered once the changed states are durable.
     */
    CompletableFuture<Map<SharedPartition, Errors>> acknowledge(String group, String member,
                                                               Map<SharedPartition, List<ShareAck>> acks) {
        requireMember(group, member);
        long now = runtime.now();
        List<GroupRecord> records = new ArrayList<>();
        Map<SharedPartition, Errors> out = new LinkedHashMap<>();
        int limit = groupConfigs.shareDeliveryCountLimit(group);
        long lockMs = groupConfigs.shareRecordLockDurationMs(group);
        boolean renewAllowed = groupConfigs.shareRenewAllowed(group);
        for (Map.Entry<SharedPartition, List<ShareAck>> e : acks.entrySet()) {
            SharedPartition p = e.getKey();
            SharePartition sp = states.getOrDefault(group, Map.of()).get(p);
            Errors error = Errors.NONE;
            if (sp == null) {
                error = Errors.INVALID_RECORD_STATE;
            } else {
                // All of a partition's batches or none, as Kafka takes them: checked first, then applied.
                List<List<AckType>> types = new ArrayList<>();
                try {
                    for (ShareAck b : e.getValue()) {
                        List<AckType> ts = new ArrayList<>(b.types().size());
                        for (byte t : b.types()) {
                            AckType type = AckType.of(t);
                            if (type == null) {
                                throw new IllegalArgumentException("unknown acknowledge type " + t);
                            }
                            if (type == AckType.RENEW && !renewAllowed) { // share.renew.acknowledge.enable=false
                                throw new SharePartition.InvalidRecordState("renewing acquisition locks is not "
                                        + "enabled for the group");
                            }
                            ts.add(type);
                        }
                        sp.check(member, b.firstOffset(), b.lastOffset(), ts.size());
                        types.add(ts);
                    }
                    for (int i = 0; i < types.size(); i++) {
                        ShareAck b = e.getValue().get(i);
                        sp.acknowledge(member, b.firstOffset(), b.lastOffset(), types.get(i), limit, now, lockMs);
                    }
                } catch (IllegalArgumentException unknownType) {
                    error = Errors.INVALID_REQUEST;
                } catch (SharePartition.InvalidRecordState refused) {
                    error = Errors.INVALID_RECORD_STATE;
                }
                records.add(new ShareState(group, p.topicId(), p.partition(), sp.snapshot()));
            }
            out.put(p, error);
        }
        return runtime.write(records).thenApply(v -> out);
    }

    /**
     * Archives records {@code member} acquired that a read_committed group must never see (aborted transactions'
     * records, transaction markers); nothing written: if lost, the next reader archives them again.
     */
    void archive(String group, String member, Map<SharedPartition, List<Acquired>> ranges) {
        int limit = groupConfigs.shareDeliveryCountLimit(group);
        long now = runtime.now();
        ranges.forEach((p, rs) -> {
            SharePartition sp = states.getOrDefault(group, Map.of()).get(p);
            if (sp != null) {
                for (Acquired r : rs) {
                    try {
                        sp.acknowledge(member, r.firstOffset(), r.lastOffset(), List.of(AckType.GAP), limit, now, 0);
                    } catch (SharePartition.InvalidRecordState lockRanOut) {
                        // taken back meanwhile: the next reader archives it
                    }
                }
            }
        });
    }

    /** Gives back what {@code member} acquired and was not sent ({@link SharePartition#giveBack}); nothing written. */
    void giveBack(String group, String member, Map<SharedPartition, List<Acquired>> unsent) {
        unsent.forEach((p, ranges) -> {
            SharePartition sp = states.getOrDefault(group, Map.of()).get(p);
            if (sp != null) {
                ranges.forEach(r -> sp.giveBack(member, r.firstOffset(), r.lastOffset()));
            }
        });
    }

    /** Releases everything {@code member} holds in {@code group} (its share session closed, or it left). */
    List<GroupRecord> releaseAll(String group, String member) {
        List<GroupRecord> records = new ArrayList<>();
        int limit = groupConfigs.shareDeliveryCountLimit(group);
        states.getOrDefault(group, Map.of()).forEach((p, sp) -> {
            int before = sp.acquiredCount();
            sp.releaseAll(member, limit);
            if (sp.acquiredCount() != before) {
                records.add(new ShareState(group, p.topicId(), p.partition(), sp.snapshot()));
            }
        });
        return records;
    }

    /** The records removing every share-partition of the group (it is deleted), applied. */
    List<GroupRecord> removeGroup(String group) {
        List<GroupRecord> records = new ArrayList<>();
        Map<SharedPartition, SharePartition> of = states.remove(group);
        if (of != null) {
            of.keySet().forEach(p -> {
                runtime.cancel(lockKey(group, p));
                records.add(new ShareStateTombstone(new ShareStateKey(group, p.topicId(), p.partition())));
            });
        }
        return records;
    }

    /** The records removing every group's share-partitions of a deleted topic, applied. */
    List<GroupRecord> removeTopic(org.apache.kafka.common.Uuid topicId) {
        List<GroupRecord> records = new ArrayList<>();
        states.forEach((group, of) -> of.keySet().removeIf(p -> {
            if (!p.topicId().equals(topicId)) {
                return false;
            }
            runtime.cancel(lockKey(group, p));
            records.add(new ShareStateTombstone(new ShareStateKey(group, p.topicId(), p.partition())));
            return true;
        }));
        states.values().removeIf(Map::isEmpty);
        return records;
    }

    /** The group's share-partition, or null if the group has not read the partition. */
    SharePartition get(String group, SharedPartition p) {
        return states.getOrDefault(group, Map.of()).get(p);
    }

    /** The partitions the group has state for. */
    java.util.Set<SharedPartition> partitions(String group) {
        return java.util.Set.copyOf(states.getOrDefault(group, Map.of()).keySet());
    }

    /** The records that restart the group's share-partition at {@code startOffset} (AlterShareGroupOffsets), applied. */
    GroupRecord reset(String group, SharedPartition p, long startOffset) {
        SharePartition sp = SharePartition.startingAt(startOffset);
        states.computeIfAbsent(group, g -> new HashMap<>()).put(p, sp);
        runtime.cancel(lockKey(group, p));
        return new ShareState(group, p.topicId(), p.partition(), sp.snapshot());
    }

    /** The records removing the group's share-partitions of a topic (DeleteShareGroupOffsets), applied. */
    List<GroupRecord> remove(String group, org.apache.kafka.common.Uuid topicId) {
        List<GroupRecord> records = new ArrayList<>();
        Map<SharedPartition, SharePartition> of = states.get(group);
        if (of != null) {
            of.keySet().removeIf(p -> {
                if (!p.topicId().equals(topicId)) {
                    return false;
                }
                runtime.cancel(lockKey(group, p));
                records.add(new ShareStateTombstone(new ShareStateKey(group, p.topicId(), p.partition())));
                return true;
            });
            if (of.isEmpty()) {
                states.remove(group);
            }
        }
        return records;
    }

    private void scheduleLocks(String group, SharedPartition p, SharePartition sp) {
        long deadline = sp.nextLockDeadline();
        if (deadline == Long.MAX_VALUE) {
            runtime.cancel(lockKey(group, p));
            return;
        }
        runtime.schedule(lockKey(group, p), Math.max(0, deadline - runtime.now()), () -> {
            SharePartition current = states.getOrDefault(group, Map.of()).get(p);
            if (current == sp) {
                sp.expireLocks(runtime.now(), groupConfigs.shareDeliveryCountLimit(group));
                scheduleLocks(group, p, sp);
            }
        });
    }

    private static String lockKey(String group, SharedPartition p) {
        return "share-locks|" + group + "|" + p.topicId() + "|" + p.partition();
    }

    @Override
    public void replay(GroupRecord r) {
        if (r instanceof ShareState s) {
            states.computeIfAbsent(s.group(), g -> new HashMap<>()).put(new SharedPartition(s.topicId(), s.partition()),
                    SharePartition.restore(s.snapshot()));
        } else if (r instanceof ShareStateTombstone t) {
            Map<SharedPartition, SharePartition> of = states.get(t.stateKey().group());
            if (of != null) {
                of.remove(new SharedPartition(t.stateKey().topicId(), t.stateKey().partition()));
                if (of.isEmpty()) {
                    states.remove(t.stateKey().group());
                }
            }
        }
    }

    @Override
    public void unload() {
        states.clear();
    }

    @Override
    public void snapshot(List<GroupRecord> out) {
        states.forEach((group, of) -> of.forEach((p, sp) -> out.add(new ShareState(group, p.topicId(), p.partition(),
                sp.snapshot()))));
    }
}
