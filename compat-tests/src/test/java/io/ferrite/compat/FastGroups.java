package io.ferrite.compat;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.GroupProtocol;

/**
 * Group settings that keep the group scenarios to seconds under either group protocol of the 4.x clients, on
 * Ferrite and on the Kafka reference alike. A classic member chooses its own session timeout (within the
 * broker's {@code group.min.session.timeout.ms}); a member of the consumer protocol (KIP-848) is given its
 * session timeout and heartbeat interval by the broker ({@code group.consumer.*}), and a 4.x client refuses
 * {@code session.timeout.ms} and {@code heartbeat.interval.ms} under that protocol.
 */
final class FastGroups {
    /** {@code group.consumer.session.timeout.ms} of the brokers these tests start. */
    static final int CONSUMER_SESSION_MS = 4_000;
    /** Broker settings: short sessions for both protocols, and classic rebalances that do not wait. */
    static final Map<String, String> BROKER = Map.of(
            "group.min.session.timeout.ms", "500",
            "group.initial.rebalance.delay.ms", "0",
            "group.consumer.session.timeout.ms", Integer.toString(CONSUMER_SESSION_MS),
            "group.consumer.min.session.timeout.ms", "1000",
            "group.consumer.heartbeat.interval.ms", "300",
            "group.consumer.min.heartbeat.interval.ms", "100");

    private FastGroups() {
    }

    /** The value of {@code group.protocol} that selects {@code protocol}. */
    static String configValue(GroupProtocol protocol) {
        return protocol.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Consumer configs for a member of {@code protocol}: the protocol, and for a classic member a session of
     * {@code classicSessionMs} with a heartbeat every tenth of it (at least every 100 ms).
     */
    static Map<String, Object> member(GroupProtocol protocol, int classicSessionMs) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, configValue(protocol));
        if (protocol == GroupProtocol.CLASSIC) {
            c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, classicSessionMs);
            c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Math.max(100, classicSessionMs / 10));
        }
        return c;
    }

    /** Just the protocol, everything else at the client's defaults. */
    static Map<String, Object> member(GroupProtocol protocol) {
        return Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, configValue(protocol));
    }

    /** The session a member of {@code protocol} has when a classic one would have {@code classicSessionMs}. */
    static int sessionMs(GroupProtocol protocol, int classicSessionMs) {
        return protocol == GroupProtocol.CLASSIC ? classicSessionMs : CONSUMER_SESSION_MS;
    }
}
