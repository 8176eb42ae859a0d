package io.ferrite.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FetchResponse;
import org.junit.jupiter.api.Test;

/** Fetch responses gather held batches without copying them, byte for byte as kafka-clients would write. */
class HeldRecordsTest {
    private static ByteBuffer directBatch(long base, String... values) {
        SimpleRecord[] rs = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            rs[i] = new SimpleRecord(1000L + i, null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        ByteBuffer heap = MemoryRecords.withRecords(base, Compression.NONE, rs).buffer();
        ByteBuffer direct = ByteBuffer.allocateDirect(heap.remaining()).put(heap).flip();
        return direct.asReadOnlyBuffer(); // as the store hands them out
    }

    private static FetchResponseData response(BaseRecords p0, BaseRecords p1) {
        FetchResponseData r = new FetchResponseData().setSessionId(0);
        FetchableTopicResponse t = new FetchableTopicResponse().setTopic("t");
        t.partitions().add(new PartitionData().setPartitionIndex(0).setHighWatermark(3).setRecords(p0));
        t.partitions().add(new PartitionData().setPartitionIndex(1).setHighWatermark(3).setRecords(p1));
        r.responses().add(t);
        return r;
    }

    private static byte[] bytes(ByteBuf b) {
        return ByteBufUtil.getBytes(b);
    }

    @Test
    void aHeldResponseIsTheSameBytesAsACopiedOneAndReleasesOnlyWithTheFrame() {
        ByteBuffer a = directBatch(0, "a0", "a1");
        ByteBuffer b = directBatch(2, "a2");
        ByteBuffer c = directBatch(0, "c0");
        AtomicInteger released = new AtomicInteger();
        for (short v = 4; v <= ApiKeys.FETCH.latestVersion(); v++) {
            ByteBuffer both = ByteBuffer.allocate(a.remaining() + b.remaining()).put(a.duplicate())
                    .put(b.duplicate()).flip();
            ByteBuf copied = RequestCodec.encodeResponse(PooledByteBufAllocator.DEFAULT, ApiKeys.FETCH, v, 7,
                    response(MemoryRecords.readableRecords(both), MemoryRecords.readableRecords(c.duplicate())));
            ByteBuf held = RequestCodec.encodeResponse(PooledByteBufAllocator.DEFAULT, ApiKeys.FETCH, v, 7,
                    response(new HeldRecords(List.of(a, b), released::incrementAndGet),
                            new HeldRecords(List.of(c), released::incrementAndGet)));
            assertInstanceOf(CompositeByteBuf.class, held);
            assertArrayEquals(bytes(copied), bytes(held), "v" + v);
            assertEquals(0, released.get(), "held until the frame goes");
            copied.release();
            held.release();
            assertEquals(2, released.getAndSet(0), "both partitions let go with the frame");
        }
    }

    @Test
    void theGatheredFrameDecodesWithKafkasOwnParser() {
        ByteBuffer a = directBatch(5, "x", "y");
        short v = ApiKeys.FETCH.latestVersion();
        ByteBuf frame = RequestCodec.encodeResponse(PooledByteBufAllocator.DEFAULT, ApiKeys.FETCH, v, 1,
                response(new HeldRecords(List.of(a), () -> { }), MemoryRecords.EMPTY));
        try {
            ByteBuffer nio = ByteBuffer.wrap(bytes(frame));
            nio.position(4 + 4 + 1); // size, correlation id, empty tagged fields of header v1
            FetchResponse parsed = FetchResponse.parse(new org.apache.kafka.common.protocol.ByteBufferAccessor(nio), v);
            List<String> values = new ArrayList<>();
            ((MemoryRecords) parsed.data().responses().get(0).partitions().get(0).records()).records()
                    .forEach(r -> values.add(StandardCharsets.UTF_8.decode(r.value()).toString()));
            assertEquals(List.of("x", "y"), values);
        } finally {
            frame.release();
        }
    }

    @Test
    void aResponseThatIsNeverWrittenIsReleasedByReleaseAllOnce() {
        AtomicInteger released = new AtomicInteger();
        FetchResponseData r = response(new HeldRecords(List.of(directBatch(0, "z")), released::incrementAndGet),
                MemoryRecords.EMPTY);
        HeldRecords.releaseAll(r);
        HeldRecords.releaseAll(r);
        HeldRecords.releaseAll(new MetadataResponseData());
        assertEquals(1, released.get());
    }

    @Test
    void otherRecordTypesAreRefusedAndNothingLeaks() {
        AtomicInteger released = new AtomicInteger();
        BaseRecords odd = new BaseRecords() {
            @Override
            public int sizeInBytes() {
                return 0;
            }

            @Override
            public org.apache.kafka.common.record.internal.RecordsSend<? extends BaseRecords> toSend() {
                throw new UnsupportedOperationException();
            }
        };
        FetchResponseData r = response(new HeldRecords(List.of(directBatch(0, "z")), released::incrementAndGet),
                odd);
        assertThrows(IllegalArgumentException.class, () -> RequestCodec.encodeResponse(PooledByteBufAllocator.DEFAULT,
                ApiKeys.FETCH, (short) 12, 1, r));
        assertEquals(1, released.get(), "a frame that failed to encode lets go of what it held");
    }
}
