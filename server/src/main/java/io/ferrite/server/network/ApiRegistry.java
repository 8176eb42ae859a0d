package io.ferrite.server.network;

import io.ferrite.server.metrics.RequestMetrics;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import io.ferrite.server.security.Authorization;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
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
    /** Each API's handler inside its access rule, quota counting included; filled before the server starts. */
    private final Map<ApiKeys, ApiHandler<ApiMessage>> raw = new EnumMap<>(ApiKeys.class);
    /** APIs registered without an access rule: served to super users only while an authorizer is set. */
    private final java.util.Set<ApiKeys> unchecked = java.util.EnumSet.noneOf(ApiKeys.class);
    /** Set before the server starts; none until then (tests that build no broker). */
    private volatile Authorization authorization = Authorization.none();
    /** Counts a request's thread time against its client's request quota; returns the throttle ms. */
    private volatile RequestTimeQuota requestQuota = (context, nanos) -> 0;
    /** Where each answered request's size and times go; none until set (tests that build no broker). */
    private volatile RequestMetrics requestMetrics;

    /** How the time a request took the broker's threads is counted against client quotas. */
    @FunctionalInterface
    public interface RequestTimeQuota {
        long record(RequestContext context, long nanos);
    }

    public ApiRegistry() {
        register(ApiKeys.API_VERSIONS, 0, 4, (RequestContext context, ApiVersionsRequestData request) ->
                CompletableFuture.completedFuture(versions.response(Errors.NONE, context.apiVersion())),
                Access.open());
    }

    /** Authorizes every request through {@code authorization} from now on (once, before the server starts). */
    public ApiRegistry authorizeWith(Authorization authorization) {
        this.authorization = authorization;
        return this;
    }

    public Authorization authorization() {
        return authorization;
    }

    /** Counts every request but the SASL exchange and ApiVersions against {@code quota} (once, before start). */
    public ApiRegistry requestQuotaWith(RequestTimeQuota quota) {
        this.requestQuota = quota;
        return this;
    }

    /** Records every answered request in {@code metrics} (once, before the server starts). */
    public ApiRegistry measureWith(RequestMetrics metrics) {
        this.requestMetrics = metrics;
        return this;
    }

    /** The request metrics; null when nothing measures. */
    RequestMetrics requestMetrics() {
        return requestMetrics;
    }

    /**
     * Serves {@code api} at versions {@code min} to {@code max} with {@code handler}, authorized by
     * {@code access} when the broker has an authorizer.
     *
     * @throws IllegalArgumentException if the API is registered already, or the range is empty or reaches
     *                                  past what kafka-clients can parse
     */
    public <Q extends ApiMessage> ApiRegistry register(ApiKeys api, int min, int max, ApiHandler<Q> handler,
                                                       Access<Q> access) {
        if (handlers.containsKey(api)) {
            throw new IllegalArgumentException(api + " is registered twice");
        }
        if (min < 0 || min > max || max > api.messageType.highestSupportedVersion(true)) {
            throw new IllegalArgumentException(api + " versions " + min + " to " + max + " cannot be served");
        }
        versions.add(api, min, max);
        raw.put(api, (context, request) -> handler.handle(context, asRequest(request)));
        boolean exempt = api == ApiKeys.API_VERSIONS || api == ApiKeys.SASL_HANDSHAKE
                || api == ApiKeys.SASL_AUTHENTICATE;
        ApiHandler<Q> inner = (c, q) -> raw.get(api).handle(c, q); // looked up per call: throttle() may wrap it later
        handlers.put(api, (context, request) -> {
            Authorization a = authorization;
            Q typed = asRequest(request);
            long start = System.nanoTime();
            CompletableFuture<? extends ApiMessage> response = a.enabled() ? access.handle(context, typed, a, inner)
                    : inner.handle(context, typed);
            // The time this thread spent on the request, as Kafka counts its request-handler time; waiting (a fetch
            // for data) is not counted.
            long spent = System.nanoTime() - start;
            if (exempt) {
                return response;
            }
            long throttle = requestQuota.record(context, spent);
            if (throttle <= 0) {
                return response;
            }
            context.throttle().accept(throttle);
            return response.thenApply(r -> ThrottleTimes.atLeast(r, throttle));
        });
        return this;
    }

    /**
     * As {@link #register(ApiKeys, int, int, ApiHandler, Access)}, for an API whose access rule is not built:
     * while an authorizer is set, only {@code super.users} are served it.
     */
    public <Q extends ApiMessage> ApiRegistry register(ApiKeys api, int min, int max, ApiHandler<Q> handler) {
        register(api, min, max, handler, superUsersOnly());
        unchecked.add(api);
        return this;
    }

    /** The APIs registered without an access rule (the broker has none: its tests hold it to that). */
    public java.util.Set<ApiKeys> unchecked() {
        return java.util.Collections.unmodifiableSet(unchecked);
    }

    /**
     * Counts {@code api}, registered already, against client quotas with {@code throttling}, applied inside its
     * access rule (a refused request is not counted).
     */
    public <Q extends ApiMessage> ApiRegistry throttle(ApiKeys api, Throttling<Q> throttling) {
        ApiHandler<ApiMessage> inner = raw.get(api);
        if (inner == null) {
            throw new IllegalArgumentException(api + " is not registered");
        }
        raw.put(api, (context, request) -> throttling.handle(context, asRequest(request),
                (c, q) -> inner.handle(c, q)));
        return this;
    }

    /** Serves {@code api} at every version kafka-clients offers as stable (Kafka's own range). */
    public <Q extends ApiMessage> ApiRegistry register(ApiKeys api, ApiHandler<Q> handler) {
        return register(api, api.oldestVersion(), api.latestVersion(), handler);
    }

    /** As {@link #register(ApiKeys, ApiHandler)}, authorized by {@code access}. */
    public <Q extends ApiMessage> ApiRegistry register(ApiKeys api, ApiHandler<Q> handler, Access<Q> access) {
        return register(api, api.oldestVersion(), api.latestVersion(), handler, access);
    }

    private static <Q extends ApiMessage> Access<Q> superUsersOnly() {
        return (context, request, authorization, next) -> authorization.superUser(context.principal())
                ? next.handle(context, request)
                : CompletableFuture.failedFuture(new ClusterAuthorizationException(context.api()
                        + " is served to super.users only: its ACL checks are not built yet"));
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
