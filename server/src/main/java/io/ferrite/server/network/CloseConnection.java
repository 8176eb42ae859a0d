package io.ferrite.server.network;

/**
 * The failure of a request that Kafka answers by closing the connection (a failed produce with acks=0, which
 * has no response to carry an error). Expected, so logged without a stack trace.
 */
public final class CloseConnection extends RuntimeException {
    public CloseConnection(String message) {
        super(message, null, false, false);
    }
}
