package io.ferrite.group;

import io.ferrite.coordinator.CoordinatorLog;
import io.ferrite.coordinator.CoordinatorRuntime;
import io.ferrite.coordinator.CoordinatorState;
import io.ferrite.coordinator.StoreCoordinatorLog;
import io.ferrite.group.share.Acquisitions;
import io.ferrite.group.share.ShareAck;
import io.ferrite.group.share.SharePartition;
import io.ferrite.group.share.SharedPartition;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.Store;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.AlterShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.AlterShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.DeleteShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.ShareGroupDescribeResponseData;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ShareGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The group coordinator: every group and committed offset of this broker, which is the coordinator of all
 * of them. Each call runs on the coordinator thread ({@link CoordinatorRuntime}) and answers once what it
 * changed is durable in the coordinator log; state is rebuilt from that log on start.
 */
public final class GroupCoordinator implements AutoCloseable {
    /**
     * The pinned store partition holding the coordinator's log ({@link GroupRecordSerde}); not a topic, so no
     * client can read or write it. Open the store with it pinned.
     */
    public static final PartitionKey LOG_PARTITION = new PartitionKey("__ferrite_coordinator", 0);

    private final Map<String, Group> groups = new HashMap<>();
    private final CoordinatorRuntime<GroupRecord> runtime;
    private final ClassicGroups classic;
    private final ConsumerGroups consumers;
    private final ClassicMembers classicMembers;
    private final ShareGroups shares;
    private final ShareStates shareStates;
    private final ShareOffsetRequests shareOffsets;
    private final Offsets offsets;
    private final OffsetRequests offsetRequests;
    private final GroupConfigs groupConfigs;
    private final GroupConfig config;

    private GroupCoordinator(CoordinatorLog<GroupRecord> log, Clock clock, GroupConfig config,
                             ConsumerGroupConfig consumerConfig, ShareGroupConfig shareConfig, TopicLookup topics) {
        this.config = config;
        this.runtime = new CoordinatorRuntime<>("group-coordinator", log, clock, config.compactAfterBytes());
        this.classic = new ClassicGroups(groups, runtime, config);
        this.groupConfigs = new GroupConfigs(consumerConfig, shareConfig);
        this.consumers = new ConsumerGroups(groups, runtime, consumerConfig, groupConfigs, topics, classic);
        this.classicMembers = new ClassicMembers(consumers, classic, runtime, config, consumerConfig, topics);
        this.shareStates = new ShareStates(groups, runtime, groupConfigs, topics);
        this.shares = new ShareGroups(groups, runtime, shareConfig, groupConfigs, topics, shareStates);
        this.shareOffsets = new ShareOffsetRequests(groups, runtime, shareStates, topics);
        this.offsets = new Offsets(groups, classic);
        this.offsetRequests = new OffsetRequests(groups, classic, offsets, runtime, config, topics);
    }

    /** Loads the coordinator's state from its log in {@code store} and starts its thread and timers. */
    public static GroupCoordinator start(Store store, Clock clock, GroupConfig config, TopicLookup topics) {
        return start(store, clock, config, ConsumerGroupConfig.defaults(), topics);
    }

    /** As {@link #start(Store, Clock, GroupConfig, TopicLookup)}, with the settings of consumer groups. */
    public static GroupCoordinator start(Store store, Clock clock, GroupConfig config,
                                         ConsumerGroupConfig consumerConfig, TopicLookup topics) {
        return start(store, clock, config, consumerConfig, ShareGroupConfig.defaults(), topics);
    }

    /** As {@link #start(Store, Clock, GroupConfig, TopicLookup)}, with the settings of consumer and share groups. */
    public static GroupCoordinator start(Store store, Clock clock, GroupConfig config,
                                         ConsumerGroupConfig consumerConfig, ShareGroupConfig shareConfig,
                                         TopicLookup topics) {
        return start(new StoreCoordinatorLog<>(store, LOG_PARTITION, GroupRecordSerde.INSTANCE, clock), clock, config,
                consumerConfig, shareConfig, topics);
    }

    /** As {@link #start(Store, Clock, GroupConfig, ConsumerGroupConfig, ShareGroupConfig, TopicLookup)}, on any log. */
    static GroupCoordinator start(CoordinatorLog<GroupRecord> log, Clock clock, GroupConfig config,
                                  ConsumerGroupConfig consumerConfig, ShareGroupConfig shareConfig,
                                  TopicLookup topics) {
        GroupCoordinator c = new GroupCoordinator(log, clock, config, consumerConfig, shareConfig, topics);
        c.runtime.start(List.of(c.classic, c.offsets, c.consumers, c.shares, c.shareStates, c.groupConfigs,
                c.expiry()));
        return c;
    }

    /**
     * The configs {@code groupId} sets for itself, in name order (DescribeConfigs on a GROUP resource). Any id
     * may be asked about, a group that does not exist included, as in Kafka: it sets nothing.
     */
    public CompletableFuture<Map<String, String>> groupConfigs(String groupId) {
        return runtime.call(() -> CompletableFuture.completedFuture(groupConfigs.of(groupId)));
    }

    /**
     * Changes {@code groupId}'s configs to what {@code edit} makes of its current set, durably, unless
     * {@code validateOnly}. Fails with INVALID_CONFIG, changing nothing, when the new set is refused; with
     * COORDINATOR_NOT_AVAILABLE when it cannot be stored. The group need not exist, and its configs outlive
     * its deletion, as in Kafka.
     */
    public CompletableFuture<Void> alterGroupConfigs(String groupId, UnaryOperator<Map<String, String>> edit,
                                                     boolean validateOnly) {
        return runtime.call(() -> {
            if (validateOnly) {
                groupConfigs.checked(groupId, edit);
                return CompletableFuture.completedFuture(null);
            }
            return runtime.write(List.of(groupConfigs.change(groupId, edit)));
        });
    }

    public CompletableFuture<JoinGroupResponseData> joinGroup(JoinGroupRequestData req, short version,
                                                              String clientId, String clientHost) {
        return runtime.call(() -> {
            ConsumerGroup consumerGroup = consumers.get(req.groupId());
            if (consumerGroup != null && !consumerGroup.isEmpty()) {
                return classicMembers.join(consumerGroup, req, version, clientId, clientHost);
            }
            if (consumerGroup != null) {
                // An empty consumer group gives its id up to a classic member, as in Kafka (offsets stay).
                runtime.write(consumers.removeEmpty(consumerGroup));
            }
            return classic.join(req, version, clientId, clientHost);
        });
    }

    /** ConsumerGroupHeartbeat: join, heartbeat or leave a consumer group (KIP-848). */
    public CompletableFuture<ConsumerGroupHeartbeatResponseData> consumerGroupHeartbeat(
            ConsumerGroupHeartbeatRequestData req, short version, String clientId, String clientHost) {
        return runtime.call(() -> consumers.heartbeat(req, version, clientId, clientHost));
    }

    /** ConsumerGroupDescribe: each group asked for, in request order. */
    public CompletableFuture<List<ConsumerGroupDescribeResponseData.DescribedGroup>> consumerGroupDescribe(List<String> groupIds) {
        return runtime.call(() -> CompletableFuture.completedFuture(groupIds.stream()
                .map(id -> id == null || id.isEmpty() ? new ConsumerGroupDescribeResponseData.DescribedGroup().setGroupId(id == null ? "" : id)
                        .setErrorCode(Errors.INVALID_GROUP_ID.code()) : consumers.describe(id))
                .collect(Collectors.toList())));
    }

    /** ShareGroupHeartbeat: join, heartbeat or leave a share group (KIP-932). */
    public CompletableFuture<ShareGroupHeartbeatResponseData> shareGroupHeartbeat(ShareGroupHeartbeatRequestData req,
                                                                                 String clientId, String clientHost) {
        return runtime.call(() -> shares.heartbeat(req, clientId, clientHost));
    }

    /** ShareGroupDescribe: each group asked for, in request order. */
    public CompletableFuture<List<ShareGroupDescribeResponseData.DescribedGroup>> shareGroupDescribe(
            List<String> groupIds) {
        return runtime.call(() -> CompletableFuture.completedFuture(groupIds.stream()
                .map(id -> id == null || id.isEmpty() ? new ShareGroupDescribeResponseData.DescribedGroup()
                        .setGroupId(id == null ? "" : id).setErrorCode(Errors.INVALID_GROUP_ID.code())
                        : shares.describe(id))
                .collect(Collectors.toList())));
    }

    /**
     * ShareFetch's acquisition: up to {@code maxRecords} records over {@code partitions} handed to the member, each
     * locked to it for the group's {@code share.record.lock.duration.ms}. Fails with GROUP_ID_NOT_FOUND or
     * UNKNOWN_MEMBER_ID for a member the group does not have.
     */
    public CompletableFuture<Acquisitions> shareAcquire(
            String groupId, String memberId, List<SharedPartition> partitions, int maxRecords) {
        return runtime.call(() -> shareStates.acquire(groupId, memberId, partitions, maxRecords));
    }

    /** ShareFetch's and ShareAcknowledge's acknowledgements, answered per partition once durable. */
    public CompletableFuture<Map<SharedPartition, Errors>> shareAcknowledge(
            String groupId, String memberId, Map<SharedPartition, List<ShareAck>> acks) {
        return runtime.call(() -> shareStates.acknowledge(groupId, memberId, acks));
    }

    /** DescribeShareGroupOffsets: each group asked for, in request order. */
    public CompletableFuture<List<DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseGroup>>
            describeShareGroupOffsets(List<DescribeShareGroupOffsetsRequestData.DescribeShareGroupOffsetsRequestGroup> req) {
        return runtime.call(() -> CompletableFuture.completedFuture(req.stream().map(shareOffsets::describe)
                .collect(Collectors.toList())));
    }

    /** AlterShareGroupOffsets: new start offsets for an empty share group. */
    public CompletableFuture<AlterShareGroupOffsetsResponseData> alterShareGroupOffsets(
            AlterShareGroupOffsetsRequestData req) {
        return runtime.call(() -> shareOffsets.alter(req));
    }

    /** DeleteShareGroupOffsets: an empty share group forgets where it was in some topics. */
    public CompletableFuture<DeleteShareGroupOffsetsResponseData> deleteShareGroupOffsets(
            DeleteShareGroupOffsetsRequestData req) {
        return runtime.call(() -> shareOffsets.delete(req));
    }

    /** Records a ShareFetch acquired but could not send (its answer was full): offered again, uncounted. */
    public CompletableFuture<Void> shareGiveBack(String groupId, String memberId,
                                                 Map<SharedPartition, List<SharePartition.Acquired>> unsent) {
        return runtime.call(() -> {
            shareStates.giveBack(groupId, memberId, unsent);
            return CompletableFuture.completedFuture(null);
        });
    }

    /** Records a read_committed ShareFetch acquired and must not deliver (aborted, or markers): archived. */
    public CompletableFuture<Void> shareArchive(String groupId, String memberId,
                                                Map<SharedPartition, List<SharePartition.Acquired>> ranges) {
        return runtime.call(() -> {
            shareStates.archive(groupId, memberId, ranges);
            return CompletableFuture.completedFuture(null);
        });
    }

    /** A member's share session closed: the records it holds are offered to others. */
    public CompletableFuture<Void> shareRelease(String groupId, String memberId) {
        return runtime.call(() -> runtime.write(shareStates.releaseAll(groupId, memberId)));
    }

    public CompletableFuture<SyncGroupResponseData> syncGroup(SyncGroupRequestData req, short version) {
        return runtime.call(() -> {
            ConsumerGroup consumerGroup = consumers.get(req.groupId());
            return consumerGroup != null ? CompletableFuture.completedFuture(classicMembers.sync(consumerGroup, req))
                    : classic.sync(req);
        });
    }

    public CompletableFuture<HeartbeatResponseData> heartbeat(HeartbeatRequestData req) {
        return runtime.call(() -> {
            ConsumerGroup consumerGroup = consumers.get(req.groupId());
            Errors error = consumerGroup != null ? classicMembers.heartbeat(consumerGroup, req.memberId(),
                    req.groupInstanceId(), req.generationId())
                    : classic.heartbeat(req.groupId(), req.memberId(), req.groupInstanceId(), req.generationId());
            return CompletableFuture.completedFuture(new HeartbeatResponseData().setErrorCode(error.code()));
        });
    }

    /** LeaveGroup: v0-2 name one member (its error is the top-level one); v3+ a batch, each answered on its own. */
    public CompletableFuture<LeaveGroupResponseData> leaveGroup(LeaveGroupRequestData req, short version) {
        return runtime.call(() -> {
            LeaveGroupResponseData resp = new LeaveGroupResponseData();
            if (req.groupId() == null || req.groupId().isEmpty()) {
                return CompletableFuture.completedFuture(resp.setErrorCode(Errors.INVALID_GROUP_ID.code()));
            }
            List<MemberIdentity> leaving = version < 3 ? List.of(new MemberIdentity().setMemberId(req.memberId()))
                    : req.members();
            ConsumerGroup consumerGroup = consumers.get(req.groupId());
            if (consumerGroup != null) {
                List<GroupRecord> records = new ArrayList<>();
                List<MemberResponse> answers = classicMembers.leave(consumerGroup, leaving, records);
                return runtime.write(records).handle((v, e) -> {
                    if (e != null) {
                        answers.forEach(a -> a.setErrorCode(a.errorCode() == 0
                                ? Errors.COORDINATOR_NOT_AVAILABLE.code() : a.errorCode()));
                    }
                    return version < 3 ? resp.setErrorCode(answers.get(0).errorCode()) : resp.setMembers(answers);
                });
            }
            ClassicGroup group = classic.get(req.groupId());
            if (group == null) {
                return CompletableFuture.completedFuture(resp.setErrorCode(Errors.UNKNOWN_MEMBER_ID.code()));
            }
            List<MemberResponse> answers = classic.leave(group, leaving);
            return CompletableFuture.completedFuture(version < 3 ? resp.setErrorCode(answers.get(0).errorCode())
                    : resp.setMembers(answers));
        });
    }

    public CompletableFuture<OffsetCommitResponseData> commitOffsets(OffsetCommitRequestData req, short version) {
        return runtime.call(() -> offsetRequests.commit(req, version));
    }

    /**
     * TxnOffsetCommit: offsets pending in the producer's transaction until {@link #endTransaction}. The caller
     * has checked with the transaction coordinator that the transaction holds the group's offsets.
     */
    public CompletableFuture<TxnOffsetCommitResponseData> commitOffsetsInTransaction(TxnOffsetCommitRequestData req) {
        return runtime.call(() -> offsetRequests.commitInTransaction(req));
    }

    /**
     * The marker of a producer's transaction, for the offsets it committed: they become committed offsets, or
     * are dropped. Completes once that is durable. Calls made from one thread run in the order made, so a
     * transaction's offsets, committed before its end was decided, are always applied by it.
     */
    public CompletableFuture<Void> endTransaction(long producerId, boolean commit) {
        return runtime.call(() -> offsetRequests.endTransaction(producerId, commit));
    }

    /**
     * The committed offsets of each group asked for, in request order. With {@code requireStable}, a partition
     * whose offset a transaction holds uncommitted is answered UNSTABLE_OFFSET_COMMIT.
     */
    public CompletableFuture<List<OffsetFetchResponseGroup>> fetchOffsets(List<OffsetFetchRequestGroup> wanted,
                                                                          short version, boolean requireStable) {
        return runtime.call(() -> CompletableFuture.completedFuture(wanted.stream()
                .map(g -> offsetRequests.fetch(g, version, requireStable)).collect(Collectors.toList())));
    }

    public CompletableFuture<OffsetDeleteResponseData> deleteOffsets(OffsetDeleteRequestData req) {
        return runtime.call(() -> offsetRequests.delete(req));
    }

    /** ListGroups: v4+ filter by state (any case), v5+ by type. */
    public CompletableFuture<ListGroupsResponseData> listGroups(ListGroupsRequestData req) {
        return runtime.call(() -> {
            Set<String> states = req.statesFilter().stream().map(s -> s.toLowerCase(Locale.ROOT).trim())
                    .collect(Collectors.toSet());
            Set<String> types = req.typesFilter().stream().map(s -> s.toLowerCase(Locale.ROOT))
                    .collect(Collectors.toSet());
            ListGroupsResponseData resp = new ListGroupsResponseData();
            for (Group g : groups.values()) {
                if ((states.isEmpty() || states.contains(g.stateName().toLowerCase(Locale.ROOT)))
                        && (types.isEmpty() || types.contains(g.type()))) {
                    resp.groups().add(new ListedGroup().setGroupId(g.groupId()).setProtocolType(g.protocolType())
                            .setGroupState(g.stateName()).setGroupType(g.type()));
                }
            }
            return CompletableFuture.completedFuture(resp);
        });
    }

    /**
     * DescribeGroups: members with their metadata and assignment while Stable (Kafka shows them only then). An
     * unknown group is Dead; from v6 it also gets GROUP_ID_NOT_FOUND.
     */
    public CompletableFuture<DescribeGroupsResponseData> describeGroups(DescribeGroupsRequestData req,
                                                                        short version) {
        return runtime.call(() -> {
            DescribeGroupsResponseData resp = new DescribeGroupsResponseData();
            for (String id : req.groups()) {
                DescribedGroup d = new DescribedGroup().setGroupId(id).setProtocolType("").setProtocolData("");
                resp.groups().add(d);
                ClassicGroup g = classic.get(id);
                if (g == null) { // the empty id is a group id like any other here, as in Kafka
                    d.setGroupState("Dead");
                    if (version >= 6) {
                        d.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                                .setErrorMessage("group " + id + " not found");
                    }
                } else {
                    describe(g, d);
                }
            }
            return CompletableFuture.completedFuture(resp);
        });
    }

    private static void describe(ClassicGroup g, DescribedGroup d) {
        boolean stable = g.is(ClassicGroup.State.STABLE);
        d.setGroupState(g.stateName()).setProtocolType(g.protocolType())
                .setProtocolData(stable && g.protocolName != null ? g.protocolName : "");
        for (ClassicGroupMember m : g.members.values()) {
            d.members().add(new DescribedGroupMember().setMemberId(m.memberId).setGroupInstanceId(m.groupInstanceId)
                    .setClientId(m.clientId).setClientHost(m.clientHost)
                    .setMemberMetadata(stable ? m.metadata(g.protocolName) : new byte[0])
                    .setMemberAssignment(stable ? m.assignment : new byte[0]));
        }
    }

    /** DeleteGroups: only Empty groups; their offsets go with them. */
    public CompletableFuture<DeleteGroupsResponseData> deleteGroups(DeleteGroupsRequestData req) {
        return runtime.call(() -> {
            DeleteGroupsResponseData resp = new DeleteGroupsResponseData();
            List<GroupRecord> records = new ArrayList<>();
            List<DeletableGroupResult> deleted = new ArrayList<>();
            for (String id : req.groupsNames()) {
                DeletableGroupResult r = new DeletableGroupResult().setGroupId(id);
                resp.results().add(r);
                Group g = groups.get(id);
                if (g == null) { // the empty id is a group id like any other here, as in Kafka
                    r.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code());
                } else if (!g.isEmpty()) {
                    r.setErrorCode(Errors.NON_EMPTY_GROUP.code());
                } else if (g instanceof ShareGroup share) {
                    records.addAll(shares.removeEmpty(share)); // applied already
                    deleted.add(r);
                } else {
                    records.addAll(offsets.tombstones(id, p -> true));
                    records.add(new GroupRecord.GroupTombstone(id));
                    deleted.add(r);
                }
            }
            apply(records);
            return runtime.write(records).handle((v, e) -> {
                if (e != null) {
                    deleted.forEach(r -> r.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()));
                }
                return resp;
            });
        });
    }

    /** A topic was deleted: its committed offsets and share-partition states go, in every group. */
    public CompletableFuture<Void> onTopicDeleted(String topic, Uuid id) {
        return runtime.call(() -> {
            List<GroupRecord> records = offsets.tombstonesForTopic(topic, id);
            apply(records);
            if (id != null && !Uuid.ZERO_UUID.equals(id)) {
                records = new ArrayList<>(records);
                records.addAll(shareStates.removeTopic(id)); // applied already
            }
            return runtime.write(records);
        });
    }

    /** Applies records written by the coordinator itself to the in-memory state, as replay would. */
    private void apply(List<GroupRecord> records) {
        for (GroupRecord r : records) {
            offsets.apply(r);
            if (r instanceof GroupRecord.GroupTombstone t && groups.get(t.group()) instanceof ClassicGroup c) {
                classic.forget(c);
            } else if (r instanceof GroupRecord.GroupTombstone t && consumers.get(t.group()) != null) {
                consumers.forget(consumers.get(t.group()));
            }
        }
    }

    /** The expiry timer, armed whenever the state is (re)loaded; it holds no state of its own. */
    private CoordinatorState<GroupRecord> expiry() {
        return new CoordinatorState<>() {
            @Override
            public void replay(GroupRecord record) {
            }

            @Override
            public void loaded() {
                scheduleExpiry();
            }

            @Override
            public void unload() {
            }

            @Override
            public void snapshot(List<GroupRecord> out) {
            }
        };
    }

    /** Offset expiry and removal of empty groups with nothing left, every offsets.retention.check.interval.ms. */
    private void scheduleExpiry() {
        runtime.schedule("offsets-expiry", config.offsetsRetentionCheckMs(), () -> {
            List<GroupRecord> records = new ArrayList<>(offsets.expire(runtime.now(),
                    config.offsetsRetentionMs()));
            for (Group g : groups.values()) {
                if (g instanceof ClassicGroup c && c.is(ClassicGroup.State.EMPTY) && !offsets.hasOffsets(c.groupId)
                        && records.stream().noneMatch(r -> r.key().equals(new GroupRecord.GroupKey(c.groupId)))) {
                    records.add(new GroupRecord.GroupTombstone(c.groupId));
                }
            }
            apply(records);
            for (Group g : List.copyOf(groups.values())) {
                if (g instanceof ConsumerGroup c && c.isEmpty() && !offsets.hasOffsets(c.groupId)) {
                    records.addAll(consumers.removeEmpty(c)); // an empty consumer group with no offsets left goes
                }
            }
            runtime.write(records);
            scheduleExpiry();
        });
    }

    /**
     * Runs the timers that are due by the coordinator's clock now. The coordinator wakes itself up for them;
     * this is for a clock that is moved by hand, whose jumps no wake-up can foresee.
     */
    public CompletableFuture<Void> runDueTimers() {
        return runtime.call(() -> {
            runtime.runDueTimers();
            return CompletableFuture.completedFuture(null);
        });
    }

    @Override
    public void close() {
        runtime.close();
    }
}
