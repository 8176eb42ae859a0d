package io.ferrite.bench.abuse;

import io.ferrite.launcher.BrokerUnderTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Whether a broker still does its job for an ordinary client: a fresh stock producer writes 100 records to a
 * topic it has never seen (created on first use, as a new application's would be) with acks=all, and a fresh
 * stock consumer reads the same 100 back, in order, all within {@link #DEADLINE}. Clients that start after the
 * abuse, not ones already connected, since a new client is what a damaged broker fails first.
 */
final class HealthProbe {
    static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final int RECORDS = 100;

    /** Passed or not, how long it took, and why it failed. */
    record Result(boolean passed, long nanos, String reason) {
        @Override
        public String toString() {
            return passed ? "pass (" + ResultTable.seconds(nanos) + ")"
                    : "fail after " + ResultTable.seconds(nanos) + ": " + reason;
        }
    }

    private HealthProbe() {
    }

    /** Runs the probe on {@code topic}, which must be new; a broker whose process is gone fails at once. */
    static Result run(BrokerUnderTest broker, String topic) {
        long started = System.nanoTime();
        long deadline = started + DEADLINE.toNanos();
        if (!broker.process().isAlive()) {
            return new Result(false, 0, "broker dead");
        }
        try {
            List<String> sent = produce(broker, topic, deadline);
            List<String> read = consume(broker, topic, deadline);
            long took = System.nanoTime() - started;
            if (!read.equals(sent)) {
                return new Result(false, took, "read back " + read.size() + " of " + RECORDS + " records"
                        + (read.size() == RECORDS ? ", out of order" : ""));
            }
            return new Result(true, took, "");
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String message = cause.getClass().getSimpleName() + (cause.getMessage() == null ? ""
                    : ": " + cause.getMessage().lines().findFirst().orElse(""));
            return new Result(false, System.nanoTime() - started,
                    message.length() > 120 ? message.substring(0, 117) + "..." : message);
        }
    }

    private static List<String> produce(BrokerUnderTest broker, String topic, long deadline) throws Exception {
        int leftMs = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        Map<String, Object> props = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.CLIENT_ID_CONFIG, "abuse-probe-producer",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, leftMs,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(leftMs, 10_000),
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, leftMs,
                ProducerConfig.LINGER_MS_CONFIG, 0);
        List<String> sent = new ArrayList<>();
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer());
        try {
            for (int i = 0; i < RECORDS; i++) {
                // Each send may block up to max.block.ms for metadata and then fail only its own record; one
                // failure or the deadline ends the probe, so it never waits that long a hundred times.
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("only " + i + " of " + RECORDS + " records sent by the deadline");
                }
                String value = topic + "-" + i;
                sent.add(value);
                Future<RecordMetadata> ack = producer.send(new ProducerRecord<>(topic, 0, null,
                        value.getBytes(StandardCharsets.UTF_8)));
                if (ack.isDone()) {
                    ack.get();
                }
                acks.add(ack);
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } finally {
            producer.close(Duration.ofSeconds(2));
        }
        return sent;
    }

    private static List<String> consume(BrokerUnderTest broker, String topic, long deadline) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.CLIENT_ID_CONFIG, "abuse-probe-consumer",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> read = new ArrayList<>();
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        try {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            while (read.size() < RECORDS && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    read.add(new String(r.value(), StandardCharsets.UTF_8));
                }
            }
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(2)));
        }
        return read;
    }
}
