package io.ferrite.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Splits the byte stream into Kafka frames: a big-endian int32 size, then that many bytes. A frame that
 * lies wholly inside one read goes on as a retained slice of the read's buffer, so nothing is copied. A
 * frame spread over several reads (a large produce request) gets a buffer of its size (up to 1 MiB ahead of
 * its bytes) as soon as its size is known, and each read's bytes are copied into it once; a cumulation buffer
 * would copy the same bytes again at every expansion, and again whenever a slice of it was still held.
 *
 * <p>The size is checked before anything is allocated or waited for: a negative size, or one above
 * {@code socket.request.max.bytes}, closes the connection with one log line, as Kafka's broker does.
 */
public final class KafkaFrameDecoder extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(KafkaFrameDecoder.class);
    /** Kafka's default {@code socket.request.max.bytes}: 100 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024;

    /** The most a frame's buffer takes before its bytes arrive. */
    static final int EAGER_BYTES = 1 << 20;

    private final int maxFrameBytes;
    /** The size field read so far, when a read ended inside it; {@code sizeBytes} of its 4 bytes are in. */
    private int size;
    private int sizeBytes;
    /** The frame being filled across reads, or null between frames. */
    private ByteBuf partial;
    private boolean closed;

    public KafkaFrameDecoder(int maxFrameBytes) {
        if (maxFrameBytes <= 0) {
            throw new IllegalArgumentException("socket.request.max.bytes must be positive");
        }
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            while (in.isReadable() && !closed) {
                if (partial != null) {
                    partial.writeBytes(in, Math.min(partial.maxWritableBytes(), in.readableBytes())); // grows it
                    if (partial.maxWritableBytes() == 0) {
                        ByteBuf frame = partial;
                        partial = null;
                        ctx.fireChannelRead(frame);
                    }
                    continue;
                }
                while (sizeBytes < 4 && in.isReadable()) {
                    size = (size << 8) | in.readUnsignedByte();
                    sizeBytes++;
                }
                if (sizeBytes < 4) {
                    return; // the rest of the size field has not arrived yet
                }
                int frameSize = size;
                size = 0;
                sizeBytes = 0;
                if (frameSize < 0 || frameSize > maxFrameBytes) {
                    LOG.warn("closing connection from {}: frame of {} bytes is outside [0, {}]",
                            ctx.channel().remoteAddress(), frameSize, maxFrameBytes);
                    closed = true;
                    ctx.close();
                    return;
                }
                if (in.readableBytes() >= frameSize) {
                    ctx.fireChannelRead(in.readRetainedSlice(frameSize));
                } else {
                    // Sized for what a frame of that size usually is (Kafka's producers send at most 1 MiB by
                    // default); a bigger one grows as its bytes arrive, so a size field alone never reserves
                    // more than that.
                    partial = ctx.alloc().directBuffer(Math.min(frameSize, EAGER_BYTES), frameSize);
                }
            }
        } finally {
            in.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releasePartial();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releasePartial();
    }

    private void releasePartial() {
        if (partial != null) {
            partial.release();
            partial = null;
        }
    }
}
