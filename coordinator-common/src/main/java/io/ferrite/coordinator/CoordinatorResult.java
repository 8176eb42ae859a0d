package io.ferrite.coordinator;

import java.util.List;

/**
 * What a write operation of a coordinator produces: the records to append to its log, and the response to give
 * once they are durable (after Kafka's {@code CoordinatorResult}). The operation has already applied the records
 * to its state, as replay would; {@link CoordinatorRuntime#write} appends them and, if that fails, rolls the
 * state back to the log.
 *
 * @param <R> the coordinator's record type
 * @param <T> the response type
 */
public record CoordinatorResult<R, T>(List<R> records, T response) {
    public CoordinatorResult {
        records = List.copyOf(records);
    }

    /** A result with records and no response, for the coordinator's own changes (timers, expiry). */
    public static <R> CoordinatorResult<R, Void> of(List<R> records) {
        return new CoordinatorResult<>(records, null);
    }
}
