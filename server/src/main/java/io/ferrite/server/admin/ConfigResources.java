package io.ferrite.server.admin;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.InvalidRequestException;

/** Resource checks DescribeConfigs and both alter APIs share. */
final class ConfigResources {
    private ConfigResources() {
    }

    /**
     * Checks that a BROKER or BROKER_LOGGER resource names this broker by its node id.
     *
     * @throws InvalidRequestException for a name that is not a number or names another broker, as Kafka answers
     */
    static void checkNamesThisBroker(String name, int nodeId) {
        int id;
        try {
            id = Integer.parseInt(name);
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("broker id must be a number, not '" + name + "'");
        }
        if (id != nodeId) {
            throw new InvalidRequestException("this is broker " + nodeId + ", not broker " + name);
        }
    }

    /** A resource as both alter APIs name it. */
    record Key(byte type, String name) {
    }

    /**
     * Runs {@code alter} on each resource in request order and says how each went: null for done, else the
     * error Kafka answers with. {@code alter} either throws at once or returns a future of a change made
     * elsewhere (a group's configs, on the group coordinator's thread), or null for a change already made. A
     * resource named more than once gets INVALID_REQUEST for every copy.
     */
    static <R> CompletableFuture<List<ApiException>> alterEach(List<R> resources, Function<R, Key> key,
                                                              Function<R, CompletableFuture<Void>> alter) {
        Set<Key> twice = repeated(resources.stream().map(key).toList());
        List<CompletableFuture<ApiException>> out = new ArrayList<>(resources.size());
        for (R r : resources) {
            CompletableFuture<ApiException> result;
            try {
                if (twice.contains(key.apply(r))) {
                    throw new InvalidRequestException("the resource appears more than once in the request");
                }
                CompletableFuture<Void> change = alter.apply(r);
                result = change == null ? CompletableFuture.completedFuture(null)
                        : change.handle((v, e) -> e == null ? null : asApiException(e));
            } catch (ApiException e) {
                result = CompletableFuture.completedFuture(e);
            }
            out.add(result);
        }
        return CompletableFuture.allOf(out.toArray(CompletableFuture[]::new))
                .thenApply(v -> out.stream().map(CompletableFuture::join).toList());
    }

    /**
     * The error a failed group coordinator call answers with: its own API error, or COORDINATOR_NOT_AVAILABLE
     * (retriable) when it could not store or is closing.
     */
    static ApiException asApiException(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return cause instanceof ApiException api ? api
                : new CoordinatorNotAvailableException("the group coordinator could not take the change: " + cause);
    }

    /** The keys that occur more than once among {@code keys}. */
    static <K> Set<K> repeated(Iterable<K> keys) {
        Set<K> seen = new HashSet<>();
        Set<K> repeated = new HashSet<>();
        for (K k : keys) {
            if (!seen.add(k)) {
                repeated.add(k);
            }
        }
        return repeated;
    }

    /** The error for BROKER_LOGGER resources, which this broker does not serve. */
    static InvalidRequestException noBrokerLoggers() {
        return new InvalidRequestException("this broker does not serve BROKER_LOGGER resources: its log levels "
                + "are set in its log4j2 configuration file");
    }
}
