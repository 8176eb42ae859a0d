package io.ferrite.server.quota;

import io.ferrite.storage.SecretFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.utils.Sanitizer;

/**
 * The client quotas set with AlterClientQuotas ({@code kafka-configs --entity-type users|clients|ips}): per
 * entity (a user, a client id, both, or an IP address, each by name or the default), each quota key's value,
 * as Kafka's controller keeps them. Durable in the data directory; read by the quota checks from the network
 * threads, changed from the admin thread one request at a time.
 *
 * <p>On disk, {@code client-quotas} in the data directory, a properties file replaced whole and atomically
 * ({@link SecretFiles}), one line per entity and key:
 * <pre>
 *   user:&lt;name&gt;;client-id:&lt;name&gt;/&lt;quota key&gt;=&lt;value&gt;      e.g. user:alice/producer_byte_rate=1048576.0
 * </pre>
 * each entity's types in that order (user, client-id, ip), each name as Kafka's {@link Sanitizer} writes it
 * (so no name contains {@code : ; /}), {@code <default>} for the default entity of a type.
 */
public final class ClientQuotas {
    /** The file's name in the data directory. */
    public static final String FILE = "client-quotas";
    /** How a default entity is written, as Kafka wrote it in ZooKeeper (never a sanitized name). */
    private static final String DEFAULT = "<default>";
    private static final List<String> TYPE_ORDER = List.of(ClientQuotaEntity.USER, ClientQuotaEntity.CLIENT_ID,
            ClientQuotaEntity.IP);

    private final Path file;
    /** Every entity's quotas; replaced whole on each change (readers see one set or the next). */
    private volatile Map<ClientQuotaEntity, Map<String, Double>> quotas;

    private ClientQuotas(Path file, Map<ClientQuotaEntity, Map<String, Double>> quotas) {
        this.file = file;
        this.quotas = quotas;
    }

    /** Reads {@code dataDir}'s file; none yet is no quotas. A line that does not parse fails here. */
    public static ClientQuotas load(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        Map<ClientQuotaEntity, Map<String, Double>> quotas = new HashMap<>();
        try {
            for (Map.Entry<String, String> line : SecretFiles.read(file).entrySet()) {
                int slash = line.getKey().lastIndexOf('/');
                if (slash < 0) {
                    throw new IllegalStateException(file + ": '" + line.getKey() + "' is not <entity>/<key>");
                }
                ClientQuotaEntity entity = parse(line.getKey().substring(0, slash));
                quotas.computeIfAbsent(entity, e -> new TreeMap<>()).put(line.getKey().substring(slash + 1),
                        Double.parseDouble(line.getValue()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(file + " does not parse: " + e.getMessage(), e);
        }
        return new ClientQuotas(file, quotas);
    }

    /** Every entity with at least one quota, and its quotas. */
    public Map<ClientQuotaEntity, Map<String, Double>> all() {
        return quotas;
    }

    /** {@code entity}'s quotas; empty when it has none. */
    public Map<String, Double> of(ClientQuotaEntity entity) {
        return quotas.getOrDefault(entity, Map.of());
    }

    /**
     * Applies {@code changes}: per entity, each key to its new value, or removed where the value is null; an
     * entity left with no key is gone. Written durably first; nothing changes if the write fails.
     */
    public synchronized void alter(Map<ClientQuotaEntity, Map<String, Double>> changes) {
        Map<ClientQuotaEntity, Map<String, Double>> next = new HashMap<>();
        quotas.forEach((e, q) -> next.put(e, new TreeMap<>(q)));
        changes.forEach((entity, keys) -> {
            Map<String, Double> q = next.computeIfAbsent(entity, e -> new TreeMap<>());
            keys.forEach((k, v) -> {
                if (v == null) {
                    q.remove(k);
                } else {
                    q.put(k, v);
                }
            });
            if (q.isEmpty()) {
                next.remove(entity);
            }
        });
        Map<String, String> lines = new HashMap<>();
        next.forEach((entity, q) -> q.forEach((k, v) -> lines.put(format(entity) + "/" + k, Double.toString(v))));
        try {
            SecretFiles.write(file, lines, "client quotas (AlterClientQuotas): <entity>/<key>=<value>");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        Map<ClientQuotaEntity, Map<String, Double>> frozen = new HashMap<>();
        next.forEach((e, q) -> frozen.put(e, Map.copyOf(q)));
        quotas = Map.copyOf(frozen);
    }

    private static String format(ClientQuotaEntity entity) {
        StringBuilder out = new StringBuilder();
        for (String type : TYPE_ORDER) {
            if (entity.entries().containsKey(type)) {
                String name = entity.entries().get(type);
                out.append(out.isEmpty() ? "" : ";").append(type).append(':')
                        .append(name == null ? DEFAULT : Sanitizer.sanitize(name));
            }
        }
        return out.toString();
    }

    private static ClientQuotaEntity parse(String text) {
        Map<String, String> entries = new HashMap<>();
        for (String part : text.split(";")) {
            int colon = part.indexOf(':');
            if (colon < 0 || !TYPE_ORDER.contains(part.substring(0, colon))) {
                throw new IllegalArgumentException("'" + part + "' is not <type>:<name>");
            }
            String name = part.substring(colon + 1);
            entries.put(part.substring(0, colon), name.equals(DEFAULT) ? null : Sanitizer.desanitize(name));
        }
        return new ClientQuotaEntity(entries);
    }
}
