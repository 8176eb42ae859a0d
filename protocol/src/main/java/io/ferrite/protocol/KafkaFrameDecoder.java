package io.ferrite.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Splits the byte stream into Kafka frames: a big-endian int32 size, then that many bytes. Each frame goes
 * on as a retained slice of the input, so nothing is copied.
 *
 * <p>The size is checked before anything is allocated or waited for: a negative size, or one above
 * {@code socket.request.max.bytes}, closes the connection with one log line, as Kafka's broker does.
 */
public final class KafkaFrameDecoder extends ByteToMessageDecoder {
    private static final Logger LOG = LogManager.getLogger(KafkaFrameDecoder.class);
    /** Kafka's default {@code socket.request.max.bytes}: 100 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024;

    private final int maxFrameBytes;

    public KafkaFrameDecoder(int maxFrameBytes) {
        if (maxFrameBytes <= 0) {
            throw new IllegalArgumentException("socket.request.max.bytes must be positive");
        }
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.readableBytes() >= 4) {
            int size = in.getInt(in.readerIndex());
            if (size < 0 || size > maxFrameBytes) {
                LOG.warn("closing connection from {}: frame of {} bytes is outside [0, {}]",
                        ctx.channel().remoteAddress(), size, maxFrameBytes);
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            if (in.readableBytes() < 4 + size) {
                return; // the rest of the frame has not arrived yet
            }
            in.skipBytes(4);
            out.add(in.readRetainedSlice(size));
        }
    }
}
