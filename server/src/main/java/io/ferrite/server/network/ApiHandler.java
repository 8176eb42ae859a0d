package io.ferrite.server.network;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Serves one API: its request body, typed, and the request's context. The response completes the future; a
 * null response means the request gets none (produce with acks=0). Called on the connection's network thread
 * (or the thread the handler was offloaded to), which must be done with the request's buffers when this
 * returns.
 *
 * @param <Q> the API's generated request class
 */
@FunctionalInterface
public interface ApiHandler<Q extends ApiMessage> {
    CompletableFuture<? extends ApiMessage> handle(RequestContext context, Q request);
}
