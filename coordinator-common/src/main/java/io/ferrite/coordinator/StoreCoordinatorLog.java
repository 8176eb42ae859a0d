package io.ferrite.coordinator;

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
 * A coordinator's log in a partition of this broker's store that no client sees: its records, one Kafka record
 * each (key and value from the coordinator's {@link CoordinatorSerde}), in uncompressed batches of magic 2. The
 * partition is pinned (opened with {@code Store.open(..., pinned)}): retention never trims it, so the log is
 * compacted by writing everything live again at the tail ({@link #compact}) and moving the log start to that
 * snapshot. Replay from the log start gives the same state whatever prefix was cut, because each key's last
 * record wins and a snapshot is complete.
 *
 * <p>Appends are durable when their future completes, as every store append: after the group fsync in
 * sync-flush mode, at once in async mode.
 *
 * @param <R> the coordinator's record type
 */
public final class StoreCoordinatorLog<R> implements CoordinatorLog<R> {
    /** Snapshot batches are cut at about this size, well under any CommitLog file. */
    static final int SNAPSHOT_BATCH_BYTES = 512 * 1024;

    private final Store store;
    private final PartitionKey partition;
    private final CoordinatorSerde<R> serde;
    private final Clock clock;

    public StoreCoordinatorLog(Store store, PartitionKey partition, CoordinatorSerde<R> serde, Clock clock) {
        this.store = store;
        this.partition = partition;
        this.serde = serde;
        this.clock = clock;
    }

    @Override
    public CompletableFuture<Void> append(List<R> records) {
        if (records.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            return store.append(partition, batch(records), 0, false).thenApply(r -> null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private ByteBuffer batch(List<R> records) {
        List<CoordinatorSerde.Encoded> encoded = new ArrayList<>(records.size());
        int size = 128;
        for (R r : records) {
            CoordinatorSerde.Encoded e = serde.encode(r);
            encoded.add(e);
            size += e.sizeInBatch();
        }
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(size), Compression.NONE,
                TimestampType.CREATE_TIME, 0L);
        long now = clock.millis();
        for (CoordinatorSerde.Encoded e : encoded) {
            b.append(now, e.key(), e.value());
        }
        return b.build().buffer();
    }

    @Override
    public void replay(Consumer<R> sink) {
        long next = store.logStartOffset(partition);
        long end = store.logEndOffset(partition);
        while (next < end) {
            long before = next;
            try (ReadResult r = store.read(partition, next, 4 << 20)) {
                for (Slice s : r.batches()) {
                    for (MutableRecordBatch batch : MemoryRecords.readableRecords(s.buffer().duplicate()).batches()) {
                        for (Record rec : batch) {
                            if (rec.offset() >= next) {
                                sink.accept(serde.decode(rec.key(), rec.hasValue() ? rec.value() : null));
                            }
                        }
                        next = Math.max(next, batch.lastOffset() + 1);
                    }
                }
            }
            if (next == before) {
                throw new IllegalStateException("the coordinator log " + partition + " does not advance at offset "
                        + next);
            }
        }
    }

    @Override
    public long bytesBehind() {
        return store.bytesBehind(partition);
    }

    /**
     * Done on the coordinator thread, so nothing else is appended in between; a crash before the new start is
     * checkpointed just replays the old records before the snapshot, to the same state.
     */
    @Override
    public CompletableFuture<Void> compact(List<R> live) {
        long start = store.logEndOffset(partition);
        List<CompletableFuture<Void>> appends = new ArrayList<>();
        List<R> chunk = new ArrayList<>();
        int bytes = 0;
        for (R r : live) {
            int size = serde.encode(r).sizeInBatch();
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
                .thenRun(() -> store.advanceLogStart(partition, start));
    }
}
