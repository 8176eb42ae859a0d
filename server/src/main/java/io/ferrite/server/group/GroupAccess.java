package io.ferrite.server.group;

import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.Access;
import io.ferrite.server.network.AccessCheck;
import io.ferrite.server.security.AuthorizedOperations;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.AlterShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.AlterShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.DeleteShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.DeleteShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.ShareGroupDescribeRequestData;
import org.apache.kafka.common.message.ShareGroupDescribeResponseData;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ShareGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Who may use the group APIs, as Kafka's broker decides it: READ on the group to join it, sync, heartbeat,
 * leave or commit (GROUP_AUTHORIZATION_FAILED for the whole request), and READ on each topic committed to
 * (TOPIC_AUTHORIZATION_FAILED for its partitions); DESCRIBE on the group to fetch its offsets or describe it,
 * DESCRIBE on a topic to see its offsets (refused topics left out of an all-topics fetch); DELETE on the group to
 * delete it or its offsets; a listing shows the groups one may DESCRIBE, or all with DESCRIBE on the cluster; a
 * consumer-protocol member needs DESCRIBE on every topic it subscribes to by name.
 */
final class GroupAccess {
    private static final short TOPIC_DENIED = Errors.TOPIC_AUTHORIZATION_FAILED.code();
    private static final short GROUP_DENIED = Errors.GROUP_AUTHORIZATION_FAILED.code();

    private final TopicRegistry topics;

    GroupAccess(TopicRegistry topics) {
        this.topics = topics;
    }

    /** READ on the group that {@code groupId} names, or the request is GROUP_AUTHORIZATION_FAILED. */
    static <Q extends ApiMessage> Access<Q> read(Function<Q, String> groupId) {
        return (context, request, authorization, next) -> {
            AccessCheck check = new AccessCheck();
            int h = check.add(AclOperation.READ, ResourceType.GROUP, groupId.apply(request));
            check.decide(authorization, context);
            return check.allowed(h) ? next.handle(context, request) : CompletableFuture.failedFuture(
                    new GroupAuthorizationException("Not authorized to access group: " + groupId.apply(request)));
        };
    }

    Access<OffsetCommitRequestData> offsetCommit() {
        return (context, request, authorization, next) -> {
            AccessCheck check = new AccessCheck();
            int group = check.add(AclOperation.READ, ResourceType.GROUP, request.groupId());
            Map<String, Integer> read = check.addEach(AclOperation.READ, ResourceType.TOPIC, request.topics().stream()
                    .map(t -> topics.nameOf(t.name(), t.topicId())).filter(n -> n != null).toList());
            check.decide(authorization, context);
            if (!check.allowed(group)) {
                return CompletableFuture.failedFuture(new GroupAuthorizationException(
                        "Not authorized to access group: " + request.groupId()));
            }
            List<OffsetCommitRequestData.OffsetCommitRequestTopic> denied = new ArrayList<>();
            request.topics().removeIf(t -> {
                String n = topics.nameOf(t.name(), t.topicId());
                return n != null && !check.allowed(read, n) && denied.add(t);
            });
            return next.handle(context, request).thenApply(r -> {
                OffsetCommitResponseData response = (OffsetCommitResponseData) r;
                for (OffsetCommitRequestData.OffsetCommitRequestTopic t : denied) {
                    OffsetCommitResponseData.OffsetCommitResponseTopic out =
                            new OffsetCommitResponseData.OffsetCommitResponseTopic().setName(t.name())
                                    .setTopicId(t.topicId());
                    t.partitions().forEach(p -> out.partitions().add(new OffsetCommitResponseData
                            .OffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex())
                            .setErrorCode(TOPIC_DENIED)));
                    response.topics().add(out);
                }
                return response;
            });
        };
    }

    /**
     * OffsetFetch reads nothing it may not show, so it is answered first and then checked in one batch: each
     * group's DESCRIBE and each answered topic's DESCRIBE. A refused group gets GROUP_AUTHORIZATION_FAILED and
     * no offsets; a refused topic asked for by name gets TOPIC_AUTHORIZATION_FAILED, one not asked for is left out.
     */
    Access<OffsetFetchRequestData> offsetFetch() {
        return (context, request, authorization, next) -> next.handle(context, request).thenApply(r -> {
            OffsetFetchResponseData response = (OffsetFetchResponseData) r;
            AccessCheck check = new AccessCheck();
            if (context.apiVersion() < 8) {
                int group = check.add(AclOperation.DESCRIBE, ResourceType.GROUP, request.groupId());
                Map<String, Integer> describe = check.addEach(AclOperation.DESCRIBE, ResourceType.TOPIC,
                        response.topics().stream().map(OffsetFetchResponseData.OffsetFetchResponseTopic::name).toList());
                check.decide(authorization, context);
                if (!check.allowed(group)) {
                    response.topics().clear();
                    return response.setErrorCode(GROUP_DENIED);
                }
                boolean named = request.topics() != null;
                response.topics().removeIf(t -> !named && !check.allowed(describe, t.name()));
                response.topics().forEach(t -> {
                    if (!check.allowed(describe, t.name())) {
                        t.partitions().forEach(p -> p.setErrorCode(TOPIC_DENIED).setCommittedOffset(-1)
                                .setCommittedLeaderEpoch(-1).setMetadata(""));
                    }
                });
                return response;
            }
            Map<String, Integer> groups = check.addEach(AclOperation.DESCRIBE, ResourceType.GROUP,
                    request.groups().stream().map(OffsetFetchRequestData.OffsetFetchRequestGroup::groupId).toList());
            List<String> names = new ArrayList<>();
            response.groups().forEach(g -> g.topics().forEach(t -> {
                String n = topics.nameOf(t.name(), t.topicId());
                if (n != null) {
                    names.add(n);
                }
            }));
            Map<String, Integer> describe = check.addEach(AclOperation.DESCRIBE, ResourceType.TOPIC, names);
            check.decide(authorization, context);
            Map<String, Boolean> named = new HashMap<>();
            request.groups().forEach(g -> named.put(g.groupId(), g.topics() != null));
            response.groups().forEach(g -> {
                if (!check.allowed(groups, g.groupId())) {
                    g.topics().clear();
                    g.setErrorCode(GROUP_DENIED);
                    return;
                }
                boolean byName = named.getOrDefault(g.groupId(), false);
                g.topics().removeIf(t -> !byName && !check.allowed(describe, topics.nameOf(t.name(), t.topicId())));
                g.topics().forEach(t -> {
                    if (!check.allowed(describe, topics.nameOf(t.name(), t.topicId()))) {
                        t.partitions().forEach(p -> p.setErrorCode(TOPIC_DENIED).setCommittedOffset(-1)
                                .setCommittedLeaderEpoch(-1).setMetadata(""));
                    }
                });
            });
            return response;
        });
    }

    Access<OffsetDeleteRequestData> offsetDelete() {
        return (context, request, authorization, next) -> {
            AccessCheck check = new AccessCheck();
            int group = check.add(AclOperation.DELETE, ResourceType.GROUP, request.groupId());
            Map<String, Integer> read = check.addEach(AclOperation.READ, ResourceType.TOPIC, request.topics().stream()
                    .map(OffsetDeleteRequestData.OffsetDeleteRequestTopic::name).toList());
            check.decide(authorization, context);
            if (!check.allowed(group)) {
                return CompletableFuture.failedFuture(new GroupAuthorizationException(
                        "Not authorized to access group: " + request.groupId()));
            }
            List<OffsetDeleteRequestData.OffsetDeleteRequestTopic> denied = new ArrayList<>();
            request.topics().removeIf(t -> !check.allowed(read, t.name()) && denied.add(t.duplicate()));
            return next.handle(context, request).thenApply(r -> {
                OffsetDeleteResponseData response = (OffsetDeleteResponseData) r;
                for (OffsetDeleteRequestData.OffsetDeleteRequestTopic t : denied) {
                    OffsetDeleteResponseData.OffsetDeleteResponseTopic out =
                            new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(t.name());
                    t.partitions().forEach(p -> out.partitions().add(new OffsetDeleteResponseData
                            .OffsetDeleteResponsePartition().setPartitionIndex(p.partitionIndex())
                            .setErrorCode(TOPIC_DENIED)));
                    response.topics().add(out);
                }
                return response;
            });
        };
    }

    /** Lists every group to a principal with DESCRIBE on the cluster, else the groups it may DESCRIBE. */
    Access<ListGroupsRequestData> listGroups() {
        return (context, request, authorization, next) -> next.handle(context, request).thenApply(r -> {
            ListGroupsResponseData response = (ListGroupsResponseData) r;
            AccessCheck check = new AccessCheck();
            int cluster = check.add(AclOperation.DESCRIBE, ResourceType.CLUSTER, Access.CLUSTER_NAME, false);
            Map<String, Integer> describe = check.addEach(AclOperation.DESCRIBE, ResourceType.GROUP,
                    response.groups().stream().map(ListGroupsResponseData.ListedGroup::groupId).toList());
            check.decide(authorization, context);
            if (!check.allowed(cluster)) {
                response.groups().removeIf(g -> !check.allowed(describe, g.groupId()));
            }
            return response;
        });
    }

    Access<DescribeGroupsRequestData> describeGroups() {
        return (context, request, authorization, next) -> next.handle(context, request).thenApply(r -> {
            DescribeGroupsResponseData response = (DescribeGroupsResponseData) r;
            AccessCheck check = new AccessCheck();
            Map<String, Integer> describe = check.addEach(AclOperation.DESCRIBE, ResourceType.GROUP,
                    response.groups().stream().map(DescribeGroupsResponseData.DescribedGroup::groupId).toList());
            Map<String, Map<AclOperation, Integer>> ops = new HashMap<>();
            if (request.includeAuthorizedOperations()) {
                response.groups().forEach(g -> ops.computeIfAbsent(g.groupId(), id -> check.addOperations(
                        ResourceType.GROUP, id, AuthorizedOperations.GROUP_OPERATIONS)));
            }
            check.decide(authorization, context);
            List<DescribeGroupsResponseData.DescribedGroup> out = new ArrayList<>();
            for (DescribeGroupsResponseData.DescribedGroup g : response.groups()) {
                if (!check.allowed(describe, g.groupId())) {
                    out.add(new DescribeGroupsResponseData.DescribedGroup().setGroupId(g.groupId())
                            .setErrorCode(GROUP_DENIED).setGroupState("").setProtocolType("").setProtocolData(""));
                } else {
                    if (ops.containsKey(g.groupId())) {
                        g.setAuthorizedOperations(check.bits(ops.get(g.groupId())));
                    }
                    out.add(g);
                }
            }
            return response.setGroups(out);
        });
    }

    Access<ConsumerGroupDescribeRequestData> consumerGroupDescribe() {
        return (context, request, authorization, next) -> next.handle(context, request).thenApply(r -> {
            ConsumerGroupDescribeResponseData response = (ConsumerGroupDescribeResponseData) r;
            AccessCheck check = new AccessCheck();
            Map<String, Integer> describe = check.addEach(AclOperation.DESCRIBE, ResourceType.GROUP,
                    response.groups().stream().map(ConsumerGroupDescribeResponseData.DescribedGroup::groupId).toList());
            Map<String, Map<AclOperation, Integer>> ops = new HashMap<>();
            if (request.includeAuthorizedOperations()) {
                response.groups().forEach(g -> ops.computeIfAbsent(g.groupId(), id -> check.addOperations(
                        ResourceType.GROUP, id, AuthorizedOperations.GROUP_OPERATIONS)));
            }
            check.decide(authorization, context);
            List<ConsumerGroupDescribeResponseData.DescribedGroup> out = new ArrayList<>();
            for (ConsumerGroupDescribeResponseData.DescribedGroup g : response.groups()) {
                if (!check.allowed(describe, g.groupId())) {
                    out.add(new ConsumerGroupDescribeResponseData.DescribedGroup().setGroupId(g.groupId())
                            .setErrorCode(GROUP_DENIED).setErrorMessage(Errors.GROUP_AUTHORIZATION_FAILED.message()));
                } else {
                    if (ops.containsKey(g.groupId())) {
                        g.setAuthorizedOperations(check.bits(ops.get(g.groupId())));
                    }
                    out.add(g);
                }
            }
            return response.setGroups(out);
        });
    }

    Access<DeleteGroupsRequestData> deleteGroups() {
        return (context, request, authorization, next) -> {
            AccessCheck check = new AccessCheck();
            Map<String, Integer> delete = check.addEach(AclOperation.DELETE, ResourceType.GROUP, request.groupsNames());
            check.decide(authorization, context);
            List<String> denied = new ArrayList<>();
            request.groupsNames().removeIf(g -> !check.allowed(delete, g) && denied.add(g));
            return next.handle(context, request).thenApply(r -> {
                DeleteGroupsResponseData response = (DeleteGroupsResponseData) r;
                denied.forEach(g -> response.results().add(new DeleteGroupsResponseData.DeletableGroupResult()
                        .setGroupId(g).setErrorCode(GROUP_DENIED)));
                return response;
            });
        };
    }

    /** READ on the group, and DESCRIBE on every topic subscribed to by name (else TOPIC_AUTHORIZATION_FAILED). */
    Access<ConsumerGroupHeartbeatRequestData> consumerGroupHeartbeat() {
        return heartbeat(ConsumerGroupHeartbeatRequestData::groupId,
                ConsumerGroupHeartbeatRequestData::subscribedTopicNames, () -> new ConsumerGroupHeartbeatResponseData()
                        .setErrorCode(TOPIC_DENIED).setErrorMessage(SUBSCRIBED_DENIED));
    }

    /** As {@link #consumerGroupHeartbeat}, for a share group's member. */
    Access<ShareGroupHeartbeatRequestData> shareGroupHeartbeat() {
        return heartbeat(ShareGroupHeartbeatRequestData::groupId, ShareGroupHeartbeatRequestData::subscribedTopicNames,
                () -> new ShareGroupHeartbeatResponseData().setErrorCode(TOPIC_DENIED)
                        .setErrorMessage(SUBSCRIBED_DENIED));
    }

    private static final String SUBSCRIBED_DENIED = "The group has subscribed to topics that are not authorized.";

    /**
     * A member's heartbeat: READ on its group (else GROUP_AUTHORIZATION_FAILED for the request), and DESCRIBE on
     * every topic it subscribes to (else the answer {@code topicDenied} makes).
     */
    private static <Q extends ApiMessage> Access<Q> heartbeat(Function<Q, String> groupId,
                                                              Function<Q, List<String>> subscribedTopics,
                                                              java.util.function.Supplier<ApiMessage> topicDenied) {
        return (context, request, authorization, next) -> {
            AccessCheck check = new AccessCheck();
            int group = check.add(AclOperation.READ, ResourceType.GROUP, groupId.apply(request));
            List<String> subscribed = subscribedTopics.apply(request) == null ? List.of()
                    : subscribedTopics.apply(request);
            Map<String, Integer> describe = check.addEach(AclOperation.DESCRIBE, ResourceType.TOPIC, subscribed);
            check.decide(authorization, context);
            if (!check.allowed(group)) {
                return CompletableFuture.failedFuture(new GroupAuthorizationException(
                        "Not authorized to access group: " + groupId.apply(request)));
            }
            if (subscribed.stream().anyMatch(t -> !check.allowed(describe, t))) {
                return CompletableFuture.completedFuture(topicDenied.get());
            }
            return next.handle(context, request);
        };
    }

    /** DESCRIBE on each group asked about, else GROUP_AUTHORIZATION_FAILED for it. */
    Access<ShareGroupDescribeRequestData> shareGroupDescribe() {
        return (context, request, authorization, next) -> next.handle(context, request).thenApply(r -> {
            ShareGroupDescribeResponseData response = (ShareGroupDescribeResponseData) r;
            AccessCheck check = new AccessCheck();
            Map<String, Integer> describe = check.addEach(AclOperation.DESCRIBE, ResourceType.GROUP,
                    response.groups().stream().map(ShareGroupDescribeResponseData.DescribedGroup::groupId).toList());
            check.decide(authorization, context);
            List<ShareGroupDescribeResponseData.DescribedGroup> out = new ArrayList<>();
            for (ShareGroupDescribeResponseData.DescribedGroup g : response.groups()) {
                out.add(check.allowed(describe, g.groupId()) ? g : new ShareGroupDescribeResponseData.DescribedGroup()
                        .setGroupId(g.groupId()).setErrorCode(GROUP_DENIED)
                        .setErrorMessage(Errors.GROUP_AUTHORIZATION_FAILED.message()));
            }
            return response.setGroups(out);
        });
    }

    /**
     * DESCRIBE on each group, else GROUP_AUTHORIZATION_FAILED for it; DESCRIBE on each topic, else
     * TOPIC_AUTHORIZATION_FAILED for its partitions.
     */
    Access<DescribeShareGroupOffsetsRequestData> describeShareGroupOffsets() {
        return (context, request, authorization, next) -> {
            AccessCheck check = new AccessCheck();
            Map<String, Integer> groups = check.addEach(AclOperation.DESCRIBE, ResourceType.GROUP,
                    request.groups().stream().map(DescribeShareGroupOffsetsRequestData
                            .DescribeShareGroupOffsetsRequestGroup::groupId).toList());
            List<String> names = new ArrayList<>();
            request.groups().forEach(g -> {
                if (g.topics() != null) {
                    g.topics().forEach(t -> names.add(t.topicName()));
                }
            });
            Map<String, Integer> described = check.addEach(AclOperation.DESCRIBE, ResourceType.TOPIC, names);
            check.decide(authorization, context);
            Set<String> allTopics = new HashSet<>();
            request.groups().forEach(g -> {
                if (g.topics() == null) {
                    allTopics.add(g.groupId());
                }
            });
            return next.handle(context, request).thenApply(r -> {
                DescribeShareGroupOffsetsResponseData response = (DescribeShareGroupOffsetsResponseData) r;
                // A group asked for whole shows only the topics the caller may DESCRIBE, as in Kafka.
                AccessCheck listed = new AccessCheck();
                Map<String, Integer> visible = listed.addEach(AclOperation.DESCRIBE, ResourceType.TOPIC,
                        response.groups().stream().filter(g -> allTopics.contains(g.groupId()))
                                .flatMap(g -> g.topics().stream()).map(t -> t.topicName()).distinct().toList());
                listed.decide(authorization, context);
                for (DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseGroup g
                        : response.groups()) {
                    if (allTopics.contains(g.groupId())) {
                        g.topics().removeIf(t -> !listed.allowed(visible, t.topicName()));
                    }
                    if (!check.allowed(groups, g.groupId())) {
                        g.setTopics(new ArrayList<>()).setErrorCode(GROUP_DENIED)
                                .setErrorMessage(Errors.GROUP_AUTHORIZATION_FAILED.message());
                        continue;
                    }
                    for (DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseTopic t : g.topics()) {
                        if (described.containsKey(t.topicName()) && !check.allowed(described, t.topicName())) {
                            t.partitions().forEach(p -> p.setStartOffset(-1).setLag(-1).setErrorCode(TOPIC_DENIED)
                                    .setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message()));
                        }
                    }
                }
                return response;
            });
        };
    }

    /** READ on the group (else GROUP_AUTHORIZATION_FAILED) and on each topic (else it is left alone, refused). */
    Access<AlterShareGroupOffsetsRequestData> alterShareGroupOffsets() {
        return (context, request, authorization, next) -> {
            AccessCheck check = new AccessCheck();
            int group = check.add(AclOperation.READ, ResourceType.GROUP, request.groupId());
            Map<String, Integer> read = check.addEach(AclOperation.READ, ResourceType.TOPIC, request.topics().stream()
                    .map(AlterShareGroupOffsetsRequestData.AlterShareGroupOffsetsRequestTopic::topicName).toList());
            check.decide(authorization, context);
            if (!check.allowed(group)) {
                return CompletableFuture.completedFuture(new AlterShareGroupOffsetsResponseData()
                        .setErrorCode(GROUP_DENIED).setErrorMessage(Errors.GROUP_AUTHORIZATION_FAILED.message()));
            }
            List<AlterShareGroupOffsetsRequestData.AlterShareGroupOffsetsRequestTopic> denied = new ArrayList<>();
            request.topics().removeIf(t -> !check.allowed(read, t.topicName()) && denied.add(t));
            return next.handle(context, request).thenApply(r -> {
                AlterShareGroupOffsetsResponseData response = (AlterShareGroupOffsetsResponseData) r;
                for (AlterShareGroupOffsetsRequestData.AlterShareGroupOffsetsRequestTopic t : denied) {
                    AlterShareGroupOffsetsResponseData.AlterShareGroupOffsetsResponseTopic out =
                            new AlterShareGroupOffsetsResponseData.AlterShareGroupOffsetsResponseTopic()
                                    .setTopicName(t.topicName()).setTopicId(idOf(t.topicName()));
                    t.partitions().forEach(p -> out.partitions().add(
                            new AlterShareGroupOffsetsResponseData.AlterShareGroupOffsetsResponsePartition()
                                    .setPartitionIndex(p.partitionIndex()).setErrorCode(TOPIC_DENIED)
                                    .setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message())));
                    response.responses().add(out);
                }
                return response;
            });
        };
    }

    private org.apache.kafka.common.Uuid idOf(String topic) {
        var t = topics.get(topic);
        return t == null ? org.apache.kafka.common.Uuid.ZERO_UUID : t.id();
    }

    /** DELETE on the group (else GROUP_AUTHORIZATION_FAILED) and READ on each topic (else it is refused). */
    Access<DeleteShareGroupOffsetsRequestData> deleteShareGroupOffsets() {
        return (context, request, authorization, next) -> {
            AccessCheck check = new AccessCheck();
            int group = check.add(AclOperation.DELETE, ResourceType.GROUP, request.groupId());
            Map<String, Integer> read = check.addEach(AclOperation.READ, ResourceType.TOPIC, request.topics().stream()
                    .map(DeleteShareGroupOffsetsRequestData.DeleteShareGroupOffsetsRequestTopic::topicName).toList());
            check.decide(authorization, context);
            if (!check.allowed(group)) {
                return CompletableFuture.completedFuture(new DeleteShareGroupOffsetsResponseData()
                        .setErrorCode(GROUP_DENIED).setErrorMessage(Errors.GROUP_AUTHORIZATION_FAILED.message()));
            }
            List<String> denied = new ArrayList<>();
            request.topics().removeIf(t -> !check.allowed(read, t.topicName()) && denied.add(t.topicName()));
            return next.handle(context, request).thenApply(r -> {
                DeleteShareGroupOffsetsResponseData response = (DeleteShareGroupOffsetsResponseData) r;
                denied.forEach(name -> response.responses().add(
                        new DeleteShareGroupOffsetsResponseData.DeleteShareGroupOffsetsResponseTopic()
                                .setTopicName(name).setTopicId(idOf(name)).setErrorCode(TOPIC_DENIED)
                                .setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message())));
                return response;
            });
        };
    }
}
