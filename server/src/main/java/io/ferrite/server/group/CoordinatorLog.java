package io.ferrite.server.group;

import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.ReadResult;
import io.ferrite.storage.Slice;
import io.ferrite.storage.Store;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;

/**
 * The group coordinator's log: its records, one Kafka record each ({@link RecordCodec}), in batches in a
 * partition of the store that no client sees. The partition is pinned: retention never trims it, so the
 * coordinator compacts it itself by writing everything live again at the tail ({@link #compact}) and moving
 * the log start to that snapshot. Replay from the log start gives the same state whatever prefix was cut,
 * because each key's last record wins and a snapshot is complete.
 *
 * <p>Appends are durable when their future completes, as every store append: after the group fsync in
 * sync-flush mode, at once in async mode. Called from the coordinator's thread only.
 */
public final class CoordinatorLog {
    /** The store partition holding the log; not a topic, so no client can read or write it. */
    public static final PartitionKey PARTITION = new PartitionKey("__ferrite_coordinator", 0);
    /** Snapshot batches are cut at about this size, well under any CommitLog file. */
    static final int SNAPSHOT_BATCH_BYTES = 512 * 1024;

    private final Store store;
    private final Clock clock;

    public CoordinatorLog(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** Appends the records as one batch; the future completes when it is durable. */
    CompletableFuture<Void> append(List<CoordinatorRecord> records) {
        if (records.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            return store.append(PARTITION, batch(records), 0, false).thenApply(r -> null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private ByteBuffer batch(List<CoordinatorRecord> records) {
        List<RecordCodec.Encoded> encoded = new ArrayList<>(records.size());
        int size = 128;
        for (CoordinatorRecord r : records) {
            RecordCodec.Encoded e = RecordCodec.encode(r);
            encoded.add(e);
            size += 32 + e.key().length + (e.value() == null ? 0 : e.value().length);
        }
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(size), Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
        long now = clock.millis();
        for (RecordCodec.Encoded e : encoded) {
            b.append(now, e.key(), e.value());
        }
        return b.build().buffer();
    }

    /** Feeds every record from the log start to the end to {@code sink}, in order. */
    void replay(Consumer<CoordinatorRecord> sink) {
        long next = store.logStartOffset(PARTITION);
        long end = store.logEndOffset(PARTITION);
        while (next < end) {
            long before = next;
            try (ReadResult r = store.read(PARTITION, next, 4 << 20)) {
                for (Slice s : r.batches()) {
                    for (MutableRecordBatch batch : MemoryRecords.readableRecords(s.buffer().duplicate()).batches()) {
                        for (Record rec : batch) {
                            if (rec.offset() >= next) {
                                sink.accept(RecordCodec.decode(rec.key(), rec.hasValue() ? rec.value() : null));
                            }
                        }
                        next = Math.max(next, batch.lastOffset() + 1);
                    }
                }
            }
            if (next == before) {
                throw new IllegalStateException("the coordinator log does not advance at offset " + next);
            }
        }
    }

    /** CommitLog bytes this log keeps from deletion; compact when it grows past what is wanted. */
    long bytesBehind() {
        return store.bytesBehind(PARTITION);
    }

    /**
     * Writes {@code live} (every record that still matters) at the tail and moves the log start to it. Done on
     * the coordinator thread, so nothing else is appended in between; a crash before the new start is
     * checkpointed just replays the old records before the snapshot, to the same state.
     */
    CompletableFuture<Void> compact(List<CoordinatorRecord> live) {
        long start = store.logEndOffset(PARTITION);
        List<CompletableFuture<Void>> appends = new ArrayList<>();
        List<CoordinatorRecord> chunk = new ArrayList<>();
        int bytes = 0;
        for (CoordinatorRecord r : live) {
            RecordCodec.Encoded e = RecordCodec.encode(r);
            int size = 32 + e.key().length + (e.value() == null ? 0 : e.value().length);
            if (!chunk.isEmpty() && bytes + size > SNAPSHOT_BATCH_BYTES) {
                appends.add(append(List.copyOf(chunk)));
                chunk.clear();
                bytes = 0;
            }
            chunk.add(r);
            bytes += size;
        }
        appends.add(append(chunk));
        return CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new))
                .thenRun(() -> store.advanceLogStart(PARTITION, start));
    }
}
