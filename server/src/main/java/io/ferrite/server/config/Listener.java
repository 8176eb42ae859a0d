package io.ferrite.server.config;

import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * One listener, as Kafka's {@code listeners}, {@code advertised.listeners} and
 * {@code listener.security.protocol.map} describe it together.
 *
 * @param name           its name, upper case as Kafka normalises it ("PLAINTEXT", "CLIENTS")
 * @param protocol       its security protocol
 * @param host           the address to bind; empty for every address
 * @param port           the port to bind; 0 picks a free one
 * @param advertisedHost the host clients are told
 * @param advertisedPort the port clients are told; 0 for the port bound
 * @param security       the security keys as this listener runs with them: each {@code listener.name.<name>.<key>}
 *                       over {@code <key>}, typed by their definitions ({@link SecurityConfigs#SECURITY}), and each
 *                       mechanism's JAAS config as {@code <mechanism>.sasl.jaas.config}
 */
public record Listener(String name, SecurityProtocol protocol, String host, int port, String advertisedHost,
                       int advertisedPort, Map<String, Object> security) {
    public Listener {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(advertisedHost, "advertisedHost");
        security = java.util.Collections.unmodifiableMap(new java.util.HashMap<>(security)); // values may be null
        if (port < 0 || port > 65535 || advertisedPort < 0 || advertisedPort > 65535) {
            throw new IllegalArgumentException("ports are 0 to 65535");
        }
    }

    /** This listener with its security keys as a change of the dynamic broker configs gives them. */
    public Listener withSecurity(Map<String, Object> security) {
        return new Listener(name, protocol, host, port, advertisedHost, advertisedPort, security);
    }

    public ListenerName listenerName() {
        return new ListenerName(name);
    }

    /** Whether connections through it authenticate with SASL first. */
    public boolean sasl() {
        return protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL;
    }

    /** Whether connections through it are encrypted. */
    public boolean tls() {
        return protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL;
    }
}
