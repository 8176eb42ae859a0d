package io.ferrite.server.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.LockFreeExponentiallyDecayingReservoir;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jmx.JmxReporter;
import java.util.List;
import java.util.Map;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.KafkaMetricsContext;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.utils.Time;

/**
 * Where every broker metric is registered, in the two shapes Kafka's broker has:
 * <ul>
 *   <li>one bean per metric, as Kafka registers them with Yammer Metrics ({@code kafka.server:type=
 *       BrokerTopicMetrics,name=MessagesInPerSec,topic=t} with Count, OneMinuteRate, ...): kept in a Dropwizard
 *       registry whose keys are the JMX object names themselves;</li>
 *   <li>one bean per group and tags with a metric per attribute ({@code kafka.server:type=socket-server-metrics,
 *       listener=PLAINTEXT,networkProcessor=0} with connection-count, ...): kept in kafka-clients' own
 *       {@link Metrics}, which is what Kafka uses for them.</li>
 * </ul>
 * Both are published to the platform MBean server while the broker runs, and {@link PrometheusExport} reads both.
 * Thread safety: every method may be called from any thread.
 */
public final class BrokerMetrics implements AutoCloseable {
    /** Decaying samples of the last few minutes, as Kafka's histograms keep; lock-free for the network threads. */
    private static final int RESERVOIR_SIZE = 1028;

    final MetricRegistry registry = new MetricRegistry();
    final Metrics kafka;
    private final JmxReporter jmx;

    public BrokerMetrics() {
        kafka = new Metrics(new MetricConfig(), List.of(new org.apache.kafka.common.metrics.JmxReporter()),
                Time.SYSTEM, new KafkaMetricsContext("kafka.server"));
        jmx = JmxReporter.forRegistry(registry).createsObjectNamesWith((type, domain, name) -> objectName(name))
                .build();
        jmx.start();
    }

    /**
     * A JMX object name in Kafka's order: {@code domain:type=T,name=N,tag=value,...}; {@code tags} alternate
     * keys and values.
     */
    public static String name(String domain, String type, String name, String... tags) {
        StringBuilder b = new StringBuilder(domain).append(":type=").append(type).append(",name=").append(name);
        for (int i = 0; i + 1 < tags.length; i += 2) {
            b.append(',').append(tags[i]).append('=').append(quoteIfNeeded(tags[i + 1]));
        }
        return b.toString();
    }

    /** Topic names are safe in object names; other values (client ids, group ids) may need quoting. */
    private static String quoteIfNeeded(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ',' || c == '=' || c == ':' || c == '"' || c == '*' || c == '?' || c == '\n') {
                return ObjectName.quote(value);
            }
        }
        return value;
    }

    static ObjectName objectName(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("not a JMX object name: " + name, e);
        }
    }

    public Meter meter(String name) {
        return registry.meter(name);
    }

    public Histogram histogram(String name) {
        return registry.histogram(name,
                () -> new Histogram(LockFreeExponentiallyDecayingReservoir.builder().size(RESERVOIR_SIZE).build()));
    }

    /** Registers {@code gauge} under {@code name}, replacing any gauge there before. */
    public <T> void gauge(String name, Gauge<T> gauge) {
        registry.remove(name);
        registry.register(name, gauge);
    }

    public void remove(String name) {
        registry.remove(name);
    }

    /** Removes every one-bean metric whose name starts with {@code prefix} and carries {@code tag=value}. */
    public void removeTagged(String prefix, String tag, String value) {
        String property = tag + "=" + quoteIfNeeded(value);
        registry.removeMatching((name, m) -> name.startsWith(prefix)
                && (name.endsWith("," + property) || name.contains("," + property + ",")));
    }

    /** A kafka-clients metric name in {@code group} with {@code tags}. */
    public MetricName kafkaName(String name, String group, String description, Map<String, String> tags) {
        return kafka.metricName(name, group, description, tags);
    }

    /** Registers a kafka-clients gauge (a metric per attribute of its group's bean). */
    public void kafkaGauge(MetricName name, org.apache.kafka.common.metrics.Gauge<?> gauge) {
        kafka.removeMetric(name);
        kafka.addMetric(name, gauge);
    }

    public Metrics kafkaMetrics() {
        return kafka;
    }

    /** Unregisters every bean. */
    @Override
    public void close() {
        jmx.close();
        kafka.close();
    }
}
