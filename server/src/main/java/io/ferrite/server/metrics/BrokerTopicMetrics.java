package io.ferrite.server.metrics;

import com.codahale.metrics.Meter;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kafka's {@code kafka.server:type=BrokerTopicMetrics} meters, per topic ({@code topic=} tag) and for all topics
 * (no tag): messages and bytes in, bytes out to consumers, bytes rejected, and produce and fetch requests in
 * total and failed, counted per partition of a request as Kafka counts them. A topic's meters go when it is
 * deleted. Thread safety: any thread.
 */
public final class BrokerTopicMetrics {
    static final String PREFIX = "kafka.server:type=BrokerTopicMetrics,";

    /** One topic's meters (or all topics'). */
    private record Meters(Meter messagesIn, Meter bytesIn, Meter bytesOut, Meter bytesRejected, Meter failedProduce,
                          Meter failedFetch, Meter totalProduce, Meter totalFetch) {
        static Meters register(BrokerMetrics metrics, String... tags) {
            return new Meters(meter(metrics, "MessagesInPerSec", tags), meter(metrics, "BytesInPerSec", tags),
                    meter(metrics, "BytesOutPerSec", tags), meter(metrics, "BytesRejectedPerSec", tags),
                    meter(metrics, "FailedProduceRequestsPerSec", tags),
                    meter(metrics, "FailedFetchRequestsPerSec", tags),
                    meter(metrics, "TotalProduceRequestsPerSec", tags),
                    meter(metrics, "TotalFetchRequestsPerSec", tags));
        }

        private static Meter meter(BrokerMetrics metrics, String name, String... tags) {
            return metrics.meter(BrokerMetrics.name("kafka.server", "BrokerTopicMetrics", name, tags));
        }
    }

    private final BrokerMetrics metrics;
    private final Meters all;
    private final ConcurrentHashMap<String, Meters> topics = new ConcurrentHashMap<>();

    public BrokerTopicMetrics(BrokerMetrics metrics) {
        this.metrics = metrics;
        this.all = Meters.register(metrics);
    }

    private Meters topic(String topic) {
        Meters m = topics.get(topic);
        return m != null ? m : topics.computeIfAbsent(topic, t -> Meters.register(metrics, "topic", t));
    }

    /** A partition's batch of {@code messages} records and {@code bytes} bytes was appended. */
    public void produced(String topic, long messages, long bytes) {
        Meters t = topic(topic);
        t.totalProduce.mark();
        all.totalProduce.mark();
        t.messagesIn.mark(messages);
        all.messagesIn.mark(messages);
        t.bytesIn.mark(bytes);
        all.bytesIn.mark(bytes);
    }

    /** A partition's batch of {@code bytes} bytes was refused (invalid, too large, the disk full, ...). */
    public void produceFailed(String topic, long bytes) {
        Meters t = topic(topic);
        t.totalProduce.mark();
        all.totalProduce.mark();
        t.failedProduce.mark();
        all.failedProduce.mark();
        t.bytesRejected.mark(bytes);
        all.bytesRejected.mark(bytes);
    }

    /** A consumer fetch read {@code bytes} bytes of a partition of the topic. */
    public void fetched(String topic, long bytes) {
        Meters t = topic(topic);
        t.totalFetch.mark();
        all.totalFetch.mark();
        t.bytesOut.mark(bytes);
        all.bytesOut.mark(bytes);
    }

    /** A consumer fetch of a partition of the topic failed (an offset out of range, a storage error, ...). */
    public void fetchFailed(String topic) {
        Meters t = topic(topic);
        t.totalFetch.mark();
        all.totalFetch.mark();
        t.failedFetch.mark();
        all.failedFetch.mark();
    }

    /** All topics' counts since start and one-minute rates (per second), for the console. */
    public record Totals(long messagesIn, long bytesIn, long bytesOut, double messagesInRate, double bytesInRate,
                         double bytesOutRate) {
    }

    public Totals totals() {
        return new Totals(all.messagesIn.getCount(), all.bytesIn.getCount(), all.bytesOut.getCount(),
                all.messagesIn.getOneMinuteRate(), all.bytesIn.getOneMinuteRate(), all.bytesOut.getOneMinuteRate());
    }

    /** The topic was deleted: its meters go, as Kafka removes them. */
    public void removeTopic(String topic) {
        topics.remove(topic);
        metrics.removeTagged(PREFIX, "topic", topic);
    }
}
