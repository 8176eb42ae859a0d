package io.ferrite.server.network;

import io.ferrite.server.security.Authorization;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizationResult;

/**
 * How one API is authorized, as the registry applies it around the API's handler when the broker has an
 * authorizer: the rule asks the authorizer once, with every action the request needs, then answers the request
 * outright with Kafka's error (a denied cluster, group or transactional-id action) or hands the permitted part
 * to the handler and puts Kafka's error where a resource was refused. Handlers never check access themselves.
 *
 * <p>An API registered without a rule is served to {@code super.users} only while an authorizer is set: what
 * is not checked is closed, never open.
 *
 * @param <Q> the API's request class
 */
@FunctionalInterface
public interface Access<Q extends ApiMessage> {
    /** Kafka's name for the one cluster resource. */
    String CLUSTER_NAME = "kafka-cluster";
    ResourcePattern CLUSTER = new ResourcePattern(ResourceType.CLUSTER, CLUSTER_NAME, PatternType.LITERAL);

    CompletableFuture<? extends ApiMessage> handle(RequestContext context, Q request, Authorization authorization,
                                                   ApiHandler<Q> next);

    /** Anyone may ask (ApiVersions, the SASL exchange). */
    static <Q extends ApiMessage> Access<Q> open() {
        return (context, request, authorization, next) -> next.handle(context, request);
    }

    /** {@code op} on the cluster, or the request is answered CLUSTER_AUTHORIZATION_FAILED, as Kafka's is. */
    static <Q extends ApiMessage> Access<Q> cluster(AclOperation op) {
        return (context, request, authorization, next) -> allowed(authorization, context, List.of(action(op, CLUSTER)))
                .get(0) ? next.handle(context, request) : CompletableFuture.failedFuture(
                new ClusterAuthorizationException("Request " + context.api() + " needs " + op + " on the cluster"));
    }

    /**
     * A request of named resources of {@code type}, each needing {@code op}: those refused are taken out of
     * {@code items} before the handler sees the request, and {@code refuse} puts Kafka's error for them into the
     * response (a topic's partitions TOPIC_AUTHORIZATION_FAILED, say), so the client hears of every one it named.
     *
     * @param items  the request's mutable list of resources
     * @param name   a resource's name
     * @param refuse adds the answers for the refused resources to the handler's response
     */
    static <Q extends ApiMessage, T> Access<Q> each(AclOperation op, ResourceType type, Function<Q, Collection<T>> items,
                                                   Function<T, String> name, BiConsumer<ApiMessage, List<T>> refuse) {
        return (context, request, authorization, next) -> {
            Collection<T> all = items.apply(request);
            AccessCheck check = new AccessCheck();
            Map<String, Integer> handles = check.addEach(op, type, all.stream().map(name).toList());
            check.decide(authorization, context);
            List<T> refused = new ArrayList<>();
            all.removeIf(t -> !check.allowed(handles, name.apply(t)) && refused.add(t));
            return refused.isEmpty() ? next.handle(context, request) : next.handle(context, request).thenApply(r -> {
                refuse.accept(r, refused);
                return r;
            });
        };
    }

    /** An action as Kafka's broker asks it: counted, and logged when denied (the authorizer's audit log). */
    static Action action(AclOperation op, ResourcePattern resource) {
        return new Action(op, resource, 1, true, true);
    }

    /** An action on the resource {@code name} of {@code type}. */
    static Action action(AclOperation op, ResourceType type, String name) {
        return action(op, new ResourcePattern(type, name, PatternType.LITERAL));
    }

    /** The one batch decision for a request: whether each action is allowed, in order. */
    static List<Boolean> allowed(Authorization authorization, RequestContext context, List<Action> actions) {
        return authorization.authorize(context, actions).stream().map(r -> r == AuthorizationResult.ALLOWED).toList();
    }
}
