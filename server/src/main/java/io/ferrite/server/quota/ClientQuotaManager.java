package io.ferrite.server.quota;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.Quota;
import org.apache.kafka.common.metrics.QuotaViolationException;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.errors.ThrottlingQuotaExceededException;
import org.apache.kafka.common.metrics.stats.Rate;
import org.apache.kafka.common.metrics.stats.TokenBucket;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.Sanitizer;
import org.apache.kafka.server.quota.QuotaUtils;

/**
 * Measures clients against their byte-rate quotas as Kafka's broker does: the quota that applies to a request is
 * the most specific one set for its user and client id (KIP-55's order: user and client id, user and default
 * client, user, default user and client id, default user and default client, default user, client id, default
 * client), and it bounds the rate of the user, the client id or both, as that level names them: a default user
 * quota gives each user a rate of their own, as Kafka's default callback does. Rates are measured by Kafka's
 * metrics library over {@code quota.window.num} windows of {@code quota.window.size.seconds}. Going over returns
 * how long the client must wait (Kafka's formula: how far over, as a share of the quota, times the measured
 * span); a client with no quota is never throttled.
 *
 * <p>New connections count against their IP address's {@code connection_creation_rate} (KIP-612), the time a
 * network thread spends on a request against {@code request_percentage} (KIP-124).
 * Partition mutations (CreateTopics, CreatePartitions, DeleteTopics) count against
 * {@code controller_mutation_rate} in a token bucket, as Kafka's controller counts them (KIP-599).
 *
 * <p>Called from the network and admin threads; sensors are thread-safe and expire an hour after their last
 * use.
 */
public final class ClientQuotaManager implements AutoCloseable {
    /** Which rate a quota bounds: its key, and the name its sensors carry. */
    public enum QuotaType {
        PRODUCE("producer_byte_rate", "Produce"), FETCH("consumer_byte_rate", "Fetch"),
        /** Partitions created or deleted (KIP-599), a token bucket rather than a rate. */
        CONTROLLER_MUTATION("controller_mutation_rate", "ControllerMutation"),
        /** Connections accepted from one IP address (KIP-612). */
        CONNECTION("connection_creation_rate", "ConnectionCreationRate"),
        /** Time the broker's threads spent on a client's requests, as a percentage of one thread (KIP-124). */
        REQUEST("request_percentage", "Request");

        final String key;
        final String sensorPrefix;

        QuotaType(String key, String sensorPrefix) {
            this.key = key;
            this.sensorPrefix = sensorPrefix;
        }
    }

    private static final long SENSOR_EXPIRY_SECONDS = 3600;

    private final ClientQuotas quotas;
    private final Metrics metrics;
    private final int samples;
    private final int windowSeconds;

    private final int mutationSamples;
    private final int mutationWindowSeconds;

    /**
     * {@code samples} windows of {@code windowSeconds} measure byte rates; {@code mutationSamples} of
     * {@code mutationWindowSeconds} size the mutation token bucket ({@code controller.quota.window.*}).
     */
    public ClientQuotaManager(ClientQuotas quotas, int samples, int windowSeconds, int mutationSamples,
                              int mutationWindowSeconds) {
        this.quotas = quotas;
        this.samples = samples;
        this.windowSeconds = windowSeconds;
        this.mutationSamples = mutationSamples;
        this.mutationWindowSeconds = mutationWindowSeconds;
        this.metrics = new Metrics(new MetricConfig().samples(samples).timeWindow(windowSeconds, TimeUnit.SECONDS));
    }

    /**
     * The quota that applies to a client and who shares its rate: {@code measured} names the user, the client id
     * or both, as the level the quota was found at has them (so a default user quota gives every user a rate of
     * their own, as in Kafka); {@code bound} is the quota's value.
     */
    record Applied(ClientQuotaEntity measured, double bound) {
    }

    private record Client(QuotaType type, String user, String clientId) {
    }

    /** Lookups for one quota set; dropped when the set changes, and when it grows past {@link #CACHED}. */
    private record Lookups(Map<ClientQuotaEntity, Map<String, Double>> of, Map<Client, Optional<Applied>> cache) {
    }

    /** Client ids are the client's to choose, so the lookups kept are bounded. */
    private static final int CACHED = 10_000;
    private volatile Lookups lookups = new Lookups(Map.of(), new ConcurrentHashMap<>());

    /** The quota of {@code type} for a user and client id, by KIP-55's order; null when none applies. */
    Applied quotaFor(QuotaType type, KafkaPrincipal principal, String clientId) {
        Map<ClientQuotaEntity, Map<String, Double>> all = quotas.all();
        if (all.isEmpty()) {
            return null;
        }
        Lookups current = lookups;
        if (current.of() != all || current.cache().size() > CACHED) {
            current = new Lookups(all, new ConcurrentHashMap<>());
            lookups = current;
        }
        Client client = new Client(type, principal.getName(), clientId);
        Optional<Applied> found = current.cache().get(client);
        if (found == null) {
            found = Optional.ofNullable(lookUp(all, client));
            current.cache().put(client, found);
        }
        return found.orElse(null);
    }

    private static Applied lookUp(Map<ClientQuotaEntity, Map<String, Double>> all, Client c) {
        // Each level: where the quota is set ([user] or [user, client]; a user of "" means none), and then who
        // shares the rate it bounds (the same shape, with the client's own names).
        String user = c.user();
        String clientId = c.clientId();
        String[][] order = {{user, clientId}, {user, null}, {user}, {null, clientId}, {null, null}, {null},
                {"", clientId}, {"", null}};
        for (String[] level : order) {
            Double bound = all.getOrDefault(entity(level), Map.of()).get(c.type().key);
            if (bound != null) {
                String measuredUser = "".equals(level[0]) ? "" : user;
                String[] measured = level.length > 1 ? new String[] {measuredUser, clientId}
                        : new String[] {measuredUser};
                return new Applied(entity(measured), bound);
            }
        }
        return null;
    }

    /** A level of the order: [user] or [user, client]; a user of "" means the level has no user. */
    private static ClientQuotaEntity entity(String[] level) {
        java.util.HashMap<String, String> e = new java.util.HashMap<>();
        if (!"".equals(level[0])) {
            e.put(ClientQuotaEntity.USER, level[0]);
        }
        if (level.length > 1) {
            e.put(ClientQuotaEntity.CLIENT_ID, level[1]);
        }
        return new ClientQuotaEntity(e);
    }

    /** Whether any client quota is set at all: without one, nothing needs counting. */
    public boolean anySet() {
        return !quotas.all().isEmpty();
    }

    /**
     * Counts {@code bytes} against the quota of {@code principal} and {@code clientId} at {@code nowMs}; returns
     * how long the client is to be throttled, 0 when within its quota or without one.
     */
    public long record(QuotaType type, KafkaPrincipal principal, String clientId, long bytes, long nowMs) {
        Applied q = quotaFor(type, principal, clientId);
        if (q == null) {
            return 0;
        }
        try {
            sensor(type, q).record(bytes, nowMs, true);
            return 0;
        } catch (QuotaViolationException e) {
            return QuotaUtils.throttleTime(e, nowMs);
        }
    }

    /**
     * Counts {@code partitions} created or deleted against the client's {@code controller_mutation_rate}, as
     * Kafka's controller does: {@code strict} (newer request versions), a mutation while the client's bucket is
     * empty is refused with ThrottlingQuotaExceededException (carrying the throttle time); otherwise it is
     * counted even if it empties the bucket, and the time to wait is returned (0 within the quota or without one).
     */
    public long mutate(KafkaPrincipal principal, String clientId, double partitions, boolean strict, long nowMs) {
        Applied q = quotaFor(QuotaType.CONTROLLER_MUTATION, principal, clientId);
        if (q == null) {
            return 0;
        }
        Sensor sensor = sensor(QuotaType.CONTROLLER_MUTATION, q);
        synchronized (sensor) {
            try {
                if (strict) {
                    sensor.checkQuotas(nowMs);
                }
                sensor.record(partitions, nowMs, !strict);
                return 0;
            } catch (QuotaViolationException e) {
                // Kafka's formula for a token bucket: how deep in debt, at the quota's rate.
                long throttle = Math.round(-e.value() / e.bound() * 1000);
                if (strict) {
                    throw new ThrottlingQuotaExceededException((int) Math.min(Integer.MAX_VALUE, throttle),
                            Errors.THROTTLING_QUOTA_EXCEEDED.message());
                }
                return throttle;
            }
        }
    }

    /** The per-IP quotas of one quota set, by resolved address (names are resolved once per set, as Kafka does). */
    private record IpQuotas(Map<ClientQuotaEntity, Map<String, Double>> of, Map<java.net.InetAddress, ClientQuotaEntity>
            byAddress, ClientQuotaEntity fallback) {
    }

    private volatile IpQuotas ipQuotas = new IpQuotas(Map.of(), Map.of(), null);

    /**
     * Counts a new connection from {@code ip} against its {@code connection_creation_rate} (the address's own,
     * else the default IP quota); returns how long to hold the connection before closing it when that would go
     * over (at most one window; the connection is then not counted, as in Kafka), 0 to accept it.
     */
    public long recordConnection(java.net.InetAddress ip, long nowMs) {
        IpQuotas ips = ipQuotas(quotas.all());
        ClientQuotaEntity entity = ips.byAddress().getOrDefault(ip, ips.fallback());
        Double bound = entity == null ? null : ips.of().getOrDefault(entity, Map.of()).get(QuotaType.CONNECTION.key);
        if (bound == null) {
            return 0;
        }
        Sensor sensor = sensor(QuotaType.CONNECTION, new Applied(new ClientQuotaEntity(Map.of(ClientQuotaEntity.IP,
                ip.getHostAddress())), bound));
        try {
            sensor.record(1, nowMs, true);
            return 0;
        } catch (QuotaViolationException e) {
            sensor.record(-1, nowMs, false);
            // At most one window, as Kafka bounds it: a held connection keeps a descriptor until it is closed.
            return Math.max(1, QuotaUtils.boundedThrottleTime(e, TimeUnit.SECONDS.toMillis(windowSeconds), nowMs));
        }
    }

    private IpQuotas ipQuotas(Map<ClientQuotaEntity, Map<String, Double>> all) {
        IpQuotas cached = ipQuotas;
        if (cached.of() == all) {
            return cached;
        }
        Map<java.net.InetAddress, ClientQuotaEntity> byAddress = new java.util.HashMap<>();
        ClientQuotaEntity fallback = null;
        for (ClientQuotaEntity e : all.keySet()) {
            if (!e.entries().containsKey(ClientQuotaEntity.IP)) {
                continue;
            }
            String name = e.entries().get(ClientQuotaEntity.IP);
            if (name == null) {
                fallback = e;
                continue;
            }
            try {
                byAddress.put(java.net.InetAddress.getByName(name), e);
            } catch (java.net.UnknownHostException unresolved) {
                // checked when set; a name that stopped resolving quotas no address
            }
        }
        IpQuotas fresh = new IpQuotas(all, byAddress, fallback);
        ipQuotas = fresh;
        return fresh;
    }

    /**
     * Counts {@code nanos} of a broker thread's time spent on a request against the client's
     * {@code request_percentage} (a percentage of one thread, as Kafka measures it); returns how long the client
     * is to wait, at most one window, as Kafka bounds it; 0 within its quota or without one.
     */
    public long recordRequestTime(KafkaPrincipal principal, String clientId, long nanos, long nowMs) {
        Applied q = quotaFor(QuotaType.REQUEST, principal, clientId);
        if (q == null) {
            return 0;
        }
        try {
            sensor(QuotaType.REQUEST, q).record(nanos * 100.0 / TimeUnit.SECONDS.toNanos(1), nowMs, true);
            return 0;
        } catch (QuotaViolationException e) {
            return QuotaUtils.boundedThrottleTime(e, TimeUnit.SECONDS.toMillis(windowSeconds), nowMs);
        }
    }

    /** Takes back bytes counted but not sent (a fetch answered empty because it was throttled), as Kafka does. */
    public void unrecord(QuotaType type, KafkaPrincipal principal, String clientId, long bytes, long nowMs) {
        Applied q = quotaFor(type, principal, clientId);
        if (q != null) {
            sensor(type, q).record(-bytes, nowMs, false);
        }
    }

    private Sensor sensor(QuotaType type, Applied q) {
        // One sensor per entity and bound: a changed quota starts a fresh measure, as a reconfigured sensor would.
        String name = type.sensorPrefix + "-" + entityName(q.measured()) + "-" + q.bound();
        Sensor existing = metrics.getSensor(name);
        if (existing != null) {
            return existing;
        }
        synchronized (this) {
            Sensor s = metrics.getSensor(name);
            if (s != null) {
                return s;
            }
            boolean mutation = type == QuotaType.CONTROLLER_MUTATION;
            s = metrics.sensor(name, new MetricConfig().samples(mutation ? mutationSamples : samples)
                    .timeWindow(mutation ? mutationWindowSeconds : windowSeconds, TimeUnit.SECONDS)
                    .quota(Quota.upperBound(q.bound())), SENSOR_EXPIRY_SECONDS);
            s.add(metrics.metricName(mutation ? "tokens" : "byte-rate", type.sensorPrefix,
                    mutation ? "partition mutations left in the client's bucket" : "per second against the client "
                            + "quota", Map.of("quota-entity", entityName(q.measured()))),
                    mutation ? new TokenBucket() : new Rate());
            return s;
        }
    }

    private static String entityName(ClientQuotaEntity entity) {
        StringBuilder out = new StringBuilder();
        entity.entries().forEach((type, name) -> out.append(type).append('=')
                .append(name == null ? "<default>" : Sanitizer.sanitize(name)).append(';'));
        return out.toString();
    }

    @Override
    public void close() {
        metrics.close();
    }
}
