package io.ferrite.server.group;

import io.ferrite.group.GroupCoordinator;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.ApiRegistry;
import io.ferrite.server.network.RequestContext;
import io.ferrite.server.security.AuthorizedOperations;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.AlterShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.DeleteShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.ShareGroupDescribeRequestData;
import org.apache.kafka.common.message.ShareGroupDescribeResponseData;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * The group APIs: each group and offset API
 * handed to the {@link GroupCoordinator}, with the version differences of the wire formats sorted out here.
 */
public final class GroupApis {
    private final GroupCoordinator coordinator;

    private GroupApis(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    /** Registers the group APIs at Kafka 4.3's version ranges, and the feature that turns on KIP-848. */
    public static void register(ApiRegistry apis, GroupCoordinator coordinator, TopicRegistry topics) {
        new GroupApis(coordinator).register(apis, new GroupAccess(topics));
    }

    private void register(ApiRegistry apis, GroupAccess access) {
        apis.register(ApiKeys.JOIN_GROUP, this::joinGroup, GroupAccess.read(JoinGroupRequestData::groupId));
        apis.register(ApiKeys.SYNC_GROUP, this::syncGroup, GroupAccess.read(SyncGroupRequestData::groupId));
        apis.register(ApiKeys.HEARTBEAT, (RequestContext c, HeartbeatRequestData q) -> coordinator.heartbeat(q),
                GroupAccess.read(HeartbeatRequestData::groupId));
        apis.register(ApiKeys.LEAVE_GROUP,
                (RequestContext c, LeaveGroupRequestData q) -> coordinator.leaveGroup(q, c.apiVersion()),
                GroupAccess.read(LeaveGroupRequestData::groupId));
        apis.register(ApiKeys.OFFSET_COMMIT,
                (RequestContext c, OffsetCommitRequestData q) -> coordinator.commitOffsets(q, c.apiVersion()),
                access.offsetCommit());
        apis.register(ApiKeys.OFFSET_FETCH, this::fetchOffsets, access.offsetFetch());
        apis.register(ApiKeys.OFFSET_DELETE,
                (RequestContext c, OffsetDeleteRequestData q) -> coordinator.deleteOffsets(q), access.offsetDelete());
        apis.register(ApiKeys.LIST_GROUPS, (RequestContext c, ListGroupsRequestData q) -> coordinator.listGroups(q),
                access.listGroups());
        apis.register(ApiKeys.DESCRIBE_GROUPS, this::describeGroups, access.describeGroups());
        apis.register(ApiKeys.DELETE_GROUPS,
                (RequestContext c, DeleteGroupsRequestData q) -> coordinator.deleteGroups(q), access.deleteGroups());
        apis.register(ApiKeys.CONSUMER_GROUP_HEARTBEAT, (RequestContext c, ConsumerGroupHeartbeatRequestData q) ->
                coordinator.consumerGroupHeartbeat(q, c.apiVersion(), c.clientId(), c.clientHost()),
                access.consumerGroupHeartbeat());
        apis.register(ApiKeys.CONSUMER_GROUP_DESCRIBE, this::describeConsumerGroups, access.consumerGroupDescribe());
        // Java clients use the consumer group protocol only where the cluster has finalized group.version 1.
        apis.feature(GROUP_VERSION, 0, 1, 1);
        apis.register(ApiKeys.SHARE_GROUP_HEARTBEAT, 1, 1, (RequestContext c, ShareGroupHeartbeatRequestData q) ->
                coordinator.shareGroupHeartbeat(q, c.clientId(), c.clientHost()), access.shareGroupHeartbeat());
        apis.register(ApiKeys.SHARE_GROUP_DESCRIBE, 1, 1, this::describeShareGroups, access.shareGroupDescribe());
        apis.register(ApiKeys.DESCRIBE_SHARE_GROUP_OFFSETS, 0, 1, (RequestContext c,
                DescribeShareGroupOffsetsRequestData q) -> coordinator.describeShareGroupOffsets(q.groups())
                .thenApply(groups -> new DescribeShareGroupOffsetsResponseData().setGroups(groups)),
                access.describeShareGroupOffsets());
        apis.register(ApiKeys.ALTER_SHARE_GROUP_OFFSETS, 0, 0, (RequestContext c, AlterShareGroupOffsetsRequestData q)
                -> coordinator.alterShareGroupOffsets(q), access.alterShareGroupOffsets());
        apis.register(ApiKeys.DELETE_SHARE_GROUP_OFFSETS, 0, 0, (RequestContext c,
                DeleteShareGroupOffsetsRequestData q) -> coordinator.deleteShareGroupOffsets(q),
                access.deleteShareGroupOffsets());
        // Share groups (KIP-932) are on where the cluster has finalized share.version 1, as in Kafka 4.3.
        apis.feature(SHARE_VERSION, 0, 1, 1);
    }

    /** The feature that says the consumer group protocol (KIP-848) is on, as Kafka 4.x names it. */
    static final String GROUP_VERSION = "group.version";
    /** The feature that says share groups (KIP-932) are on. */
    static final String SHARE_VERSION = "share.version";

    private CompletableFuture<ApiMessage> describeShareGroups(RequestContext r, ShareGroupDescribeRequestData req) {
        return coordinator.shareGroupDescribe(req.groupIds()).thenApply(groups -> {
            groups.forEach(g -> g.setAuthorizedOperations(req.includeAuthorizedOperations() && g.errorCode() == 0
                    ? AuthorizedOperations.GROUP : AuthorizedOperations.NOT_ASKED));
            return new ShareGroupDescribeResponseData().setGroups(groups);
        });
    }

    private CompletableFuture<ApiMessage> describeConsumerGroups(RequestContext r,
                                                                 ConsumerGroupDescribeRequestData req) {
        return coordinator.consumerGroupDescribe(req.groupIds()).thenApply(groups -> {
            groups.forEach(g -> g.setAuthorizedOperations(req.includeAuthorizedOperations() && g.errorCode() == 0
                    ? AuthorizedOperations.GROUP : AuthorizedOperations.NOT_ASKED));
            return new ConsumerGroupDescribeResponseData().setGroups(groups);
        });
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<ApiMessage> widen(CompletableFuture<? extends ApiMessage> f) {
        return (CompletableFuture<ApiMessage>) f;
    }

    /** Before v7 the protocol name is not nullable: none is "" there; from v7 "" is sent as null. */
    private CompletableFuture<ApiMessage> joinGroup(RequestContext r, JoinGroupRequestData req) {
        short version = r.apiVersion();
        return coordinator.joinGroup(req, version, r.clientId(), r.clientHost())
                .thenApply(resp -> {
                    if (version < 7 && resp.protocolName() == null) {
                        resp.setProtocolName("");
                    } else if (version >= 7 && "".equals(resp.protocolName())) {
                        resp.setProtocolName(null);
                    }
                    return resp;
                });
    }

    /** From v5 a SyncGroup must name the protocol type and name; without them Kafka refuses it. */
    private CompletableFuture<ApiMessage> syncGroup(RequestContext r, SyncGroupRequestData req) {
        if (r.apiVersion() >= 5 && (req.protocolType() == null || req.protocolName() == null)) {
            return CompletableFuture.completedFuture(new SyncGroupResponseData()
                    .setErrorCode(Errors.INCONSISTENT_GROUP_PROTOCOL.code()).setAssignment(new byte[0]));
        }
        return widen(coordinator.syncGroup(req, r.apiVersion()));
    }

    /** v8+ ask for several groups; v1-7 for one, answered in the older shape. */
    private CompletableFuture<ApiMessage> fetchOffsets(RequestContext r, OffsetFetchRequestData req) {
        short version = r.apiVersion();
        if (version >= 8) {
            return coordinator.fetchOffsets(req.groups(), version, req.requireStable())
                    .thenApply(groups -> new OffsetFetchResponseData().setGroups(groups));
        }
        OffsetFetchRequestGroup one = new OffsetFetchRequestGroup().setGroupId(req.groupId()).setMemberEpoch(-1)
                .setMemberId(null).setTopics(null);
        if (req.topics() != null) {
            List<OffsetFetchRequestTopics> topics = new ArrayList<>();
            req.topics().forEach(t -> topics.add(new OffsetFetchRequestTopics().setName(t.name())
                    .setPartitionIndexes(t.partitionIndexes())));
            one.setTopics(topics);
        }
        return coordinator.fetchOffsets(List.of(one), version, req.requireStable()).thenApply(groups -> {
            OffsetFetchResponseGroup g = groups.get(0);
            OffsetFetchResponseData resp = new OffsetFetchResponseData().setErrorCode(g.errorCode());
            for (OffsetFetchResponseTopics t : g.topics()) {
                OffsetFetchResponseTopic out = new OffsetFetchResponseTopic().setName(t.name());
                for (OffsetFetchResponsePartitions p : t.partitions()) {
                    // v1 has no group-level error: each partition carries it.
                    out.partitions().add(new OffsetFetchResponsePartition().setPartitionIndex(p.partitionIndex())
                            .setCommittedOffset(p.committedOffset()).setCommittedLeaderEpoch(p.committedLeaderEpoch())
                            .setMetadata(p.metadata()).setErrorCode(version < 2 && p.errorCode() == 0
                                    ? g.errorCode() : p.errorCode()));
                }
                resp.topics().add(out);
            }
            return resp;
        });
    }

    private CompletableFuture<ApiMessage> describeGroups(RequestContext r, DescribeGroupsRequestData req) {
        return coordinator.describeGroups(req, r.apiVersion()).thenApply(resp -> {
            for (DescribeGroupsResponseData.DescribedGroup g : resp.groups()) {
                g.setAuthorizedOperations(req.includeAuthorizedOperations() && g.errorCode() == 0
                        ? AuthorizedOperations.GROUP : AuthorizedOperations.NOT_ASKED);
            }
            return resp;
        });
    }
}
