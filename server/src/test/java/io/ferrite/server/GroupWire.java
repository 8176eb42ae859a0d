package io.ferrite.server;

import static io.ferrite.server.Wire.frame;
import static io.ferrite.server.Wire.receive;

import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;

/**
 * The group APIs as a classic consumer sends them, by hand, in kafka-clients' bytes: on one connection to a
 * broker, or straight to a broker's registry ({@link Handlers}).
 */
final class GroupWire implements AutoCloseable {
    static final String TYPE = "consumer";
    static final String PROTOCOL = "range";

    private final Socket socket;
    private final Handlers handlers;
    private final Map<Integer, CompletableFuture<ByteBufferAccessor>> sent = new HashMap<>();
    private int correlationId;

    GroupWire(int port) throws IOException {
        this.socket = Wire.connect(port);
        this.handlers = null;
    }

    GroupWire(Handlers handlers) {
        this.socket = null;
        this.handlers = handlers;
    }

    ByteBufferAccessor call(ApiKeys api, short version, ApiMessage body) throws IOException {
        return await(api, version, send(api, version, body));
    }

    /** Sends a request without reading its answer, for a JoinGroup that waits for others. */
    int send(ApiKeys api, short version, ApiMessage body) throws IOException {
        int id = ++correlationId;
        if (handlers != null) {
            sent.put(id, handlers.send(api, version, body));
        } else {
            socket.getOutputStream().write(frame(api, version, id, body));
        }
        return id;
    }

    ByteBufferAccessor await(ApiKeys api, short version, int id) throws IOException {
        return handlers != null ? Handlers.await(sent.remove(id)) : receive(socket, api, version, id);
    }

    /** A consumer-protocol subscription to {@code topics}, as the member metadata of protocol "range". */
    static byte[] subscription(String... topics) {
        ByteBuffer b = ConsumerProtocol.serializeSubscription(new Subscription(List.of(topics)));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    static JoinGroupRequestData joinRequest(String group, String memberId, String instanceId, int sessionMs,
                                            int rebalanceMs, String... topics) {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName(PROTOCOL).setMetadata(subscription(topics)));
        return new JoinGroupRequestData().setGroupId(group).setMemberId(memberId).setGroupInstanceId(instanceId)
                .setSessionTimeoutMs(sessionMs).setRebalanceTimeoutMs(rebalanceMs).setProtocolType(TYPE)
                .setProtocols(protocols);
    }

    JoinGroupResponseData join(short version, JoinGroupRequestData req) throws IOException {
        return new JoinGroupResponseData(call(ApiKeys.JOIN_GROUP, version, req), version);
    }

    /** JoinGroup v9 with member-id-required: the first answer names the id, the second joins with it. */
    JoinGroupResponseData joinNew(String group, int sessionMs, int rebalanceMs, String... topics)
            throws IOException {
        JoinGroupResponseData first = join((short) 9, joinRequest(group, "", null, sessionMs, rebalanceMs, topics));
        if (first.errorCode() != Errors.MEMBER_ID_REQUIRED.code()) {
            return first;
        }
        return join((short) 9, joinRequest(group, first.memberId(), null, sessionMs, rebalanceMs, topics));
    }

    SyncGroupResponseData sync(short version, String group, String memberId, String instanceId, int generation,
                               List<SyncGroupRequestAssignment> assignments) throws IOException {
        SyncGroupRequestData req = new SyncGroupRequestData().setGroupId(group).setMemberId(memberId)
                .setGroupInstanceId(instanceId).setGenerationId(generation).setAssignments(assignments);
        if (version >= 5) {
            req.setProtocolType(TYPE).setProtocolName(PROTOCOL);
        }
        return new SyncGroupResponseData(call(ApiKeys.SYNC_GROUP, version, req), version);
    }

    SyncGroupResponseData sync(String group, String memberId, int generation,
                               List<SyncGroupRequestAssignment> assignments) throws IOException {
        return sync((short) 5, group, memberId, null, generation, assignments);
    }

    static SyncGroupRequestAssignment assign(String memberId, byte[] assignment) {
        return new SyncGroupRequestAssignment().setMemberId(memberId).setAssignment(assignment);
    }

    Errors heartbeat(String group, String memberId, String instanceId, int generation) throws IOException {
        HeartbeatRequestData req = new HeartbeatRequestData().setGroupId(group).setMemberId(memberId)
                .setGroupInstanceId(instanceId).setGenerationId(generation);
        return Errors.forCode(new HeartbeatResponseData(call(ApiKeys.HEARTBEAT, (short) 4, req), (short) 4)
                .errorCode());
    }

    /** OffsetCommit v9 of one offset. */
    Errors commit(String group, String memberId, String instanceId, int generation, String topic, int partition,
                  long offset) throws IOException {
        OffsetCommitRequestData req = new OffsetCommitRequestData().setGroupId(group).setMemberId(memberId)
                .setGroupInstanceId(instanceId).setGenerationIdOrMemberEpoch(generation)
                .setTopics(List.of(new OffsetCommitRequestTopic().setName(topic).setPartitions(List.of(
                        new OffsetCommitRequestPartition().setPartitionIndex(partition).setCommittedOffset(offset)))));
        OffsetCommitResponseData resp = new OffsetCommitResponseData(call(ApiKeys.OFFSET_COMMIT, (short) 9, req),
                (short) 9);
        return Errors.forCode(resp.topics().get(0).partitions().get(0).errorCode());
    }

    /** The committed offset of one partition (OffsetFetch v9), -1 for none. */
    long committed(String group, String topic, int partition) throws IOException {
        OffsetFetchRequestData req = new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestGroup()
                .setGroupId(group).setTopics(List.of(new OffsetFetchRequestTopics().setName(topic)
                        .setPartitionIndexes(List.of(partition))))));
        OffsetFetchResponseData resp = new OffsetFetchResponseData(call(ApiKeys.OFFSET_FETCH, (short) 9, req),
                (short) 9);
        OffsetFetchResponsePartitions p = resp.groups().get(0).topics().get(0).partitions().get(0);
        return p.committedOffset();
    }

    /** The group's state as DescribeGroups (v5) names it. */
    String state(String group) throws IOException {
        DescribeGroupsRequestData req = new DescribeGroupsRequestData().setGroups(List.of(group));
        return new DescribeGroupsResponseData(call(ApiKeys.DESCRIBE_GROUPS, (short) 5, req), (short) 5).groups()
                .get(0).groupState();
    }

    void createTopic(String name, int partitions) throws IOException {
        CreateTopicsRequestData req = new CreateTopicsRequestData().setTimeoutMs(10_000);
        req.topics().add(new CreatableTopic().setName(name).setNumPartitions(partitions).setReplicationFactor((short) 1));
        CreateTopicsResponseData resp = new CreateTopicsResponseData(call(ApiKeys.CREATE_TOPICS, (short) 7, req),
                (short) 7);
        short error = resp.topics().iterator().next().errorCode();
        if (error != 0) {
            throw new IllegalStateException("topic " + name + ": " + Errors.forCode(error));
        }
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        }
    }
}
