package io.ferrite.server;

import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.metadata.DynamicBrokerConfigs;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.KafkaServer;
import io.ferrite.storage.Store;
import java.util.HashMap;
import java.util.Map;

/**
 * Hands a change of the broker's dynamic configs (see {@code DynamicKeys}) to the parts that take them: the
 * properties file's values with the dynamic set over them are parsed as at start, which checks every value
 * with the key's own definition; then the TLS listeners take their stores, the topic registry its defaults
 * (every topic's produce rules and retention follow), the store its running settings and cleaners, and the
 * network its connection quotas. Called on the admin thread, one change at a time.
 */
final class BrokerReconfiguration implements DynamicBrokerConfigs.Applier {
    private final Map<String, String> fromFile;
    private final ListenerChanges listeners;
    private final TopicRegistry topics;
    private final Store store;
    private final KafkaServer server;

    /** {@code fromFile}: the properties as the file and overrides give them, without any dynamic config. */
    BrokerReconfiguration(Map<String, String> fromFile, ListenerChanges listeners, TopicRegistry topics, Store store,
                          KafkaServer server) {
        this.fromFile = Map.copyOf(fromFile);
        this.listeners = listeners;
        this.topics = topics;
        this.store = store;
        this.server = server;
    }

    private BrokerConfig parse(Map<String, String> dynamic) {
        Map<String, String> props = new HashMap<>(fromFile);
        props.putAll(dynamic);
        return BrokerConfig.fromProperties(props);
    }

    @Override
    public void validate(Map<String, String> next) {
        BrokerConfig config = parse(next);
        KafkaServer.checkLimits(config.connectionLimits());
        listeners.validate(next);
    }

    @Override
    public void apply(Map<String, String> next) {
        listeners.apply(next);
        applyToParts(next);
    }

    /** At start, the listeners having been made with the dynamic set already: the other parts take it. */
    void applyToParts(Map<String, String> next) {
        BrokerConfig config = parse(next);
        topics.replaceDefaults(config.topicDefaults().withDynamic(next.keySet()));
        store.reconfigure(config.store());
        server.reconfigure(config.connectionLimits());
    }
}
