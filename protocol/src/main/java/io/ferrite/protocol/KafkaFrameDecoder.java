package io.ferrite.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
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
 *
 * <p>Each frame's size is taken from the broker's {@link RequestBudget} as soon as it is known; whoever
 * answers the request gives it back. When the budget is spent, the connection stops being read
 * ({@link ReadGate#BUDGET}) with the bytes already read after the size field set aside, and goes on when
 * there is room again.
 */
public final class KafkaFrameDecoder extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(KafkaFrameDecoder.class);
    /** Kafka's default {@code socket.request.max.bytes}: 100 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024;

    /**
     * The least a frame's buffer starts at; it starts at what has arrived of the frame if that is more, and
     * doubles as the rest arrives. Memory follows the bytes received, not the size announced: 2,000
     * connections each sending only a size field of 1 MiB hold 8 MiB, not 2 GiB.
     */
    static final int FIRST_BYTES = 4096;

    /** Event loop only: lowered until a SASL client authenticates ({@link #maxFrameBytes(int)}). */
    private int maxFrameBytes;
    private final RequestBudget budget;
    /** The size field read so far, when a read ended inside it; {@code sizeBytes} of its 4 bytes are in. */
    private int size;
    private int sizeBytes;
    /** The frame being filled across reads, or null between frames; its size is taken from the budget. */
    private ByteBuf partial;
    /** While waiting for the budget: the size of the frame waiting, and the bytes read after its size field. */
    private int waitingSize = -1;
    private CompositeByteBuf setAside;
    private boolean closed;

    public KafkaFrameDecoder(int maxFrameBytes) {
        this(maxFrameBytes, RequestBudget.UNBOUNDED);
    }

    public KafkaFrameDecoder(int maxFrameBytes, RequestBudget budget) {
        if (maxFrameBytes <= 0) {
            throw new IllegalArgumentException("socket.request.max.bytes must be positive");
        }
        this.maxFrameBytes = maxFrameBytes;
        this.budget = budget;
    }

    /**
     * The largest frame from now on, for frames whose size is not read yet: {@code sasl.server.max.receive.size}
     * until a SASL client has authenticated, then {@code socket.request.max.bytes}. Event loop only.
     */
    public void maxFrameBytes(int maxFrameBytes) {
        if (maxFrameBytes <= 0) {
            throw new IllegalArgumentException("the largest frame must be positive");
        }
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (setAside != null) { // read in the same read loop as the frame that is waiting: keep it for later
            setAside.addComponent(true, in);
            return;
        }
        decode(ctx, in);
    }

    /** Decodes what {@code in} holds and releases it. */
    private void decode(ChannelHandlerContext ctx, ByteBuf in) {
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
                if (!budget.tryTake(frameSize)) {
                    waitFor(ctx, frameSize, in);
                    return;
                }
                startFrame(ctx, frameSize, in);
            }
        } finally {
            in.release();
        }
    }

    private void startFrame(ChannelHandlerContext ctx, int frameSize, ByteBuf in) {
        if (in.readableBytes() >= frameSize) {
            ctx.fireChannelRead(in.readRetainedSlice(frameSize));
        } else {
            // Growing costs one extra copy of the frame's bytes at most (doubling); reserving what the size field
            // announces would let a client that sends nothing more hold up to the request budget in memory.
            partial = ctx.alloc().directBuffer(Math.min(frameSize, Math.max(in.readableBytes(), FIRST_BYTES)),
                    frameSize);
        }
    }

    private void waitFor(ChannelHandlerContext ctx, int frameSize, ByteBuf in) {
        waitingSize = frameSize;
        setAside = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
        setAside.addComponent(true, in.retainedSlice());
        in.skipBytes(in.readableBytes());
        ReadGate.of(ctx.channel()).close(ReadGate.BUDGET);
        budget.whenAvailable(() -> ctx.executor().execute(() -> resume(ctx)));
    }

    /** On the event loop, once the budget may have room: the waiting frame goes on, then what came after it. */
    private void resume(ChannelHandlerContext ctx) {
        if (setAside == null || closed) {
            return;
        }
        if (!budget.tryTake(waitingSize)) { // another connection took it first
            budget.whenAvailable(() -> ctx.executor().execute(() -> resume(ctx)));
            return;
        }
        ByteBuf rest = setAside;
        int frameSize = waitingSize;
        setAside = null;
        waitingSize = -1;
        ReadGate.of(ctx.channel()).open(ReadGate.BUDGET);
        startFrame(ctx, frameSize, rest);
        decode(ctx, rest);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        release();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    /** The frame being filled goes, and its size back to the budget; bytes set aside go too. */
    private void release() {
        closed = true;
        if (partial != null) {
            budget.giveBack(partial.maxCapacity());
            partial.release();
            partial = null;
        }
        if (setAside != null) {
            setAside.release();
            setAside = null;
        }
    }
}
