package io.ferrite.group;

import io.ferrite.coordinator.CoordinatorRuntime;
import io.ferrite.group.GroupRecord.OffsetCommit;
import io.ferrite.group.GroupRecord.PendingOffset;
import io.ferrite.group.GroupRecord.TransactionEnd;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * OffsetCommit, TxnOffsetCommit, OffsetFetch and OffsetDelete against the coordinator's state, with Kafka's checks: the
 * group's member and generation (or member epoch), topics that exist, metadata size. A commit is answered once
 * its records are durable. Coordinator thread only.
 */
final class OffsetRequests {
    private final Map<String, Group> groups;
    private final ClassicGroups classic;
    private final Offsets offsets;
    private final CoordinatorRuntime<GroupRecord> runtime;
    private final GroupConfig config;
    private final TopicLookup topics;

    OffsetRequests(Map<String, Group> groups, ClassicGroups classic, Offsets offsets, CoordinatorRuntime<GroupRecord> runtime,
                   GroupConfig config, TopicLookup topics) {
        this.groups = groups;
        this.classic = classic;
        this.offsets = offsets;
        this.runtime = runtime;
        this.config = config;
        this.topics = topics;
    }

    /**
     * OffsetCommit as Kafka's broker runs it: partitions of unknown topics are answered first and never reach
     * the group; if none is left the group is not even looked at. Otherwise a group error (member,
     * generation, state) answers every partition of the request.
     */
    CompletableFuture<OffsetCommitResponseData> commit(OffsetCommitRequestData req, short version) {
        boolean byId = version >= 10;
        long now = runtime.now();
        OffsetCommitResponseData resp = new OffsetCommitResponseData();
        List<GroupRecord> records = new ArrayList<>();
        List<OffsetCommitResponsePartition> written = new ArrayList<>();
        boolean reachesGroup = false;
        for (OffsetCommitRequestTopic t : req.topics()) {
            String name = byId ? topics.name(t.topicId()) : t.name();
            OffsetCommitResponseTopic rt = new OffsetCommitResponseTopic().setName(byId ? "" : t.name())
                    .setTopicId(byId ? t.topicId() : Uuid.ZERO_UUID);
            resp.topics().add(rt);
            int partitions = name == null ? -1 : topics.partitions(name);
            for (OffsetCommitRequestPartition p : t.partitions()) {
                OffsetCommitResponsePartition rp = new OffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex());
                rt.partitions().add(rp);
                if (name == null && byId) {
                    rp.setErrorCode(Errors.UNKNOWN_TOPIC_ID.code());
                } else if (p.partitionIndex() < 0 || p.partitionIndex() >= partitions) {
                    rp.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                } else if (p.committedMetadata() != null
                        && p.committedMetadata().length() > config.offsetMetadataMaxBytes()) {
                    rp.setErrorCode(Errors.OFFSET_METADATA_TOO_LARGE.code());
                    reachesGroup = true;
                } else {
                    long expire = version <= 4 && req.retentionTimeMs() >= 0 ? now + req.retentionTimeMs() : -1;
                    records.add(new OffsetCommit(req.groupId(), name, p.partitionIndex(), p.committedOffset(),
                            version >= 6 ? p.committedLeaderEpoch() : -1, p.committedMetadata(), now, expire,
                            byId ? t.topicId() : topics.id(name)));
                    written.add(rp);
                    reachesGroup = true;
                }
            }
        }
        if (!reachesGroup) {
            return CompletableFuture.completedFuture(resp);
        }
        Errors groupError = validateCommit(req, version);
        if (groupError != Errors.NONE) {
            resp.topics().forEach(t -> t.partitions().forEach(p -> p.setErrorCode(groupError.code())));
            return CompletableFuture.completedFuture(resp);
        }
        if (records.isEmpty()) {
            return CompletableFuture.completedFuture(resp);
        }
        records.forEach(offsets::apply);
        return runtime.write(records).handle((v, e) -> {
            if (e != null) {
                written.forEach(rp -> rp.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()));
            }
            return resp;
        });
    }

    /**
     * TxnOffsetCommit: the offsets are written as pending under the producer's id and applied when its
     * transaction ends ({@link #endTransaction}). Unknown partitions and oversized metadata are answered per
     * partition; a group error (member, generation) answers every partition. The caller has checked with the
     * transaction coordinator that the transaction is open and holds the group's offsets.
     */
    CompletableFuture<TxnOffsetCommitResponseData> commitInTransaction(TxnOffsetCommitRequestData req) {
        long now = runtime.now();
        TxnOffsetCommitResponseData resp = new TxnOffsetCommitResponseData();
        List<GroupRecord> records = new ArrayList<>();
        List<TxnOffsetCommitResponsePartition> written = new ArrayList<>();
        for (TxnOffsetCommitRequestTopic t : req.topics()) {
            TxnOffsetCommitResponseTopic rt = new TxnOffsetCommitResponseTopic().setName(t.name());
            resp.topics().add(rt);
            int partitions = topics.partitions(t.name());
            for (TxnOffsetCommitRequestPartition p : t.partitions()) {
                TxnOffsetCommitResponsePartition rp = new TxnOffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex());
                rt.partitions().add(rp);
                if (p.partitionIndex() < 0 || p.partitionIndex() >= partitions) {
                    rp.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                } else if (p.committedMetadata() != null
                        && p.committedMetadata().length() > config.offsetMetadataMaxBytes()) {
                    rp.setErrorCode(Errors.OFFSET_METADATA_TOO_LARGE.code());
                } else {
                    records.add(new PendingOffset(req.producerId(), new OffsetCommit(req.groupId(), t.name(),
                            p.partitionIndex(), p.committedOffset(), p.committedLeaderEpoch(), p.committedMetadata(),
                            now, -1, topics.id(t.name()))));
                    written.add(rp);
                }
            }
        }
        Errors groupError = validateTransactionalCommit(req);
        if (groupError != Errors.NONE) {
            resp.topics().forEach(t -> t.partitions().forEach(p -> p.setErrorCode(groupError.code())));
            return CompletableFuture.completedFuture(resp);
        }
        if (records.isEmpty()) {
            return CompletableFuture.completedFuture(resp);
        }
        records.forEach(offsets::apply);
        return runtime.write(records).handle((v, e) -> {
            if (e != null) {
                written.forEach(rp -> rp.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()));
            }
            return resp;
        });
    }

    private Errors validateTransactionalCommit(TxnOffsetCommitRequestData req) {
        if (req.groupId() == null || req.groupId().isEmpty()) {
            return Errors.INVALID_GROUP_ID;
        }
        Group group = groups.get(req.groupId());
        if (group == null) {
            if (req.generationId() >= 0) {
                return Errors.ILLEGAL_GENERATION;
            }
            group = classic.getOrCreate(req.groupId());
        }
        try {
            group.validateTransactionalOffsetCommit(req.memberId() == null ? "" : req.memberId(),
                    req.groupInstanceId(), req.generationId());
        } catch (ApiException e) {
            return Errors.forException(e);
        }
        return Errors.NONE;
    }

    /**
     * The producer's transaction ended: its pending offsets become the groups' committed offsets, or are
     * dropped. Nothing is written if it committed none here. Answered once durable.
     */
    CompletableFuture<Void> endTransaction(long producerId, boolean commit) {
        if (!offsets.hasPending(producerId)) {
            return CompletableFuture.completedFuture(null);
        }
        GroupRecord end = new TransactionEnd(producerId, commit);
        offsets.apply(end);
        return runtime.write(List.of(end));
    }

    /** The error every partition of the commit gets, or NONE. An empty group id is a group, as in Kafka. */
    private Errors validateCommit(OffsetCommitRequestData req, short version) {
        if (req.groupId() == null) {
            return Errors.INVALID_GROUP_ID;
        }
        Group group = groups.get(req.groupId());
        if (group == null) {
            if (req.generationIdOrMemberEpoch() >= 0) {
                return version >= 9 ? Errors.GROUP_ID_NOT_FOUND : Errors.ILLEGAL_GENERATION;
            }
            group = classic.getOrCreate(req.groupId());
        }
        String memberId = req.memberId() == null ? "" : req.memberId();
        try {
            group.validateOffsetCommit(memberId, req.groupInstanceId(), req.generationIdOrMemberEpoch(), version,
                    committed(req, version));
        } catch (ApiException e) {
            return Errors.forException(e);
        }
        if (group instanceof ClassicGroup c) {
            classic.committed(c, memberId);
        }
        return Errors.NONE;
    }

    /** The partitions a commit names, by topic id (v10+ names topics by id). */
    private Map<Uuid, Set<Integer>> committed(OffsetCommitRequestData req, short version) {
        Map<Uuid, Set<Integer>> out = new HashMap<>();
        for (OffsetCommitRequestTopic t : req.topics()) {
            Set<Integer> ps = out.computeIfAbsent(version >= 10 ? t.topicId() : topics.id(t.name()),
                    id -> new HashSet<>());
            t.partitions().forEach(p -> ps.add(p.partitionIndex()));
        }
        return out;
    }

    /** One group of an OffsetFetch; {@code wanted.topics()} null means every committed offset of the group. */
    OffsetFetchResponseGroup fetch(OffsetFetchRequestGroup wanted, short version, boolean requireStable) {
        OffsetFetchResponseGroup out = new OffsetFetchResponseGroup().setGroupId(wanted.groupId());
        if (wanted.groupId() == null) {
            return out.setErrorCode(Errors.INVALID_GROUP_ID.code());
        }
        // An unknown group is no error: it has no offsets (Kafka answers the same).
        Group group = groups.get(wanted.groupId());
        boolean namesMember = wanted.memberId() != null && !wanted.memberId().isEmpty();
        if (group != null && namesMember) {
            try {
                group.validateOffsetFetch(wanted.memberId(), wanted.memberEpoch());
            } catch (ApiException e) {
                return out.setErrorCode(Errors.forException(e).code());
            }
        }
        boolean byId = version >= 10;
        if (wanted.topics() == null) {
            Map<String, OffsetFetchResponseTopics> byTopic = new java.util.TreeMap<>();
            for (OffsetCommit o : offsets.all(wanted.groupId())) {
                byTopic.computeIfAbsent(o.topic(), t -> new OffsetFetchResponseTopics()
                        .setName(byId ? "" : t).setTopicId(byId ? topics.id(t) : Uuid.ZERO_UUID))
                        .partitions().add(stable(wanted.groupId(), o.topic(), o.partition(), o, requireStable));
            }
            out.topics().addAll(byTopic.values());
            return out;
        }
        for (OffsetFetchRequestTopics t : wanted.topics()) {
            String name = byId ? topics.name(t.topicId()) : t.name();
            OffsetFetchResponseTopics rt = new OffsetFetchResponseTopics().setName(byId ? "" : t.name())
                    .setTopicId(byId ? t.topicId() : Uuid.ZERO_UUID);
            out.topics().add(rt);
            for (int p : t.partitionIndexes()) {
                if (name == null) {
                    rt.partitions().add(partition(p, null).setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
                } else {
                    OffsetCommit o = offsets.get(wanted.groupId(), name, p);
                    // By id, an offset committed to an earlier topic of this name is none (Kafka 4.3).
                    rt.partitions().add(stable(wanted.groupId(), name, p,
                            o != null && byId && o.isOfAnotherTopicThan(t.topicId()) ? null : o, requireStable));
                }
            }
        }
        return out;
    }

    /**
     * The committed offset, unless a stable one is required and a transaction holds a newer one it has not
     * committed yet: then UNSTABLE_OFFSET_COMMIT, and the client asks again.
     */
    private OffsetFetchResponsePartitions stable(String group, String topic, int partition, OffsetCommit o,
                                                 boolean requireStable) {
        if (requireStable && offsets.hasPending(group, topic, partition)) {
            return partition(partition, null).setErrorCode(Errors.UNSTABLE_OFFSET_COMMIT.code());
        }
        return partition(partition, o);
    }

    private static OffsetFetchResponsePartitions partition(int index, OffsetCommit o) {
        OffsetFetchResponsePartitions p = new OffsetFetchResponsePartitions().setPartitionIndex(index);
        if (o == null) {
            return p.setCommittedOffset(-1).setCommittedLeaderEpoch(-1).setMetadata("");
        }
        return p.setCommittedOffset(o.offset()).setCommittedLeaderEpoch(o.leaderEpoch())
                .setMetadata(o.metadata() == null ? "" : o.metadata());
    }

    /**
     * OffsetDelete: partitions of unknown topics are answered as such; of the rest, only partitions with a
     * committed offset appear in the answer (Kafka's shape). A group error answers the whole request.
     */
    CompletableFuture<OffsetDeleteResponseData> delete(OffsetDeleteRequestData req) {
        OffsetDeleteResponseData resp = new OffsetDeleteResponseData();
        if (req.groupId() == null || req.groupId().isEmpty()) {
            return CompletableFuture.completedFuture(resp.setErrorCode(Errors.INVALID_GROUP_ID.code()));
        }
        Group group = groups.get(req.groupId());
        if (group == null) {
            return CompletableFuture.completedFuture(resp.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()));
        }
        if (!group.isEmpty() && !"consumer".equals(group.protocolType())) {
            return CompletableFuture.completedFuture(resp.setErrorCode(Errors.NON_EMPTY_GROUP.code()));
        }
        List<GroupRecord> records = new ArrayList<>();
        for (OffsetDeleteRequestTopic t : req.topics()) {
            OffsetDeleteResponseTopic rt = new OffsetDeleteResponseTopic().setName(t.name());
            resp.topics().add(rt);
            int partitions = topics.partitions(t.name());
            boolean inUse = group.isSubscribedTo(t.name());
            for (OffsetDeleteRequestPartition p : t.partitions()) {
                OffsetDeleteResponsePartition rp = new OffsetDeleteResponsePartition()
                        .setPartitionIndex(p.partitionIndex());
                if (p.partitionIndex() < 0 || p.partitionIndex() >= partitions) {
                    rt.partitions().add(rp.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()));
                } else if (inUse) {
                    rt.partitions().add(rp.setErrorCode(Errors.GROUP_SUBSCRIBED_TO_TOPIC.code()));
                } else if (offsets.get(req.groupId(), t.name(), p.partitionIndex()) != null) {
                    rt.partitions().add(rp);
                    records.add(new GroupRecord.OffsetTombstone(req.groupId(), t.name(), p.partitionIndex()));
                }
            }
        }
        records.forEach(offsets::apply);
        return runtime.write(records).handle((v, e) -> e == null ? resp
                : new OffsetDeleteResponseData().setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()));
    }
}
