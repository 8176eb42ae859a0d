package io.ferrite.server;

import io.ferrite.protocol.RequestCodec.DecodedRequest;
import io.ferrite.server.group.GroupCoordinator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;

/**
 * The group APIs: FindCoordinator (this broker coordinates every group), then each group and offset API
 * handed to the {@link GroupCoordinator}, with the version differences of the wire formats sorted out here.
 */
final class GroupApis {
    private final GroupCoordinator coordinator;
    private final int nodeId;
    private final String host;
    private final IntSupplier port;

    GroupApis(GroupCoordinator coordinator, int nodeId, String host, IntSupplier port) {
        this.coordinator = coordinator;
        this.nodeId = nodeId;
        this.host = host;
        this.port = port;
    }

    /** Adds the group APIs to the broker's handlers and their version ranges (Kafka 4.3's) to its table. */
    void register(Map<ApiKeys, RequestDispatcher.Handler> handlers, ApiVersionsTable table) {
        add(handlers, table, ApiKeys.FIND_COORDINATOR, this::findCoordinator);
        add(handlers, table, ApiKeys.JOIN_GROUP, this::joinGroup);
        add(handlers, table, ApiKeys.SYNC_GROUP, r -> widen(coordinator.syncGroup(
                (org.apache.kafka.common.message.SyncGroupRequestData) r.body(), r.apiVersion())));
        add(handlers, table, ApiKeys.HEARTBEAT, r -> widen(coordinator.heartbeat((HeartbeatRequestData) r.body())));
        add(handlers, table, ApiKeys.LEAVE_GROUP, r -> widen(coordinator.leaveGroup(
                (LeaveGroupRequestData) r.body(), r.apiVersion())));
        add(handlers, table, ApiKeys.OFFSET_COMMIT, r -> widen(coordinator.commitOffsets(
                (OffsetCommitRequestData) r.body(), r.apiVersion())));
        add(handlers, table, ApiKeys.OFFSET_FETCH, this::fetchOffsets);
        add(handlers, table, ApiKeys.OFFSET_DELETE, r -> widen(coordinator.deleteOffsets(
                (OffsetDeleteRequestData) r.body())));
        add(handlers, table, ApiKeys.LIST_GROUPS, r -> widen(coordinator.listGroups((ListGroupsRequestData) r.body())));
        add(handlers, table, ApiKeys.DESCRIBE_GROUPS, this::describeGroups);
        add(handlers, table, ApiKeys.DELETE_GROUPS, r -> widen(coordinator.deleteGroups(
                (DeleteGroupsRequestData) r.body())));
    }

    private static void add(Map<ApiKeys, RequestDispatcher.Handler> handlers, ApiVersionsTable table, ApiKeys api,
                            RequestDispatcher.Handler h) {
        handlers.put(api, h);
        table.add(api, api.oldestVersion(), api.latestVersion());
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<ApiMessage> widen(CompletableFuture<? extends ApiMessage> f) {
        return (CompletableFuture<ApiMessage>) f;
    }

    /**
     * Group keys: this broker. Transaction (and share) keys: not served yet, answered with a non-retriable
     * INVALID_REQUEST so a transactional producer fails at once instead of retrying until its timeout.
     */
    private CompletableFuture<ApiMessage> findCoordinator(DecodedRequest r) {
        FindCoordinatorRequestData req = (FindCoordinatorRequestData) r.body();
        FindCoordinatorResponseData resp = new FindCoordinatorResponseData();
        boolean group = req.keyType() == CoordinatorType.GROUP.id();
        Errors error = group ? Errors.NONE : Errors.INVALID_REQUEST;
        String message = group ? null : req.keyType() == CoordinatorType.TRANSACTION.id()
                ? "transactions are not supported by this broker yet" : "coordinator type " + req.keyType()
                + " is not supported";
        if (r.apiVersion() < 4) {
            return CompletableFuture.completedFuture(group
                    ? resp.setNodeId(nodeId).setHost(host).setPort(port.getAsInt())
                    : resp.setErrorCode(error.code()).setErrorMessage(message).setNodeId(-1).setHost("").setPort(-1));
        }
        for (String key : req.coordinatorKeys()) {
            Coordinator c = new Coordinator().setKey(key);
            resp.coordinators().add(group ? c.setNodeId(nodeId).setHost(host).setPort(port.getAsInt())
                    : c.setErrorCode(error.code()).setErrorMessage(message).setNodeId(-1).setHost("").setPort(-1));
        }
        return CompletableFuture.completedFuture(resp);
    }

    /**
     * The protocol name may be null only from v7: before it an answer without one (an error) carries "", as
     * Kafka's does; from v7 an empty name goes out as null, also as Kafka's does.
     */
    private CompletableFuture<ApiMessage> joinGroup(DecodedRequest r) {
        short version = r.apiVersion();
        return coordinator.joinGroup((JoinGroupRequestData) r.body(), version, r.clientId(), r.clientHost())
                .thenApply(resp -> {
                    if (version < 7 && resp.protocolName() == null) {
                        resp.setProtocolName("");
                    } else if (version >= 7 && resp.protocolName() != null && resp.protocolName().isEmpty()) {
                        resp.setProtocolName(null);
                    }
                    return resp;
                });
    }

    /** v8+ ask for several groups; v1-7 for one, answered in the older shape. */
    private CompletableFuture<ApiMessage> fetchOffsets(DecodedRequest r) {
        OffsetFetchRequestData req = (OffsetFetchRequestData) r.body();
        short version = r.apiVersion();
        if (version >= 8) {
            return coordinator.fetchOffsets(req.groups(), version)
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
        return coordinator.fetchOffsets(List.of(one), version).thenApply(groups -> {
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

    private CompletableFuture<ApiMessage> describeGroups(DecodedRequest r) {
        DescribeGroupsRequestData req = (DescribeGroupsRequestData) r.body();
        return coordinator.describeGroups(req, r.apiVersion()).thenApply(resp -> {
            for (DescribeGroupsResponseData.DescribedGroup g : resp.groups()) {
                g.setAuthorizedOperations(req.includeAuthorizedOperations() && g.errorCode() == 0
                        ? AuthorizedOperations.GROUP : AuthorizedOperations.NOT_ASKED);
            }
            return resp;
        });
    }
}
