package io.ferrite.server.admin;

import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.Access;
import io.ferrite.server.network.AccessCheck;
import io.ferrite.server.security.AuthorizedOperations;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Who may use the topic, config and cluster APIs, as Kafka's broker decides it. Metadata: DESCRIBE on each topic
 * (a topic asked for by name or id and refused is TOPIC_AUTHORIZATION_FAILED; a listing of all topics leaves
 * refused ones out) and, to auto-create one, CREATE on the cluster or the topic; CreateTopics: CREATE on the
 * cluster or each topic (and DESCRIBE_CONFIGS on it to see its configs back); DeleteTopics DELETE,
 * CreatePartitions ALTER; DescribeConfigs DESCRIBE_CONFIGS and the alters ALTER_CONFIGS, on the topic, or on the
 * cluster for broker resources (CLUSTER_AUTHORIZATION_FAILED); FindCoordinator DESCRIBE on the group or
 * transactional id. Authorized-operations fields are filled from the same batch decision.
 */
final class AdminAccess {
    private static final short TOPIC_DENIED = Errors.TOPIC_AUTHORIZATION_FAILED.code();

    private final TopicRegistry topics;
    private final boolean autoCreate;

    AdminAccess(TopicRegistry topics, boolean autoCreate) {
        this.topics = topics;
        this.autoCreate = autoCreate;
    }

    Access<MetadataRequestData> metadata() {
        return (context, request, authorization, next) -> {
            short version = context.apiVersion();
            boolean all = request.topics() == null || (version == 0 && request.topics().isEmpty());
            List<String> names = new ArrayList<>();
            if (all) {
                topics.all().forEach(t -> names.add(t.name()));
            } else {
                request.topics().forEach(t -> {
                    String n = topics.nameOf(t.name(), t.topicId());
                    if (n != null) {
                        names.add(n);
                    }
                });
            }
            AccessCheck check = new AccessCheck();
            Map<String, Integer> describe = check.addEach(AclOperation.DESCRIBE, ResourceType.TOPIC, names);
            boolean mayCreate = !all && autoCreate && (version < 4 || request.allowAutoTopicCreation());
            List<String> missing = mayCreate ? names.stream().filter(n -> topics.get(n) == null).toList() : List.of();
            int createOnCluster = missing.isEmpty() ? -1
                    : check.add(AclOperation.CREATE, ResourceType.CLUSTER, Access.CLUSTER_NAME, false);
            Map<String, Integer> create = check.addEach(AclOperation.CREATE, ResourceType.TOPIC, missing);
            boolean topicOps = version >= 8 && request.includeTopicAuthorizedOperations();
            Map<String, Map<AclOperation, Integer>> ops = new HashMap<>();
            if (topicOps) {
                names.forEach(n -> ops.computeIfAbsent(n, x -> check.addOperations(ResourceType.TOPIC, x,
                        AuthorizedOperations.TOPIC_OPERATIONS)));
            }
            boolean clusterOps = version >= 8 && version <= 10 && request.includeClusterAuthorizedOperations();
            int describeCluster = clusterOps
                    ? check.add(AclOperation.DESCRIBE, ResourceType.CLUSTER, Access.CLUSTER_NAME) : -1;
            Map<AclOperation, Integer> clusterBits = clusterOps ? check.addOperations(ResourceType.CLUSTER,
                    Access.CLUSTER_NAME, AuthorizedOperations.CLUSTER_OPERATIONS) : Map.of();
            check.decide(authorization, context);

            List<MetadataResponseData.MetadataResponseTopic> refused = new ArrayList<>();
            boolean emptied = false;
            if (!all) {
                request.topics().removeIf(t -> {
                    String n = topics.nameOf(t.name(), t.topicId());
                    if (n == null) {
                        return false; // an unknown id: the handler answers UNKNOWN_TOPIC_ID
                    }
                    boolean byId = t.name() == null || t.name().isEmpty();
                    boolean denied = !check.allowed(describe, n) || (create.containsKey(n)
                            && !check.allowed(createOnCluster) && !check.allowed(create, n));
                    if (denied) {
                        // By id the name is not told: ids are not secret, names of refused topics are.
                        refused.add(new MetadataResponseData.MetadataResponseTopic().setErrorCode(TOPIC_DENIED)
                                .setName(byId ? null : n).setTopicId(byId ? t.topicId() : Uuid.ZERO_UUID));
                    }
                    return denied;
                });
                emptied = version == 0 && request.topics().isEmpty(); // v0 would read that as every topic
            }
            boolean nothingAsked = emptied;
            return next.handle(context, request).thenApply(r -> {
                MetadataResponseData response = (MetadataResponseData) r;
                if (nothingAsked) {
                    response.topics().clear();
                }
                if (all) {
                    response.topics().removeIf(t -> !check.allowed(describe, t.name()));
                }
                if (topicOps) {
                    response.topics().forEach(t -> {
                        Map<AclOperation, Integer> h = ops.get(t.name());
                        if (h != null) {
                            t.setTopicAuthorizedOperations(check.bits(h));
                        }
                    });
                }
                refused.forEach(t -> response.topics().add(t));
                if (clusterOps) {
                    response.setClusterAuthorizedOperations(check.allowed(describeCluster)
                            ? check.bits(clusterBits) : 0);
                }
                return response;
            });
        };
    }

    Access<CreateTopicsRequestData> createTopics() {
        return (context, request, authorization, next) -> {
            AccessCheck check = new AccessCheck();
            int onCluster = check.add(AclOperation.CREATE, ResourceType.CLUSTER, Access.CLUSTER_NAME, false);
            List<String> names = request.topics().stream().map(CreateTopicsRequestData.CreatableTopic::name).toList();
            Map<String, Integer> create = check.addEach(AclOperation.CREATE, ResourceType.TOPIC, names);
            Map<String, Integer> configs = check.addEach(AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, names);
            check.decide(authorization, context);
            List<String> denied = new ArrayList<>();
            request.topics().removeIf(t -> !check.allowed(onCluster) && !check.allowed(create, t.name())
                    && denied.add(t.name()));
            return next.handle(context, request).thenApply(r -> {
                CreateTopicsResponseData response = (CreateTopicsResponseData) r;
                response.topics().forEach(t -> {
                    if (!check.allowed(configs, t.name()) && t.errorCode() == Errors.NONE.code()) {
                        t.setTopicConfigErrorCode(TOPIC_DENIED).setConfigs(null).setNumPartitions(-1)
                                .setReplicationFactor((short) -1);
                    }
                });
                denied.forEach(n -> response.topics().add(new CreateTopicsResponseData.CreatableTopicResult()
                        .setName(n).setErrorCode(TOPIC_DENIED).setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message())
                        .setTopicConfigErrorCode(TOPIC_DENIED).setNumPartitions(-1).setReplicationFactor((short) -1)));
                return response;
            });
        };
    }

    Access<DeleteTopicsRequestData> deleteTopics() {
        return (context, request, authorization, next) -> {
            AccessCheck check = new AccessCheck();
            List<String> names = new ArrayList<>(request.topicNames());
            request.topics().forEach(t -> {
                String n = topics.nameOf(t.name(), t.topicId());
                if (n != null) {
                    names.add(n);
                }
            });
            Map<String, Integer> delete = check.addEach(AclOperation.DELETE, ResourceType.TOPIC, names);
            check.decide(authorization, context);
            List<DeleteTopicsResponseData.DeletableTopicResult> refused = new ArrayList<>();
            request.topicNames().removeIf(n -> !check.allowed(delete, n) && refused.add(
                    new DeleteTopicsResponseData.DeletableTopicResult().setName(n).setErrorCode(TOPIC_DENIED)));
            request.topics().removeIf(t -> {
                String n = topics.nameOf(t.name(), t.topicId());
                boolean byId = t.name() == null || t.name().isEmpty();
                return n != null && !check.allowed(delete, n) && refused.add(
                        new DeleteTopicsResponseData.DeletableTopicResult().setName(byId ? null : n)
                                .setTopicId(t.topicId()).setErrorCode(TOPIC_DENIED));
            });
            return next.handle(context, request).thenApply(r -> {
                DeleteTopicsResponseData response = (DeleteTopicsResponseData) r;
                refused.forEach(t -> response.responses().add(t));
                return response;
            });
        };
    }

    Access<CreatePartitionsRequestData> createPartitions() {
        return Access.each(AclOperation.ALTER, ResourceType.TOPIC, CreatePartitionsRequestData::topics,
                CreatePartitionsRequestData.CreatePartitionsTopic::name, (r, refused) -> refused.forEach(t ->
                        ((CreatePartitionsResponseData) r).results().add(new CreatePartitionsResponseData
                                .CreatePartitionsTopicResult().setName(t.name()).setErrorCode(TOPIC_DENIED)
                                .setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message()))));
    }

    /** The action a config resource needs: {@code op} on the topic, or on the cluster for broker resources. */
    private static int addConfigAction(AccessCheck check, AclOperation op, byte type, String name) {
        ConfigResource.Type t = ConfigResource.Type.forId(type);
        return switch (t) {
            case TOPIC -> check.add(op, ResourceType.TOPIC, name);
            case GROUP -> check.add(op, ResourceType.GROUP, name);
            default -> check.add(op, ResourceType.CLUSTER, Access.CLUSTER_NAME);
        };
    }

    /** Kafka's error for a config resource refused. */
    private static Errors configDenied(byte type) {
        ConfigResource.Type t = ConfigResource.Type.forId(type);
        return t == ConfigResource.Type.TOPIC ? Errors.TOPIC_AUTHORIZATION_FAILED
                : t == ConfigResource.Type.GROUP ? Errors.GROUP_AUTHORIZATION_FAILED
                : Errors.CLUSTER_AUTHORIZATION_FAILED;
    }

    /**
     * A config request: {@code op} on each resource (its topic, its group, or the cluster for broker ones); a
     * refused resource is taken out and answered with Kafka's error by {@code refuse} (type, name, error).
     */
    private static <Q extends ApiMessage, T> Access<Q> configs(AclOperation op, Function<Q, Collection<T>> resources,
                                                              Function<T, Byte> type, Function<T, String> name,
                                                              BiConsumer<ApiMessage, T> refuse) {
        return (context, request, authorization, next) -> {
            AccessCheck check = new AccessCheck();
            Collection<T> all = resources.apply(request); // in request order, both times it is walked
            List<Integer> handles = all.stream().map(res -> addConfigAction(check, op, type.apply(res),
                    name.apply(res))).toList();
            check.decide(authorization, context);
            List<T> refused = new ArrayList<>();
            int[] i = {0};
            all.removeIf(res -> !check.allowed(handles.get(i[0]++)) && refused.add(res));
            return next.handle(context, request).thenApply(r -> {
                refused.forEach(res -> refuse.accept(r, res));
                return r;
            });
        };
    }

    Access<DescribeConfigsRequestData> describeConfigs() {
        return configs(AclOperation.DESCRIBE_CONFIGS, r -> r.resources(),
                DescribeConfigsRequestData.DescribeConfigsResource::resourceType,
                DescribeConfigsRequestData.DescribeConfigsResource::resourceName, (r, res) -> {
                    Errors e = configDenied(res.resourceType());
                    ((DescribeConfigsResponseData) r).results().add(new DescribeConfigsResponseData
                            .DescribeConfigsResult().setResourceType(res.resourceType())
                            .setResourceName(res.resourceName()).setErrorCode(e.code()).setErrorMessage(e.message()));
                });
    }

    Access<AlterConfigsRequestData> alterConfigs() {
        return configs(AclOperation.ALTER_CONFIGS, r -> r.resources(),
                AlterConfigsRequestData.AlterConfigsResource::resourceType,
                AlterConfigsRequestData.AlterConfigsResource::resourceName, (r, res) -> {
                    Errors e = configDenied(res.resourceType());
                    ((AlterConfigsResponseData) r).responses().add(new AlterConfigsResponseData
                            .AlterConfigsResourceResponse().setResourceType(res.resourceType())
                            .setResourceName(res.resourceName()).setErrorCode(e.code()).setErrorMessage(e.message()));
                });
    }

    Access<IncrementalAlterConfigsRequestData> incrementalAlterConfigs() {
        return configs(AclOperation.ALTER_CONFIGS, r -> r.resources(),
                IncrementalAlterConfigsRequestData.AlterConfigsResource::resourceType,
                IncrementalAlterConfigsRequestData.AlterConfigsResource::resourceName, (r, res) -> {
                    Errors e = configDenied(res.resourceType());
                    ((IncrementalAlterConfigsResponseData) r).responses().add(new IncrementalAlterConfigsResponseData
                            .AlterConfigsResourceResponse().setResourceType(res.resourceType())
                            .setResourceName(res.resourceName()).setErrorCode(e.code()).setErrorMessage(e.message()));
                });
    }

    /**
     * Answered first, then checked in one batch (DESCRIBE and the authorized operations of each topic answered): a
     * refused topic named in the request is TOPIC_AUTHORIZATION_FAILED, one in a listing of all is left out.
     */
    Access<DescribeTopicPartitionsRequestData> describeTopicPartitions() {
        return (context, request, authorization, next) -> next.handle(context, request).thenApply(r -> {
            DescribeTopicPartitionsResponseData response = (DescribeTopicPartitionsResponseData) r;
            AccessCheck check = new AccessCheck();
            Map<String, Integer> describe = check.addEach(AclOperation.DESCRIBE, ResourceType.TOPIC,
                    response.topics().stream().map(DescribeTopicPartitionsResponseData
                            .DescribeTopicPartitionsResponseTopic::name).toList());
            Map<String, Map<AclOperation, Integer>> ops = new HashMap<>();
            response.topics().forEach(t -> ops.computeIfAbsent(t.name(), n -> check.addOperations(ResourceType.TOPIC,
                    n, AuthorizedOperations.TOPIC_OPERATIONS)));
            check.decide(authorization, context);
            boolean named = !request.topics().isEmpty();
            response.topics().removeIf(t -> !named && !check.allowed(describe, t.name()));
            response.topics().forEach(t -> {
                if (!check.allowed(describe, t.name())) {
                    t.setErrorCode(TOPIC_DENIED).setTopicId(Uuid.ZERO_UUID).setPartitions(new ArrayList<>())
                            .setIsInternal(false);
                } else if (t.errorCode() == Errors.NONE.code()) {
                    t.setTopicAuthorizedOperations(check.bits(ops.get(t.name())));
                }
            });
            return response;
        });
    }

    /** Anyone may describe the cluster; its authorized operations need DESCRIBE on it, as in Kafka. */
    Access<DescribeClusterRequestData> describeCluster() {
        return (context, request, authorization, next) -> {
            if (!request.includeClusterAuthorizedOperations()) {
                return next.handle(context, request);
            }
            AccessCheck check = new AccessCheck();
            int describe = check.add(AclOperation.DESCRIBE, ResourceType.CLUSTER, Access.CLUSTER_NAME);
            Map<AclOperation, Integer> ops = check.addOperations(ResourceType.CLUSTER, Access.CLUSTER_NAME,
                    AuthorizedOperations.CLUSTER_OPERATIONS);
            check.decide(authorization, context);
            return next.handle(context, request).thenApply(r -> ((DescribeClusterResponseData) r)
                    .setClusterAuthorizedOperations(check.allowed(describe) ? check.bits(ops) : 0));
        };
    }

    Access<FindCoordinatorRequestData> findCoordinator() {
        return (context, request, authorization, next) -> {
            ResourceType type = request.keyType() == CoordinatorType.GROUP.id() ? ResourceType.GROUP
                    : request.keyType() == CoordinatorType.TRANSACTION.id() ? ResourceType.TRANSACTIONAL_ID : null;
            if (type == null) { // a type not served: the handler says so
                return next.handle(context, request);
            }
            Errors error = type == ResourceType.GROUP ? Errors.GROUP_AUTHORIZATION_FAILED
                    : Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
            AccessCheck check = new AccessCheck();
            if (context.apiVersion() < 4) {
                int h = check.add(AclOperation.DESCRIBE, type, request.key());
                check.decide(authorization, context);
                return check.allowed(h) ? next.handle(context, request) : CompletableFuture.failedFuture(
                        type == ResourceType.GROUP ? new GroupAuthorizationException(error.message())
                                : new TransactionalIdAuthorizationException(error.message()));
            }
            Map<String, Integer> describe = check.addEach(AclOperation.DESCRIBE, type, request.coordinatorKeys());
            check.decide(authorization, context);
            List<String> denied = new ArrayList<>();
            request.coordinatorKeys().removeIf(k -> !check.allowed(describe, k) && denied.add(k));
            return next.handle(context, request).thenApply(r -> {
                FindCoordinatorResponseData response = (FindCoordinatorResponseData) r;
                denied.forEach(k -> response.coordinators().add(new FindCoordinatorResponseData.Coordinator()
                        .setKey(k).setNodeId(-1).setHost("").setPort(-1).setErrorCode(error.code())
                        .setErrorMessage(error.message())));
                return response;
            });
        };
    }
}
