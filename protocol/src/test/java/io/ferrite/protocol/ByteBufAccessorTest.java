package io.ferrite.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import org.apache.kafka.common.utils.ByteUtils;
import org.junit.jupiter.api.Test;

class ByteBufAccessorTest {
    private static final int[] INTS = {0, 1, -1, 63, 64, -64, -65, 127, 128, 300, Integer.MAX_VALUE, Integer.MIN_VALUE};
    private static final long[] LONGS = {0, 1, -1, 1L << 35, -(1L << 35), Long.MAX_VALUE, Long.MIN_VALUE};

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), out);
        return out;
    }

    @Test
    void varintsMatchKafkasEncodingBothWays() {
        for (int v : INTS) {
            ByteBuffer kafka = ByteBuffer.allocate(10);
            ByteUtils.writeVarint(v, kafka);
            ByteBuf ours = Unpooled.buffer();
            new ByteBufAccessor(ours).writeVarint(v);
            assertArrayEquals(java.util.Arrays.copyOf(kafka.array(), kafka.position()), bytes(ours), "varint " + v);
            assertEquals(v, new ByteBufAccessor(ours).readVarint());

            ByteBuffer unsigned = ByteBuffer.allocate(10);
            ByteUtils.writeUnsignedVarint(v, unsigned);
            ByteBuf u = Unpooled.buffer();
            new ByteBufAccessor(u).writeUnsignedVarint(v);
            assertArrayEquals(java.util.Arrays.copyOf(unsigned.array(), unsigned.position()), bytes(u), "uvarint " + v);
            assertEquals(v, new ByteBufAccessor(u).readUnsignedVarint());
        }
        for (long v : LONGS) {
            ByteBuffer kafka = ByteBuffer.allocate(10);
            ByteUtils.writeVarlong(v, kafka);
            ByteBuf ours = Unpooled.buffer();
            new ByteBufAccessor(ours).writeVarlong(v);
            assertArrayEquals(java.util.Arrays.copyOf(kafka.array(), kafka.position()), bytes(ours), "varlong " + v);
            assertEquals(v, new ByteBufAccessor(ours).readVarlong());
        }
    }

    @Test
    void aLengthBeyondTheFrameIsRefusedBeforeAllocating() {
        ByteBufAccessor in = new ByteBufAccessor(Unpooled.wrappedBuffer(new byte[8]));
        assertThrows(IllegalArgumentException.class, () -> in.readArray(Integer.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> in.readByteBuffer(9));
        assertThrows(IllegalArgumentException.class, () -> in.readArray(-1));
        assertEquals(8, in.remaining());
    }

    @Test
    void byteBuffersAreViewsOfTheFrame() {
        ByteBuf frame = Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4});
        ByteBufAccessor in = new ByteBufAccessor(frame);
        in.readByte();
        ByteBuffer view = in.readByteBuffer(2);
        frame.setByte(1, 9);
        assertEquals(9, view.get(0), "no copy was made");
        assertEquals(1, in.remaining());
    }

    @Test
    void aVarintThatNeverEndsIsRefused() {
        ByteBuf junk = Unpooled.wrappedBuffer(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
            (byte) 0xFF, (byte) 0xFF});
        assertThrows(IllegalArgumentException.class, () -> new ByteBufAccessor(junk).readUnsignedVarint());
    }
}
