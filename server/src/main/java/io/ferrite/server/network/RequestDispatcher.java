package io.ferrite.server.network;

import io.ferrite.protocol.HeldRecords;
import io.ferrite.server.metrics.RequestMetrics;
import io.ferrite.protocol.KafkaFrameDecoder;
import io.ferrite.protocol.ReadGate;
import io.ferrite.protocol.RequestBudget;
import io.ferrite.protocol.RequestCodec.DecodedRequest;
import io.ferrite.protocol.RequestCodec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
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
 *
 * <p>What a connection may hold is bounded three ways, each a reason for its {@link ReadGate}: at most
 * {@link #MAX_IN_FLIGHT} requests read ahead of their answers; answers not yet taken by the client past the
 * channel's write-buffer high-water mark (a client that sends fetches and never reads stops being read, so it
 * cannot make the broker hold ever more responses and the store files they point into); and the broker's
 * request budget, which each frame's size is given back to once its answer is written. A connection idle past
 * {@code connections.max.idle.ms} with nothing pending is closed.
 */
final class RequestDispatcher extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(RequestDispatcher.class);

    /**
     * A request read and not yet answered; {@code request} is null for one answered without decoding. The
     * {@link System#nanoTime} readings are for the request metrics: read, handler called and returned, and
     * (set by whichever thread completes the response) answer ready.
     */
    private static final class Pending {
        final ApiKeys api;
        final short version;
        final int correlationId;
        final DecodedRequest request;
        final CompletableFuture<? extends ApiMessage> response;
        final int budgeted;
        final boolean closeAfter;
        long readNanos;
        long calledNanos;
        long returnedNanos;
        volatile long readyNanos;

        Pending(ApiKeys api, short version, int correlationId, DecodedRequest request,
                CompletableFuture<? extends ApiMessage> response, int budgeted, boolean closeAfter) {
            this.api = api;
            this.version = version;
            this.correlationId = correlationId;
            this.request = request;
            this.response = response;
            this.budgeted = budgeted;
            this.closeAfter = closeAfter;
        }

        Pending(ApiKeys api, short version, int correlationId, DecodedRequest request,
                CompletableFuture<? extends ApiMessage> response, int budgeted) {
            this(api, version, correlationId, request, response, budgeted, false);
        }
    }

    private final ApiRegistry apis;
    private final RequestBudget budget;
    private final ClientSession session;
    /** {@code socket.request.max.bytes}: the frame decoder's bound once a SASL client has authenticated. */
    private final int maxRequestBytes;
    /** Requests read ahead of their responses before the connection stops being read (Kafka reads one at a time). */
    static final int MAX_IN_FLIGHT = 16;

    private final ArrayDeque<Pending> inOrder = new ArrayDeque<>();
    private boolean closing;
    /** While a quota throttle holds the connection: when it ends, and the task that ends it. */
    private long throttledUntilNanos;
    private io.netty.util.concurrent.ScheduledFuture<?> unthrottle;
    /** How a request's handler throttles this connection; made once, the context being the same for each. */
    private java.util.function.LongConsumer throttler;

    RequestDispatcher(ApiRegistry apis, RequestBudget budget, ClientSession session, int maxRequestBytes) {
        this.apis = apis;
        this.budget = budget;
        this.session = session;
        this.maxRequestBytes = maxRequestBytes;
    }

    /** A plaintext connection acting as ANONYMOUS (tests). */
    RequestDispatcher(ApiRegistry apis, RequestBudget budget) {
        this(apis, budget, new ClientSession(null, Clock.systemUTC()), Integer.MAX_VALUE);
    }

    /** A plaintext connection is established once connected; a TLS one after its handshake. */
    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (ctx.pipeline().get(SslHandler.class) == null) {
            established(ctx, null);
        }
        super.channelActive(ctx);
    }

    private void established(ChannelHandlerContext ctx, SSLSession tls) {
        try {
            session.established(tls, ctx.channel().remoteAddress());
        } catch (RuntimeException e) { // a principal builder refusing the peer (no mapping rule matches it)
            LOG.warn("closing connection from {}: no principal for it: {}", ctx.channel().remoteAddress(),
                    e.toString());
            close(ctx);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        int size = frame.readableBytes(); // what the decoder took from the budget for it
        if (closing || !ctx.channel().isActive()) {
            budget.giveBack(size);
            frame.release(); // read along with a request that closed the connection: never acted on
            return;
        }
        if (session.expectsBareToken()) {
            bareToken(ctx, frame, size);
            return;
        }
        boolean queued = false;
        try {
            long read = System.nanoTime();
            Pending p = dispatch(ctx, frame, size);
            p.readNanos = read;
            inOrder.add(p);
            queued = true; // from here its bytes go back when it is answered or dropped
            if (inOrder.size() >= MAX_IN_FLIGHT) {
                ReadGate.of(ctx.channel()).close(ReadGate.IN_FLIGHT); // a client not reading its answers
            }
            p.response.whenComplete((r, e) -> {
                p.readyNanos = System.nanoTime();
                if (ctx.executor().inEventLoop()) {
                    drain(ctx);
                } else {
                    ctx.executor().execute(() -> drain(ctx));
                }
            });
        } catch (RuntimeException e) {
            if (e instanceof SessionExpired) {
                LOG.info("closing connection from {}: {}", ctx.channel().remoteAddress(), e.getMessage());
            } else if (e instanceof InvalidRequestException) {
                LOG.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), e.getMessage());
            } else {
                LOG.error("closing connection from {}: its request could not be taken", ctx.channel().remoteAddress(), e);
            }
            if (!queued) {
                budget.giveBack(size);
            }
            close(ctx);
        } finally {
            frame.release();
        }
    }

    /** A bare SASL token after SaslHandshake v0: answered with a bare token, or the connection closed. */
    private void bareToken(ChannelHandlerContext ctx, ByteBuf frame, int size) {
        try {
            byte[] token = new byte[frame.readableBytes()];
            frame.readBytes(token);
            byte[] answer = session.authenticateBare(token);
            if (answer == null) {
                LOG.info("failed authentication from {} on listener {}", ctx.channel().remoteAddress(),
                        session.listener());
                close(ctx);
                return;
            }
            if (session.authenticated()) {
                ctx.pipeline().get(KafkaFrameDecoder.class).maxFrameBytes(maxRequestBytes);
            }
            ByteBuf out = ctx.alloc().buffer(4 + answer.length).writeInt(answer.length).writeBytes(answer);
            ctx.writeAndFlush(out);
        } finally {
            budget.giveBack(size);
            frame.release();
        }
    }

    private Pending dispatch(ChannelHandlerContext ctx, ByteBuf frame, int size) {
        if (frame.readableBytes() >= 8) {
            short key = frame.getShort(frame.readerIndex());
            short version = frame.getShort(frame.readerIndex() + 2);
            ApiVersionsTable.Range r = apis.versions().range(ApiKeys.API_VERSIONS);
            if (key == ApiKeys.API_VERSIONS.id && r != null && version > r.max()) {
                int correlationId = frame.getInt(frame.readerIndex() + 4);
                return new Pending(ApiKeys.API_VERSIONS, (short) 0, correlationId, null,
                        CompletableFuture.completedFuture(apis.versions().response(Errors.UNSUPPORTED_VERSION)), size);
            }
        }
        DecodedRequest request = RequestCodec.decode(frame).withClientHost(clientHost(ctx));
        ApiHandler<ApiMessage> handler = apis.handler(request.apiKey(), request.apiVersion());
        if (handler == null) {
            throw new InvalidRequestException(request.apiKey() + " v" + request.apiVersion() + " is not supported");
        }
        if (session.startsReauthentication(request.apiKey())) { // until done, frames as small as before the first
            ctx.pipeline().get(KafkaFrameDecoder.class).maxFrameBytes(session.maxReceiveBeforeAuthentication());
        } else if (session.expired()) {
            throw new SessionExpired("its SASL session expired (connections.max.reauth.ms) and it did not "
                    + "re-authenticate");
        }
        if (!session.allows(request.apiKey())) {
            throw new InvalidRequestException(request.apiKey() + " before SASL authentication");
        }
        if (session.takesSasl() && (request.apiKey() == ApiKeys.SASL_HANDSHAKE
                || request.apiKey() == ApiKeys.SASL_AUTHENTICATE)) {
            ApiMessage answer = request.body() instanceof SaslHandshakeRequestData h
                    ? session.handshake(h, request.apiVersion())
                    : session.authenticate((SaslAuthenticateRequestData) request.body(), request.apiVersion());
            if (session.authenticated()) { // from here on, frames as large as any client's
                ctx.pipeline().get(KafkaFrameDecoder.class).maxFrameBytes(maxRequestBytes);
            } else if (session.failed()) {
                LOG.info("failed authentication from {} on listener {}", ctx.channel().remoteAddress(),
                        session.listener());
            }
            Pending p = new Pending(request.apiKey(), request.apiVersion(), request.correlationId(), request,
                    CompletableFuture.completedFuture(answer), size, session.failed());
            p.calledNanos = p.returnedNanos = System.nanoTime(); // answered here, as a handler would
            return p;
        }
        CompletableFuture<? extends ApiMessage> response;
        long called = System.nanoTime();
        try {
            response = handler.handle(session.context(request, throttler(ctx)), request.body());
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        Pending p = new Pending(request.apiKey(), request.apiVersion(), request.correlationId(), request, response,
                size);
        p.calledNanos = called;
        p.returnedNanos = System.nanoTime();
        return p;
    }

    /** A request on a connection whose SASL session has expired: closed without an answer, as in Kafka. */
    private static final class SessionExpired extends RuntimeException {
        SessionExpired(String message) {
            super(message, null, false, false);
        }
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
        if (cause instanceof AuthorizationException) { // the authorizer's audit log has said who was refused what
            LOG.debug("{} v{} from {} refused: {}", p.api, p.version, ctx.channel().remoteAddress(), cause.toString());
        } else if (cause instanceof ApiException) { // a failure with its own Kafka error code: expected, so no trace
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
            budget.giveBack(p.budgeted); // answered (or about to close): its bytes leave the budget's count
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
            if (body != null && p.closeAfter) { // a failed authentication: the client hears why, then is closed
                closing = true;
                ctx.writeAndFlush(RequestCodec.encodeResponse(ctx.alloc(), p.api, p.version, p.correlationId, body))
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            if (body != null) {
                try {
                    long dequeued = System.nanoTime();
                    ctx.write(RequestCodec.encodeResponse(ctx.alloc(), p.api, p.version, p.correlationId, body))
                            .addListener(f -> measure(p, dequeued, System.nanoTime()));
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
        if (inOrder.size() < MAX_IN_FLIGHT && !closing) {
            ReadGate.of(ctx.channel()).open(ReadGate.IN_FLIGHT);
        }
    }

    /**
     * A decoded request answered: its size and times go to the request metrics, once its answer has gone to the
     * socket ({@code sent}) after leaving the queue of answers in order ({@code dequeued}). An answer completed
     * moments before it was dequeued may not have noted when: its wait counts as the remote part then.
     */
    private void measure(Pending p, long dequeued, long sent) {
        RequestMetrics metrics = apis.requestMetrics();
        if (metrics != null && p.request != null && p.calledNanos != 0) {
            long ready = p.readyNanos;
            metrics.record(p.api, p.version, p.budgeted, p.readNanos, p.calledNanos, p.returnedNanos,
                    ready == 0 ? dequeued : ready, dequeued, sent);
        }
    }

    /**
     * The client went over a quota and its answer says for how long to wait (KIP-219): until then the connection
     * is not read, so a client that does not wait cannot go on past its quota. A longer throttle extends a
     * shorter one.
     */
    private java.util.function.LongConsumer throttler(ChannelHandlerContext ctx) {
        java.util.function.LongConsumer t = throttler;
        if (t == null) {
            t = ms -> throttle(ctx, ms);
            throttler = t;
        }
        return t;
    }

    private void throttle(ChannelHandlerContext ctx, long ms) {
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(() -> throttle(ctx, ms));
            return;
        }
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        if (ms <= 0 || closing || (unthrottle != null && until - throttledUntilNanos <= 0)) {
            return;
        }
        throttledUntilNanos = until;
        if (unthrottle != null) {
            unthrottle.cancel(false);
        }
        ReadGate.of(ctx.channel()).close(ReadGate.THROTTLED);
        unthrottle = ctx.executor().schedule(() -> {
            unthrottle = null;
            ReadGate.of(ctx.channel()).open(ReadGate.THROTTLED);
        }, ms, TimeUnit.MILLISECONDS);
    }

    /** Answers pile up in the channel past its high-water mark: read nothing more until the client takes them. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable()) {
            ReadGate.of(ctx.channel()).open(ReadGate.UNWRITABLE);
        } else {
            ReadGate.of(ctx.channel()).close(ReadGate.UNWRITABLE);
        }
        super.channelWritabilityChanged(ctx);
    }

    /** {@code connections.max.idle.ms} passed with nothing read or written: closed unless a request is pending. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                established(ctx, ctx.pipeline().get(SslHandler.class).engine().getSession());
            } else { // the handler closes the connection
                LOG.info("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), done.cause().toString());
            }
            return;
        }
        if (evt instanceof IdleStateEvent) {
            if (inOrder.isEmpty()) {
                LOG.info("closing idle connection from {}", ctx.channel().remoteAddress());
                close(ctx);
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    private void close(ChannelHandlerContext ctx) {
        closing = true;
        ctx.close();
    }

    /**
     * Responses that will never be written still hold store files (Fetch): let them go when they are ready. A
     * fetch still waiting for data is cancelled, so it stops waiting; other requests finish what they began (an
     * append goes on and is acknowledged to nobody, as in Kafka), since their futures may be shared.
     */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closing = true;
        // Taken out of the queue first: a cancelled fetch completes at once, and its drain must find nothing to
        // answer (or give back a second time).
        List<Pending> left = new ArrayList<>(inOrder);
        inOrder.clear();
        for (Pending p : left) {
            budget.giveBack(p.budgeted);
            if (p.api == ApiKeys.FETCH) {
                p.response.cancel(false); // still waiting for data: it stops waiting
            }
            p.response.thenAccept(HeldRecords::releaseAll);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
            // Told once already, as the handshake's failure, or a client's TLS records that do not decrypt.
            LOG.debug("closing connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
            close(ctx);
            return;
        }
        LOG.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        close(ctx);
    }
}
