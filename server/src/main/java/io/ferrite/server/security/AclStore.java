package io.ferrite.server.security;

import io.ferrite.storage.SecretFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.SecurityUtils;
import org.apache.kafka.controller.ControllerRequestContext;
import org.apache.kafka.metadata.authorizer.AclMutator;
import org.apache.kafka.metadata.authorizer.ClusterMetadataAuthorizer;
import org.apache.kafka.metadata.authorizer.StandardAcl;
import org.apache.kafka.server.authorizer.AclCreateResult;
import org.apache.kafka.server.authorizer.AclDeleteResult;
import org.apache.kafka.server.authorizer.AclDeleteResult.AclBindingDeleteResult;

/**
 * The ACLs, durable in the data directory, for an authorizer that keeps them in cluster metadata as Kafka's
 * {@code StandardAuthorizer} does: loaded into it at start, and changed through it (CreateAcls and DeleteAcls
 * reach this as its {@link AclMutator}), each change written before the authorizer sees it.
 *
 * <p>On disk, {@code acls} in the data directory, a properties file replaced whole and atomically
 * ({@link SecretFiles}), seven lines per ACL, all keyed by the ACL's id:
 * <pre>
 *   &lt;id&gt;.resource.type=TOPIC          (ResourceType: TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID, ...)
 *   &lt;id&gt;.resource.name=orders
 *   &lt;id&gt;.pattern.type=PREFIXED       (LITERAL or PREFIXED)
 *   &lt;id&gt;.principal=User:alice
 *   &lt;id&gt;.host=*
 *   &lt;id&gt;.operation=READ
 *   &lt;id&gt;.permission=ALLOW           (ALLOW or DENY)
 * </pre>
 * The id is a {@link Uuid}, as Kafka gives each ACL one. The checks on a new ACL and on a filter are those of
 * Kafka's controller; an ACL equal to one held is not added twice. Changes come from the admin thread.
 */
public final class AclStore implements AclMutator {
    /** The file's name in the data directory. */
    public static final String FILE = "acls";
    /** Kafka's controller refuses an operation that would add or remove more ACLs than this at once. */
    static final int MAX_PER_OPERATION = 10_000;
    private static final String[] FIELDS = {"resource.type", "resource.name", "pattern.type", "principal", "host",
            "operation", "permission"};

    private final Path file;
    /** Guarded by this. */
    private final Map<Uuid, StandardAcl> acls;
    private ClusterMetadataAuthorizer authorizer;

    private AclStore(Path file, Map<Uuid, StandardAcl> acls) {
        this.file = file;
        this.acls = acls;
    }

    /** Reads {@code dataDir}'s file; none yet is no ACLs. An entry that does not parse fails here. */
    public static AclStore load(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        Map<String, String> lines;
        try {
            lines = SecretFiles.read(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        Map<Uuid, StandardAcl> acls = new LinkedHashMap<>();
        for (String key : new TreeMap<>(lines).keySet()) {
            if (!key.endsWith("." + FIELDS[0])) {
                continue;
            }
            String id = key.substring(0, key.length() - FIELDS[0].length() - 1);
            try {
                String[] f = new String[FIELDS.length];
                for (int i = 0; i < FIELDS.length; i++) {
                    f[i] = lines.get(id + "." + FIELDS[i]);
                    if (f[i] == null) {
                        throw new IllegalArgumentException("no " + FIELDS[i]);
                    }
                }
                acls.put(Uuid.fromString(id), new StandardAcl(ResourceType.valueOf(f[0]), f[1],
                        PatternType.valueOf(f[2]), f[3], f[4], AclOperation.valueOf(f[5]),
                        AclPermissionType.valueOf(f[6])));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(file + ": ACL " + id + " does not parse: " + e.getMessage(), e);
            }
        }
        return new AclStore(file, acls);
    }

    /** Hands every ACL to {@code authorizer}, which from then on changes them through this store. */
    public synchronized void feed(ClusterMetadataAuthorizer authorizer) {
        this.authorizer = authorizer;
        authorizer.setAclMutator(this);
        authorizer.loadSnapshot(new HashMap<>(acls));
        authorizer.completeInitialLoad();
    }

    public synchronized int size() {
        return acls.size();
    }

    @Override
    public synchronized CompletableFuture<List<AclCreateResult>> createAcls(ControllerRequestContext context,
                                                                           List<AclBinding> bindings) {
        List<AclCreateResult> results = new ArrayList<>();
        Set<StandardAcl> held = new HashSet<>(acls.values());
        Map<Uuid, StandardAcl> added = new LinkedHashMap<>();
        for (AclBinding binding : bindings) {
            try {
                validate(binding);
            } catch (ApiException e) {
                results.add(new AclCreateResult(e));
                continue;
            }
            StandardAcl acl = StandardAcl.fromAclBinding(binding);
            if (!held.contains(acl) && !added.containsValue(acl)) {
                added.put(Uuid.randomUuid(), acl);
            }
            results.add(AclCreateResult.SUCCESS);
        }
        if (added.size() > MAX_PER_OPERATION) {
            // As Kafka: the whole operation fails, answered UNKNOWN_SERVER_ERROR for each binding.
            UnknownServerException tooMany = new UnknownServerException("Cannot add more than "
                    + MAX_PER_OPERATION + " acls in a single create operation.");
            return CompletableFuture.completedFuture(bindings.stream().map(b -> new AclCreateResult(tooMany))
                    .toList());
        }
        if (!added.isEmpty()) {
            Map<Uuid, StandardAcl> next = new LinkedHashMap<>(acls);
            next.putAll(added);
            ApiException failed = write(next);
            if (failed != null) {
                return CompletableFuture.completedFuture(results.stream()
                        .map(r -> r.exception().isPresent() ? r : new AclCreateResult(failed)).toList());
            }
            acls.putAll(added);
            added.forEach(authorizer::addAcl);
        }
        return CompletableFuture.completedFuture(results);
    }

    @Override
    public synchronized CompletableFuture<List<AclDeleteResult>> deleteAcls(ControllerRequestContext context,
                                                                           List<AclBindingFilter> filters) {
        List<AclDeleteResult> results = new ArrayList<>();
        Map<Uuid, StandardAcl> removed = new LinkedHashMap<>();
        for (AclBindingFilter filter : filters) {
            if (filter.patternFilter().isUnknown() || filter.entryFilter().isUnknown()) {
                results.add(new AclDeleteResult(new InvalidRequestException(filter.patternFilter().isUnknown()
                        ? "Unknown patternFilter." : "Unknown entryFilter.")));
                continue;
            }
            List<AclBindingDeleteResult> deleted = new ArrayList<>();
            Map<Uuid, StandardAcl> matched = new LinkedHashMap<>();
            acls.forEach((id, acl) -> {
                AclBinding binding = acl.toBinding();
                if (filter.matches(binding)) {
                    deleted.add(new AclBindingDeleteResult(binding));
                    matched.put(id, acl);
                }
            });
            Map<Uuid, StandardAcl> union = new LinkedHashMap<>(removed);
            union.putAll(matched);
            if (union.size() > MAX_PER_OPERATION) {
                // As Kafka: the filter that would take the operation over the bound fails and removes nothing.
                results.add(new AclDeleteResult(new UnknownServerException("Cannot remove more than "
                        + MAX_PER_OPERATION + " acls in a single delete operation.")));
                continue;
            }
            removed.putAll(matched);
            results.add(new AclDeleteResult(deleted));
        }
        if (!removed.isEmpty()) {
            Map<Uuid, StandardAcl> next = new LinkedHashMap<>(acls);
            removed.keySet().forEach(next::remove);
            ApiException failed = write(next);
            if (failed != null) {
                return CompletableFuture.completedFuture(filters.stream().map(f -> new AclDeleteResult(failed))
                        .toList());
            }
            removed.keySet().forEach(acls::remove);
            removed.keySet().forEach(authorizer::removeAcl);
        }
        return CompletableFuture.completedFuture(results);
    }

    /** Kafka's checks on a new ACL: concrete types, a name, and a principal of the form Type:name. */
    private static void validate(AclBinding binding) {
        ResourceType type = binding.pattern().resourceType();
        if (type == ResourceType.UNKNOWN || type == ResourceType.ANY) {
            throw new InvalidRequestException("Invalid resourceType " + type);
        }
        PatternType pattern = binding.pattern().patternType();
        if (pattern != PatternType.LITERAL && pattern != PatternType.PREFIXED) {
            throw new InvalidRequestException("Invalid patternType " + pattern);
        }
        AclOperation op = binding.entry().operation();
        if (op == AclOperation.UNKNOWN || op == AclOperation.ANY) {
            throw new InvalidRequestException("Invalid operation " + op);
        }
        AclPermissionType permission = binding.entry().permissionType();
        if (permission != AclPermissionType.ALLOW && permission != AclPermissionType.DENY) {
            throw new InvalidRequestException("Invalid permissionType " + permission);
        }
        if (binding.pattern().name() == null || binding.pattern().name().isEmpty()) {
            throw new InvalidRequestException("Resource name should not be empty");
        }
        try {
            SecurityUtils.parseKafkaPrincipal(binding.entry().principal());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("Invalid principal " + binding.entry().principal() + ": "
                    + e.getMessage());
        }
    }

    /** Writes {@code next} as the file; the error to answer with if that failed (nothing changed then). */
    private ApiException write(Map<Uuid, StandardAcl> next) {
        Map<String, String> lines = new HashMap<>();
        next.forEach((id, acl) -> {
            String[] values = {acl.resourceType().name(), acl.resourceName(), acl.patternType().name(),
                    acl.principal(), acl.host(), acl.operation().name(), acl.permissionType().name()};
            for (int i = 0; i < FIELDS.length; i++) {
                lines.put(id + "." + FIELDS[i], values[i]);
            }
        });
        try {
            SecretFiles.write(file, lines, "ACLs (CreateAcls, DeleteAcls): seven keys per ACL, by its id");
            return null;
        } catch (IOException e) {
            return new KafkaStorageException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
