package io.ferrite.server.txn;

import io.ferrite.server.network.Access;
import io.ferrite.server.network.AccessCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Who may use transactions, as Kafka's broker decides it: WRITE on the transactional id for every transactional
 * request (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED), WRITE on each topic added to a transaction (a refused one
 * TOPIC_AUTHORIZATION_FAILED and the rest OPERATION_NOT_ATTEMPTED), READ on the group whose offsets it holds and
 * on the topics committed to; an idempotent producer's id needs IDEMPOTENT_WRITE on the cluster or WRITE on some
 * topic (KIP-679); DESCRIBE on a transactional id to describe or list it (and on a topic to see it in a
 * description). AddPartitionsToTxn v4 and later come from brokers: CLUSTER_ACTION.
 */
final class TxnAccess {
    private static final short TOPIC_DENIED = Errors.TOPIC_AUTHORIZATION_FAILED.code();

    private TxnAccess() {
    }

    private static TransactionalIdAuthorizationException txnDenied(String id) {
        return new TransactionalIdAuthorizationException("Transactional id " + id + " is not authorized");
    }

    static Access<InitProducerIdRequestData> initProducerId() {
        return (context, request, authorization, next) -> {
            AccessCheck check = new AccessCheck();
            if (request.transactionalId() != null) {
                int h = check.add(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId());
                check.decide(authorization, context);
                return check.allowed(h) ? next.handle(context, request)
                        : CompletableFuture.failedFuture(txnDenied(request.transactionalId()));
            }
            int h = check.add(AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, Access.CLUSTER_NAME, false);
            check.decide(authorization, context);
            return check.allowed(h) || AccessCheck.anyAllowed(authorization, context, AclOperation.WRITE, ResourceType.TOPIC)
                    ? next.handle(context, request)
                    : CompletableFuture.failedFuture(new ClusterAuthorizationException(
                            "an idempotent producer needs IDEMPOTENT_WRITE on the cluster or WRITE on a topic"));
        };
    }

    static Access<AddPartitionsToTxnRequestData> addPartitionsToTxn() {
        Access<AddPartitionsToTxnRequestData> brokers = Access.cluster(AclOperation.CLUSTER_ACTION);
        return (context, request, authorization, next) -> {
            if (context.apiVersion() >= 4) {
                return brokers.handle(context, request, authorization, next);
            }
            AccessCheck check = new AccessCheck();
            int txn = check.add(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.v3AndBelowTransactionalId());
            Map<String, Integer> write = check.addEach(AclOperation.WRITE, ResourceType.TOPIC, request.v3AndBelowTopics()
                    .stream().map(AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic::name).toList());
            check.decide(authorization, context);
            if (!check.allowed(txn)) {
                return CompletableFuture.failedFuture(txnDenied(request.v3AndBelowTransactionalId()));
            }
            if (request.v3AndBelowTopics().stream().allMatch(t -> check.allowed(write, t.name()))) {
                return next.handle(context, request);
            }
            AddPartitionsToTxnResponseData response = new AddPartitionsToTxnResponseData();
            request.v3AndBelowTopics().forEach(t -> {
                AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult out =
                        new AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult().setName(t.name());
                short code = check.allowed(write, t.name()) ? Errors.OPERATION_NOT_ATTEMPTED.code() : TOPIC_DENIED;
                t.partitions().forEach(p -> out.resultsByPartition().add(
                        new AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult().setPartitionIndex(p)
                                .setPartitionErrorCode(code)));
                response.resultsByTopicV3AndBelow().add(out);
            });
            return CompletableFuture.completedFuture(response);
        };
    }

    static Access<AddOffsetsToTxnRequestData> addOffsetsToTxn() {
        return (context, request, authorization, next) -> {
            AccessCheck check = new AccessCheck();
            int txn = check.add(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId());
            int group = check.add(AclOperation.READ, ResourceType.GROUP, request.groupId());
            check.decide(authorization, context);
            return !check.allowed(txn) ? CompletableFuture.failedFuture(txnDenied(request.transactionalId()))
                    : !check.allowed(group) ? CompletableFuture.failedFuture(new GroupAuthorizationException(
                            "Not authorized to access group: " + request.groupId()))
                    : next.handle(context, request);
        };
    }

    static Access<EndTxnRequestData> endTxn() {
        return (context, request, authorization, next) -> {
            AccessCheck check = new AccessCheck();
            int txn = check.add(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId());
            check.decide(authorization, context);
            return check.allowed(txn) ? next.handle(context, request)
                    : CompletableFuture.failedFuture(txnDenied(request.transactionalId()));
        };
    }

    static Access<TxnOffsetCommitRequestData> txnOffsetCommit() {
        return (context, request, authorization, next) -> {
            AccessCheck check = new AccessCheck();
            int txn = check.add(AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId());
            int group = check.add(AclOperation.READ, ResourceType.GROUP, request.groupId());
            Map<String, Integer> read = check.addEach(AclOperation.READ, ResourceType.TOPIC, request.topics().stream()
                    .map(TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic::name).toList());
            check.decide(authorization, context);
            if (!check.allowed(txn)) {
                return CompletableFuture.failedFuture(txnDenied(request.transactionalId()));
            }
            if (!check.allowed(group)) {
                return CompletableFuture.failedFuture(new GroupAuthorizationException(
                        "Not authorized to access group: " + request.groupId()));
            }
            List<TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic> denied = new ArrayList<>();
            request.topics().removeIf(t -> !check.allowed(read, t.name()) && denied.add(t));
            return next.handle(context, request).thenApply(r -> {
                TxnOffsetCommitResponseData response = (TxnOffsetCommitResponseData) r;
                denied.forEach(t -> response.topics().add(new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic()
                        .setName(t.name()).setPartitions(t.partitions().stream().map(p ->
                                new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition()
                                        .setPartitionIndex(p.partitionIndex()).setErrorCode(TOPIC_DENIED)).toList())));
                return response;
            });
        };
    }

    /** Answered first, then checked in one batch: refused ids get TRANSACTIONAL_ID_AUTHORIZATION_FAILED. */
    static Access<DescribeTransactionsRequestData> describeTransactions() {
        return (context, request, authorization, next) -> next.handle(context, request).thenApply(r -> {
            DescribeTransactionsResponseData response = (DescribeTransactionsResponseData) r;
            AccessCheck check = new AccessCheck();
            Map<String, Integer> describe = check.addEach(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID,
                    response.transactionStates().stream()
                            .map(DescribeTransactionsResponseData.TransactionState::transactionalId).toList());
            List<String> topics = new ArrayList<>();
            response.transactionStates().forEach(s -> s.topics().forEach(t -> topics.add(t.topic())));
            Map<String, Integer> topic = check.addEach(AclOperation.DESCRIBE, ResourceType.TOPIC, topics);
            check.decide(authorization, context);
            List<DescribeTransactionsResponseData.TransactionState> out = new ArrayList<>();
            for (DescribeTransactionsResponseData.TransactionState s : response.transactionStates()) {
                if (!check.allowed(describe, s.transactionalId())) {
                    out.add(new DescribeTransactionsResponseData.TransactionState()
                            .setTransactionalId(s.transactionalId()).setTransactionState("")
                            .setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()));
                } else {
                    s.topics().removeIf(t -> !check.allowed(topic, t.topic()));
                    out.add(s);
                }
            }
            return response.setTransactionStates(out);
        });
    }

    static Access<ListTransactionsRequestData> listTransactions() {
        return (context, request, authorization, next) -> next.handle(context, request).thenApply(r -> {
            ListTransactionsResponseData response = (ListTransactionsResponseData) r;
            AccessCheck check = new AccessCheck();
            Map<String, Integer> describe = check.addEach(AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID,
                    response.transactionStates().stream()
                            .map(ListTransactionsResponseData.TransactionState::transactionalId).toList());
            check.decide(authorization, context);
            response.transactionStates().removeIf(s -> !check.allowed(describe, s.transactionalId()));
            return response;
        });
    }
}
