package io.ferrite.server.admin;

import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import io.ferrite.server.quota.ClientQuotas;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.server.config.QuotaConfig;

/**
 * DescribeClientQuotas and AlterClientQuotas (v0-1; {@code kafka-configs --entity-type users|clients|ips}) on
 * {@link ClientQuotas}, with the checks and messages of Kafka's controller: the entity types a quota may name
 * (user, client id, both, or an IP address alone), the keys each allows and their types (Kafka's own quota
 * definitions), positive values, whole numbers for integral keys, one alteration per entity and key. Alter
 * runs on the admin thread.
 */
final class ClientQuotaHandlers {
    /** The wire's match types (DescribeClientQuotasRequest's MATCH_TYPE_EXACT, _DEFAULT, _SPECIFIED). */
    private static final byte MATCH_EXACT = 0;
    private static final byte MATCH_DEFAULT = 1;
    private static final byte MATCH_SPECIFIED = 2;

    private final ClientQuotas quotas;

    ClientQuotaHandlers(ClientQuotas quotas) {
        this.quotas = quotas;
    }

    ApiHandler<DescribeClientQuotasRequestData> describe() {
        return (RequestContext c, DescribeClientQuotasRequestData r) ->
                CompletableFuture.<ApiMessage>completedFuture(describe(r));
    }

    ApiHandler<AlterClientQuotasRequestData> alter() {
        return (RequestContext c, AlterClientQuotasRequestData r) ->
                CompletableFuture.<ApiMessage>completedFuture(alter(r));
    }

    private DescribeClientQuotasResponseData describe(DescribeClientQuotasRequestData request) {
        Map<String, String> exact = new HashMap<>();
        Set<String> specified = new HashSet<>();
        for (DescribeClientQuotasRequestData.ComponentData c : request.components()) {
            String type = c.entityType();
            if (type.isEmpty()) {
                throw new InvalidRequestException("Invalid empty entity type.");
            }
            if (exact.containsKey(type) || specified.contains(type)) {
                throw new InvalidRequestException("Entity type " + type + " cannot appear more than once in the filter.");
            }
            if (!type.equals(ClientQuotaEntity.IP) && !type.equals(ClientQuotaEntity.USER)
                    && !type.equals(ClientQuotaEntity.CLIENT_ID)) {
                throw new UnsupportedVersionException("Unsupported entity type " + type);
            }
            switch (c.matchType()) {
                case MATCH_EXACT -> {
                    if (c.match() == null) {
                        throw new InvalidRequestException("Request specified MATCH_TYPE_EXACT, but set match string "
                                + "to null.");
                    }
                    exact.put(type, c.match());
                }
                case MATCH_DEFAULT -> {
                    if (c.match() != null) {
                        throw new InvalidRequestException("Request specified MATCH_TYPE_DEFAULT, but also specified a "
                                + "match string.");
                    }
                    exact.put(type, null);
                }
                case MATCH_SPECIFIED -> {
                    if (c.match() != null) {
                        throw new InvalidRequestException("Request specified MATCH_TYPE_SPECIFIED, but also specified "
                                + "a match string.");
                    }
                    specified.add(type);
                }
                default -> throw new InvalidRequestException("Unknown match type " + c.matchType());
            }
        }
        boolean ip = exact.containsKey(ClientQuotaEntity.IP) || specified.contains(ClientQuotaEntity.IP);
        boolean userOrClient = exact.containsKey(ClientQuotaEntity.USER) || specified.contains(ClientQuotaEntity.USER)
                || exact.containsKey(ClientQuotaEntity.CLIENT_ID) || specified.contains(ClientQuotaEntity.CLIENT_ID);
        if (ip && userOrClient) {
            throw new InvalidRequestException("Invalid entity filter component combination. IP filter component "
                    + "should not be used with user or clientId filter component.");
        }
        DescribeClientQuotasResponseData response = new DescribeClientQuotasResponseData();
        quotas.all().forEach((entity, values) -> {
            Map<String, String> e = entity.entries();
            if (request.strict() && e.size() != exact.size() + specified.size()) {
                return;
            }
            for (Map.Entry<String, String> want : exact.entrySet()) {
                if (!e.containsKey(want.getKey()) || !Objects.equals(e.get(want.getKey()), want.getValue())) {
                    return;
                }
            }
            if (!e.keySet().containsAll(specified)) {
                return;
            }
            DescribeClientQuotasResponseData.EntryData entry = new DescribeClientQuotasResponseData.EntryData();
            e.forEach((type, name) -> entry.entity().add(new DescribeClientQuotasResponseData.EntityData()
                    .setEntityType(type).setEntityName(name)));
            values.forEach((k, v) -> entry.values().add(new DescribeClientQuotasResponseData.ValueData()
                    .setKey(k).setValue(v)));
            response.entries().add(entry);
        });
        return response;
    }

    private AlterClientQuotasResponseData alter(AlterClientQuotasRequestData request) {
        Map<ClientQuotaEntity, ApiError> results = new LinkedHashMap<>();
        Map<ClientQuotaEntity, Map<String, Double>> changes = new LinkedHashMap<>();
        for (AlterClientQuotasRequestData.EntryData entry : request.entries()) {
            Map<String, String> entries = new HashMap<>();
            ApiError error = null;
            for (AlterClientQuotasRequestData.EntityData e : entry.entity()) {
                if (entries.containsKey(e.entityType())) {
                    error = invalid("Invalid client quota entity, duplicate entity entry " + e.entityType());
                } else if (!e.entityType().equals(ClientQuotaEntity.USER)
                        && !e.entityType().equals(ClientQuotaEntity.CLIENT_ID)
                        && !e.entityType().equals(ClientQuotaEntity.IP)) {
                    error = invalid("Unhandled client quota entity type: " + e.entityType());
                } else if (e.entityName() != null && e.entityName().isEmpty()) {
                    error = invalid("Empty " + e.entityType() + " not supported");
                }
                entries.put(e.entityType(), e.entityName());
            }
            ClientQuotaEntity entity = new ClientQuotaEntity(entries);
            if (results.containsKey(entity)) {
                results.put(entity, invalid("Ignoring duplicate entity " + entity));
                changes.remove(entity);
                continue;
            }
            Map<String, ConfigDef.ConfigKey> keys = new HashMap<>();
            if (error == null) {
                error = keysFor(entries, keys);
            }
            Map<String, Double> ops = new LinkedHashMap<>();
            for (AlterClientQuotasRequestData.OpData op : entry.ops()) {
                if (error != null) {
                    break;
                }
                if (ops.containsKey(op.key())) {
                    error = invalid("Duplicate quota key " + op.key() + " not updating quota for this entity "
                            + entity);
                } else if (!op.remove()) {
                    error = check(keys, op.key(), op.value());
                }
                ops.put(op.key(), op.remove() ? null : op.value());
            }
            results.put(entity, error == null ? ApiError.NONE : error);
            if (error == null) {
                changes.put(entity, ops);
            }
        }
        if (!request.validateOnly() && !changes.isEmpty()) {
            try {
                quotas.alter(changes);
            } catch (RuntimeException e) { // the file could not be written: nothing changed
                changes.keySet().forEach(entity -> results.put(entity,
                        new ApiError(Errors.KAFKA_STORAGE_ERROR, e.getMessage())));
            }
        }
        AlterClientQuotasResponseData response = new AlterClientQuotasResponseData();
        results.forEach((entity, error) -> {
            AlterClientQuotasResponseData.EntryData out = new AlterClientQuotasResponseData.EntryData()
                    .setErrorCode(error.error().code()).setErrorMessage(error.isFailure() ? error.message() : null);
            entity.entries().forEach((type, name) -> out.entity().add(new AlterClientQuotasResponseData.EntityData()
                    .setEntityType(type).setEntityName(name)));
            response.entries().add(out);
        });
        return response;
    }

    private static ApiError invalid(String message) {
        return new ApiError(Errors.INVALID_REQUEST, message);
    }

    /** The keys an entity may set, by its types (Kafka's quota definitions), or why it may set none. */
    private static ApiError keysFor(Map<String, String> entity, Map<String, ConfigDef.ConfigKey> out) {
        boolean user = entity.containsKey(ClientQuotaEntity.USER);
        boolean client = entity.containsKey(ClientQuotaEntity.CLIENT_ID);
        if (entity.containsKey(ClientQuotaEntity.IP)) {
            if (user || client) {
                return invalid("Invalid quota entity combination, IP entity shouldnot be combined with User or "
                        + "ClientId");
            }
            String ip = entity.get(ClientQuotaEntity.IP);
            if (ip != null) {
                try {
                    InetAddress.getByName(ip);
                } catch (UnknownHostException e) {
                    return invalid(ip + " is not a valid IP or resolvable host.");
                }
            }
            out.putAll(QuotaConfig.ipConfigs().configKeys());
            return null;
        }
        if (user || client) {
            out.putAll(QuotaConfig.userAndClientQuotaConfigs().configKeys());
            return null;
        }
        return invalid("Invalid empty client quota entity");
    }

    private static ApiError check(Map<String, ConfigDef.ConfigKey> keys, String key, double value) {
        ConfigDef.ConfigKey def = keys.get(key);
        if (def == null) {
            return invalid("Invalid configuration key " + key);
        }
        if (value <= 0.0) {
            return invalid("Quota " + key + " must be greater than 0");
        }
        double limit = switch (def.type()) {
            case SHORT -> Short.MAX_VALUE;
            case INT -> Integer.MAX_VALUE;
            case LONG -> Long.MAX_VALUE;
            default -> Double.POSITIVE_INFINITY;
        };
        if (value > limit) {
            return invalid("Proposed value for " + key + " is too large for " + (def.type() == ConfigDef.Type.INT
                    ? "an INT." : "a " + def.type() + "."));
        }
        if (limit != Double.POSITIVE_INFINITY && Math.abs(value % 1.0) > 1e-6) {
            return invalid(key + " cannot be a fractional value.");
        }
        return null;
    }
}
