package io.ferrite.server.console;

import io.ferrite.server.metrics.BrokerTopicMetrics;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The broker's throughput over the last hour, for the console's charts: every {@link #INTERVAL_MS} the
 * all-topics message and byte counts are read and the rates since the previous reading kept, at most
 * {@link #POINTS} of them. Sampled on its own thread, {@code ferrite-console-sampler}, owned here and stopped by
 * {@link #close}; readers take a copy under the lock.
 */
final class ThroughputHistory implements AutoCloseable {
    static final long INTERVAL_MS = 10_000;
    static final int POINTS = 360;

    /** Rates per second over the interval ending at {@code time} (epoch ms). */
    record Point(long time, double messagesIn, double bytesIn, double bytesOut) {
    }

    private final BrokerTopicMetrics metrics;
    private final Clock clock;
    private final ArrayDeque<Point> points = new ArrayDeque<>(); // all three guarded by this
    private BrokerTopicMetrics.Totals last;
    private long lastTime;
    private final ScheduledExecutorService sampler;

    ThroughputHistory(BrokerTopicMetrics metrics, Clock clock) {
        this.metrics = metrics;
        this.clock = clock;
        this.last = metrics.totals();
        this.lastTime = clock.millis();
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ferrite-console-sampler");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(this::sample, INTERVAL_MS, INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    /** Reads the counts now and keeps the rates since the last reading (run by the sampler; tests call it). */
    synchronized void sample() {
        BrokerTopicMetrics.Totals now = metrics.totals();
        long time = clock.millis();
        double seconds = Math.max(1, time - lastTime) / 1000.0;
        Point p = new Point(time, (now.messagesIn() - last.messagesIn()) / seconds,
                (now.bytesIn() - last.bytesIn()) / seconds, (now.bytesOut() - last.bytesOut()) / seconds);
        last = now;
        lastTime = time;
        points.addLast(p);
        while (points.size() > POINTS) {
            points.removeFirst();
        }
    }

    synchronized List<Point> points() {
        return new ArrayList<>(points);
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
