package io.ferrite.server;

import io.ferrite.server.config.BrokerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The training run for the broker's class-data archive ({@code bin/class-archive}): starts a broker as
 * {@link Main} would, with the same arguments, produces one record to it (the topic auto-created) and fetches
 * it back, then closes it. The JVM running this with {@code -XX:ArchiveClassesAtExit} writes every class
 * those steps loaded into the archive, which later starts map instead of loading and verifying the classes
 * again: about half the time from launch to the first produce on a two-core machine.
 */
public final class ClassArchiveTraining {
    private ClassArchiveTraining() {
    }

    public static void main(String[] args) throws Exception {
        BrokerConfig config = BrokerConfig.fromProperties(Main.parse(args));
        try (Broker broker = Broker.start(config, Clock.systemUTC())) {
            Map<String, Object> common = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                    "127.0.0.1:" + broker.port());
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(common, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>("training", new byte[] {1})).get(30, TimeUnit.SECONDS);
            }
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(common, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                TopicPartition tp = new TopicPartition("training", 0);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                ConsumerRecords<byte[], byte[]> got = ConsumerRecords.empty();
                while (got.isEmpty() && System.nanoTime() < deadline) {
                    got = consumer.poll(Duration.ofMillis(200));
                }
                if (got.isEmpty()) {
                    throw new IllegalStateException("the training record did not come back");
                }
            }
        }
    }
}
