package io.ferrite.txn;

import org.apache.kafka.common.protocol.Errors;

/** A request refused with a Kafka error before anything changed. Expected, so it carries no stack trace. */
final class Refused extends RuntimeException {
    final Errors error;

    Refused(Errors error) {
        super(error.name(), null, false, false);
        this.error = error;
    }

    /** Kafka's word for a fenced producer in requests older than {@code since}: INVALID_PRODUCER_EPOCH. */
    Errors forVersion(short version, int since) {
        return error == Errors.PRODUCER_FENCED && version < since ? Errors.INVALID_PRODUCER_EPOCH : error;
    }
}
