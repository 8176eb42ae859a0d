package io.ferrite.server;

import io.ferrite.server.config.SecurityConfigs;
import io.ferrite.server.metadata.DynamicBrokerConfigs;
import io.ferrite.server.security.ListenerSecurity;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands a change of the broker's dynamic configs to its listeners: each TLS listener checks, then takes, its
 * TLS keys as the properties file and the new dynamic set give them together.
 */
final class ListenerChanges implements DynamicBrokerConfigs.Applier {
    private final Map<String, String> fromFile;
    private final List<ListenerSecurity> listeners;

    /** {@code fromFile}: the properties as the file and overrides give them, without any dynamic config. */
    ListenerChanges(Map<String, String> fromFile, List<ListenerSecurity> listeners) {
        this.fromFile = Map.copyOf(fromFile);
        this.listeners = listeners;
    }

    @Override
    public void validate(Map<String, String> next) {
        for (ListenerSecurity l : listeners) {
            l.validateReconfiguration(securityOf(l, next));
        }
    }

    @Override
    public void apply(Map<String, String> next) {
        for (ListenerSecurity l : listeners) {
            l.reconfigure(securityOf(l, next));
        }
    }

    private Map<String, Object> securityOf(ListenerSecurity l, Map<String, String> next) {
        Map<String, String> props = new HashMap<>(fromFile);
        props.putAll(next);
        return SecurityConfigs.security(l.listener().name(), props);
    }
}
