package io.ferrite.server.network;

import io.ferrite.protocol.KafkaFrameDecoder;
import io.ferrite.server.config.BrokerConfig;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The Netty server: an acceptor thread, {@code num.network.threads} event loops, and per connection a
 * pipeline of the frame decoder and a {@link RequestDispatcher}.
 */
public final class KafkaServer implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(KafkaServer.class);

    private final BrokerConfig config;
    private final ApiRegistry apis;
    private EventLoopGroup acceptor;
    private EventLoopGroup workers;
    private Channel listener;

    public KafkaServer(BrokerConfig config, ApiRegistry apis) {
        this.config = config;
        this.apis = apis;
    }

    /** Binds and starts accepting. */
    public KafkaServer start() throws Exception {
        acceptor = new NioEventLoopGroup(1, new DefaultThreadFactory("ferrite-acceptor"));
        workers = new NioEventLoopGroup(config.networkThreads(), new DefaultThreadFactory("ferrite-network"));
        ServerBootstrap b = new ServerBootstrap()
                .group(acceptor, workers)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("frameDecoder", new KafkaFrameDecoder(config.maxRequestBytes()))
                                .addLast("dispatcher", new RequestDispatcher(apis));
                    }
                });
        InetSocketAddress at = config.host().isEmpty()
                ? new InetSocketAddress(config.port()) : new InetSocketAddress(config.host(), config.port());
        try {
            listener = b.bind(at).sync().channel();
        } catch (Exception e) { // port in use, bad address: no thread may be left to keep the JVM alive
            close();
            throw e;
        }
        LOG.info("listening on {}", listener.localAddress());
        return this;
    }

    /** The port bound, which differs from the configured one when that was 0. */
    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        if (workers != null) {
            // The listener is closed already, so no new work arrives: a short quiet period is enough.
            workers.shutdownGracefully(100, 5000, TimeUnit.MILLISECONDS).syncUninterruptibly();
            acceptor.shutdownGracefully(100, 5000, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }
}
