package io.ferrite.server;

import io.ferrite.group.GroupCoordinator;
import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.network.KafkaServer;
import java.time.Clock;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The composition root: the broker's parts ({@link BrokerParts}: store, registry, coordinator, every API
 * registered by its package) behind a network server, started and closed in order. Nothing else lives here.
 */
public final class Broker implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(Broker.class);

    private final BrokerParts parts;
    private final KafkaServer server;

    private Broker(BrokerParts parts, KafkaServer server) {
        this.parts = parts;
        this.server = server;
    }

    /** Opens the store (recovering it if needed) and the topic registry, and starts listening. */
    public static Broker start(BrokerConfig config, Clock clock) throws Exception {
        KafkaServer[] server = new KafkaServer[1];
        BrokerParts parts = BrokerParts.open(config, clock,
                () -> config.advertisedPort() > 0 ? config.advertisedPort() : server[0].port());
        try {
            server[0] = new KafkaServer(config, parts.apis, clock).start();
        } catch (Exception e) { // includes a BindException Netty rethrows undeclared
            parts.close();
            throw e;
        }
        LOG.info("node {} of cluster {} is up with {} topics", parts.identity.nodeId(), parts.identity.clusterId(),
                parts.topics.all().size());
        return new Broker(parts, server[0]);
    }

    /**
     * Who hears, once, that the store went offline (see {@code Store.onFailure}): from then on nothing produced
     * can be made durable, so {@link Main} stops the broker.
     */
    public void onStoreFailure(Consumer<? super Exception> listener) {
        parts.store.onFailure(listener::accept);
    }

    public int port() {
        return server.port();
    }

    /** The group coordinator, for tests that drive its timers by hand. */
    GroupCoordinator groupCoordinator() {
        return parts.groupCoordinator();
    }

    /** Stops accepting, then closes the parts, the store last. */
    @Override
    public void close() {
        LOG.info("shutting down");
        server.close();
        parts.close();
    }
}
