package io.ferrite.server.log;

import io.ferrite.storage.StoreException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

/**
 * The Kafka error a client gets for a failure: a Kafka {@code ApiException}'s own code (how handlers signal
 * an error), each way the store can refuse mapped here once, and UNKNOWN_SERVER_ERROR for anything else.
 */
final class StoreErrors {
    private StoreErrors() {
    }

    static Errors of(Throwable t) {
        Throwable c = Errors.maybeUnwrapException(t);
        if (c instanceof ApiException) {
            return Errors.forException(c);
        }
        if (!(c instanceof StoreException e)) {
            return Errors.UNKNOWN_SERVER_ERROR;
        }
        return switch (e.category()) {
            case DISK_FULL, IO -> Errors.KAFKA_STORAGE_ERROR;
            case CORRUPT -> Errors.CORRUPT_MESSAGE;
            case INVALID_BATCH -> Errors.INVALID_RECORD;
            case TOO_LARGE -> Errors.MESSAGE_TOO_LARGE;
            case OFFSET_OUT_OF_RANGE -> Errors.OFFSET_OUT_OF_RANGE;
            case UNKNOWN_PARTITION -> Errors.UNKNOWN_TOPIC_OR_PARTITION;
            case OUT_OF_ORDER_SEQUENCE -> Errors.OUT_OF_ORDER_SEQUENCE_NUMBER;
            case INVALID_PRODUCER_EPOCH -> Errors.INVALID_PRODUCER_EPOCH;
            case TRANSACTION_NOT_VERIFIED -> Errors.INVALID_TXN_STATE;
            case UNEXPECTED_OFFSET -> Errors.UNKNOWN_SERVER_ERROR; // a follower's own append, never a client's
            case CLOSED -> Errors.NOT_LEADER_OR_FOLLOWER; // shutting down: the client refreshes and retries
        };
    }
}
