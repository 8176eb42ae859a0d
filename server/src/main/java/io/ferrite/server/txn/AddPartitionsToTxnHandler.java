package io.ferrite.server.txn;

import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import io.ferrite.txn.TransactionCoordinator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * AddPartitionsToTxn. v0-3 are a producer's: one transaction, its partitions added. v4-5 are the batched form
 * Kafka's brokers send for KIP-890 verification: several transactions, each added or, with {@code verifyOnly},
 * only checked. As in Kafka, a request naming a partition that does not exist changes nothing: those
 * partitions are answered UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED.
 */
final class AddPartitionsToTxnHandler implements ApiHandler<AddPartitionsToTxnRequestData> {
    private final TransactionCoordinator coordinator;
    private final TopicRegistry topics;

    AddPartitionsToTxnHandler(TransactionCoordinator coordinator, TopicRegistry topics) {
        this.coordinator = coordinator;
        this.topics = topics;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, AddPartitionsToTxnRequestData req) {
        short version = context.apiVersion();
        if (version < 4) {
            return one(req.v3AndBelowTransactionalId(), req.v3AndBelowProducerId(), req.v3AndBelowProducerEpoch(),
                    req.v3AndBelowTopics(), false, version)
                    .thenApply(r -> new AddPartitionsToTxnResponseData().setResultsByTopicV3AndBelow(r));
        }
        List<CompletableFuture<AddPartitionsToTxnResult>> results = new ArrayList<>();
        for (AddPartitionsToTxnTransaction t : req.transactions()) {
            results.add(one(t.transactionalId(), t.producerId(), t.producerEpoch(), t.topics(), t.verifyOnly(), version)
                    .thenApply(r -> new AddPartitionsToTxnResult().setTransactionalId(t.transactionalId())
                            .setTopicResults(r)));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(v -> {
            AddPartitionsToTxnResponseData resp = new AddPartitionsToTxnResponseData();
            results.forEach(r -> resp.resultsByTransaction().add(r.join()));
            return resp;
        });
    }

    private CompletableFuture<AddPartitionsToTxnTopicResultCollection> one(String transactionalId, long producerId,
            short epoch, AddPartitionsToTxnTopicCollection wanted, boolean verifyOnly, short version) {
        Set<TopicPartition> known = new HashSet<>();
        Set<TopicPartition> unknown = new HashSet<>();
        for (AddPartitionsToTxnTopic t : wanted) {
            Topic topic = topics.get(t.name());
            for (int p : t.partitions()) {
                TopicPartition tp = new TopicPartition(t.name(), p);
                (topic == null || p < 0 || p >= topic.partitions() ? unknown : known).add(tp);
            }
        }
        if (!unknown.isEmpty()) {
            return CompletableFuture.completedFuture(answer(wanted, tp -> unknown.contains(tp)
                    ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.OPERATION_NOT_ATTEMPTED));
        }
        CompletableFuture<Errors> outcome = verifyOnly
                ? coordinator.inTransaction(transactionalId, producerId, epoch, known,
                        () -> CompletableFuture.completedFuture(Errors.NONE))
                        .exceptionally(Errors::forException) // which unwraps a CompletionException
                : coordinator.addPartitions(transactionalId, producerId, epoch, known, version);
        return outcome.thenApply(error -> answer(wanted, tp -> error));
    }

    private static AddPartitionsToTxnTopicResultCollection answer(AddPartitionsToTxnTopicCollection wanted,
                                                                  Function<TopicPartition, Errors> error) {
        AddPartitionsToTxnTopicResultCollection out = new AddPartitionsToTxnTopicResultCollection();
        for (AddPartitionsToTxnTopic t : wanted) {
            AddPartitionsToTxnTopicResult rt = new AddPartitionsToTxnTopicResult().setName(t.name());
            for (int p : t.partitions()) {
                rt.resultsByPartition().add(new AddPartitionsToTxnPartitionResult().setPartitionIndex(p)
                        .setPartitionErrorCode(error.apply(new TopicPartition(t.name(), p)).code()));
            }
            out.add(rt);
        }
        return out;
    }
}
