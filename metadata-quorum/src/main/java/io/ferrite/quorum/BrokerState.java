package io.ferrite.quorum;

import java.util.List;
import org.apache.kafka.common.Uuid;

/**
 * One broker as the quorum knows it. {@code epoch} is the quorum log index of its registration, so a restarted
 * broker (a new incarnation) always gets a higher one, and a request carrying an older epoch is from a process
 * that is gone. A fenced broker leads nothing and is in no ISR, except as the last member of one whose partition
 * then has no leader.
 */
public record BrokerState(int id, Uuid incarnation, long epoch, List<Endpoint> endpoints, boolean fenced) {
    public BrokerState {
        endpoints = List.copyOf(endpoints);
    }

    BrokerState withFenced(boolean now) {
        return new BrokerState(id, incarnation, epoch, endpoints, now);
    }
}
