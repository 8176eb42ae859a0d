package io.ferrite.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.protocol.Writable;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Writes a response into one buffer until it meets {@link HeldRecords}; from then on the frame is a
 * composite: the bytes written so far, the held batches as views (no copy), then a fresh buffer for what
 * follows. The composite owns the held records and releases them when Netty releases it, which is after
 * the socket write, successful or not.
 */
final class GatheringWriter implements Writable {
    private final ByteBufAllocator alloc;
    private ByteBuf current;
    private ByteBufAccessor out;
    private HoldingComposite composite;

    GatheringWriter(ByteBufAllocator alloc, ByteBuf first) {
        this.alloc = alloc;
        this.current = first;
        this.out = new ByteBufAccessor(first);
    }

    /** The whole frame; after this the writer must not be used. */
    ByteBuf finish() {
        if (composite == null) {
            return current;
        }
        composite.addComponent(true, current);
        current = null;
        return composite;
    }

    /** Releases everything written so far, held records included. */
    void discard() {
        if (composite != null) {
            composite.release();
        }
        if (current != null) {
            current.release();
        }
    }

    @Override
    public void writeRecords(BaseRecords records) {
        if (records instanceof HeldRecords held) {
            if (composite == null) {
                composite = new HoldingComposite(alloc);
            }
            composite.held.add(held); // owned by the frame from here, even if the frame is discarded
            composite.addComponent(true, current);
            for (ByteBuffer b : held.batches()) {
                composite.addComponent(true, Unpooled.wrappedBuffer(b.duplicate()));
            }
            current = alloc.directBuffer(256);
            out = new ByteBufAccessor(current);
        } else if (records instanceof MemoryRecords m) {
            out.writeByteBuffer(m.buffer());
        } else {
            throw new IllegalArgumentException("cannot write records of type " + records.getClass().getName());
        }
    }

    @Override
    public void writeByte(byte val) {
        out.writeByte(val);
    }

    @Override
    public void writeShort(short val) {
        out.writeShort(val);
    }

    @Override
    public void writeInt(int val) {
        out.writeInt(val);
    }

    @Override
    public void writeLong(long val) {
        out.writeLong(val);
    }

    @Override
    public void writeDouble(double val) {
        out.writeDouble(val);
    }

    @Override
    public void writeByteArray(byte[] arr) {
        out.writeByteArray(arr);
    }

    @Override
    public void writeUnsignedVarint(int i) {
        out.writeUnsignedVarint(i);
    }

    @Override
    public void writeByteBuffer(ByteBuffer buffer) {
        out.writeByteBuffer(buffer);
    }

    @Override
    public void writeVarint(int i) {
        out.writeVarint(i);
    }

    @Override
    public void writeVarlong(long i) {
        out.writeVarlong(i);
    }

    /** A composite frame that lets its held records go when it is deallocated. */
    private static final class HoldingComposite extends CompositeByteBuf {
        private final List<HeldRecords> held = new ArrayList<>();

        HoldingComposite(ByteBufAllocator alloc) {
            super(alloc, true, Integer.MAX_VALUE);
        }

        @Override
        protected void deallocate() {
            try {
                super.deallocate();
            } finally {
                for (HeldRecords h : held) {
                    h.close();
                }
            }
        }
    }
}
