package io.ferrite.server;

import io.ferrite.protocol.HeldRecords;
import io.ferrite.protocol.RequestCodec;
import io.ferrite.protocol.RequestCodec.DecodedRequest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One connection's requests: decodes each frame, hands it to the API's handler, and writes the responses
 * back in request order, whatever order the handlers finish in. Everything here runs on the connection's
 * event loop; handler futures completing elsewhere hop back onto it.
 *
 * <p>A request this broker cannot parse, or for an API or version it does not advertise, closes the
 * connection with one log line, as Kafka's broker does. The exception is ApiVersions newer than known: it
 * gets a v0 answer with UNSUPPORTED_VERSION and the supported ranges, so the client can downgrade.
 *
 * <p>Handlers must be done with the request's buffers when {@code handle} returns: the frame is released then.
 */
final class RequestDispatcher extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(RequestDispatcher.class);

    /** Serves one API. A response of null means the request gets none (produce with acks=0). */
    @FunctionalInterface
    interface Handler {
        CompletableFuture<ApiMessage> handle(DecodedRequest request);
    }

    private record Pending(ApiKeys api, short version, int correlationId, CompletableFuture<ApiMessage> response) {
    }

    private final ApiVersionsTable table;
    private final Map<ApiKeys, Handler> handlers;
    /** Requests read ahead of their responses before the connection stops being read (Kafka reads one at a time). */
    static final int MAX_IN_FLIGHT = 16;

    private final ArrayDeque<Pending> inOrder = new ArrayDeque<>();
    private boolean closing;

    RequestDispatcher(ApiVersionsTable table, Map<ApiKeys, Handler> handlers) {
        this.table = table;
        this.handlers = handlers;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (closing || !ctx.channel().isActive()) {
            frame.release(); // read along with a request that closed the connection: never acted on
            return;
        }
        try {
            Pending p = dispatch(ctx, frame);
            inOrder.add(p);
            if (inOrder.size() >= MAX_IN_FLIGHT) {
                ctx.channel().config().setAutoRead(false); // a client not reading its answers gets no more read
            }
            p.response.whenComplete((r, e) -> {
                if (ctx.executor().inEventLoop()) {
                    drain(ctx);
                } else {
                    ctx.executor().execute(() -> drain(ctx));
                }
            });
        } catch (InvalidRequestException e) {
            LOG.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), e.getMessage());
            close(ctx);
        } finally {
            frame.release();
        }
    }

    private Pending dispatch(ChannelHandlerContext ctx, ByteBuf frame) {
        if (frame.readableBytes() >= 8) {
            short key = frame.getShort(frame.readerIndex());
            short version = frame.getShort(frame.readerIndex() + 2);
            ApiVersionsTable.Range r = table.range(ApiKeys.API_VERSIONS);
            if (key == ApiKeys.API_VERSIONS.id && r != null && version > r.max()) {
                int correlationId = frame.getInt(frame.readerIndex() + 4);
                return new Pending(ApiKeys.API_VERSIONS, (short) 0, correlationId,
                        CompletableFuture.completedFuture(table.response(Errors.UNSUPPORTED_VERSION)));
            }
        }
        DecodedRequest request = RequestCodec.decode(frame).withClientHost(clientHost(ctx));
        Handler handler = handlers.get(request.apiKey());
        if (handler == null || !table.supports(request.apiKey(), request.apiVersion())) {
            throw new InvalidRequestException(request.apiKey() + " v" + request.apiVersion() + " is not supported");
        }
        CompletableFuture<ApiMessage> response;
        try {
            response = handler.handle(request);
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        return new Pending(request.apiKey(), request.apiVersion(), request.correlationId(), response);
    }

    /** The peer as Kafka names it in group descriptions: "/" and its IP address. */
    private static String clientHost(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress a && a.getAddress() != null
                ? "/" + a.getAddress().getHostAddress() : "";
    }

    /** Writes every response at the head of the queue that is ready; stops at the first still pending. */
    private void drain(ChannelHandlerContext ctx) {
        boolean wrote = false;
        while (!inOrder.isEmpty() && inOrder.peek().response.isDone()) {
            Pending p = inOrder.poll();
            ApiMessage body = p.response.getNow(null);
            if (p.response.isCompletedExceptionally()) {
                Throwable cause = p.response.handle((r, e) -> e).getNow(null);
                LOG.error("{} v{} failed; closing connection from {}", p.api, p.version,
                        ctx.channel().remoteAddress(), cause);
                close(ctx);
                return;
            }
            if (body != null) {
                try {
                    ctx.write(RequestCodec.encodeResponse(ctx.alloc(), p.api, p.version, p.correlationId, body));
                } catch (RuntimeException e) {
                    LOG.error("{} v{} response cannot be encoded; closing connection from {}", p.api, p.version,
                            ctx.channel().remoteAddress(), e);
                    close(ctx);
                    return;
                }
                wrote = true;
            }
        }
        if (wrote) {
            ctx.flush();
        }
        if (inOrder.size() < MAX_IN_FLIGHT && !closing && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void close(ChannelHandlerContext ctx) {
        closing = true;
        ctx.close();
    }

    /** Responses that will never be written still hold store files (Fetch): let them go when they are ready. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closing = true;
        for (Pending p : inOrder) {
            p.response.thenAccept(HeldRecords::releaseAll);
        }
        inOrder.clear();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        close(ctx);
    }
}
