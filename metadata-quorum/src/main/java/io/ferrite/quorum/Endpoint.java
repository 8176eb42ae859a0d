package io.ferrite.quorum;

/** A listener a broker registered: its name, where it listens, and its security protocol's Kafka id. */
public record Endpoint(String listener, String host, int port, short securityProtocol) {
}
