package io.ferrite.server;

import io.ferrite.storage.Store;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Wires the store and the network server, and owns their lifecycle. It advertises exactly the APIs it
 * has handlers for.
 */
public final class Broker implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(Broker.class);

    private final Store store;
    private final KafkaServer server;

    private Broker(Store store, KafkaServer server) {
        this.store = store;
        this.server = server;
    }

    /** Opens the store (recovering it if needed) and starts listening. */
    public static Broker start(BrokerConfig config, Clock clock) throws InterruptedException {
        Store store = Store.open(config.store(), clock);
        try {
            ApiVersionsTable table = new ApiVersionsTable().add(ApiKeys.API_VERSIONS, 0, 4);
            Map<ApiKeys, RequestDispatcher.Handler> handlers = Map.of(ApiKeys.API_VERSIONS,
                    request -> CompletableFuture.completedFuture(table.response(Errors.NONE)));
            KafkaServer server = new KafkaServer(config, table, handlers).start();
            return new Broker(store, server);
        } catch (InterruptedException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    public int port() {
        return server.port();
    }

    /** Stops accepting, then closes the store cleanly (final flush and checkpoint, abort file removed). */
    @Override
    public void close() {
        LOG.info("shutting down");
        try {
            server.close();
        } finally {
            store.close();
        }
    }
}
