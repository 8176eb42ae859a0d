package io.ferrite.compat.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ferrite.compat.Clients;
import io.ferrite.compat.Compat;
import io.ferrite.launcher.FerriteProcess;
import io.ferrite.launcher.FerriteProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Produce and assign()-consume with an older kafka-clients. The build runs this class once per older
 * version, each in its own JVM with only that version's jar; it touches no API newer than 2.8's, and
 * creates topics through Metadata auto-creation (AdminClient's topic calls changed shape over the years).
 */
@Timeout(180)
class LegacyClientsTest {
    private static final int RECORDS = 5_000;
    private static final int PARTITIONS = 2; // num.partitions for auto-created topics

    @TempDir
    static Path dir;
    private static FerriteProcess broker;

    @BeforeAll
    static void start() throws Exception {
        String version = System.getProperty("compat.kafka.clients.version", "unknown");
        broker = FerriteProcess.start("LegacyClientsTest-" + version, dir.resolve("data"),
                Map.of("num.partitions", Integer.toString(PARTITIONS)));
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void theTestClasspathHoldsOnlyThisOlderClientAndNoBroker() {
        Clients.assertTestClasspath();
    }

    @Compat(family = Compat.JAVA, feature = "produce and consume, every codec")
    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void anIdempotentProducerWritesAndAnAssignedConsumerReadsBack(String codec) throws Exception {
        String topic = "legacy-" + codec;
        List<Clients.Sent> sent;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(),
                Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec))) {
            sent = Clients.sendKeyed(producer, topic, RECORDS, codec);
        }
        assertEquals(PARTITIONS, sent.stream().map(Clients.Sent::partition).distinct().count());
        List<TopicPartition> partitions = IntStream.range(0, PARTITIONS)
                .mapToObj(p -> new TopicPartition(topic, p)).toList();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of())) {
            Clients.assertReadBackInOrder(sent, Clients.readAll(consumer, partitions, RECORDS, Duration.ofSeconds(60)));
        }
    }
}
