package io.ferrite.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class KafkaFrameDecoderTest {

    private static ByteBuf frame(int size, int fill) {
        ByteBuf b = Unpooled.buffer(4 + size);
        b.writeInt(size);
        for (int i = 0; i < size; i++) {
            b.writeByte(fill);
        }
        return b;
    }

    @Test
    void framesSplitAcrossReadsAreReassembled() {
        EmbeddedChannel ch = new EmbeddedChannel(new KafkaFrameDecoder(1024));
        ByteBuf whole = frame(10, 7);
        ch.writeInbound(whole.readRetainedSlice(3));
        assertNull(ch.readInbound());
        ch.writeInbound(whole.readRetainedSlice(5));
        assertNull(ch.readInbound());
        ch.writeInbound(whole);
        ByteBuf got = ch.readInbound();
        assertEquals(10, got.readableBytes());
        assertEquals(7, got.getByte(9));
        got.release();
        assertFalse(ch.finish());
    }

    @Test
    void aFrameLargerThanItsFirstBufferGrowsAcrossManySmallReadsAndKeepsEveryByte() {
        int size = 3 * (1 << 20) + 12_345;
        EmbeddedChannel ch = new EmbeddedChannel(new KafkaFrameDecoder(size));
        ByteBuf whole = Unpooled.buffer(4 + size);
        whole.writeInt(size);
        for (int i = 0; i < size; i++) {
            whole.writeByte(i * 31);
        }
        // A second frame shares the last read with the first one's tail.
        ByteBuf next = frame(5, 9);
        while (whole.readableBytes() > 65_536) {
            ch.writeInbound(whole.readRetainedSlice(65_536));
            assertNull(ch.readInbound(), "nothing comes out before the last byte");
        }
        ch.writeInbound(Unpooled.wrappedBuffer(whole, next));
        ByteBuf got = ch.readInbound();
        assertEquals(size, got.readableBytes());
        for (int i = 0; i < size; i += 4099) {
            assertEquals((byte) (i * 31), got.getByte(i), "byte " + i);
        }
        got.release();
        ByteBuf second = ch.readInbound();
        assertEquals(5, second.readableBytes());
        second.release();
        assertFalse(ch.finish());
    }

    @Test
    void aSizeFieldAloneTakesMemoryForWhatArrivedNotForWhatItAnnounces() {
        UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true);
        EmbeddedChannel ch = new EmbeddedChannel(new KafkaFrameDecoder(1 << 24));
        ch.config().setAllocator(alloc);
        ch.writeInbound(Unpooled.buffer(4).writeInt(1 << 20));
        assertTrue(alloc.metric().usedDirectMemory() <= KafkaFrameDecoder.FIRST_BYTES,
                "held " + alloc.metric().usedDirectMemory() + " bytes for a 4-byte read");
        ch.close();
        assertEquals(0, alloc.metric().usedDirectMemory(), "given back when the connection closes");
        assertFalse(ch.finish());
    }

    @Test
    void aFrameCutOffByTheConnectionClosingIsDropped() {
        EmbeddedChannel ch = new EmbeddedChannel(new KafkaFrameDecoder(1 << 24));
        ByteBuf whole = frame(2 << 20, 1);
        ch.writeInbound(whole.readRetainedSlice(100_000));
        whole.release();
        ch.close();
        assertNull(ch.readInbound());
        assertFalse(ch.finish());
    }

    @Test
    void severalFramesInOneReadComeOutInOrder() {
        EmbeddedChannel ch = new EmbeddedChannel(new KafkaFrameDecoder(1024));
        ch.writeInbound(Unpooled.wrappedBuffer(frame(2, 1), frame(0, 0), frame(3, 3)));
        int[] sizes = {2, 0, 3};
        for (int size : sizes) {
            ByteBuf got = ch.readInbound();
            assertEquals(size, got.readableBytes());
            got.release();
        }
        assertNull(ch.readInbound());
    }

    @Test
    void anOversizedFrameClosesTheConnectionBeforeItArrives() {
        EmbeddedChannel ch = new EmbeddedChannel(new KafkaFrameDecoder(1024));
        ByteBuf header = Unpooled.buffer(4).writeInt(1025);
        ch.writeInbound(header);
        assertNull(ch.readInbound());
        assertFalse(ch.isOpen());
    }

    @Test
    void aNegativeSizeClosesTheConnection() {
        EmbeddedChannel ch = new EmbeddedChannel(new KafkaFrameDecoder(1024));
        ch.writeInbound(Unpooled.buffer(4).writeInt(-1));
        assertFalse(ch.isOpen());
    }

    @Test
    void theDefaultLimitIsKafkas() {
        assertEquals(104_857_600, KafkaFrameDecoder.DEFAULT_MAX_FRAME_BYTES);
        EmbeddedChannel ch = new EmbeddedChannel(new KafkaFrameDecoder(KafkaFrameDecoder.DEFAULT_MAX_FRAME_BYTES));
        ch.writeInbound(Unpooled.buffer(4).writeInt(KafkaFrameDecoder.DEFAULT_MAX_FRAME_BYTES));
        assertTrue(ch.isOpen(), "exactly the limit waits for its bytes");
        ch.close();
    }

    /**
     * With the budget spent, a frame waits with the bytes read after its size set aside and the channel not read;
     * once bytes come back, it and the frames after it go on, whole and in order.
     */
    @Test
    void framesWaitForTheBudgetAndGoOnInOrderOnceItHasRoom() {
        RequestBudget budget = new RequestBudget(100);
        assertTrue(budget.tryTake(100)); // spent by other connections
        EmbeddedChannel ch = new EmbeddedChannel(new KafkaFrameDecoder(1024, budget));
        ByteBuf both = Unpooled.wrappedBuffer(frame(10, 1), frame(5, 2));
        ch.writeInbound(both.readRetainedSlice(20)); // the first frame whole and part of the second
        assertNull(ch.readInbound());
        assertFalse(ch.config().isAutoRead(), "not read while waiting");
        ch.writeInbound(both); // read in the same loop anyway: kept behind the waiting frame
        assertNull(ch.readInbound());

        budget.giveBack(100);
        ch.runPendingTasks();
        ByteBuf first = ch.readInbound();
        ByteBuf second = ch.readInbound();
        assertEquals(10, first.readableBytes());
        assertEquals(1, first.getByte(9));
        assertEquals(5, second.readableBytes());
        assertEquals(2, second.getByte(4));
        assertTrue(ch.config().isAutoRead());
        assertEquals(100 - 15, budget.available(), "both frames hold their sizes until answered");
        first.release();
        second.release();
        assertFalse(ch.finish());
    }
}
