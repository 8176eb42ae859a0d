package io.ferrite.server.admin;

import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/** DeleteTopics v1-6: by name, or by topic id from v6. The data is gone when the answer is sent. */
final class DeleteTopicsHandler implements ApiHandler<DeleteTopicsRequestData> {
    private final TopicRegistry topics;

    DeleteTopicsHandler(TopicRegistry topics) {
        this.topics = topics;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DeleteTopicsRequestData req) {
        DeleteTopicsResponseData resp = new DeleteTopicsResponseData();
        if (context.apiVersion() >= 6) {
            for (DeleteTopicsRequestData.DeleteTopicState t : req.topics()) {
                boolean byId = t.name() == null;
                Topic topic = byId ? topics.get(t.topicId()) : topics.get(t.name());
                resp.responses().add(delete(topic, t.name(), t.topicId(), byId));
            }
        } else {
            for (String name : req.topicNames()) {
                resp.responses().add(delete(topics.get(name), name, Uuid.ZERO_UUID, false));
            }
        }
        return CompletableFuture.completedFuture(resp);
    }

    private DeletableTopicResult delete(Topic topic, String name, Uuid id, boolean byId) {
        DeletableTopicResult r = new DeletableTopicResult().setName(topic != null ? topic.name() : name)
                .setTopicId(topic != null ? topic.id() : id);
        if (topic == null) {
            return r.setErrorCode(byId ? Errors.UNKNOWN_TOPIC_ID.code() : Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        try {
            topics.delete(topic);
            return r;
        } catch (RuntimeException e) {
            return r.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()).setErrorMessage(e.getMessage());
        }
    }
}
