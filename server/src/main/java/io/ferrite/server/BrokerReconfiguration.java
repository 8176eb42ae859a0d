package io.ferrite.server;

import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.config.DynamicKeys;
import io.ferrite.server.config.TopicDefaults;
import io.ferrite.server.metadata.DynamicBrokerConfigs;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.KafkaServer;
import io.ferrite.storage.Store;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Hands a change of the broker's dynamic configs (see {@link DynamicKeys}) to the parts that take them. Everything
 * that can fail is done in {@link #validate}, before the set is written: the properties file's values with the
 * dynamic set over them are parsed as at start (each value checked by its key's definition), the connection
 * quotas' override hosts resolved, the topic defaults built, the cleaner's new thread count bounded as Kafka
 * bounds it (half to twice the current count), and the TLS listeners' new stores loaded. {@link #apply} then
 * hands the prepared values over: the TLS listeners take their stores, the topic registry its defaults (every
 * topic's produce rules and retention follow), the store its running settings and cleaners, the network its
 * connection quotas. Called on the admin thread, one change at a time (under {@link DynamicBrokerConfigs}' lock).
 */
final class BrokerReconfiguration implements DynamicBrokerConfigs.Applier {
    private static final Logger LOG = LogManager.getLogger(BrokerReconfiguration.class);

    /** A set checked by {@link #validate}, with what it takes to apply it. */
    private record Prepared(Map<String, String> next, BrokerConfig config, Map<InetAddress, Integer> overrides,
                            TopicDefaults defaults) {
    }

    private final BrokerConfig fromFile;
    private final ListenerChanges listeners;
    private final TopicRegistry topics;
    private final Store store;
    private final KafkaServer server;
    private Prepared prepared; // admin thread only

    /** {@code fromFile}: the broker's configuration as the file and overrides give it, without any dynamic config. */
    BrokerReconfiguration(BrokerConfig fromFile, ListenerChanges listeners, TopicRegistry topics, Store store,
                          KafkaServer server) {
        this.fromFile = fromFile;
        this.listeners = listeners;
        this.topics = topics;
        this.store = store;
        this.server = server;
    }

    /**
     * The part of a set persisted by an earlier run that this start can take: keys that are not dynamic (a
     * file written by hand) and values the file's configuration no longer goes with are left out, each with a
     * warning, and the broker starts on the rest, as Kafka does with persisted dynamic configs it cannot take.
     */
    static Map<String, String> usable(BrokerConfig fromFile, Map<String, String> persisted) {
        Map<String, String> kept = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(persisted).entrySet()) {
            if (!DynamicKeys.reconfigurable(e.getKey(), fromFile.listeners())) {
                LOG.warn("ignoring {} from {}: it cannot be set while the broker runs", e.getKey(),
                        DynamicBrokerConfigs.FILE);
                continue;
            }
            Map<String, String> tried = new LinkedHashMap<>(kept);
            tried.put(e.getKey(), e.getValue());
            try {
                KafkaServer.checkLimits(fromFile.withDynamic(tried).connectionLimits());
                kept.put(e.getKey(), e.getValue());
            } catch (IllegalArgumentException bad) {
                LOG.warn("ignoring {}={} from {}: {}", e.getKey(), e.getValue(), DynamicBrokerConfigs.FILE,
                        bad.getMessage());
            }
        }
        return kept;
    }

    @Override
    public void validate(Map<String, String> next) {
        BrokerConfig config = fromFile.withDynamic(next);
        Map<InetAddress, Integer> overrides = KafkaServer.checkLimits(config.connectionLimits());
        int threads = store.config().cleaner().threads();
        int wanted = config.store().cleaner().threads();
        if (wanted != threads && (wanted < Math.max(1, threads / 2) || wanted > threads * 2)) {
            throw new IllegalArgumentException("log.cleaner.threads may change to between " + Math.max(1, threads / 2)
                    + " and " + threads * 2 + " at a time, from " + threads);
        }
        listeners.validate(next);
        prepared = new Prepared(Map.copyOf(next), config, overrides,
                config.topicDefaults().withDynamic(next.keySet()));
    }

    @Override
    public void apply(Map<String, String> next) {
        Prepared p = prepared;
        if (p == null || !p.next().equals(next)) { // not the set just checked: check it now
            validate(next);
            p = prepared;
        }
        prepared = null;
        listeners.apply(next);
        topics.replaceDefaults(p.defaults());
        store.reconfigure(p.config().store());
        server.reconfigure(p.config().connectionLimits(), p.overrides());
    }
}
