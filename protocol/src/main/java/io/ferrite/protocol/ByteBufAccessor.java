package io.ferrite.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.Readable;
import org.apache.kafka.common.protocol.Writable;

/**
 * kafka-clients' {@link Readable} and {@link Writable} over a Netty {@link ByteBuf}, so the generated
 * {@code *Data} classes read requests straight from the network buffer and write responses straight into one.
 *
 * <p>{@link #readByteBuffer(int)} returns a view of the underlying buffer, not a copy: record batches read
 * that way stay valid only while the frame they came from is retained.
 */
public final class ByteBufAccessor implements Readable, Writable {
    private final ByteBuf buf;

    public ByteBufAccessor(ByteBuf buf) {
        this.buf = buf;
    }

    public ByteBuf buffer() {
        return buf;
    }

    @Override
    public byte readByte() {
        return buf.readByte();
    }

    @Override
    public short readShort() {
        return buf.readShort();
    }

    @Override
    public int readInt() {
        return buf.readInt();
    }

    @Override
    public long readLong() {
        return buf.readLong();
    }

    @Override
    public double readDouble() {
        return buf.readDouble();
    }

    @Override
    public byte[] readArray(int length) {
        checkRemaining(length);
        byte[] out = new byte[length];
        buf.readBytes(out);
        return out;
    }

    @Override
    public ByteBuffer readByteBuffer(int length) {
        checkRemaining(length);
        ByteBuffer view = buf.nioBuffer(buf.readerIndex(), length);
        buf.skipBytes(length);
        return view;
    }

    @Override
    public int readUnsignedVarint() {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            byte b = buf.readByte();
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("varint longer than 5 bytes");
    }

    @Override
    public int readVarint() {
        int raw = readUnsignedVarint();
        return (raw >>> 1) ^ -(raw & 1);
    }

    @Override
    public long readVarlong() {
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            byte b = buf.readByte();
            raw |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new IllegalArgumentException("varlong longer than 10 bytes");
    }

    @Override
    public int remaining() {
        return buf.readableBytes();
    }

    @Override
    public Readable slice() {
        return new ByteBufAccessor(buf.slice());
    }

    /** A length read from the wire must fit in what is left, before anything is allocated for it. */
    private void checkRemaining(int length) {
        if (length < 0 || length > buf.readableBytes()) {
            throw new IllegalArgumentException("field of " + length + " bytes, but only " + buf.readableBytes()
                    + " remain");
        }
    }

    @Override
    public void writeByte(byte val) {
        buf.writeByte(val);
    }

    @Override
    public void writeShort(short val) {
        buf.writeShort(val);
    }

    @Override
    public void writeInt(int val) {
        buf.writeInt(val);
    }

    @Override
    public void writeLong(long val) {
        buf.writeLong(val);
    }

    @Override
    public void writeDouble(double val) {
        buf.writeDouble(val);
    }

    @Override
    public void writeByteArray(byte[] arr) {
        buf.writeBytes(arr);
    }

    @Override
    public void writeUnsignedVarint(int i) {
        int v = i;
        while ((v & ~0x7F) != 0) {
            buf.writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf.writeByte(v);
    }

    @Override
    public void writeByteBuffer(ByteBuffer buffer) {
        buf.writeBytes(buffer.duplicate());
    }

    @Override
    public void writeVarint(int i) {
        writeUnsignedVarint((i << 1) ^ (i >> 31));
    }

    @Override
    public void writeVarlong(long i) {
        long v = (i << 1) ^ (i >> 63);
        while ((v & ~0x7FL) != 0) {
            buf.writeByte((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        buf.writeByte((int) v);
    }
}
