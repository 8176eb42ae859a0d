package io.ferrite.server.network;

import io.ferrite.server.metrics.ConnectionMetrics;
import io.ferrite.protocol.KafkaFrameDecoder;
import io.ferrite.protocol.RequestBudget;
import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.config.ConnectionLimits;
import io.ferrite.server.config.Listener;
import io.ferrite.server.security.ListenerSecurity;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The Netty server: one listening socket per listener, one acceptor thread for all of them,
 * {@code num.network.threads} event loops, and per connection a pipeline of a TLS handler (on a TLS listener,
 * its engine from the listener's {@link ListenerSecurity}), an idle timer ({@code connections.max.idle.ms}), the
 * frame decoder and a {@link RequestDispatcher} with the connection's {@link ClientSession}. The acceptor applies
 * Kafka's connection limits ({@link ConnectionQuotas}) over all listeners; every connection draws its requests'
 * bytes from one {@link RequestBudget} ({@code queued.max.request.bytes}).
 */
public final class KafkaServer implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(KafkaServer.class);

    /** Answers queued in a channel past this many bytes stop its reading, until they drain below the low mark. */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

    private final BrokerConfig config;
    private final List<ListenerSecurity> listeners;
    private final ApiRegistry apis;
    private final Clock clock;
    private final java.util.function.ToLongBiFunction<java.net.InetAddress, Long> ipThrottle;
    private ConnectionQuotas quotas;
    private RequestBudget budget;
    private EventLoopGroup acceptor;
    private EventLoopGroup workers;
    /** Connections opened and closed, per listener and network thread; none until set. */
    private ConnectionMetrics connectionMetrics;
    /** Each network event loop's number, its {@code networkProcessor} in the connection metrics. */
    private final Map<io.netty.channel.EventLoop, Integer> processors = new java.util.IdentityHashMap<>();
    /** Listener name to its listening channel, in the order configured. */
    private final Map<String, Channel> bound = new LinkedHashMap<>();

    /** {@code listeners}: one per configured listener, made (and closed) by the caller. */
    public KafkaServer(BrokerConfig config, List<ListenerSecurity> listeners, ApiRegistry apis, Clock clock) {
        this(config, listeners, apis, clock, (ip, now) -> 0L);
    }

    /** {@code ipThrottle}: how long to hold a new connection from an address over its connection rate quota. */
    public KafkaServer(BrokerConfig config, List<ListenerSecurity> listeners, ApiRegistry apis, Clock clock,
                       java.util.function.ToLongBiFunction<java.net.InetAddress, Long> ipThrottle) {
        this.config = config;
        this.listeners = List.copyOf(listeners);
        this.apis = apis;
        this.clock = clock;
        this.ipThrottle = ipThrottle;
    }

    /**
     * Takes new connection quotas while it runs, their override hosts resolved by {@link #checkLimits}. The
     * acceptor applies them, and this returns once it has: the answer to the change goes out only when new
     * connections are held to it, as a client that then connects expects.
     */
    public synchronized void reconfigure(ConnectionLimits next, java.util.Map<java.net.InetAddress, Integer> resolved) {
        if (quotas == null) { // the broker takes configs only once it listens: it starts on the running ones
            throw new IllegalStateException("connection quotas change once the server has started");
        }
        ConnectionQuotas q = quotas;
        io.netty.channel.EventLoop loop = acceptor.next(); // its one thread
        if (loop.inEventLoop()) {
            q.reconfigure(next, resolved);
            return;
        }
        try {
            loop.submit(() -> q.reconfigure(next, resolved)).syncUninterruptibly();
        } catch (java.util.concurrent.RejectedExecutionException e) { // closing: no connection to limit any more
        }
    }

    /**
     * The override hosts of {@code limits}, resolved; an IllegalArgumentException if one does not resolve.
     */
    public static java.util.Map<java.net.InetAddress, Integer> checkLimits(ConnectionLimits limits) {
        return ConnectionQuotas.resolve(limits.perIpOverrides());
    }

    /** Counts connections in {@code metrics} (before {@link #start}). */
    public KafkaServer measureWith(ConnectionMetrics metrics) {
        this.connectionMetrics = metrics;
        return this;
    }

    /** Binds and starts accepting. */
    public synchronized KafkaServer start() throws Exception {
        acceptor = new NioEventLoopGroup(1, new DefaultThreadFactory("ferrite-acceptor"));
        workers = new NioEventLoopGroup(config.networkThreads(), new DefaultThreadFactory("ferrite-network"));
        for (io.netty.util.concurrent.EventExecutor loop : workers) {
            processors.put((io.netty.channel.EventLoop) loop, processors.size());
        }
        ConnectionLimits limits = config.connectionLimits();
        quotas = new ConnectionQuotas(limits, clock, ipThrottle);
        budget = new RequestBudget(limits.queuedMaxRequestBytes());
        try {
            for (ListenerSecurity security : listeners) {
                Listener l = security.listener();
                InetSocketAddress at = l.host().isEmpty()
                        ? new InetSocketAddress(l.port()) : new InetSocketAddress(l.host(), l.port());
                Channel ch = bootstrap(security, limits).bind(at).sync().channel();
                bound.put(l.name(), ch);
                LOG.info("listening on {} ({}, {})", ch.localAddress(), l.name(), l.protocol());
            }
        } catch (Exception e) { // port in use, bad address: no thread may be left to keep the JVM alive
            close();
            throw e;
        }
        return this;
    }

    private ServerBootstrap bootstrap(ListenerSecurity security, ConnectionLimits limits) {
        return new ServerBootstrap()
                .group(acceptor, workers)
                .channel(NioServerSocketChannel.class)
                .handler(quotas)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (security.tls()) {
                            InetSocketAddress peer = ch.remoteAddress();
                            ch.pipeline().addLast("tls", new SslHandler(
                                    security.newEngine(peer.getHostString(), peer.getPort())));
                        }
                        if (limits.idleMs() > 0) {
                            ch.pipeline().addLast("idle",
                                    new IdleStateHandler(0, 0, limits.idleMs(), TimeUnit.MILLISECONDS));
                        }
                        ConnectionMetrics counted = connectionMetrics;
                        if (counted != null) {
                            String listener = security.listener().name();
                            int processor = processors.getOrDefault(ch.eventLoop(), 0);
                            counted.opened(listener, processor);
                            ch.closeFuture().addListener(f -> counted.closed(listener, processor));
                        }
                        ClientSession session = new ClientSession(security, clock);
                        int firstMax = session.maxReceiveBeforeAuthentication() > 0
                                ? Math.min(session.maxReceiveBeforeAuthentication(), config.maxRequestBytes())
                                : config.maxRequestBytes();
                        ch.pipeline()
                                .addLast("frameDecoder", new KafkaFrameDecoder(firstMax, budget))
                                .addLast("dispatcher", new RequestDispatcher(apis, budget, session,
                                        config.maxRequestBytes()));
                    }
                });
    }

    /** The bytes of requests read and not answered that the budget has room for now (for tests). */
    long budgetAvailable() {
        return budget.available();
    }

    /** The port the first listener bound, which differs from the configured one when that was 0. */
    public int port() {
        return ((InetSocketAddress) bound.values().iterator().next().localAddress()).getPort();
    }

    /** The port the named listener bound, or -1 if there is no such listener. */
    public int port(String listener) {
        Channel ch = bound.get(listener);
        return ch == null ? -1 : ((InetSocketAddress) ch.localAddress()).getPort();
    }

    @Override
    public void close() {
        for (Channel ch : bound.values()) {
            ch.close().syncUninterruptibly();
        }
        if (workers != null) {
            // The listener is closed already, so no new work arrives: a short quiet period is enough.
            workers.shutdownGracefully(100, 5000, TimeUnit.MILLISECONDS).syncUninterruptibly();
            acceptor.shutdownGracefully(100, 5000, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }
}
