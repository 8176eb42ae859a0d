package io.ferrite.server.network;

import io.ferrite.server.security.Authorization;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.server.authorizer.Action;
import org.apache.kafka.server.authorizer.AuthorizationResult;

/**
 * The actions one request needs, gathered by an {@link Access} rule and decided in one batch call to the
 * authorizer ({@link #decide}), then read back by the handle {@link #add} gave each.
 */
public final class AccessCheck {
    private final List<Action> actions = new ArrayList<>();
    private boolean[] allowed;

    /** Adds an action Kafka would log if denied; returns its handle. */
    public int add(AclOperation op, ResourceType type, String name) {
        return add(op, type, name, true);
    }

    /**
     * Adds an action; {@code logIfDenied} false for one whose denial is not a refusal (another action may
     * allow the same thing, or it only fills in authorized operations), as Kafka asks those.
     */
    public int add(AclOperation op, ResourceType type, String name, boolean logIfDenied) {
        actions.add(new Action(op, new ResourcePattern(type, name, PatternType.LITERAL), 1, true, logIfDenied));
        return actions.size() - 1;
    }

    /**
     * Adds each of {@code ops} on one resource, as Kafka asks them to fill in authorized operations (neither
     * counted as a refusal nor logged); the handle of each.
     */
    public Map<AclOperation, Integer> addOperations(ResourceType type, String name, Collection<AclOperation> ops) {
        Map<AclOperation, Integer> handles = new LinkedHashMap<>();
        for (AclOperation op : ops) {
            actions.add(new Action(op, new ResourcePattern(type, name, PatternType.LITERAL), 1, false, false));
            handles.put(op, actions.size() - 1);
        }
        return handles;
    }

    /** The operations of {@link #addOperations} that were allowed, as Kafka's authorized-operations bit field. */
    public int bits(Map<AclOperation, Integer> handles) {
        int bits = 0;
        for (Map.Entry<AclOperation, Integer> e : handles.entrySet()) {
            if (allowed[e.getValue()]) {
                bits |= 1 << e.getKey().code();
            }
        }
        return bits;
    }

    /** Adds {@code op} on each of {@code names} once; the handle of each name. */
    public Map<String, Integer> addEach(AclOperation op, ResourceType type, Collection<String> names) {
        Map<String, Integer> handles = new LinkedHashMap<>();
        for (String name : names) {
            handles.computeIfAbsent(name, n -> add(op, type, n));
        }
        return handles;
    }

    /** Asks the authorizer, once, about everything added. */
    public AccessCheck decide(Authorization authorization, RequestContext context) {
        List<AuthorizationResult> results = actions.isEmpty() ? List.of()
                : authorization.authorize(context, actions);
        allowed = new boolean[results.size()];
        for (int i = 0; i < allowed.length; i++) {
            allowed[i] = results.get(i) == AuthorizationResult.ALLOWED;
        }
        return this;
    }

    /**
     * Whether {@code op} could be allowed on some resource of {@code type} (Kafka's authorizeByResourceType, as it
     * lets an idempotent producer with WRITE on any topic in): a question of its own, asked apart from the batch.
     */
    public static boolean anyAllowed(Authorization authorization, RequestContext context, AclOperation op,
                                     ResourceType type) {
        return authorization.anyAllowed(context, op, type);
    }

    public boolean allowed(int handle) {
        return allowed[handle];
    }

    /** Whether the named resource's action (from {@link #addEach}) was allowed; false for a name never added. */
    public boolean allowed(Map<String, Integer> handles, String name) {
        Integer h = handles.get(name);
        return h != null && allowed[h];
    }
}
