package io.ferrite.server.admin;

import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import io.ferrite.server.security.ScramCredentials;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.CredentialInfo;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * DescribeUserScramCredentials v0 and AlterUserScramCredentials v0 ({@code kafka-configs --entity-type users
 * --alter --add-config 'SCRAM-SHA-256=[password=...]'}), on {@link ScramCredentials}, with the checks and
 * errors of Kafka's controller: per user, a name given twice in one request DUPLICATE_RESOURCE, an empty name
 * or iterations outside 4096..16384 UNACCEPTABLE_CREDENTIAL, an unknown mechanism UNSUPPORTED_SASL_MECHANISM,
 * deleting or describing a credential that does not exist RESOURCE_NOT_FOUND. Alter runs on the admin thread.
 */
final class UserScramCredentialsHandlers {
    /** Kafka's controller takes at most this many iterations, so that an exchange stays cheap for the broker. */
    static final int MAX_ITERATIONS = 16384;

    private final ScramCredentials credentials;

    UserScramCredentialsHandlers(ScramCredentials credentials) {
        this.credentials = credentials;
    }

    ApiHandler<DescribeUserScramCredentialsRequestData> describe() {
        return (RequestContext c, DescribeUserScramCredentialsRequestData r) ->
                CompletableFuture.completedFuture(describe(r));
    }

    ApiHandler<AlterUserScramCredentialsRequestData> alter() {
        return (RequestContext c, AlterUserScramCredentialsRequestData r) ->
                CompletableFuture.<ApiMessage>completedFuture(alter(r));
    }

    private DescribeUserScramCredentialsResponseData describe(DescribeUserScramCredentialsRequestData request) {
        Map<String, Boolean> asked = new LinkedHashMap<>(); // user -> named more than once
        if (request.users() == null || request.users().isEmpty()) {
            credentials.users().forEach(u -> asked.put(u, false));
        } else {
            request.users().forEach(u -> asked.merge(u.name(), false, (a, b) -> true));
        }
        DescribeUserScramCredentialsResponseData response = new DescribeUserScramCredentialsResponseData();
        asked.forEach((user, twice) -> {
            DescribeUserScramCredentialsResult result = new DescribeUserScramCredentialsResult().setUser(user);
            Map<ScramMechanism, Integer> held = credentials.iterations(user);
            if (twice) {
                result.setErrorCode(Errors.DUPLICATE_RESOURCE.code()).setErrorMessage(
                        "Cannot describe SCRAM credentials for the same user twice in a single request: " + user);
            } else if (held.isEmpty()) {
                result.setErrorCode(Errors.RESOURCE_NOT_FOUND.code())
                        .setErrorMessage("Attempt to describe a user credential that does not exist: " + user);
            } else {
                held.forEach((m, iterations) -> result.credentialInfos().add(new CredentialInfo()
                        .setMechanism(typeOf(m)).setIterations(iterations)));
            }
            response.results().add(result);
        });
        return response;
    }

    private AlterUserScramCredentialsResponseData alter(AlterUserScramCredentialsRequestData request) {
        Map<String, ApiError> errors = new LinkedHashMap<>();
        Map<String, ScramCredentials.Key> deletions = new LinkedHashMap<>();
        Map<String, ScramCredentials.Key> upsertKeys = new LinkedHashMap<>();
        Map<ScramCredentials.Key, ScramCredential> changes = new HashMap<>();
        for (var d : request.deletions()) {
            if (errors.containsKey(d.name())) {
                continue;
            }
            if (deletions.remove(d.name()) != null) {
                errors.put(d.name(), twice());
                continue;
            }
            ScramMechanism m = mechanism(d.mechanism());
            ApiError error = check(d.name(), m);
            ScramCredentials.Key key = error.isFailure() ? null : new ScramCredentials.Key(d.name(), m);
            if (key != null && !credentials.contains(key)) {
                error = new ApiError(Errors.RESOURCE_NOT_FOUND, "Attempt to delete a user credential that does not exist");
            }
            if (error.isFailure()) {
                errors.put(d.name(), error);
            } else {
                deletions.put(d.name(), key);
            }
        }
        for (var u : request.upsertions()) {
            if (errors.containsKey(u.name())) {
                continue;
            }
            if (deletions.remove(u.name()) != null || upsertKeys.remove(u.name()) != null) {
                errors.put(u.name(), twice());
                continue;
            }
            ScramMechanism m = mechanism(u.mechanism());
            ApiError error = check(u.name(), m);
            if (!error.isFailure()) {
                error = u.iterations() < m.minIterations() ? new ApiError(Errors.UNACCEPTABLE_CREDENTIAL, "Too few iterations")
                        : u.iterations() > MAX_ITERATIONS ? new ApiError(Errors.UNACCEPTABLE_CREDENTIAL, "Too many iterations")
                        : u.salt().length == 0 || u.saltedPassword().length == 0
                        ? new ApiError(Errors.UNACCEPTABLE_CREDENTIAL, "Salt and salted password must not be empty")
                        : ApiError.NONE;
            }
            if (error.isFailure()) {
                errors.put(u.name(), error);
            } else {
                upsertKeys.put(u.name(), new ScramCredentials.Key(u.name(), m));
            }
        }
        deletions.values().forEach(k -> changes.put(k, null));
        for (var u : request.upsertions()) {
            ScramCredentials.Key key = upsertKeys.get(u.name());
            if (key != null) {
                changes.put(key, credential(key.mechanism(), u.salt(), u.saltedPassword(), u.iterations()));
            }
        }
        AlterUserScramCredentialsResponseData response = new AlterUserScramCredentialsResponseData();
        List<String> done = new ArrayList<>(deletions.keySet());
        done.addAll(upsertKeys.keySet());
        if (!changes.isEmpty()) {
            try {
                credentials.alter(changes);
            } catch (RuntimeException e) { // the file could not be written: nothing changed
                done.forEach(user -> errors.put(user, new ApiError(Errors.KAFKA_STORAGE_ERROR, e.getMessage())));
                done.clear();
            }
        }
        done.forEach(user -> response.results().add(new AlterUserScramCredentialsResult().setUser(user)));
        errors.forEach((user, e) -> response.results().add(new AlterUserScramCredentialsResult().setUser(user)
                .setErrorCode(e.error().code()).setErrorMessage(e.message())));
        return response;
    }

    /** RFC 5802's StoredKey and ServerKey from the salted password a client sent, as Kafka's controller derives them. */
    private static ScramCredential credential(ScramMechanism m, byte[] salt, byte[] saltedPassword, int iterations) {
        try {
            ScramFormatter f = new ScramFormatter(m);
            return new ScramCredential(salt, f.storedKey(f.clientKey(saltedPassword)), f.serverKey(saltedPassword),
                    iterations);
        } catch (GeneralSecurityException e) { // SHA-256 and SHA-512 are in every JDK
            throw new IllegalStateException(e);
        }
    }

    private static ApiError check(String user, ScramMechanism m) {
        if (user.isEmpty()) {
            return new ApiError(Errors.UNACCEPTABLE_CREDENTIAL, "Username must not be empty");
        }
        return m == null ? new ApiError(Errors.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism") : ApiError.NONE;
    }

    private static ApiError twice() {
        return new ApiError(Errors.DUPLICATE_RESOURCE, "A user credential cannot be altered twice in the same request");
    }

    /** The mechanism a wire type names (1: SHA-256, 2: SHA-512); null for any other. */
    private static ScramMechanism mechanism(byte type) {
        org.apache.kafka.clients.admin.ScramMechanism m = org.apache.kafka.clients.admin.ScramMechanism.fromType(type);
        return m == org.apache.kafka.clients.admin.ScramMechanism.UNKNOWN ? null
                : ScramMechanism.forMechanismName(m.mechanismName());
    }

    private static byte typeOf(ScramMechanism m) {
        return org.apache.kafka.clients.admin.ScramMechanism.fromMechanismName(m.mechanismName()).type();
    }
}
