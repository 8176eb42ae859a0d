package io.ferrite.quorum;

import org.apache.kafka.common.protocol.Errors;

/**
 * What applying one quorum log entry did: Kafka's error for a refused change (the state is then unchanged), and a
 * value the change gives back (a registration's broker epoch, an AlterPartition's new partition epoch).
 */
public record Outcome(Errors error, long value, String message) {
    static Outcome ok(long value) {
        return new Outcome(Errors.NONE, value, "");
    }

    static Outcome refused(Errors error, String message) {
        return new Outcome(error, -1, message);
    }
}
