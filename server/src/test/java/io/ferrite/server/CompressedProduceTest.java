package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compressed batches are checked on the off-loop threads (ferrite-log-io), off the request's thread: appends still keep the
 * order of the requests, and a batch inflating past the broker's bound is refused with MESSAGE_TOO_LARGE.
 */
@Timeout(60)
class CompressedProduceTest {
    private static final short PRODUCE_V9 = 9;
    private static final long PRODUCER_ID = 4000;

    @TempDir
    Path dir;
    private Handlers handlers;

    @BeforeEach
    void start() throws Exception {
        handlers = Handlers.open(dir, Map.of("produce.batch.max.uncompressed.bytes", Integer.toString(4 << 20)));
        new GroupWire(handlers).createTopic("t", 1);
    }

    @AfterEach
    void stop() {
        handlers.close();
    }

    private CompletableFuture<ByteBufferAccessor> produce(MemoryRecords records) {
        ProduceRequestData req = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
        ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData().setName("t");
        td.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
        req.topicData().add(td);
        return handlers.send(ApiKeys.PRODUCE, PRODUCE_V9, req);
    }

    private static PartitionProduceResponse partition(ByteBufferAccessor response) {
        return new ProduceResponseData(response, PRODUCE_V9).responses().iterator().next().partitionResponses().get(0);
    }

    @Test
    void pipelinedCompressedAndPlainBatchesAreAppendedInRequestOrder() throws Exception {
        List<CompletableFuture<ByteBufferAccessor>> sent = new ArrayList<>();
        int perBatch = 10;
        for (int i = 0; i < 40; i++) {
            // Every third batch plain, the others each compressed differently, one idempotent producer throughout:
            // an append out of order would break its sequence.
            Compression c = i % 3 == 0 ? Compression.NONE : i % 3 == 1 ? Compression.gzip().build()
                    : Compression.zstd().build();
            SimpleRecord[] records = new SimpleRecord[perBatch];
            for (int r = 0; r < perBatch; r++) {
                records[r] = new SimpleRecord(("v" + (i * perBatch + r)).getBytes());
            }
            sent.add(produce(MemoryRecords.withIdempotentRecords(c, PRODUCER_ID, (short) 0, i * perBatch, records)));
        }
        for (int i = 0; i < sent.size(); i++) {
            PartitionProduceResponse p = partition(Handlers.await(sent.get(i)));
            assertEquals(Errors.NONE.code(), p.errorCode(), "batch " + i + ": " + p.errorMessage());
            assertEquals((long) i * perBatch, p.baseOffset(), "batch " + i);
        }
    }

    @Test
    void aBatchInflatingPastTheBoundIsRefusedAndTheNextIsTaken() throws Exception {
        PartitionProduceResponse bomb = partition(Handlers.await(produce(MemoryRecords.withRecords(
                Compression.zstd().build(), new SimpleRecord(new byte[8 << 20])))));
        assertEquals(Errors.MESSAGE_TOO_LARGE.code(), bomb.errorCode());
        PartitionProduceResponse next = partition(Handlers.await(produce(MemoryRecords.withRecords(
                Compression.zstd().build(), new SimpleRecord(new byte[1 << 20])))));
        assertEquals(Errors.NONE.code(), next.errorCode());
        assertEquals(0, next.baseOffset());
    }
}
