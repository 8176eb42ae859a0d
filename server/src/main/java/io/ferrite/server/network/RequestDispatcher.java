package io.ferrite.server.network;

import io.ferrite.protocol.HeldRecords;
import io.ferrite.protocol.RequestCodec.DecodedRequest;
import io.ferrite.protocol.RequestCodec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.errors.ApiException;
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
 * <p>A handler that fails (throws, or completes its future exceptionally) gets its request answered with
 * Kafka's error response for the failure and the connection stays open, as in Kafka. A
 * {@link CloseConnection} failure closes it instead (a failed produce with acks=0, which has no response to
 * carry the error), and so does a failure no error response can be made for.
 *
 * <p>Handlers must be done with the request's buffers when {@code handle} returns: the frame is released then.
 */
final class RequestDispatcher extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(RequestDispatcher.class);

    /** A request read and not yet answered; {@code request} is null for one answered without decoding. */
    private record Pending(ApiKeys api, short version, int correlationId, DecodedRequest request,
                           CompletableFuture<? extends ApiMessage> response) {
    }

    private final ApiRegistry apis;
    /** Requests read ahead of their responses before the connection stops being read (Kafka reads one at a time). */
    static final int MAX_IN_FLIGHT = 16;

    private final ArrayDeque<Pending> inOrder = new ArrayDeque<>();
    private boolean closing;

    RequestDispatcher(ApiRegistry apis) {
        this.apis = apis;
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
            ApiVersionsTable.Range r = apis.versions().range(ApiKeys.API_VERSIONS);
            if (key == ApiKeys.API_VERSIONS.id && r != null && version > r.max()) {
                int correlationId = frame.getInt(frame.readerIndex() + 4);
                return new Pending(ApiKeys.API_VERSIONS, (short) 0, correlationId, null,
                        CompletableFuture.completedFuture(apis.versions().response(Errors.UNSUPPORTED_VERSION)));
            }
        }
        DecodedRequest request = RequestCodec.decode(frame).withClientHost(clientHost(ctx));
        ApiHandler<ApiMessage> handler = apis.handler(request.apiKey(), request.apiVersion());
        if (handler == null) {
            throw new InvalidRequestException(request.apiKey() + " v" + request.apiVersion() + " is not supported");
        }
        CompletableFuture<? extends ApiMessage> response;
        try {
            response = handler.handle(RequestContext.of(request), request.body());
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        return new Pending(request.apiKey(), request.apiVersion(), request.correlationId(), request, response);
    }

    /**
     * Kafka's error response for a request whose handler failed, or null if the connection must close instead:
     * the failure asks for it, or no error response can be made.
     */
    private static ApiMessage errorResponse(ChannelHandlerContext ctx, Pending p) {
        Throwable cause = p.response.handle((r, e) -> e).getNow(null);
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof CloseConnection) {
            LOG.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
            return null;
        }
        if (cause instanceof ApiException) { // a failure with its own Kafka error code: expected, so no trace
            LOG.warn("{} v{} from {} failed; answering with its error: {}", p.api, p.version,
                    ctx.channel().remoteAddress(), cause.toString());
        } else {
            LOG.error("{} v{} from {} failed; answering with UNKNOWN_SERVER_ERROR", p.api, p.version,
                    ctx.channel().remoteAddress(), cause);
        }
        try {
            ApiMessage body = p.request == null ? null : RequestCodec.errorResponse(p.request, cause);
            if (body == null) {
                LOG.warn("closing connection from {}: {} v{} has no error response", ctx.channel().remoteAddress(),
                        p.api, p.version);
            }
            return body;
        } catch (RuntimeException e) {
            LOG.error("{} v{} error response cannot be made; closing connection from {}", p.api, p.version,
                    ctx.channel().remoteAddress(), e);
            return null;
        }
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
            ApiMessage body;
            if (p.response.isCompletedExceptionally()) {
                body = errorResponse(ctx, p);
                if (body == null) {
                    close(ctx);
                    return;
                }
            } else {
                body = p.response.getNow(null);
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
