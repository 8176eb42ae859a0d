package io.ferrite.protocol;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The broker's budget of request bytes read and not yet answered, over every connection
 * ({@code queued.max.request.bytes}). A frame takes its size from the budget as soon as its size field is
 * read, before its bytes arrive, and gives it back once its request is answered (or dropped with its
 * connection). While nothing is left, connections that need some stop being read and wait their turn.
 *
 * <p>As Kafka's request pool does, a frame is let in whenever anything at all is left, even if it is larger,
 * so the budget can be overdrawn by one frame: any frame up to {@code socket.request.max.bytes} can always
 * be read eventually, and nothing waits on a budget that cannot ever cover it.
 */
public final class RequestBudget {
    private static final Logger LOG = LogManager.getLogger(RequestBudget.class);
    /** No bound: what a decoder made without a budget uses. */
    public static final RequestBudget UNBOUNDED = new RequestBudget(Long.MAX_VALUE);

    private final long total;
    private final AtomicLong available;
    private final ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    public RequestBudget(long total) {
        if (total <= 0) {
            throw new IllegalArgumentException("a request budget must be positive");
        }
        this.total = total;
        this.available = new AtomicLong(total);
    }

    /** Takes {@code bytes} if anything is left (see the class comment); false if the caller must wait. */
    public boolean tryTake(long bytes) {
        while (true) {
            long now = available.get();
            if (now <= 0 && bytes > 0) {
                return false;
            }
            if (available.compareAndSet(now, now - bytes)) {
                return true;
            }
        }
    }

    /** Gives {@code bytes} back, and wakes those waiting if there is room again. */
    public void giveBack(long bytes) {
        if (bytes == 0) {
            return;
        }
        if (available.addAndGet(bytes) > 0) {
            for (Runnable r; (r = waiting.poll()) != null; ) {
                try {
                    r.run();
                } catch (RuntimeException e) { // a waiter whose thread is gone (shutting down): the others still wake
                    LOG.debug("a connection waiting for the request budget could not be woken: {}", e.toString());
                }
            }
        }
    }

    /**
     * Runs {@code wake} once there may be room: soon, if there is some already (a give-back may have come between
     * a failed take and this call), else at the next give-back that makes some. {@code wake} should hand work
     * to the waiter's own thread and try again.
     */
    public void whenAvailable(Runnable wake) {
        waiting.add(wake);
        if (available.get() > 0 && waiting.remove(wake)) {
            wake.run();
        }
    }

    public long total() {
        return total;
    }

    /** What is left now; negative while overdrawn. */
    public long available() {
        return available.get();
    }
}
