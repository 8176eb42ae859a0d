package io.ferrite.server.metadata;

import io.ferrite.server.config.Listener;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Where clients reach this broker through each listener: its advertised host and port, or the port it bound
 * when none is advertised. Metadata, FindCoordinator and DescribeCluster answer with the endpoint of the
 * listener the request came through, as Kafka does, so a client on a TLS listener is sent back to it.
 */
public final class BrokerEndpoints {
    /** One listener's endpoint. */
    public record Endpoint(String host, int port) {
    }

    private final List<Listener> listeners;
    private final ToIntFunction<String> boundPort;

    /** {@code boundPort}: a listener's bound port, asked only once the broker listens. */
    public BrokerEndpoints(List<Listener> listeners, ToIntFunction<String> boundPort) {
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("no listener");
        }
        this.listeners = List.copyOf(listeners);
        this.boundPort = boundPort;
    }

    /** The endpoint of the named listener; the first listener's for a name this broker has not (tests). */
    public Endpoint of(String listenerName) {
        Listener l = listeners.stream().filter(x -> x.name().equals(listenerName)).findFirst()
                .orElse(listeners.get(0));
        return new Endpoint(l.advertisedHost(), l.advertisedPort() > 0 ? l.advertisedPort()
                : boundPort.applyAsInt(l.name()));
    }
}
