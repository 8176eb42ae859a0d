package io.ferrite.bench;

import java.nio.ByteBuffer;
import java.util.Random;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/** Pre-built v2 record batches of an exact size, made with kafka-clients' own builder. */
final class Batches {
    /** A typical small message: an 8-byte key and a 100-byte value. */
    private static final int KEY_BYTES = 8;
    private static final int VALUE_BYTES = 100;

    private Batches() {
    }

    /**
     * {@code count} batches of exactly {@code targetBytes} each (records of {@value #VALUE_BYTES}-byte
     * values, the last one stretched to fill), with different random contents.
     */
    static ByteBuffer[] build(int targetBytes, int count, long seed) {
        Random random = new Random(seed);
        ByteBuffer[] out = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            out[i] = exact(targetBytes, random);
        }
        return out;
    }

    private static ByteBuffer exact(int target, Random random) {
        int records = 1;
        while (build(records + 1, VALUE_BYTES, random).remaining() <= target) {
            records++;
        }
        // Stretch the last value; varint lengths can shift by a byte, so converge in a few steps.
        int lastValue = VALUE_BYTES;
        for (int attempt = 0; attempt < 8; attempt++) {
            ByteBuffer b = build(records, lastValue, random);
            int diff = target - b.remaining();
            if (diff == 0) {
                return b;
            }
            lastValue = Math.max(0, lastValue + diff);
        }
        throw new IllegalStateException("cannot build a batch of exactly " + target + " bytes");
    }

    private static ByteBuffer build(int records, int lastValueBytes, Random random) {
        long now = System.currentTimeMillis();
        SimpleRecord[] rs = new SimpleRecord[records];
        for (int i = 0; i < records; i++) {
            byte[] key = new byte[KEY_BYTES];
            byte[] value = new byte[i == records - 1 ? lastValueBytes : VALUE_BYTES];
            random.nextBytes(key);
            random.nextBytes(value);
            rs[i] = new SimpleRecord(now, key, value);
        }
        return MemoryRecords.withRecords(Compression.NONE, rs).buffer();
    }

    /** Records in a batch built by {@link #build}: the v2 header's record count. */
    static int recordCount(ByteBuffer batch) {
        return batch.getInt(batch.position() + 57);
    }
}
