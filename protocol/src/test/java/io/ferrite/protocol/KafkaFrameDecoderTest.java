package io.ferrite.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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
}
