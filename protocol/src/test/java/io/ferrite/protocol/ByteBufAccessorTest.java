package io.ferrite.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;
import org.apache.kafka.common.utils.ByteUtils;
import org.junit.jupiter.api.Test;

class ByteBufAccessorTest {
    private static final int[] INTS = {0, 1, -1, 63, 64, -64, -65, 127, 128, 300, Integer.MAX_VALUE, Integer.MIN_VALUE};
    private static final long[] LONGS = {0, 1, -1, 1L << 35, -(1L << 35), Long.MAX_VALUE, Long.MIN_VALUE};

    /** Writes a value both ways, checks the bytes agree, and returns our buffer for reading back. */
    private static ByteBufAccessor sameBytes(Consumer<ByteBuffer> kafka, Consumer<ByteBufAccessor> ours, String what) {
        ByteBuffer expected = ByteBuffer.allocate(10);
        kafka.accept(expected);
        ByteBuf buf = Unpooled.buffer();
        ByteBufAccessor accessor = new ByteBufAccessor(buf);
        ours.accept(accessor);
        byte[] actual = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), actual);
        assertArrayEquals(Arrays.copyOf(expected.array(), expected.position()), actual, what);
        return accessor;
    }

    @Test
    void varintsMatchKafkasEncodingBothWays() {
        for (int v : INTS) {
            assertEquals(v, sameBytes(b -> ByteUtils.writeVarint(v, b), w -> w.writeVarint(v), "varint " + v)
                    .readVarint());
            assertEquals(v, sameBytes(b -> ByteUtils.writeUnsignedVarint(v, b), w -> w.writeUnsignedVarint(v),
                    "unsigned varint " + v).readUnsignedVarint());
        }
        for (long v : LONGS) {
            assertEquals(v, sameBytes(b -> ByteUtils.writeVarlong(v, b), w -> w.writeVarlong(v), "varlong " + v)
                    .readVarlong());
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
