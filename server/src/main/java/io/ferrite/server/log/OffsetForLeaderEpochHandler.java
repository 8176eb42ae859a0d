package io.ferrite.server.log;

import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.Store;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * OffsetForLeaderEpoch v2-4: where a leader epoch ended, which consumers ask to detect a log truncated
 * under them. This broker never changes a partition's leader, so a topic's epoch has held from the start
 * of its log: the epoch history is that one entry. Kafka's answer for such a history: the current epoch
 * ends at the log end; an older epoch "ends" where the current one starts (the log start); a newer one,
 * or -1, is unknown (epoch -1, offset -1).
 */
final class OffsetForLeaderEpochHandler implements ApiHandler<OffsetForLeaderEpochRequestData> {
    private static final int UNDEFINED_EPOCH = -1;
    private static final long UNDEFINED_OFFSET = -1;

    private final TopicRegistry topics;
    private final Store store;

    OffsetForLeaderEpochHandler(TopicRegistry topics, Store store) {
        this.topics = topics;
        this.store = store;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, OffsetForLeaderEpochRequestData req) {
        OffsetForLeaderEpochResponseData resp = new OffsetForLeaderEpochResponseData();
        for (OffsetForLeaderTopic t : req.topics()) {
            Topic topic = topics.get(t.topic());
            OffsetForLeaderTopicResult out = new OffsetForLeaderTopicResult().setTopic(t.topic());
            for (OffsetForLeaderPartition p : t.partitions()) {
                out.partitions().add(answer(topic, p));
            }
            resp.topics().add(out);
        }
        return CompletableFuture.completedFuture(resp);
    }

    private EpochEndOffset answer(Topic topic, OffsetForLeaderPartition p) {
        EpochEndOffset r = new EpochEndOffset().setPartition(p.partition())
                .setLeaderEpoch(UNDEFINED_EPOCH).setEndOffset(UNDEFINED_OFFSET);
        if (topic == null || p.partition() < 0 || p.partition() >= topic.partitions()) {
            return r.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        int current = topic.leaderEpoch();
        if (p.currentLeaderEpoch() >= 0 && p.currentLeaderEpoch() != current) {
            return r.setErrorCode(p.currentLeaderEpoch() > current
                    ? Errors.UNKNOWN_LEADER_EPOCH.code() : Errors.FENCED_LEADER_EPOCH.code());
        }
        PartitionKey key = new PartitionKey(topic.name(), p.partition());
        int asked = p.leaderEpoch();
        if (asked == current) {
            return r.setLeaderEpoch(current).setEndOffset(store.logEndOffset(key));
        }
        if (asked >= 0 && asked < current) {
            return r.setLeaderEpoch(asked).setEndOffset(store.logStartOffset(key));
        }
        return r;
    }
}
