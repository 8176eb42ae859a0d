package io.ferrite.server.admin;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.common.errors.ApiException;
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
     * error Kafka answers with. A resource named more than once gets INVALID_REQUEST for every copy.
     */
    static <R> List<ApiException> alterEach(List<R> resources, Function<R, Key> key, Consumer<R> alter) {
        Set<Key> twice = repeated(resources.stream().map(key).toList());
        List<ApiException> out = new ArrayList<>(resources.size());
        for (R r : resources) {
            try {
                if (twice.contains(key.apply(r))) {
                    throw new InvalidRequestException("the resource appears more than once in the request");
                }
                alter.accept(r);
                out.add(null);
            } catch (ApiException e) {
                out.add(e);
            }
        }
        return out;
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
