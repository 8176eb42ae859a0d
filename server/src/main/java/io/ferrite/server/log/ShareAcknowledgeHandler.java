package io.ferrite.server.log;

import io.ferrite.group.GroupCoordinator;
import io.ferrite.group.share.SharedPartition;
import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ShareAcknowledgeRequestData;
import org.apache.kafka.common.message.ShareAcknowledgeResponseData;
import org.apache.kafka.common.message.ShareAcknowledgeResponseData.LeaderIdAndEpoch;
import org.apache.kafka.common.message.ShareAcknowledgeResponseData.PartitionData;
import org.apache.kafka.common.message.ShareAcknowledgeResponseData.ShareAcknowledgeTopicResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * ShareAcknowledge v1-2 (KIP-932): acknowledgements outside a fetch, in an open share session (its epoch moves
 * on as with ShareFetch; 0 is refused, as only a ShareFetch opens a session). Answered per partition once the
 * share-partitions' states are durable. The final epoch (-1) closes the session after acknowledging and releases
 * what the member still holds.
 */
final class ShareAcknowledgeHandler implements ApiHandler<ShareAcknowledgeRequestData> {
    private final TopicRegistry topics;
    private final GroupCoordinator groups;
    private final ShareSessions sessions;
    private final int nodeId;

    ShareAcknowledgeHandler(TopicRegistry topics, GroupCoordinator groups, ShareSessions sessions, int nodeId) {
        this.topics = topics;
        this.groups = groups;
        this.sessions = sessions;
        this.nodeId = nodeId;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, ShareAcknowledgeRequestData req) {
        try {
            if (req.groupId() == null || req.groupId().isEmpty() || req.memberId() == null
                    || req.memberId().isEmpty()) {
                throw new InvalidRequestException("A ShareAcknowledge must name its group and member.");
            }
            ShareAcks acks = ShareAcks.of(req);
            sessions.acknowledge(req.groupId(), req.memberId(), req.shareSessionEpoch());
            CompletableFuture<Map<SharedPartition, Errors>> acked = acks.acknowledge(groups, req.groupId(),
                    req.memberId());
            if (req.shareSessionEpoch() == ShareSessions.FINAL_EPOCH) {
                acked = acked.thenCompose(a -> groups.shareRelease(req.groupId(), req.memberId()).thenApply(v -> a));
            }
            return acked.handle((a, e) -> e != null ? error(e) : respond(a));
        } catch (ApiException e) {
            return CompletableFuture.completedFuture(error(e));
        }
    }

    private static ShareAcknowledgeResponseData error(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return new ShareAcknowledgeResponseData().setErrorCode(Errors.forException(cause).code())
                .setErrorMessage(cause.getMessage());
    }

    private ShareAcknowledgeResponseData respond(Map<SharedPartition, Errors> acked) {
        ShareAcknowledgeResponseData resp = new ShareAcknowledgeResponseData();
        acked.forEach((p, e) -> {
            ShareAcknowledgeTopicResponse t = resp.responses().find(p.topicId());
            if (t == null) {
                t = new ShareAcknowledgeTopicResponse().setTopicId(p.topicId());
                resp.responses().add(t);
            }
            Topic topic = topics.get(p.topicId());
            t.partitions().add(new PartitionData().setPartitionIndex(p.partition()).setErrorCode(e.code())
                    .setCurrentLeader(new LeaderIdAndEpoch().setLeaderId(nodeId)
                            .setLeaderEpoch(topic == null ? -1 : topic.leaderEpoch())));
        });
        return resp;
    }
}
