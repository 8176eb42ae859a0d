package io.ferrite.server.log;

import io.ferrite.storage.RecordCleaning;
import java.nio.ByteBuffer;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecords.RecordFilter;
import org.apache.kafka.common.record.internal.MemoryRecords.RecordFilter.BatchRetention;
import org.apache.kafka.common.record.internal.MemoryRecords.RecordFilter.BatchRetentionResult;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * The store's cleaner reading keys and rewriting batches with kafka-clients: records are iterated as Kafka reads
 * them (any compression), and batches are rewritten by {@code MemoryRecords.filterTo}, the code Kafka's own
 * cleaner uses, so a cleaned batch is what Kafka would write: offsets, producer fields and compression kept, the
 * last offset of a batch kept even when its last records go, the delete horizon set where a tombstone stays.
 * Stateless; called from the cleaner threads.
 */
public final class KafkaRecordCleaning implements RecordCleaning {
    @Override
    public boolean forEachKey(ByteBuffer batch, KeyVisitor keys) {
        for (MutableRecordBatch b : MemoryRecords.readableRecords(batch.duplicate()).batches()) {
            if (b.isControlBatch()) {
                continue;
            }
            try (CloseableIterator<Record> it = b.streamingIterator(BufferSupplier.NO_CACHING)) {
                while (it.hasNext()) {
                    Record r = it.next();
                    if (r.hasKey() && !keys.visit(r.key(), r.offset())) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    @Override
    public ByteBuffer filter(ByteBuffer batch, Rules rules, ByteBuffer scratch) {
        ByteBuffer header = batch.duplicate();
        RecordFilter filter = new RecordFilter(rules.now(), rules.deleteRetentionMs()) {
            @Override
            protected BatchRetentionResult checkBatchRetention(RecordBatch b) {
                RecordCleaning.BatchDecision decision = rules.batch(header);
                BatchRetention retention = switch (decision.rule()) {
                    case DROP -> BatchRetention.DELETE;
                    case FILTER -> BatchRetention.DELETE_EMPTY;
                    case FILTER_KEEP_EMPTY -> BatchRetention.RETAIN_EMPTY;
                };
                return new BatchRetentionResult(retention, decision.markerMayGo());
            }

            @Override
            protected boolean shouldRetainRecord(RecordBatch b, Record r) {
                return rules.keep(header, r.hasKey() ? r.key() : null, r.offset(), !r.hasValue(),
                        b.deleteHorizonMs().orElse(-1L));
            }
        };
        MemoryRecords.FilterResult result = MemoryRecords.readableRecords(batch.duplicate()).filterTo(filter, scratch,
                BufferSupplier.NO_CACHING);
        ByteBuffer out = result.outputBuffer();
        out.flip();
        return out;
    }
}
