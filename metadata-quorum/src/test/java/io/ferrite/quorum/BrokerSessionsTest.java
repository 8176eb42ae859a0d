package io.ferrite.quorum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.storage.MutableClock;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** Brokers' sessions on the quorum's leader, by a clock the test moves. */
class BrokerSessionsTest {
    private final MutableClock clock = new MutableClock(1_000_000);
    private final BrokerSessions sessions = new BrokerSessions(clock, 9_000);
    private ClusterState state = ClusterState.empty();
    private long index;

    private long apply(List<ApiMessage> entry) {
        ClusterState.Applied a = state.apply(QuorumCodec.decode(ByteBuffer.wrap(QuorumCodec.encode(entry))), ++index);
        state = a.state();
        return a.outcome().value();
    }

    private static BrokerHeartbeatRequestData beat(int id, long epoch, long applied) {
        return new BrokerHeartbeatRequestData().setBrokerId(id).setBrokerEpoch(epoch).setCurrentMetadataOffset(applied);
    }

    @Test
    void aCaughtUpBrokerIsToBeUnfencedAndOneThatStopsIsFencedAfterItsSession() {
        long epoch = apply(Changes.register(1, Uuid.randomUuid()));
        BrokerSessions.Heartbeat behind = sessions.heartbeat(beat(1, epoch, epoch - 1), state, 1);
        assertTrue(behind.response().isFenced());
        assertFalse(behind.unfence(), "not before it applied its own registration");
        BrokerSessions.Heartbeat caughtUp = sessions.heartbeat(beat(1, epoch, epoch), state, 1);
        assertTrue(caughtUp.unfence());
        apply(Changes.unfence(1, epoch));
        assertEquals(List.of(), sessions.expired(state, 1));
        clock.advance(9_000);
        assertEquals(List.of(), sessions.expired(state, 1), "a session lasts its whole timeout");
        clock.advance(1);
        assertEquals(1, sessions.expired(state, 1).get(0).id());
        assertEquals(List.of(), sessions.expired(state, 2), "a new leader gives every broker a new session");
        clock.advance(9_001);
        assertEquals(1, sessions.expired(state, 2).size());
    }

    @Test
    void heartbeatsOfUnknownOrRestartedBrokersAreRefusedAndAGoingBrokerAsksToBeFenced() {
        long epoch = apply(Changes.register(1, Uuid.randomUuid()));
        assertEquals(Errors.BROKER_ID_NOT_REGISTERED.code(),
                sessions.heartbeat(beat(2, 1, 1), state, 1).response().errorCode());
        assertEquals(Errors.STALE_BROKER_EPOCH.code(),
                sessions.heartbeat(beat(1, epoch + 1, epoch), state, 1).response().errorCode());
        apply(Changes.unfence(1, epoch));
        BrokerSessions.Heartbeat going = sessions.heartbeat(beat(1, epoch, epoch).setWantFence(true), state, 1);
        assertTrue(going.fence());
        assertFalse(going.response().isFenced(), "until the fence is applied");
    }
}
