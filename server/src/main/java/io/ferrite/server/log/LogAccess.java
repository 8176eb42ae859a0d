package io.ferrite.server.log;

import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.Access;
import io.ferrite.server.network.AccessCheck;
import io.ferrite.server.network.CloseConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ShareAcknowledgeRequestData;
import org.apache.kafka.common.message.ShareAcknowledgeResponseData;
import org.apache.kafka.common.message.ShareFetchRequestData;
import org.apache.kafka.common.message.ShareFetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Who may use the data plane, as Kafka's broker decides it: WRITE on a topic to produce to it (and WRITE on the
 * transactional id for transactional records, else the whole request is TRANSACTIONAL_ID_AUTHORIZATION_FAILED),
 * READ to fetch from it or describe its producers, DESCRIBE to list its offsets or leader epochs, DELETE to
 * delete its records; DESCRIBE on the cluster for DescribeLogDirs, CLUSTER_ACTION for WriteTxnMarkers and for a
 * follower's fetch. A topic refused is taken out of the request and answered TOPIC_AUTHORIZATION_FAILED for
 * each of its partitions, whether it exists or not, so a client learns nothing of topics it may not see.
 */
final class LogAccess {
    private static final short DENIED = Errors.TOPIC_AUTHORIZATION_FAILED.code();

    private final TopicRegistry topics;

    LogAccess(TopicRegistry topics) {
        this.topics = topics;
    }

    Access<ProduceRequestData> produce() {
        return (context, request, authorization, next) -> {
            AccessCheck check = new AccessCheck();
            int txn = request.transactionalId() == null ? -1
                    : check.add(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId());
            List<String> names = new ArrayList<>();
            request.topicData().forEach(t -> names.add(topics.nameOf(t.name(), t.topicId())));
            Map<String, Integer> write = check.addEach(AclOperation.WRITE, ResourceType.TOPIC,
                    names.stream().filter(n -> n != null).toList());
            check.decide(authorization, context);
            if (txn >= 0 && !check.allowed(txn)) {
                return CompletableFuture.failedFuture(new TransactionalIdAuthorizationException(
                        "Transactional id " + request.transactionalId() + " may not be written by " + context.principal()));
            }
            List<ProduceRequestData.TopicProduceData> denied = new ArrayList<>();
            request.topicData().removeIf(t -> {
                String n = topics.nameOf(t.name(), t.topicId());
                boolean refuse = n != null && !check.allowed(write, n);
                if (refuse) {
                    denied.add(t);
                }
                return refuse;
            });
            if (denied.isEmpty()) {
                return next.handle(context, request);
            }
            if (request.acks() == 0) { // no answer to carry the error: the connection closes, as in Kafka
                return CompletableFuture.failedFuture(new CloseConnection("acks=0 produce to a topic "
                        + context.principal() + " may not write"));
            }
            return next.handle(context, request).thenApply(r -> {
                ProduceResponseData response = (ProduceResponseData) r;
                for (ProduceRequestData.TopicProduceData t : denied) {
                    ProduceResponseData.TopicProduceResponse out = new ProduceResponseData.TopicProduceResponse()
                            .setName(t.name()).setTopicId(t.topicId());
                    t.partitionData().forEach(p -> out.partitionResponses().add(
                            new ProduceResponseData.PartitionProduceResponse().setIndex(p.index()).setErrorCode(DENIED)
                                    .setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1)));
                    response.responses().add(out);
                }
                return response;
            });
        };
    }

    /**
     * ShareFetch: READ on the group (else GROUP_AUTHORIZATION_FAILED for the request), and READ on each topic
     * named, a refused one answered TOPIC_AUTHORIZATION_FAILED for its partitions.
     */
    Access<ShareFetchRequestData> shareFetch() {
        Access<ShareFetchRequestData> topicsRead = Access.each(AclOperation.READ, ResourceType.TOPIC,
                ShareFetchRequestData::topics, t -> String.valueOf(topics.nameOf(null, t.topicId())), (r, refused) -> {
                    ShareFetchResponseData response = (ShareFetchResponseData) r;
                    for (ShareFetchRequestData.FetchTopic t : refused) {
                        ShareFetchResponseData.ShareFetchableTopicResponse out =
                                new ShareFetchResponseData.ShareFetchableTopicResponse().setTopicId(t.topicId());
                        t.partitions().forEach(p -> out.partitions().add(new ShareFetchResponseData.PartitionData()
                                .setPartitionIndex(p.partitionIndex()).setErrorCode(DENIED)
                                .setRecords(org.apache.kafka.common.record.internal.MemoryRecords.EMPTY)));
                        response.responses().add(out);
                    }
                });
        return groupRead(ShareFetchRequestData::groupId, topicsRead);
    }

    /** ShareAcknowledge: as {@link #shareFetch}. */
    Access<ShareAcknowledgeRequestData> shareAcknowledge() {
        Access<ShareAcknowledgeRequestData> topicsRead = Access.each(AclOperation.READ, ResourceType.TOPIC,
                ShareAcknowledgeRequestData::topics, t -> String.valueOf(topics.nameOf(null, t.topicId())),
                (r, refused) -> {
                    ShareAcknowledgeResponseData response = (ShareAcknowledgeResponseData) r;
                    for (ShareAcknowledgeRequestData.AcknowledgeTopic t : refused) {
                        ShareAcknowledgeResponseData.ShareAcknowledgeTopicResponse out =
                                new ShareAcknowledgeResponseData.ShareAcknowledgeTopicResponse()
                                        .setTopicId(t.topicId());
                        t.partitions().forEach(p -> out.partitions().add(
                                new ShareAcknowledgeResponseData.PartitionData().setPartitionIndex(p.partitionIndex())
                                        .setErrorCode(DENIED)));
                        response.responses().add(out);
                    }
                });
        return groupRead(ShareAcknowledgeRequestData::groupId, topicsRead);
    }

    /** READ on the group named, then {@code then}; a refused group fails the request. */
    private static <Q extends org.apache.kafka.common.protocol.ApiMessage> Access<Q> groupRead(
            java.util.function.Function<Q, String> group, Access<Q> then) {
        return (context, request, authorization, next) -> {
            AccessCheck check = new AccessCheck();
            int h = check.add(AclOperation.READ, ResourceType.GROUP, group.apply(request));
            check.decide(authorization, context);
            if (!check.allowed(h)) {
                return CompletableFuture.failedFuture(new org.apache.kafka.common.errors.GroupAuthorizationException(
                        "Not authorized to access group: " + group.apply(request)));
            }
            return then.handle(context, request, authorization, next);
        };
    }

    /**
     * READ on every topic a fetch reads: those it names and, for an incremental fetch, those already in its session
     * ({@code sessions}), which it does not name. A denied topic is answered TOPIC_AUTHORIZATION_FAILED and, so
     * that the session can never read it unchecked, forgotten by the session.
     */
    Access<FetchRequestData> fetch(FetchSessions sessions) {
        return (context, request, authorization, next) -> {
            AccessCheck check = new AccessCheck();
            boolean follower = request.replicaId() >= 0 || request.replicaState().replicaId() >= 0;
            int cluster = follower ? check.add(AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, Access.CLUSTER_NAME)
                    : -1;
            List<String> names = new ArrayList<>();
            request.topics().forEach(t -> names.add(topics.nameOf(t.topic(), t.topicId())));
            List<FetchSessions.SessionPartition> inSession = sessions.partitionsOf(request);
            inSession.forEach(p -> names.add(topics.nameOf(p.topic(), p.topicId())));
            Map<String, Integer> read = follower ? Map.of() : check.addEach(AclOperation.READ, ResourceType.TOPIC,
                    names.stream().filter(n -> n != null).distinct().toList());
            check.decide(authorization, context);
            java.util.function.Predicate<String> refused = n -> follower ? !check.allowed(cluster)
                    : n != null && !check.allowed(read, n);
            List<FetchRequestData.FetchTopic> denied = new ArrayList<>();
            request.topics().removeIf(t -> {
                boolean refuse = refused.test(topics.nameOf(t.topic(), t.topicId()));
                if (refuse) {
                    denied.add(t);
                }
                return refuse;
            });
            Map<String, FetchRequestData.FetchTopic> sessionDenied = new java.util.LinkedHashMap<>();
            for (FetchSessions.SessionPartition p : inSession) {
                if (refused.test(topics.nameOf(p.topic(), p.topicId()))) {
                    request.forgottenTopicsData().add(new FetchRequestData.ForgottenTopic().setTopic(p.topic())
                            .setTopicId(p.topicId()).setPartitions(new ArrayList<>(List.of(p.partition()))));
                    FetchRequestData.FetchTopic t = sessionDenied.computeIfAbsent(p.topic() + "/" + p.topicId(),
                            k -> new FetchRequestData.FetchTopic().setTopic(p.topic()).setTopicId(p.topicId()));
                    if (denied.stream().noneMatch(d -> d.topic().equals(p.topic()) && d.topicId().equals(p.topicId())
                            && d.partitions().stream().anyMatch(x -> x.partition() == p.partition()))) {
                        t.partitions().add(new FetchRequestData.FetchPartition().setPartition(p.partition()));
                    }
                }
            }
            sessionDenied.values().stream().filter(t -> !t.partitions().isEmpty()).forEach(denied::add);
            if (denied.isEmpty()) {
                return next.handle(context, request);
            }
            return next.handle(context, request).thenApply(r -> {
                FetchResponseData response = (FetchResponseData) r;
                if (response.errorCode() != Errors.NONE.code()) {
                    return response;
                }
                for (FetchRequestData.FetchTopic t : denied) {
                    FetchResponseData.FetchableTopicResponse out = new FetchResponseData.FetchableTopicResponse()
                            .setTopic(t.topic()).setTopicId(t.topicId());
                    t.partitions().forEach(p -> out.partitions().add(new FetchResponseData.PartitionData()
                            .setPartitionIndex(p.partition()).setErrorCode(DENIED).setHighWatermark(-1)
                            .setLastStableOffset(-1).setLogStartOffset(-1)));
                    response.responses().add(out);
                }
                return response;
            });
        };
    }

    Access<ListOffsetsRequestData> listOffsets() {
        return Access.each(AclOperation.DESCRIBE, ResourceType.TOPIC, ListOffsetsRequestData::topics,
                ListOffsetsRequestData.ListOffsetsTopic::name, (r, refused) -> refused.forEach(t -> {
                    ListOffsetsResponseData.ListOffsetsTopicResponse out =
                            new ListOffsetsResponseData.ListOffsetsTopicResponse().setName(t.name());
                    t.partitions().forEach(p -> out.partitions().add(
                            new ListOffsetsResponseData.ListOffsetsPartitionResponse()
                                    .setPartitionIndex(p.partitionIndex()).setErrorCode(DENIED)));
                    ((ListOffsetsResponseData) r).topics().add(out);
                }));
    }

    /** A consumer's DESCRIBE on each topic; a follower's (replica id set) CLUSTER_ACTION. */
    Access<OffsetForLeaderEpochRequestData> offsetForLeaderEpoch() {
        Access<OffsetForLeaderEpochRequestData> follower = Access.cluster(AclOperation.CLUSTER_ACTION);
        Access<OffsetForLeaderEpochRequestData> consumer = Access.each(AclOperation.DESCRIBE, ResourceType.TOPIC,
                OffsetForLeaderEpochRequestData::topics, OffsetForLeaderEpochRequestData.OffsetForLeaderTopic::topic,
                (r, refused) -> refused.forEach(t -> {
                    OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult out =
                            new OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult().setTopic(t.topic());
                    t.partitions().forEach(p -> out.partitions().add(
                            new OffsetForLeaderEpochResponseData.EpochEndOffset().setPartition(p.partition())
                                    .setErrorCode(DENIED)));
                    ((OffsetForLeaderEpochResponseData) r).topics().add(out);
                }));
        return (context, request, authorization, next) -> (request.replicaId() >= 0 ? follower : consumer)
                .handle(context, request, authorization, next);
    }

    Access<DeleteRecordsRequestData> deleteRecords() {
        return Access.each(AclOperation.DELETE, ResourceType.TOPIC, DeleteRecordsRequestData::topics,
                DeleteRecordsRequestData.DeleteRecordsTopic::name, (r, refused) -> refused.forEach(t -> {
                    DeleteRecordsResponseData.DeleteRecordsTopicResult out =
                            new DeleteRecordsResponseData.DeleteRecordsTopicResult().setName(t.name());
                    t.partitions().forEach(p -> out.partitions().add(
                            new DeleteRecordsResponseData.DeleteRecordsPartitionResult()
                                    .setPartitionIndex(p.partitionIndex()).setLowWatermark(-1).setErrorCode(DENIED)));
                    ((DeleteRecordsResponseData) r).topics().add(out);
                }));
    }

    Access<DescribeProducersRequestData> describeProducers() {
        return Access.each(AclOperation.READ, ResourceType.TOPIC, DescribeProducersRequestData::topics,
                DescribeProducersRequestData.TopicRequest::name, (r, refused) -> refused.forEach(t -> {
                    DescribeProducersResponseData.TopicResponse out =
                            new DescribeProducersResponseData.TopicResponse().setName(t.name());
                    t.partitionIndexes().forEach(p -> out.partitions().add(
                            new DescribeProducersResponseData.PartitionResponse().setPartitionIndex(p)
                                    .setErrorCode(DENIED).setErrorMessage(Errors.TOPIC_AUTHORIZATION_FAILED.message())));
                    ((DescribeProducersResponseData) r).topics().add(out);
                }));
    }
}
