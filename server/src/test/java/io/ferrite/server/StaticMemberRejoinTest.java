package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A static member that comes back under a new member id while its group is Stable. As in Kafka, only the
 * protocol the group would select decides whether that starts a rebalance: a restarted consumer sends other
 * subscription bytes (no owned partitions, no generation) for the same assignor, and moves nothing.
 */
class StaticMemberRejoinTest {
    private static final String GROUP = "static-rejoin";
    private static final short JOIN_VERSION = 9;
    private static final short SYNC_VERSION = 5;

    @TempDir
    Path dir;
    private Handlers handlers;

    @BeforeEach
    void start() throws Exception {
        handlers = Handlers.open(dir, Map.of("group.initial.rebalance.delay.ms", "0"));
    }

    @AfterEach
    void stop() {
        handlers.close();
    }

    /** A join as instance-a, offering {@code names} in order of preference, each with {@code metadata}. */
    private JoinGroupResponseData join(List<String> names, byte[] metadata) throws Exception {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        for (String name : names) {
            protocols.add(new JoinGroupRequestProtocol().setName(name).setMetadata(metadata));
        }
        JoinGroupRequestData req = new JoinGroupRequestData().setGroupId(GROUP).setMemberId("")
                .setGroupInstanceId("instance-a").setProtocolType("consumer").setProtocols(protocols)
                .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000);
        return new JoinGroupResponseData(handlers.exchange(ApiKeys.JOIN_GROUP, JOIN_VERSION, req),
                JOIN_VERSION);
    }

    private void syncAsLeader(JoinGroupResponseData joined) throws Exception {
        SyncGroupRequestData req = new SyncGroupRequestData().setGroupId(GROUP).setMemberId(joined.memberId())
                .setGroupInstanceId("instance-a").setGenerationId(joined.generationId()).setProtocolType("consumer")
                .setProtocolName(joined.protocolName()).setAssignments(List.of(new SyncGroupRequestAssignment()
                        .setMemberId(joined.memberId()).setAssignment(new byte[] {7})));
        SyncGroupResponseData r = new SyncGroupResponseData(handlers.exchange(ApiKeys.SYNC_GROUP,
                SYNC_VERSION, req), SYNC_VERSION);
        assertEquals(Errors.NONE.code(), r.errorCode());
    }

    private DescribedGroup describe() throws Exception {
        short v = 5;
        return new DescribeGroupsResponseData(handlers.exchange(ApiKeys.DESCRIBE_GROUPS, v,
                new DescribeGroupsRequestData().setGroups(List.of(GROUP))), v).groups().get(0);
    }

    @Test
    void newSubscriptionBytesForTheSameProtocolStartNoRebalance() throws Exception {
        JoinGroupResponseData first = join(List.of("range"), new byte[] {1, 1, 1});
        assertEquals(Errors.NONE.code(), first.errorCode());
        assertEquals(1, first.generationId());
        syncAsLeader(first);

        JoinGroupResponseData again = join(List.of("range"), new byte[] {2, 2});
        assertEquals(Errors.NONE.code(), again.errorCode());
        assertEquals(1, again.generationId(), "the same generation");
        assertNotEquals(first.memberId(), again.memberId());
        DescribedGroup d = describe();
        assertEquals("Stable", d.groupState());
        assertEquals(List.of(again.memberId()), d.members().stream().map(m -> m.memberId()).toList());
        assertEquals(List.of((byte) 7), List.of(d.members().get(0).memberAssignment()[0]), "the assignment stayed");
    }

    @Test
    void aProtocolTheGroupWouldChooseInsteadStartsARebalance() throws Exception {
        JoinGroupResponseData first = join(List.of("range"), new byte[] {1});
        syncAsLeader(first);

        // Still supports range, which the group uses, but prefers another: the vote would change the protocol.
        JoinGroupResponseData changed = join(List.of("roundrobin", "range"), new byte[] {1});
        assertEquals(Errors.NONE.code(), changed.errorCode());
        assertEquals(2, changed.generationId(), "a new generation");
        assertEquals("roundrobin", changed.protocolName());
    }
}
