package io.ferrite.server.metrics;

import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Kafka's {@code kafka.network:type=RequestMetrics} per request type ({@code request=Produce}, ...; a Fetch also
 * counts as {@code FetchConsumer}, there being no followers): RequestsPerSec per version, RequestBytes, and the
 * time histograms in milliseconds, each phase measured where Ferrite has it:
 * <ul>
 *   <li>RequestQueueTimeMs: from the frame read to its handler called (handlers run on the connection's
 *       event loop, so near zero);</li>
 *   <li>LocalTimeMs: the handler's own work, until it returns its answer or the future of one;</li>
 *   <li>RemoteTimeMs: waiting on others: the group commit's fsync, a long-polling fetch, a coordinator;</li>
 *   <li>ResponseQueueTimeMs: done, behind earlier requests of the connection answered in order;</li>
 *   <li>ResponseSendTimeMs: from then until the socket took the answer (a client slow to read waits here);</li>
 *   <li>TotalTimeMs: frame read to answer written to the socket.</li>
 * </ul>
 * Thread safety: any thread.
 */
public final class RequestMetrics {
    /** One request type's metrics. */
    private static final class Api {
        final String request;
        final AtomicReferenceArray<Meter> perVersion;
        final Histogram bytes;
        final Histogram queue;
        final Histogram local;
        final Histogram remote;
        final Histogram responseQueue;
        final Histogram responseSend;
        final Histogram total;

        Api(BrokerMetrics metrics, String request, ApiKeys key) {
            this.request = request;
            this.perVersion = new AtomicReferenceArray<>(key.latestVersion(true) + 1);
            this.bytes = histogram(metrics, "RequestBytes", request);
            this.queue = histogram(metrics, "RequestQueueTimeMs", request);
            this.local = histogram(metrics, "LocalTimeMs", request);
            this.remote = histogram(metrics, "RemoteTimeMs", request);
            this.responseQueue = histogram(metrics, "ResponseQueueTimeMs", request);
            this.responseSend = histogram(metrics, "ResponseSendTimeMs", request);
            this.total = histogram(metrics, "TotalTimeMs", request);
        }
    }

    private final BrokerMetrics metrics;
    private final Api[] byKey = new Api[ApiKeys.values().length];
    private final Api[] fetchConsumer = new Api[1];

    public RequestMetrics(BrokerMetrics metrics) {
        this.metrics = metrics;
        for (ApiKeys key : ApiKeys.apisForListener(ApiMessageType.ListenerType.BROKER)) {
            byKey[key.ordinal()] = new Api(metrics, key.name, key);
        }
        fetchConsumer[0] = new Api(metrics, "FetchConsumer", ApiKeys.FETCH);
    }

    private static Histogram histogram(BrokerMetrics metrics, String name, String request) {
        return metrics.histogram(BrokerMetrics.name("kafka.network", "RequestMetrics", name, "request", request));
    }

    /**
     * One request answered; the times are {@link System#nanoTime} readings: read, handler called, handler
     * returned, answer ready, answer taken from the connection's queue, answer written to the socket.
     */
    public void record(ApiKeys key, short version, int bytes, long read, long called, long returned, long ready,
                       long dequeued, long written) {
        Api api = byKey[key.ordinal()];
        if (api == null) { // not a broker API: never dispatched
            return;
        }
        update(api, version, bytes, read, called, returned, ready, dequeued, written);
        if (key == ApiKeys.FETCH) {
            update(fetchConsumer[0], version, bytes, read, called, returned, ready, dequeued, written);
        }
    }

    private void update(Api api, short version, int bytes, long read, long called, long returned, long ready,
                        long dequeued, long written) {
        if (version >= 0 && version < api.perVersion.length()) {
            Meter m = api.perVersion.get(version);
            if (m == null) {
                m = metrics.meter(BrokerMetrics.name("kafka.network", "RequestMetrics", "RequestsPerSec",
                        "request", api.request, "version", Short.toString(version)));
                api.perVersion.set(version, m);
            }
            m.mark();
        }
        api.bytes.update(bytes);
        api.queue.update(ms(called - read));
        api.local.update(ms(returned - called));
        api.remote.update(ms(Math.max(0, ready - returned)));
        api.responseQueue.update(ms(Math.max(0, dequeued - ready)));
        api.responseSend.update(ms(Math.max(0, written - dequeued)));
        api.total.update(ms(written - read));
    }

    /** Whole milliseconds, rounded, as Kafka's histograms hold them. */
    private static long ms(long nanos) {
        return Math.round(nanos / (double) TimeUnit.MILLISECONDS.toNanos(1));
    }
}
