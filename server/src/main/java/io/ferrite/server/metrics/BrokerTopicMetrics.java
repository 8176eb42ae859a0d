package io.ferrite.server.metrics;

import com.codahale.metrics.Meter;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.protocol.Errors;

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

    private static final java.util.Set<Errors> EXPECTED_PRODUCE_ERRORS = java.util.EnumSet.of(
            Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.NOT_LEADER_OR_FOLLOWER, Errors.MESSAGE_TOO_LARGE,
            Errors.RECORD_LIST_TOO_LARGE, Errors.CORRUPT_MESSAGE, Errors.KAFKA_STORAGE_ERROR);
    private static final java.util.Set<Errors> EXPECTED_FETCH_ERRORS = java.util.EnumSet.of(
            Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.UNKNOWN_TOPIC_ID, Errors.NOT_LEADER_OR_FOLLOWER,
            Errors.UNKNOWN_LEADER_EPOCH, Errors.FENCED_LEADER_EPOCH, Errors.OFFSET_OUT_OF_RANGE,
            Errors.KAFKA_STORAGE_ERROR, Errors.INCONSISTENT_TOPIC_ID, Errors.REPLICA_NOT_AVAILABLE);

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

    /**
     * A partition's batch of {@code bytes} bytes was refused with {@code error}. As in Kafka, a batch too large
     * counts as bytes rejected, and the refusals Kafka expects of a client (an unknown partition, a batch too
     * large or corrupt, a storage error) are not counted as failed requests; any other is.
     */
    public void produceFailed(String topic, long bytes, Errors error) {
        Meters t = topic(topic);
        t.totalProduce.mark();
        all.totalProduce.mark();
        if (error == Errors.MESSAGE_TOO_LARGE || error == Errors.RECORD_LIST_TOO_LARGE) {
            t.bytesRejected.mark(bytes);
            all.bytesRejected.mark(bytes);
        }
        if (!EXPECTED_PRODUCE_ERRORS.contains(error)) {
            t.failedProduce.mark();
            all.failedProduce.mark();
        }
    }

    /** A consumer fetch read {@code bytes} bytes of a partition of the topic. */
    public void fetched(String topic, long bytes) {
        Meters t = topic(topic);
        t.totalFetch.mark();
        all.totalFetch.mark();
        t.bytesOut.mark(bytes);
        all.bytesOut.mark(bytes);
    }

    /**
     * A consumer fetch of a partition of the topic was answered with {@code error}; as in Kafka, the answers a
     * consumer expects (an offset out of range, an unknown or fenced epoch, ...) are not failed requests.
     */
    public void fetchFailed(String topic, Errors error) {
        Meters t = topic(topic);
        t.totalFetch.mark();
        all.totalFetch.mark();
        if (!EXPECTED_FETCH_ERRORS.contains(error)) {
            t.failedFetch.mark();
            all.failedFetch.mark();
        }
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
        topics.compute(topic, (name, gone) -> { // under the map's lock: no request re-registers them meanwhile
            metrics.removeTagged(PREFIX, "topic", name);
            return null;
        });
    }

    /**
     * Removes the meters of every topic not in {@code existing}: a request answered just after its topic was
     * deleted may have registered them again.
     */
    public void retainOnly(java.util.Set<String> existing) {
        for (String topic : java.util.List.copyOf(topics.keySet())) {
            if (!existing.contains(topic)) {
                removeTopic(topic);
            }
        }
    }
}
