package io.ferrite.server.metrics;

import com.codahale.metrics.CachedGauge;
import com.codahale.metrics.Histogram;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreObserver;
import io.ferrite.storage.StoreView;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * Ferrite's own store metrics, under {@code ferrite.store}: what no Kafka broker has. Histograms of append time
 * (under the append lock), group-commit rounds (appends per fsync, fsync time) and flush rounds; gauges of the
 * CommitLog's positions and the lags between them (written but not committed to the file, not flushed), its
 * files and bytes, the ConsumeQueue count, the write-buffer pool, the head file's page-cache residency, and one
 * gauge per service thread, 1 while it runs. Histograms are fed by the store as its {@link StoreObserver}.
 */
public final class StoreMetrics implements StoreObserver {
    private static final String DOMAIN = "ferrite.store";

    private final Histogram appendMicros;
    private final Histogram groupCommitAppends;
    private final Histogram fsyncMicros;
    private final Histogram flushMillis;
    /** Each gauge reads this view, taken at most once a second. */
    private final CachedGauge<StoreView> view;

    public StoreMetrics(BrokerMetrics metrics, Store store) {
        appendMicros = metrics.histogram(BrokerMetrics.name(DOMAIN, "CommitLog", "AppendTimeUs"));
        groupCommitAppends = metrics.histogram(BrokerMetrics.name(DOMAIN, "GroupCommit", "AppendsPerFsync"));
        fsyncMicros = metrics.histogram(BrokerMetrics.name(DOMAIN, "GroupCommit", "FsyncTimeUs"));
        flushMillis = metrics.histogram(BrokerMetrics.name(DOMAIN, "Flush", "FlushTimeMs"));
        view = new CachedGauge<>(1, TimeUnit.SECONDS) {
            @Override
            protected StoreView loadValue() {
                return store.view();
            }
        };
        gauge(metrics, "CommitLog", "WritePosition", StoreView::writePosition);
        gauge(metrics, "CommitLog", "CommittedPosition", StoreView::committedPosition);
        gauge(metrics, "CommitLog", "FlushedPosition", StoreView::flushedPosition);
        gauge(metrics, "CommitLog", "CheckpointedPosition", StoreView::checkpointedPosition);
        gauge(metrics, "CommitLog", "UncommittedBytes", v -> v.writePosition() - v.committedPosition());
        gauge(metrics, "CommitLog", "UnflushedBytes", v -> v.writePosition() - v.flushedPosition());
        gauge(metrics, "CommitLog", "Files", v -> v.files().size());
        gauge(metrics, "CommitLog", "RetainedBytes", StoreView::retainedBytes);
        gauge(metrics, "ConsumeQueue", "Count", StoreView::partitions);
        gauge(metrics, "WriteBufferPool", "Buffers", StoreView::poolBuffers);
        gauge(metrics, "WriteBufferPool", "AvailableBuffers", StoreView::poolAvailable);
        CachedGauge<Double> residency = new CachedGauge<>(10, TimeUnit.SECONDS) {
            @Override
            protected Double loadValue() {
                return store.headFileResidency();
            }
        };
        metrics.gauge(BrokerMetrics.name(DOMAIN, "CommitLog", "HeadFileResidentRatio"), residency);
        for (StoreView.Service s : store.view().services()) {
            metrics.gauge(BrokerMetrics.name(DOMAIN, "Service", "Running", "thread", s.name()),
                    () -> view.getValue().services().stream().anyMatch(x -> x.name().equals(s.name()) && x.running())
                            ? 1 : 0);
        }
        metrics.gauge(BrokerMetrics.name(DOMAIN, "Store", "Healthy"), () -> view.getValue().healthy() ? 1 : 0);
    }

    private void gauge(BrokerMetrics metrics, String type, String name, ToLongFunction<StoreView> value) {
        metrics.gauge(BrokerMetrics.name(DOMAIN, type, name), () -> value.applyAsLong(view.getValue()));
    }

    @Override
    public void appended(long nanos, int bytes) {
        appendMicros.update(TimeUnit.NANOSECONDS.toMicros(nanos));
    }

    @Override
    public void groupCommitted(int appends, long nanos) {
        groupCommitAppends.update(appends);
        fsyncMicros.update(TimeUnit.NANOSECONDS.toMicros(nanos));
    }

    @Override
    public void flushed(long nanos) {
        flushMillis.update(TimeUnit.NANOSECONDS.toMillis(nanos));
    }
}
