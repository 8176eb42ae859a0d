package io.ferrite.quorum;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The brokers' sessions as the quorum's leader keeps them, in memory: when each broker last sent a heartbeat, and
 * which have gone longer than {@code broker.session.timeout.ms} without one, as Kafka's active controller keeps
 * them. Only the leader's count; a new leader (a new Raft term) starts every broker's session afresh, as Kafka's
 * new active controller does, so a change of leader fences nobody by itself.
 *
 * <p>What a session decides is proposed to the log by the caller (fence, unfence), where the state checks it
 * again: a decision made on a state the log has since moved past is refused there, not applied.
 */
final class BrokerSessions {
    /** A heartbeat's answer, and what the caller proposes because of it. */
    record Heartbeat(BrokerHeartbeatResponseData response, boolean unfence, boolean fence) {
    }

    private final Clock clock;
    private final long timeoutMs;
    private final Map<Integer, Long> lastSeen = new HashMap<>(); // guarded by this
    private long term = -1; // guarded by this

    BrokerSessions(Clock clock, long timeoutMs) {
        this.clock = clock;
        this.timeoutMs = timeoutMs;
    }

    /**
     * A broker's heartbeat, at leader term {@code term}: refused for a broker not registered, or registered with
     * another epoch (a process that is gone); otherwise its session goes on. A fenced broker that has applied the
     * log up to its own registration, and does not ask to stay fenced, is to be unfenced; an unfenced one that asks
     * to be fenced (it is going down), to be fenced.
     */
    synchronized Heartbeat heartbeat(BrokerHeartbeatRequestData req, ClusterState state, long term) {
        newTerm(term);
        BrokerHeartbeatResponseData r = new BrokerHeartbeatResponseData();
        BrokerState b = state.brokers().get(req.brokerId());
        if (b == null) {
            return new Heartbeat(r.setErrorCode(Errors.BROKER_ID_NOT_REGISTERED.code()).setIsFenced(true), false, false);
        }
        if (b.epoch() != req.brokerEpoch()) {
            return new Heartbeat(r.setErrorCode(Errors.STALE_BROKER_EPOCH.code()).setIsFenced(true), false, false);
        }
        lastSeen.put(b.id(), clock.millis());
        boolean caughtUp = req.currentMetadataOffset() >= b.epoch();
        r.setIsCaughtUp(caughtUp).setIsFenced(b.fenced());
        return new Heartbeat(r, b.fenced() && caughtUp && !req.wantFence(), !b.fenced() && req.wantFence());
    }

    /**
     * The unfenced brokers whose session has run out at leader term {@code term}. One the leader has not heard from
     * since its term began gets a whole session from then.
     */
    synchronized List<BrokerState> expired(ClusterState state, long term) {
        newTerm(term);
        long now = clock.millis();
        List<BrokerState> out = new ArrayList<>();
        for (BrokerState b : state.brokers().values()) {
            if (!b.fenced() && now - lastSeen.computeIfAbsent(b.id(), id -> now) > timeoutMs) {
                out.add(b);
            }
        }
        return out;
    }

    private void newTerm(long now) {
        if (now != term) {
            lastSeen.clear();
            term = now;
        }
    }
}
