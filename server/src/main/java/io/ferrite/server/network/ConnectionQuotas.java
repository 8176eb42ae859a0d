package io.ferrite.server.network;

import io.ferrite.server.config.ConnectionLimits;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongBiFunction;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Kafka's connection limits, on the listening channel, where each accepted connection passes before it is
 * registered with a network thread:
 * <ul>
 *   <li>{@code max.connections.per.ip} (and its overrides): a connection past its address's limit is closed
 *       at once, as Kafka closes it;</li>
 *   <li>{@code max.connections}: at the limit, accepting stops (connections wait in the listen backlog, as
 *       with Kafka's acceptor) until one closes;</li>
 *   <li>{@code max.connection.creation.rate}: past the rate, accepting pauses for as long as the rate asks;</li>
 *   <li>an IP address's {@code connection_creation_rate} quota (KIP-612): a connection past it is held for the
 *       throttle time, then closed unread, and not counted.</li>
 * </ul>
 * Counting happens on the acceptor thread, which every listener shares; connections closing on network threads
 * hand their decrement back to it, so no count is ever read half updated. The limits count connections over
 * all listeners, and accepting stops and resumes on all of them together.
 */
@Sharable
final class ConnectionQuotas extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(ConnectionQuotas.class);

    /** Both replaced by {@link #reconfigure}, on the acceptor thread like every read of them. */
    private ConnectionLimits limits;
    private Map<InetAddress, Integer> overrides;
    private final Clock clock;
    private final Map<InetAddress, AtomicInteger> perIp = new HashMap<>();
    /** The listening channels this is the handler of (acceptor thread only). */
    private final List<Channel> listening = new ArrayList<>();
    private int total;
    /** The creation rate's window: connections accepted in the current second, which started at windowStart. */
    private long windowStart;
    private int inWindow;
    private long pausedUntil;

    /** Per-IP connection rate quotas: how long to hold a new connection from an address before closing it. */
    private final ToLongBiFunction<InetAddress, Long> ipThrottle;

    ConnectionQuotas(ConnectionLimits limits, Clock clock, ToLongBiFunction<InetAddress, Long> ipThrottle) {
        this.limits = limits;
        this.clock = clock;
        this.ipThrottle = ipThrottle;
        this.overrides = resolve(limits.perIpOverrides());
    }

    /**
     * Kafka resolves the override hosts once, at start (and again when they are changed while it runs); a name
     * that does not resolve stops the broker, or refuses the change.
     */
    static Map<InetAddress, Integer> resolve(Map<String, Integer> byHost) {
        Map<InetAddress, Integer> out = new HashMap<>();
        byHost.forEach((host, count) -> {
            try {
                out.put(InetAddress.getByName(host), count);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("max.connections.per.ip.overrides: unknown host " + host, e);
            }
        });
        return out;
    }

    /**
     * The connection quotas changed while the broker runs ({@code max.connections}, {@code .per.ip}, its
     * overrides, {@code max.connection.creation.rate}), with the override hosts already resolved; on the acceptor
     * thread. Connections open now stay; a higher {@code max.connections} resumes accepting at once.
     */
    void reconfigure(ConnectionLimits next, Map<InetAddress, Integer> resolved) {
        limits = next;
        overrides = resolved;
        updateAccepting();
    }

    /** The number of connections open now. */
    int connections() {
        return total;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        listening.add(ctx.channel());
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        listening.remove(ctx.channel());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        InetAddress ip = child.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        AtomicInteger fromIp = ip == null ? new AtomicInteger() : perIp.computeIfAbsent(ip, k -> new AtomicInteger());
        int limit = ip == null ? Integer.MAX_VALUE : overrides.getOrDefault(ip, limits.maxConnectionsPerIp());
        if (fromIp.get() >= limit) {
            LOG.warn("closing connection from {}: it has {} connections, the most max.connections.per.ip allows",
                    child.remoteAddress(), fromIp.get());
            child.unsafe().closeForcibly(); // not registered with any thread yet
            return;
        }
        long throttle = ip == null ? 0 : ipThrottle.applyAsLong(ip, clock.millis());
        if (throttle > 0) { // held, then closed unread, so the client does not come straight back (Kafka's way)
            LOG.debug("closing connection from {} in {} ms: over its connection_creation_rate", child.remoteAddress(),
                    throttle);
            ctx.channel().eventLoop().schedule(() -> child.unsafe().closeForcibly(), throttle, TimeUnit.MILLISECONDS);
            return;
        }
        fromIp.incrementAndGet();
        total++;
        Channel listener = ctx.channel();
        child.closeFuture().addListener(f -> listener.eventLoop().execute(() -> closed(ip, fromIp)));
        countForRate(ctx.channel());
        ctx.fireChannelRead(child);
        updateAccepting();
    }

    private void closed(InetAddress ip, AtomicInteger fromIp) {
        total--;
        if (fromIp.decrementAndGet() == 0 && ip != null) {
            perIp.remove(ip, fromIp);
        }
        updateAccepting();
    }

    private void countForRate(Channel listener) {
        if (limits.maxCreationRate() == Integer.MAX_VALUE) {
            return;
        }
        long now = clock.millis();
        if (now - windowStart >= 1000) {
            windowStart = now;
            inWindow = 0;
        }
        if (++inWindow >= limits.maxCreationRate()) { // this second's share is used: wait for the next
            pausedUntil = windowStart + 1000;
            long delay = Math.max(1, pausedUntil - now);
            listener.eventLoop().schedule(this::updateAccepting, delay, TimeUnit.MILLISECONDS);
        }
    }

    private void updateAccepting() {
        boolean accept = total < limits.maxConnections() && clock.millis() >= pausedUntil;
        boolean warned = false;
        for (Channel listener : listening) {
            if (listener.config().isAutoRead() != accept) {
                if (!accept && total >= limits.maxConnections() && !warned) {
                    LOG.warn("{} connections, the most max.connections allows: accepting no more until one closes",
                            total);
                    warned = true;
                }
                listener.config().setAutoRead(accept);
            }
        }
    }
}
