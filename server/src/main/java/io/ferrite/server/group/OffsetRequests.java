package io.ferrite.server.group;

import io.ferrite.server.group.CoordinatorRecord.OffsetCommit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.Errors;

/**
 * OffsetCommit, OffsetFetch and OffsetDelete against the coordinator's state, with Kafka's checks: the
 * group's member and generation (or member epoch), topics that exist, metadata size. A commit is answered once
 * its records are durable. Coordinator thread only.
 */
final class OffsetRequests {
    private final Map<String, Group> groups;
    private final ClassicGroups classic;
    private final Offsets offsets;
    private final CoordinatorRuntime runtime;
    private final GroupConfig config;
    private final TopicLookup topics;

    OffsetRequests(Map<String, Group> groups, ClassicGroups classic, Offsets offsets, CoordinatorRuntime runtime,
                   GroupConfig config, TopicLookup topics) {
        this.groups = groups;
        this.classic = classic;
        this.offsets = offsets;
        this.runtime = runtime;
        this.config = config;
        this.topics = topics;
    }

    CompletableFuture<OffsetCommitResponseData> commit(OffsetCommitRequestData req, short version) {
        OffsetCommitResponseData resp = new OffsetCommitResponseData();
        Errors groupError = validateCommit(req, version);
        long now = runtime.now();
        List<CoordinatorRecord> records = new ArrayList<>();
        List<OffsetCommitResponsePartition> written = new ArrayList<>();
        for (OffsetCommitRequestTopic t : req.topics()) {
            boolean byId = version >= 10;
            String name = byId ? topics.name(t.topicId()) : t.name();
            OffsetCommitResponseTopic rt = new OffsetCommitResponseTopic().setName(byId ? "" : t.name())
                    .setTopicId(byId ? t.topicId() : Uuid.ZERO_UUID);
            resp.topics().add(rt);
            int partitions = name == null ? -1 : topics.partitions(name);
            for (OffsetCommitRequestPartition p : t.partitions()) {
                OffsetCommitResponsePartition rp = new OffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex());
                rt.partitions().add(rp);
                Errors error = groupError;
                if (error == Errors.NONE && partitions < 0) {
                    error = byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
                } else if (error == Errors.NONE && (p.partitionIndex() < 0 || p.partitionIndex() >= partitions)) {
                    error = Errors.UNKNOWN_TOPIC_OR_PARTITION;
                } else if (error == Errors.NONE && p.committedMetadata() != null
                        && p.committedMetadata().length() > config.offsetMetadataMaxBytes()) {
                    error = Errors.OFFSET_METADATA_TOO_LARGE;
                }
                rp.setErrorCode(error.code());
                if (error == Errors.NONE) {
                    long expire = version <= 4 && req.retentionTimeMs() >= 0 ? now + req.retentionTimeMs() : -1;
                    records.add(new OffsetCommit(req.groupId(), name, p.partitionIndex(), p.committedOffset(),
                            version >= 6 ? p.committedLeaderEpoch() : -1, p.committedMetadata(), now, expire));
                    written.add(rp);
                }
            }
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

    /** The error every partition of the commit gets, or NONE. */
    private Errors validateCommit(OffsetCommitRequestData req, short version) {
        if (req.groupId() == null || req.groupId().isEmpty()) {
            return Errors.INVALID_GROUP_ID;
        }
        Group group = groups.get(req.groupId());
        if (group == null) {
            if (req.generationIdOrMemberEpoch() >= 0) {
                return version >= 9 ? Errors.GROUP_ID_NOT_FOUND : Errors.ILLEGAL_GENERATION;
            }
            group = classic.getOrCreate(req.groupId());
        }
        try {
            group.validateOffsetCommit(req.memberId() == null ? "" : req.memberId(), req.groupInstanceId(),
                    req.generationIdOrMemberEpoch(), version, committed(req, version));
            return Errors.NONE;
        } catch (ApiException e) {
            return Errors.forException(e);
        }
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
    OffsetFetchResponseGroup fetch(OffsetFetchRequestGroup wanted, short version) {
        OffsetFetchResponseGroup out = new OffsetFetchResponseGroup().setGroupId(wanted.groupId());
        if (wanted.groupId() == null || wanted.groupId().isEmpty()) {
            return out.setErrorCode(Errors.INVALID_GROUP_ID.code());
        }
        Group group = groups.get(wanted.groupId());
        boolean namesMember = wanted.memberId() != null && !wanted.memberId().isEmpty();
        if (group == null && namesMember) {
            return out.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code());
        }
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
                        .partitions().add(partition(o.partition(), o));
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
                    rt.partitions().add(partition(p, offsets.get(wanted.groupId(), name, p)));
                }
            }
        }
        return out;
    }

    private static OffsetFetchResponsePartitions partition(int index, OffsetCommit o) {
        OffsetFetchResponsePartitions p = new OffsetFetchResponsePartitions().setPartitionIndex(index);
        if (o == null) {
            return p.setCommittedOffset(-1).setCommittedLeaderEpoch(-1).setMetadata("");
        }
        return p.setCommittedOffset(o.offset()).setCommittedLeaderEpoch(o.leaderEpoch())
                .setMetadata(o.metadata() == null ? "" : o.metadata());
    }

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
        List<CoordinatorRecord> records = new ArrayList<>();
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic t : req.topics()) {
            OffsetDeleteResponseTopic rt = new OffsetDeleteResponseTopic().setName(t.name());
            resp.topics().add(rt);
            boolean inUse = !group.isEmpty() && group.isSubscribedTo(t.name());
            for (OffsetDeleteRequestData.OffsetDeleteRequestPartition p : t.partitions()) {
                rt.partitions().add(new OffsetDeleteResponsePartition().setPartitionIndex(p.partitionIndex())
                        .setErrorCode(inUse ? Errors.GROUP_SUBSCRIBED_TO_TOPIC.code() : Errors.NONE.code()));
                if (!inUse && offsets.get(req.groupId(), t.name(), p.partitionIndex()) != null) {
                    records.add(new CoordinatorRecord.OffsetTombstone(req.groupId(), t.name(), p.partitionIndex()));
                }
            }
        }
        records.forEach(offsets::apply);
        return runtime.write(records).handle((v, e) -> e == null ? resp
                : new OffsetDeleteResponseData().setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()));
    }
}
