package io.ferrite.server.txn;

import io.ferrite.server.network.ApiHandler;
import io.ferrite.server.network.RequestContext;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * InitProducerId for idempotent producers: as in Kafka, every call without a transactional id gets a fresh
 * producer id at epoch 0. A transactional id is the transaction coordinator's ({@link TxnApis}).
 */
final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequestData> {
    private final ProducerIds ids;

    InitProducerIdHandler(ProducerIds ids) {
        this.ids = ids;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, InitProducerIdRequestData req) {
        InitProducerIdResponseData resp = new InitProducerIdResponseData().setProducerId(-1).setProducerEpoch((short) -1);
        try {
            return CompletableFuture.completedFuture(resp.setProducerId(ids.next()).setProducerEpoch((short) 0));
        } catch (RuntimeException e) { // the reservation could not be written: no id may be handed out
            return CompletableFuture.completedFuture(resp.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code()));
        }
    }
}
