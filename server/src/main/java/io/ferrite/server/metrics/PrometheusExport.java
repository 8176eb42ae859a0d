package io.ferrite.server.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Metric;
import com.codahale.metrics.Snapshot;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.management.ObjectName;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.KafkaMetric;

/**
 * The broker's metrics in Prometheus's text format, named as the Prometheus JMX exporter's usual Kafka rules name
 * them, so a dashboard built on those rules reads this endpoint too:
 * <ul>
 *   <li>a one-bean metric {@code kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec,topic=t} is
 *       {@code kafka_server_brokertopicmetrics_messagesin_total{topic="t"}}: domain, type and name lower-cased,
 *       a meter's "PerSec" dropped and its count a counter; histograms become summaries with Kafka's
 *       percentiles as quantiles; gauges stay gauges; the other key properties become labels;</li>
 *   <li>a kafka-clients metric {@code connection-count} in group {@code socket-server-metrics} is
 *       {@code kafka_server_socket_server_metrics_connection_count}, its tags labels; a {@code -total} is a
 *       counter.</li>
 * </ul>
 * Only the model and the text writer come from the Prometheus client library; nothing is registered there.
 */
public final class PrometheusExport {
    private static final double[] QUANTILES = {0.5, 0.75, 0.95, 0.98, 0.99, 0.999};
    private static final PrometheusTextFormatWriter WRITER = PrometheusTextFormatWriter.create();

    private final BrokerMetrics metrics;

    public PrometheusExport(BrokerMetrics metrics) {
        this.metrics = metrics;
    }

    public static String contentType() {
        return WRITER.getContentType();
    }

    /** Writes every metric as it is now. */
    public void write(OutputStream out) throws IOException {
        WRITER.write(out, snapshots());
    }

    /** One family per Prometheus name, its data points those of every bean that maps to it. */
    MetricSnapshots snapshots() {
        Map<String, Family> families = new TreeMap<>();
        for (Map.Entry<String, Metric> e : metrics.registry.getMetrics().entrySet()) {
            ObjectName on = BrokerMetrics.objectName(e.getKey());
            Metric m = e.getValue();
            Labels labels = labels(on);
            String base = baseName(on, m instanceof Meter);
            if (m instanceof Meter meter) {
                families.computeIfAbsent(base, Family::new).counters
                        .add(new CounterDataPointSnapshot(meter.getCount(), labels, null, 0));
            } else if (m instanceof Histogram h) {
                families.computeIfAbsent(base, Family::new).summaries.add(summary(h, labels));
            } else if (m instanceof Gauge<?> g && value(g) instanceof Number n) {
                families.computeIfAbsent(base, Family::new).gauges
                        .add(new GaugeDataPointSnapshot(n.doubleValue(), labels, null));
            }
        }
        for (Map.Entry<MetricName, KafkaMetric> e : metrics.kafka.metrics().entrySet()) {
            MetricName n = e.getKey();
            if (!(e.getValue().metricValue() instanceof Number value)) {
                continue;
            }
            boolean total = n.name().endsWith("-total");
            String name = total ? n.name().substring(0, n.name().length() - "-total".length()) : n.name();
            String base = sanitize("kafka_server_" + n.group() + "_" + name);
            Labels labels = Labels.of(n.tags().keySet().stream().map(PrometheusExport::labelName).toList(),
                    new ArrayList<>(n.tags().values()));
            Family f = families.computeIfAbsent(base, Family::new);
            if (total) {
                f.counters.add(new CounterDataPointSnapshot(value.doubleValue(), labels, null, 0));
            } else {
                f.gauges.add(new GaugeDataPointSnapshot(value.doubleValue(), labels, null));
            }
        }
        List<MetricSnapshot> out = new ArrayList<>();
        for (Family f : families.values()) {
            f.addTo(out);
        }
        return new MetricSnapshots(out);
    }

    /** A gauge's value; one that fails to read is left out of this scrape rather than failing all of it. */
    private static Object value(Gauge<?> g) {
        try {
            return g.getValue();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The data points of one Prometheus name; only one kind is ever filled for a name. */
    private static final class Family {
        final String name;
        final List<CounterDataPointSnapshot> counters = new ArrayList<>();
        final List<GaugeDataPointSnapshot> gauges = new ArrayList<>();
        final List<SummaryDataPointSnapshot> summaries = new ArrayList<>();

        Family(String name) {
            this.name = name;
        }

        void addTo(List<MetricSnapshot> out) {
            if ((counters.isEmpty() ? 0 : 1) + (gauges.isEmpty() ? 0 : 1) + (summaries.isEmpty() ? 0 : 1) > 1) {
                throw new IllegalStateException("metrics of different kinds under one Prometheus name: " + name);
            }
            if (!counters.isEmpty()) {
                out.add(new CounterSnapshot(new MetricMetadata(name), counters));
            } else if (!gauges.isEmpty()) {
                out.add(new GaugeSnapshot(new MetricMetadata(name), gauges));
            } else if (!summaries.isEmpty()) {
                out.add(new SummarySnapshot(new MetricMetadata(name), summaries));
            }
        }
    }

    private static SummaryDataPointSnapshot summary(Histogram h, Labels labels) {
        Snapshot s = h.getSnapshot();
        List<Quantile> qs = new ArrayList<>(QUANTILES.length);
        for (double q : QUANTILES) {
            qs.add(new Quantile(q, s.getValue(q)));
        }
        // Decaying samples know no exact sum, and one made up from them could go down: no sum at all.
        return new SummaryDataPointSnapshot(h.getCount(), Double.NaN, Quantiles.of(qs), labels, null, 0);
    }

    /** {@code domain_type_name}, lower-cased; a meter's "PerSec" (and what follows, as in "PerSecond") dropped. */
    static String baseName(ObjectName on, boolean meter) {
        String name = on.getKeyProperty("name");
        int perSec = name.indexOf("PerSec");
        if (meter && perSec > 0) {
            name = name.substring(0, perSec);
        }
        return sanitize(on.getDomain() + "_" + on.getKeyProperty("type") + "_" + name);
    }

    /** Every key property but type and name (the text format sorts labels by name). */
    private static Labels labels(ObjectName on) {
        List<String> names = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, String> p : on.getKeyPropertyList().entrySet()) {
            if (!p.getKey().equals("type") && !p.getKey().equals("name")) {
                names.add(labelName(p.getKey()));
                String v = p.getValue();
                values.add(v.startsWith("\"") ? ObjectName.unquote(v) : v);
            }
        }
        return Labels.of(names, values);
    }

    /** A label keeps its case ({@code networkProcessor}), as the JMX exporter keeps it. */
    private static String labelName(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(Character.isLetterOrDigit(c) && c < 128 || c == '_' ? c : '_');
        }
        return b.toString();
    }

    static String sanitize(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = Character.toLowerCase(s.charAt(i));
            b.append((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ? c : '_');
        }
        return b.toString();
    }
}
