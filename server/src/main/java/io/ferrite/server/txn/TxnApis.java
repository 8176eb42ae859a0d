package io.ferrite.server.txn;

import io.ferrite.server.network.AdminExecutor;
import io.ferrite.server.network.ApiRegistry;
import java.nio.file.Path;
import org.apache.kafka.common.protocol.ApiKeys;

/** Producer ids, and (once they are built) transactions. */
public final class TxnApis {
    private TxnApis() {
    }

    /**
     * Registers InitProducerId, which hands out idempotent producer ids from a block file in {@code dataDir};
     * it runs on the admin thread, since a new block is fsynced.
     */
    public static void register(ApiRegistry apis, Path dataDir, AdminExecutor admin) {
        apis.register(ApiKeys.INIT_PRODUCER_ID, 0, 6, admin.offload(new InitProducerIdHandler(new ProducerIds(dataDir))));
    }
}
