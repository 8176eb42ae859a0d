package io.ferrite.server;

import io.ferrite.group.GroupCoordinator;
import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.config.Listener;
import io.ferrite.server.config.SecurityConfigs;
import io.ferrite.server.console.Console;
import io.ferrite.server.http.ManagementServer;
import io.ferrite.server.metadata.DynamicBrokerConfigs;
import io.ferrite.server.metrics.ConnectionMetrics;
import io.ferrite.server.metrics.PrometheusExport;
import io.ferrite.server.security.ListenerSecurity;
import io.ferrite.server.security.ScramCredentials;
import io.ferrite.server.network.KafkaServer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The composition root: the broker's parts ({@link BrokerParts}: store, registry, coordinator, every API
 * registered by its package) behind a network server, started and closed in order. Nothing else lives here.
 */
public final class Broker implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(Broker.class);

    private final List<ListenerSecurity> listeners;
    private final BrokerParts parts;
    private final KafkaServer server;
    /** The HTTP listener ({@code http.listener}); null without one. */
    private final ManagementServer http;
    /** The web console it serves; null without an HTTP listener. */
    private final Console console;

    private Broker(List<ListenerSecurity> listeners, BrokerParts parts, KafkaServer server, ManagementServer http,
                   Console console) {
        this.console = console;
        this.listeners = listeners;
        this.parts = parts;
        this.server = server;
        this.http = http;
    }

    /**
     * Loads the listeners' key and trust stores (a store that cannot be used fails here, with an
     * {@link IllegalArgumentException}, before the store is opened), opens the store (recovering it if needed)
     * and the topic registry, and starts listening.
     */
    public static Broker start(BrokerConfig config, Clock clock) throws Exception {
        // Configs set while an earlier run ran (a rotated key store, a retention) go over the properties file's,
        // from the start: the store and the topics open with them, so nothing runs on the file's values first.
        DynamicBrokerConfigs dynamic = DynamicBrokerConfigs.load(config.store().dataDir());
        Map<String, String> persisted = BrokerReconfiguration.usable(config, dynamic.values());
        dynamic.keepOnly(persisted.keySet());
        BrokerConfig running = config.withDynamic(persisted);
        Map<String, String> props = new HashMap<>(config.properties());
        props.putAll(persisted);
        ScramCredentials scram = ScramCredentials.load(config.store().dataDir());
        List<ListenerSecurity> listeners = new ArrayList<>();
        try {
            for (Listener l : config.listeners()) {
                listeners.add(ListenerSecurity.configure(
                        l.withSecurity(SecurityConfigs.security(l.name(), props)), scram));
            }
        } catch (RuntimeException e) {
            listeners.forEach(ListenerSecurity::close);
            throw e;
        }
        KafkaServer[] server = new KafkaServer[1];
        BrokerParts parts;
        try {
            parts = BrokerParts.open(config, running, persisted.keySet(), clock, name -> server[0].port(name), dynamic,
                    scram);
        } catch (RuntimeException e) {
            listeners.forEach(ListenerSecurity::close);
            throw e;
        }
        server[0] = new KafkaServer(running, listeners, parts.apis, clock, parts.quotaManager::recordConnection)
                .measureWith(new ConnectionMetrics(parts.metrics));
        dynamic.applyWith(new BrokerReconfiguration(config, new ListenerChanges(config.properties(), listeners),
                parts.topics, parts.store, server[0]));
        // The HTTP listener first and the Kafka listeners last: a broker that answers clients is all there, and
        // what waits for its port to answer (a supervisor, a test) does not stop it half started.
        ManagementServer http = null;
        Console console = null;
        try {
            if (config.httpListener() != null) {
                console = new Console(config, parts.identity, parts.topics, parts.store, parts.groupCoordinator(),
                        parts.topicMetrics, server[0]::port, clock);
                try {
                    http = ManagementServer.start(config.httpListener(), new PrometheusExport(parts.metrics),
                            parts.store::view, console.handlers());
                } catch (java.io.IOException e) {
                    throw new java.io.IOException("cannot listen for HTTP on " + config.httpListener() + ": " + e, e);
                }
            }
            server[0].start();
        } catch (Exception e) { // includes a BindException Netty rethrows undeclared
            if (http != null) {
                http.close();
            }
            if (console != null) {
                console.close();
            }
            server[0].close();
            parts.close();
            listeners.forEach(ListenerSecurity::close);
            throw e;
        }
        LOG.info("node {} of cluster {} is up with {} topics", parts.identity.nodeId(), parts.identity.clusterId(),
                parts.topics.all().size());
        return new Broker(listeners, parts, server[0], http, console);
    }

    /**
     * Who hears, once, that the store went offline (see {@code Store.onFailure}): from then on nothing produced
     * can be made durable, so {@link Main} stops the broker.
     */
    public void onStoreFailure(Consumer<? super Exception> listener) {
        parts.store.onFailure(listener::accept);
    }

    /** The port the first listener bound. */
    public int port() {
        return server.port();
    }

    /** The port the named listener bound; -1 if there is none by that name. */
    public int port(String listener) {
        return server.port(listener);
    }

    /** The port the HTTP listener bound; -1 without one. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /** The store's settings as it runs now, for tests of dynamic configs. */
    io.ferrite.storage.StoreConfig storeConfig() {
        return parts.store.config();
    }

    /** The store's service threads now, for tests of dynamic configs. */
    List<String> storeThreads() {
        return parts.store.view().services().stream().map(io.ferrite.storage.StoreView.Service::name).toList();
    }

    /** The group coordinator, for tests that drive its timers by hand. */
    GroupCoordinator groupCoordinator() {
        return parts.groupCoordinator();
    }

    /** Stops accepting, then closes the parts, the store last. */
    @Override
    public void close() {
        LOG.info("shutting down");
        if (http != null) {
            http.close();
            console.close();
        }
        server.close();
        parts.close();
        listeners.forEach(ListenerSecurity::close);
    }
}
