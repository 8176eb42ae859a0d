package io.ferrite.server.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.Meter;

/**
 * Kafka's {@code kafka.server:type=socket-server-metrics,listener=L,networkProcessor=N} attributes
 * connection-count, connection-creation-rate/-total and connection-close-rate/-total, where a network processor
 * is one of the broker's network event loops ({@code num.network.threads}), numbered from 0. Thread safety: any
 * thread.
 */
public final class ConnectionMetrics {
    static final String GROUP = "socket-server-metrics";

    private record Processor(String listener, int index) {
    }

    /** One processor's gauge and sensors. */
    private record Counts(AtomicInteger open, Sensor created, Sensor closed) {
    }

    private final BrokerMetrics metrics;
    private final ConcurrentHashMap<Processor, Counts> counts = new ConcurrentHashMap<>();

    public ConnectionMetrics(BrokerMetrics metrics) {
        this.metrics = metrics;
    }

    /** A connection was accepted on {@code listener} and is served by network thread {@code processor}. */
    public void opened(String listener, int processor) {
        Counts c = counts(listener, processor);
        c.open.incrementAndGet();
        c.created.record();
    }

    public void closed(String listener, int processor) {
        Counts c = counts(listener, processor);
        c.open.decrementAndGet();
        c.closed.record();
    }

    private Counts counts(String listener, int processor) {
        return counts.computeIfAbsent(new Processor(listener, processor), p -> {
            Map<String, String> tags = Map.of("listener", p.listener, "networkProcessor", Integer.toString(p.index));
            AtomicInteger open = new AtomicInteger();
            metrics.kafkaGauge(metrics.kafkaName("connection-count", GROUP, "The current number of active "
                    + "connections.", tags), (config, now) -> open.get());
            return new Counts(open, sensor(p, "connection-creation", "New connections established", tags),
                    sensor(p, "connection-close", "Connections closed", tags));
        });
    }

    private Sensor sensor(Processor p, String what, String description, Map<String, String> tags) {
        Sensor s = metrics.kafka.sensor(what + ":" + p.listener + ":" + p.index);
        s.add(new Meter(metrics.kafkaName(what + "-rate", GROUP, description + " per second.", tags),
                metrics.kafkaName(what + "-total", GROUP, description + " in total.", tags)));
        return s;
    }
}
