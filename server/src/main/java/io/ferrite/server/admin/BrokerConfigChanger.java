package io.ferrite.server.admin;

import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.config.DynamicKeys;
import io.ferrite.server.config.SecurityConfigs;
import io.ferrite.server.metadata.DynamicBrokerConfigs;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;

/**
 * Changes to this broker's BROKER resource, from AlterConfigs and IncrementalAlterConfigs: the configs
 * {@link DynamicKeys} names may be set and deleted while it runs (a listener's TLS stores named with the
 * listener's prefix, as Kafka wants them); any other config set gets INVALID_REQUEST, as Kafka answers for a
 * config that is not dynamic. A value its key's definition refuses, stores that do not load, or a certificate
 * that changes its name get INVALID_CONFIG and change nothing. The cluster-wide default resource (an empty name)
 * takes nothing: with one broker there is nothing for it to be a default over.
 */
final class BrokerConfigChanger {
    private final BrokerConfig config;
    private final DynamicBrokerConfigs dynamic;

    BrokerConfigChanger(BrokerConfig config, DynamicBrokerConfigs dynamic) {
        this.config = config;
        this.dynamic = dynamic;
    }

    int nodeId() {
        return config.nodeId();
    }

    /**
     * Sets {@code set} and deletes {@code deleted} (deleting what is not set is no change); with {@code replace},
     * as AlterConfigs does, whatever {@code set} does not name is deleted.
     */
    void change(String resourceName, Map<String, String> set, Iterable<String> deleted, boolean replace,
                boolean validateOnly) {
        if (!resourceName.isEmpty()) {
            ConfigResources.checkNamesThisBroker(resourceName, config.nodeId());
        }
        TreeSet<String> refused = new TreeSet<>();
        for (String key : set.keySet()) {
            if (resourceName.isEmpty() || !DynamicKeys.reconfigurable(key, config.listeners())) {
                if (!resourceName.isEmpty() && SecurityConfigs.needsListenerPrefix(key)) {
                    throw new InvalidRequestException(key + " changes for one listener at a time: set "
                            + "listener.name.<listener>." + key + " for a TLS listener");
                }
                refused.add(key);
            }
        }
        if (!refused.isEmpty()) {
            throw new InvalidRequestException("these broker configs cannot change while the broker runs: " + refused
                    + "; set them in its properties file and restart it");
        }
        if (resourceName.isEmpty()) {
            return; // nothing set there, so deleting is no change
        }
        try {
            dynamic.alter(current -> {
                Map<String, String> next = replace ? new TreeMap<>() : new TreeMap<>(current);
                deleted.forEach(next::remove);
                next.putAll(set);
                config.withDynamic(next); // each value as its key's definition checks it at start
                return next;
            }, validateOnly);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(e.getMessage());
        }
    }
}
