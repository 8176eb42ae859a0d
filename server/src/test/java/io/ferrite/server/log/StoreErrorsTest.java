package io.ferrite.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ferrite.storage.StoreException.Category;
import io.ferrite.storage.StoreException;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class StoreErrorsTest {
    private static Errors of(Category c) {
        return StoreErrors.of(new StoreException(c, "x"));
    }

    @Test
    void everyStoreFailureHasTheKafkaCodeAClientActsOnCorrectly() {
        assertEquals(Errors.KAFKA_STORAGE_ERROR, of(Category.DISK_FULL));
        assertEquals(Errors.KAFKA_STORAGE_ERROR, of(Category.IO));
        assertEquals(Errors.CORRUPT_MESSAGE, of(Category.CORRUPT));
        assertEquals(Errors.INVALID_RECORD, of(Category.INVALID_BATCH));
        assertEquals(Errors.MESSAGE_TOO_LARGE, of(Category.TOO_LARGE));
        assertEquals(Errors.OFFSET_OUT_OF_RANGE, of(Category.OFFSET_OUT_OF_RANGE));
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, of(Category.UNKNOWN_PARTITION));
        assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, of(Category.OUT_OF_ORDER_SEQUENCE));
        assertEquals(Errors.INVALID_PRODUCER_EPOCH, of(Category.INVALID_PRODUCER_EPOCH));
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER, of(Category.CLOSED));
        assertEquals(Errors.INVALID_TXN_STATE, of(Category.TRANSACTION_NOT_VERIFIED));
        assertEquals(Errors.UNKNOWN_SERVER_ERROR, of(Category.UNEXPECTED_OFFSET)); // a follower's, never a client's
        for (Category c : Category.values()) {
            assertEquals(of(c), StoreErrors.of(new CompletionException(new StoreException(c, "y"))), "unwrapped " + c);
        }
        assertEquals(Errors.UNKNOWN_SERVER_ERROR, StoreErrors.of(new IllegalStateException("bug")));
    }

    @Test
    void aKafkaExceptionKeepsItsCode() {
        // The refusals a produce carries through its append future, as Kafka's own exceptions.
        for (Errors e : List.of(Errors.UNSUPPORTED_COMPRESSION_TYPE, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
                Errors.INVALID_TXN_STATE, Errors.INVALID_RECORD, Errors.CORRUPT_MESSAGE, Errors.MESSAGE_TOO_LARGE,
                Errors.INVALID_TIMESTAMP)) {
            assertEquals(e, StoreErrors.of(e.exception("refused")), e.name());
            assertEquals(e, StoreErrors.of(new CompletionException(e.exception("refused"))), "unwrapped " + e.name());
        }
    }
}
