package io.ferrite.server.security;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.apache.kafka.common.ClusterResource;
import org.apache.kafka.common.Endpoint;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.Monitorable;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.authorizer.ClusterMetadataAuthorizer;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;
import org.apache.kafka.server.authorizer.AuthorizationResult;
import org.apache.kafka.server.authorizer.Authorizer;
import org.apache.kafka.server.authorizer.AuthorizerServerInfo;

/**
 * Who may do what: the authorizer {@code authorizer.class.name} names, or none. It is made and configured as
 * Kafka's broker makes it: with every broker property, so {@code super.users} and
 * {@code allow.everyone.if.no.acl.found} mean what they mean to Kafka. An authorizer that keeps its ACLs in
 * cluster metadata, as Kafka's {@code StandardAuthorizer} does, gets them from {@link AclStore} and changes
 * them through it; any other {@link Authorizer} keeps its own.
 *
 * <p>Without an authorizer every principal may do everything, and the ACL APIs answer SECURITY_DISABLED, as
 * Kafka's do. {@link #authorize} is called from the network threads, once per request, with every action the
 * request needs.
 */
public final class Authorization implements AutoCloseable {
    private static final Authorization NONE = new Authorization(null, Set.of(), null);

    private final Authorizer authorizer;
    /** {@code super.users}, as principals' "Type:name". */
    private final Set<String> superUsers;
    /** The metrics a monitorable authorizer (Kafka's StandardAuthorizer counts decisions) registers; null if none. */
    private final Metrics metrics;

    private Authorization(Authorizer authorizer, Set<String> superUsers, Metrics metrics) {
        this.authorizer = authorizer;
        this.superUsers = superUsers;
        this.metrics = metrics;
    }

    /** No authorizer: everything is allowed. */
    public static Authorization none() {
        return NONE;
    }

    /**
     * The authorizer of class {@code className}, configured with {@code props} (every broker property) and
     * started for {@code endpoints}; its ACLs from {@code acls} if it keeps them in cluster metadata. A class
     * that cannot be made, or refuses its configuration, fails with an IllegalArgumentException.
     */
    public static Authorization start(String className, Map<String, String> props, AclStore acls,
                                      String clusterId, int nodeId, Collection<Endpoint> endpoints) {
        Authorizer authorizer;
        try {
            Class<?> c = Class.forName(className, true, Utils.getContextOrKafkaClassLoader());
            if (!Authorizer.class.isAssignableFrom(c)) {
                throw new IllegalArgumentException(className + " is not an " + Authorizer.class.getName());
            }
            authorizer = (Authorizer) Utils.newInstance(c);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("authorizer.class.name: no class " + className, e);
        }
        Metrics metrics = new Metrics();
        try {
            if (authorizer instanceof Monitorable monitorable) { // as Kafka wraps a plugin: tagged with its key
                monitorable.withPluginMetrics(new PluginMetricsImpl(metrics, Map.of("config", "authorizer.class.name",
                        "class", authorizer.getClass().getSimpleName())));
            }
            authorizer.configure(new HashMap<>(props));
            if (authorizer instanceof ClusterMetadataAuthorizer metadataAuthorizer) {
                acls.feed(metadataAuthorizer);
            }
            Map<Endpoint, ? extends CompletionStage<Void>> started = authorizer.start(
                    new ServerInfo(new ClusterResource(clusterId), nodeId, List.copyOf(endpoints)));
            started.values().forEach(s -> s.toCompletableFuture().join());
        } catch (KafkaException | IllegalArgumentException | java.util.concurrent.CompletionException e) {
            Utils.closeQuietly(authorizer, "authorizer");
            metrics.close();
            throw new IllegalArgumentException("authorizer " + className + ": " + e.getMessage(), e);
        }
        String su = props.getOrDefault("super.users", "");
        Set<String> superUsers = Arrays.stream(su.split(";")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        return new Authorization(authorizer, superUsers, metrics);
    }

    /** Whether requests are authorized at all. */
    public boolean enabled() {
        return authorizer != null;
    }

    /** The authorizer, for the ACL APIs; null when there is none. */
    public Authorizer authorizer() {
        return authorizer;
    }

    /** Whether {@code principal} is one of {@code super.users}. */
    public boolean superUser(KafkaPrincipal principal) {
        return superUsers.contains(principal.toString());
    }

    /** One batch decision for every action a request needs; all allowed without an authorizer. */
    public List<AuthorizationResult> authorize(AuthorizableRequestContext context, List<Action> actions) {
        if (authorizer == null) {
            return actions.stream().map(a -> AuthorizationResult.ALLOWED).toList();
        }
        return authorizer.authorize(context, actions);
    }

    /**
     * Whether {@code op} on some resource of {@code type} could be allowed (Kafka's authorizeByResourceType: an
     * ALLOW ACL, literal or prefixed, no DENY over everything); true without an authorizer.
     */
    public boolean anyAllowed(AuthorizableRequestContext context, org.apache.kafka.common.acl.AclOperation op,
                              org.apache.kafka.common.resource.ResourceType type) {
        return authorizer == null || authorizer.authorizeByResourceType(context, op, type) == AuthorizationResult.ALLOWED;
    }

    @Override
    public void close() {
        if (authorizer != null) {
            Utils.closeQuietly(authorizer, "authorizer");
            metrics.close();
        }
    }

    private record ServerInfo(ClusterResource clusterResource, int brokerId, Collection<Endpoint> endpoints)
            implements AuthorizerServerInfo {
        @Override
        public Endpoint interBrokerEndpoint() {
            return endpoints.iterator().next();
        }

        @Override
        public Collection<String> earlyStartListeners() {
            return List.of();
        }
    }
}
