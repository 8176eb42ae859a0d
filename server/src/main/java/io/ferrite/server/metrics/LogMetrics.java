package io.ferrite.server.metrics;

import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreException;
import java.util.HashSet;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Kafka's per-partition {@code kafka.log:type=Log} gauges (Size, LogStartOffset, LogEndOffset, with
 * {@code topic=} and {@code partition=} tags) and the broker-wide {@code kafka.server:type=ReplicaManager} ones.
 * On one broker every partition is led here with its only replica in sync, so the counts of under-replicated,
 * under- and at-min-ISR and offline partitions are truly zero. Kept in step with the topic registry by
 * {@link #sync}, which the registry calls whenever topics or partitions come or go; a deleted topic's
 * BrokerTopicMetrics go then too. The partitions already there at start are registered by
 * {@link #registerExisting} on a thread of their own. Thread safety: {@link #sync} and {@link #close} are
 * synchronized (the registry calls sync under its lock, start-up from {@code ferrite-metrics-register}).
 */
public final class LogMetrics {
    private static final Logger LOG = LogManager.getLogger(LogMetrics.class);
    private static final String[] GAUGES = {"Size", "LogStartOffset", "LogEndOffset"};

    private final BrokerMetrics metrics;
    private final TopicRegistry topics;
    private final Store store;
    private final BrokerTopicMetrics topicMetrics;
    /** Partitions whose gauges are registered; only {@link #sync} touches it. */
    private final Set<PartitionKey> registered = new HashSet<>();
    /** Set by {@link #close}: no gauge is registered after it. */
    private boolean closed;

    public LogMetrics(BrokerMetrics metrics, TopicRegistry topics, Store store, BrokerTopicMetrics topicMetrics) {
        this.metrics = metrics;
        this.topics = topics;
        this.store = store;
        this.topicMetrics = topicMetrics;
        metrics.gauge(replicaManager("PartitionCount"), () -> partitions());
        metrics.gauge(replicaManager("LeaderCount"), () -> partitions());
        for (String zero : new String[] {"UnderReplicatedPartitions", "UnderMinIsrPartitionCount",
                "AtMinIsrPartitionCount", "OfflineReplicaCount"}) {
            metrics.gauge(replicaManager(zero), () -> 0);
        }
    }

    private static String replicaManager(String name) {
        return BrokerMetrics.name("kafka.server", "ReplicaManager", name);
    }

    private int partitions() {
        int n = 0;
        for (Topic t : topics.all()) {
            n += t.partitions();
        }
        return n;
    }

    /**
     * Registers the gauges of the partitions there now on {@code ferrite-metrics-register}, a thread that ends
     * when that is done: three JMX beans a partition take a third of a second over 10,000 partitions, which the
     * broker's start (and the admin thread, which answers a producer's first InitProducerId) does not wait for.
     */
    public void registerExisting() {
        Thread t = new Thread(() -> {
            try {
                sync();
            } catch (RuntimeException e) {
                LOG.warn("cannot register the partitions' gauges", e);
            }
        }, "ferrite-metrics-register");
        t.setDaemon(true); // never holds up the JVM's exit; close() waits for a sync under way
        t.start();
    }

    /** Waits for a sync under way; none registers anything after this. Call before the metrics close. */
    public synchronized void close() {
        closed = true;
    }

    /** Registers the gauges of new partitions and removes those of partitions and topics gone. */
    public synchronized void sync() {
        if (closed) {
            return;
        }
        Set<PartitionKey> now = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (Topic t : topics.all()) {
            names.add(t.name());
            for (int p = 0; p < t.partitions(); p++) {
                now.add(new PartitionKey(t.name(), p));
            }
        }
        for (PartitionKey k : now) {
            if (registered.add(k)) {
                metrics.gauge(name(k, "Size"), () -> read(() -> store.sizeInBytes(k)));
                metrics.gauge(name(k, "LogStartOffset"), () -> read(() -> store.logStartOffset(k)));
                metrics.gauge(name(k, "LogEndOffset"), () -> read(() -> store.logEndOffset(k)));
            }
        }
        registered.removeIf(k -> {
            if (now.contains(k)) {
                return false;
            }
            for (String g : GAUGES) {
                metrics.remove(name(k, g));
            }
            return true;
        });
        topicMetrics.retainOnly(names);
    }

    private static String name(PartitionKey k, String gauge) {
        return BrokerMetrics.name("kafka.log", "Log", gauge, "topic", k.topic(), "partition",
                Integer.toString(k.partition()));
    }

    /** A partition deleted between the registry's change and {@link #sync}, or a closed store, reads as -1. */
    private static long read(java.util.function.LongSupplier value) {
        try {
            return value.getAsLong();
        } catch (StoreException e) {
            return -1;
        }
    }
}
