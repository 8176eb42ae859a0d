package io.ferrite.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

/**
 * The in-place walk must reach the same outcome as Kafka's own record reader on every batch: valid ones and
 * tens of thousands of damaged ones (record bytes changed, lengths and counts broken).
 */
class UncompressedRecordsTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final BatchValidator.Rules RULES = new BatchValidator.Rules(1 << 20, TimestampType.CREATE_TIME,
            3_600_000, 3_600_000, true);

    /** Records with keys and without, values and nulls, headers with and without values, odd timestamps. */
    private static ByteBuffer batch(Random random) {
        int n = 1 + random.nextInt(6);
        SimpleRecord[] rs = new SimpleRecord[n];
        for (int i = 0; i < n; i++) {
            byte[] key = random.nextInt(4) == 0 ? null : ("k" + i).getBytes(StandardCharsets.UTF_8);
            byte[] value = random.nextInt(5) == 0 ? null : new byte[random.nextInt(40)];
            Header[] headers = new Header[random.nextInt(3)];
            for (int h = 0; h < headers.length; h++) {
                headers[h] = new RecordHeader("h" + h, random.nextBoolean() ? null : new byte[random.nextInt(5)]);
            }
            long ts = random.nextInt(6) == 0 ? NOW + 7_200_000L : random.nextInt(8) == 0 ? -1 : NOW - random.nextInt(1000);
            rs[i] = new SimpleRecord(ts, key, value, headers);
        }
        return MemoryRecords.withRecords(Compression.NONE, rs).buffer();
    }

    /** What a reader concluded: how many records and which refusals, or the kind of failure. */
    private static String outcome(Runnable r, BatchValidator.RecordChecks checks, int[] seen) {
        try {
            r.run();
            return "ok " + seen[0] + " " + checks.errors.stream().map(e -> e.batchIndex() + ":" + e.message()).toList();
        } catch (InvalidRecordException e) {
            return "INVALID_RECORD";
        } catch (RuntimeException e) {
            return "CORRUPT_MESSAGE";
        }
    }

    private static BatchValidator.RecordChecks checks() {
        return new BatchValidator.RecordChecks(RULES, NOW);
    }

    private static void assertSameOutcome(ByteBuffer batch, Map<String, Integer> tally) {
        MutableRecordBatch kafka = MemoryRecords.readableRecords(batch.duplicate()).batches().iterator().next();
        BatchValidator.RecordChecks theirs = checks();
        int[] theirCount = new int[1];
        String expected = outcome(() -> theirCount[0] = BatchValidator.checkEachRecord(kafka, theirs, Long.MAX_VALUE), theirs,
                theirCount);
        BatchValidator.RecordChecks ours = checks();
        int[] ourCount = new int[1];
        String actual = outcome(() -> ourCount[0] = UncompressedRecords.walk(batch.duplicate(), ours), ours, ourCount);
        assertEquals(expected, actual, () -> "batch bytes " + hex(batch));
        tally.merge(expected.startsWith("ok") ? "ok" : expected, 1, Integer::sum);
    }

    @Test
    void intactBatchesGiveKafkasCountsAndRecordErrors() {
        Random random = new Random(1);
        Map<String, Integer> tally = new HashMap<>();
        for (int i = 0; i < 2_000; i++) {
            assertSameOutcome(batch(random), tally);
        }
        assertEquals(Map.of("ok", 2_000), tally);
    }

    @Test
    void damagedBatchesGiveKafkasOutcome() {
        Random random = new Random(2);
        Map<String, Integer> tally = new HashMap<>();
        for (int i = 0; i < 40_000; i++) {
            ByteBuffer b = batch(random);
            int records = b.remaining() - 61;
            int changes = 1 + random.nextInt(3);
            for (int c = 0; c < changes; c++) {
                int at = 61 + random.nextInt(records);
                switch (random.nextInt(5)) {
                    case 4 -> { // the first record's length becomes a varint too long to be one
                        for (int k = 0; k < Math.min(5, records); k++) {
                            b.put(61 + k, (byte) 0xff);
                        }
                    }
                    case 0 -> b.put(at, (byte) random.nextInt(256));
                    case 1 -> b.put(at, (byte) 0xff); // a varint that goes on
                    case 2 -> b.put(at, (byte) (b.get(at) + (random.nextBoolean() ? 2 : -2))); // a length off by one
                    default -> b.putInt(57, Math.max(0, b.getInt(57) + random.nextInt(3) - 1)); // the count
                }
            }
            assertSameOutcome(b, tally);
        }
        // The damage reached every kind of outcome, so each path above was compared.
        assertTrue(tally.getOrDefault("ok", 0) > 1000, tally.toString());
        assertTrue(tally.getOrDefault("INVALID_RECORD", 0) > 1000, tally.toString());
        assertTrue(tally.getOrDefault("CORRUPT_MESSAGE", 0) > 1000, tally.toString());
    }

    private static String hex(ByteBuffer b) {
        StringBuilder sb = new StringBuilder();
        for (int i = b.position(); i < b.limit(); i++) {
            sb.append(String.format("%02x", b.get(i)));
        }
        return sb.toString();
    }
}
