package io.ferrite.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.SimpleRecord;

/** Real Kafka record batches, built with kafka-clients' own builder, and small-file store configs. */
final class TestBatches {
    private TestBatches() {
    }

    /** A batch of {@code records} records whose values name the partition and index, all at {@code timestamp}. */
    static ByteBuffer batch(String tag, int records, long timestamp) {
        SimpleRecord[] rs = new SimpleRecord[records];
        for (int i = 0; i < records; i++) {
            rs[i] = new SimpleRecord(timestamp, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    (tag + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, rs).buffer();
    }

    /** A batch with one record whose value is {@code valueSize} bytes. */
    static ByteBuffer sized(int valueSize, long timestamp) {
        byte[] value = new byte[valueSize];
        for (int i = 0; i < valueSize; i++) {
            value[i] = (byte) i;
        }
        return MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(timestamp, null, value)).buffer();
    }

    static ByteBuffer idempotent(long producerId, short epoch, int baseSequence, int records) {
        SimpleRecord[] rs = new SimpleRecord[records];
        for (int i = 0; i < records; i++) {
            rs[i] = new SimpleRecord(1000L + i, null, ("v" + (baseSequence + i)).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, baseSequence, rs).buffer();
    }

    /** Parses stored bytes back with Kafka's reader, checking each batch is valid as Kafka sees it. */
    static List<MutableRecordBatch> parse(ByteBuffer bytes) {
        List<MutableRecordBatch> out = new ArrayList<>();
        for (MutableRecordBatch b : MemoryRecords.readableRecords(bytes.duplicate()).batches()) {
            b.ensureValid();
            out.add(b);
        }
        return out;
    }

    static List<String> values(ReadResult r) {
        List<String> out = new ArrayList<>();
        for (Slice s : r.batches()) {
            for (MutableRecordBatch b : parse(s.buffer())) {
                for (Record rec : b) {
                    out.add(rec.offset() + ":" + StandardCharsets.UTF_8.decode(rec.value()));
                }
            }
        }
        return out;
    }

    /** Small files so tests roll over often: 64 KiB CommitLog files, 256-entry queue files. */
    static StoreConfig smallConfig(Path dir, FlushMode mode) {
        return smallConfig(dir, mode, 20);
    }

    /** As above, flushing (and checkpointing) every {@code flushIntervalMs}. */
    static StoreConfig smallConfig(Path dir, FlushMode mode, long flushIntervalMs) {
        return StoreConfig.builder(dir, mode)
                .commitLogFileSize(64 * 1024)
                .consumeQueueEntriesPerFile(256)
                .flushIntervalMs(flushIntervalMs)
                .warmFiles(true)
                .warmFlushPages(4)
                .transientStorePoolEnabled(false)
                .commitIntervalMs(20)
                .maxDiskUsedRatio(0.999)
                .retentionCheckIntervalMs(3_600_000)
                .defaultRetention(new Retention(-1, -1))
                .build();
    }

    static Store open(Path dir, FlushMode mode) {
        return Store.open(smallConfig(dir, mode), Clock.systemUTC());
    }
}
