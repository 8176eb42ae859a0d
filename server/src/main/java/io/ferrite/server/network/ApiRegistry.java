package io.ferrite.server.network;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * The APIs this broker serves: each registered in one call with its version range and its handler, so an
 * API is advertised in ApiVersions exactly when it has a handler, and the features finalized beside them.
 * ApiVersions itself is always there. Filled on the thread that starts the broker, before the server
 * starts; only read afterwards, by every network thread.
 */
public final class ApiRegistry {
    private final ApiVersionsTable versions = new ApiVersionsTable();
    private final Map<ApiKeys, ApiHandler<ApiMessage>> handlers = new EnumMap<>(ApiKeys.class);

    public ApiRegistry() {
        register(ApiKeys.API_VERSIONS, 0, 4, (RequestContext context, ApiVersionsRequestData request) ->
                CompletableFuture.completedFuture(versions.response(Errors.NONE, context.apiVersion())));
    }

    /**
     * Serves {@code api} at versions {@code min} to {@code max} with {@code handler}.
     *
     * @throws IllegalArgumentException if the API is registered already, or the range is empty or reaches
     *                                  past what kafka-clients can parse
     */
    public <Q extends ApiMessage> ApiRegistry register(ApiKeys api, int min, int max, ApiHandler<Q> handler) {
        if (handlers.containsKey(api)) {
            throw new IllegalArgumentException(api + " is registered twice");
        }
        if (min < 0 || min > max || max > api.messageType.highestSupportedVersion(true)) {
            throw new IllegalArgumentException(api + " versions " + min + " to " + max + " cannot be served");
        }
        versions.add(api, min, max);
        handlers.put(api, (context, request) -> handler.handle(context, asRequest(request)));
        return this;
    }

    /** Serves {@code api} at every version kafka-clients offers as stable (Kafka's own range). */
    public <Q extends ApiMessage> ApiRegistry register(ApiKeys api, ApiHandler<Q> handler) {
        return register(api, api.oldestVersion(), api.latestVersion(), handler);
    }

    /** Advertises feature {@code name}: the levels supported and the level in force. */
    public ApiRegistry feature(String name, int minLevel, int maxLevel, int finalizedLevel) {
        versions.feature(name, minLevel, maxLevel, finalizedLevel);
        return this;
    }

    public ApiVersionsTable versions() {
        return versions;
    }

    /**
     * The body as the handler's request type. The decoder made it from {@code api}'s own message type, so a
     * handler registered under the wrong API fails on its first request (answered UNKNOWN_SERVER_ERROR).
     */
    @SuppressWarnings("unchecked")
    private static <Q extends ApiMessage> Q asRequest(ApiMessage body) {
        return (Q) body;
    }

    /**
     * Hands a decoded request to its API's handler, as a network thread does. An API or version this broker
     * does not serve fails with UnsupportedVersionException (the dispatcher answers those before this).
     */
    public CompletableFuture<? extends ApiMessage> handle(RequestContext context, ApiMessage request) {
        ApiHandler<ApiMessage> handler = handler(context.api(), context.apiVersion());
        if (handler == null) {
            return CompletableFuture.failedFuture(new UnsupportedVersionException(context.api() + " v"
                    + context.apiVersion() + " is not served"));
        }
        return handler.handle(context, request);
    }

    /** The handler serving {@code api} at {@code version}, or null if this broker does not serve that. */
    ApiHandler<ApiMessage> handler(ApiKeys api, short version) {
        ApiHandler<ApiMessage> handler = handlers.get(api);
        return handler != null && versions.supports(api, version) ? handler : null;
    }

    /** Whether this broker serves {@code api}. */
    public boolean serves(ApiKeys api) {
        return handlers.containsKey(api);
    }
}
