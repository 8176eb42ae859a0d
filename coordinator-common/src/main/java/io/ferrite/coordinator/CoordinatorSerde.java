package io.ferrite.coordinator;

import java.nio.ByteBuffer;

/**
 * How a coordinator's records become the key and value of a Kafka record in its log, and back. A record whose
 * value is null is a tombstone: it removes its key.
 *
 * @param <R> the coordinator's record type
 */
public interface CoordinatorSerde<R> {
    /** A record as bytes: its key, and its value (null for a tombstone). */
    record Encoded(byte[] key, byte[] value) {
        /** Bytes this record takes in a batch, with room for the record's own header. */
        public int sizeInBatch() {
            return 32 + key.length + (value == null ? 0 : value.length);
        }
    }

    Encoded encode(R record);

    /** The record of that key and value ({@code value} null for a tombstone). */
    R decode(ByteBuffer key, ByteBuffer value);
}
