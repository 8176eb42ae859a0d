package io.ferrite.quorum;

import java.io.IOException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;

/**
 * Proposes changes to the quorum: each call is one log entry, which Ratis sends to the quorum's leader (finding
 * it, and retrying across a change of leader) and which completes once committed and applied, with what applying
 * it did. A change refused by the state ({@link Outcome#error}) is still an entry of the log, applied as nothing.
 */
public final class QuorumClient implements AutoCloseable {
    private final RaftClient client;

    /**
     * Tries for about 30 seconds (an election takes one to two), 100 ms apart, then fails the call: Ratis's default
     * retries forever with no pause, and a retry after its retry cache has forgotten the first attempt (60 s)
     * would apply the change twice.
     */
    private static final RetryPolicy RETRIES = RetryPolicies.retryUpToMaximumCountWithFixedSleep(300,
            TimeDuration.valueOf(100, TimeUnit.MILLISECONDS));

    public QuorumClient(List<Voter> voters, UUID clusterId) {
        this.client = RaftClient.newBuilder().setProperties(QuorumServer.properties(QuorumServer.Settings.DEFAULT))
                .setRaftGroup(QuorumServer.group(voters, clusterId)).setRetryPolicy(RETRIES).build();
    }

    /** Proposes one entry: the messages of one change (see {@link ClusterState#apply}). */
    public CompletableFuture<Outcome> propose(List<? extends ApiMessage> entry) {
        Message m = Message.valueOf(ByteString.copyFrom(QuorumCodec.encode(entry)));
        return client.async().send(m).thenApply(reply -> {
            if (!reply.isSuccess()) {
                throw new IllegalStateException("the quorum did not commit the change: " + reply.getException());
            }
            return QuorumCodec.decodeOutcome(reply.getMessage().getContent().asReadOnlyByteBuffer());
        });
    }

    /**
     * A broker's heartbeat to the quorum's leader: a read-only query, never an entry of the log. The answer says
     * whether the broker is fenced, and the leader proposes what the heartbeat decides.
     */
    public CompletableFuture<BrokerHeartbeatResponseData> heartbeat(BrokerHeartbeatRequestData request) {
        Message m = Message.valueOf(ByteString.copyFrom(QuorumCodec.encode(List.of(request))));
        return client.async().sendReadOnly(m).thenApply(reply -> {
            if (!reply.isSuccess()) {
                throw new IllegalStateException("the quorum did not answer the heartbeat: " + reply.getException());
            }
            return (BrokerHeartbeatResponseData) QuorumCodec.decode(
                    reply.getMessage().getContent().asReadOnlyByteBuffer()).get(0);
        });
    }

    @Override
    public void close() throws IOException {
        client.close();
    }
}
