package io.ferrite.server.network;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * How one API counts against client quotas, as the registry applies it around the API's handler: it measures
 * the request or its answer, and when the client is over its quota sets the answer's {@code throttle_time_ms}
 * and throttles the connection ({@link RequestContext#throttle}). Handlers never count themselves.
 *
 * @param <Q> the API's request class
 */
@FunctionalInterface
public interface Throttling<Q extends ApiMessage> {
    CompletableFuture<? extends ApiMessage> handle(RequestContext context, Q request, ApiHandler<Q> next);
}
