package io.ferrite.protocol;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * Why a connection is not being read: each reason closes the gate on its own and opens it again on its own,
 * and the channel is read only while none holds it closed. Without this, one part turning reading back on
 * (the dispatcher once its queue drains) would undo another's reason to keep it off (the request budget).
 * Used on the connection's event loop only.
 */
public final class ReadGate {
    /** As many requests read ahead of their answers as a connection may have. */
    public static final int IN_FLIGHT = 1;
    /** The broker's budget of request bytes read and not answered is spent. */
    public static final int BUDGET = 2;
    /** Answers are written faster than the client reads them. */
    public static final int UNWRITABLE = 4;
    /** The client went over a quota: it is not read until the throttle time it was told has passed (KIP-219). */
    public static final int THROTTLED = 8;

    private static final AttributeKey<ReadGate> KEY = AttributeKey.valueOf("ferrite.readGate");

    private final Channel channel;
    private int closedFor;

    private ReadGate(Channel channel) {
        this.channel = channel;
    }

    /** The channel's gate, made on first use. */
    public static ReadGate of(Channel channel) {
        ReadGate g = channel.attr(KEY).get();
        if (g == null) {
            g = new ReadGate(channel);
            channel.attr(KEY).set(g);
        }
        return g;
    }

    public void close(int reason) {
        set(closedFor | reason);
    }

    public void open(int reason) {
        set(closedFor & ~reason);
    }

    public boolean isClosedFor(int reason) {
        return (closedFor & reason) != 0;
    }

    private void set(int reasons) {
        closedFor = reasons;
        boolean read = reasons == 0;
        if (channel.config().isAutoRead() != read) {
            channel.config().setAutoRead(read);
        }
    }
}
