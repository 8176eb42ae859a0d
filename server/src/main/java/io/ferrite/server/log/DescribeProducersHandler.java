package io.ferrite.server.log;

import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.ProducerStateTable.BatchMetadata;
import io.ferrite.storage.ProducerStateTable.ProducerState;
import io.ferrite.storage.Store;
import io.ferrite.txn.TransactionCoordinator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.DescribeProducersResponseData.PartitionResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData.TopicResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeProducers ({@code kafka-transactions.sh describe-producers}, and {@code abort}, which looks up the
 * producer of a hanging transaction here): each partition's producers as the store remembers them, with the
 * last sequence and timestamp of their last batch and the start of a transaction they have open there.
 */
final class DescribeProducersHandler implements ApiHandler<DescribeProducersRequestData> {
    private final TopicRegistry topics;
    private final Store store;

    DescribeProducersHandler(TopicRegistry topics, Store store) {
        this.topics = topics;
        this.store = store;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeProducersRequestData req) {
        DescribeProducersResponseData resp = new DescribeProducersResponseData();
        for (DescribeProducersRequestData.TopicRequest t : req.topics()) {
            Topic topic = topics.get(t.name());
            TopicResponse rt = new TopicResponse().setName(t.name());
            resp.topics().add(rt);
            for (int p : t.partitionIndexes()) {
                PartitionResponse rp = new PartitionResponse().setPartitionIndex(p);
                rt.partitions().add(rp);
                if (topic == null || p < 0 || p >= topic.partitions()) {
                    rp.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                    continue;
                }
                PartitionKey key = new PartitionKey(topic.name(), p);
                Map<Long, Long> open = store.openTransactions(key);
                for (ProducerState s : store.producerStates(key)) {
                    BatchMetadata last = s.lastBatches().isEmpty() ? null
                            : s.lastBatches().get(s.lastBatches().size() - 1);
                    rp.activeProducers().add(new DescribeProducersResponseData.ProducerState()
                            .setProducerId(s.producerId()).setProducerEpoch(s.epoch())
                            .setLastSequence(s.lastSequence()).setLastTimestamp(last == null ? -1 : last.timestamp())
                            .setCoordinatorEpoch(open.containsKey(s.producerId()) ? TransactionCoordinator.COORDINATOR_EPOCH : -1)
                            .setCurrentTxnStartOffset(open.getOrDefault(s.producerId(), -1L)));
                }
            }
        }
        return CompletableFuture.completedFuture(resp);
    }
}
