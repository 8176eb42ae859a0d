package io.ferrite.bench.brokers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.FerriteProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The C transactional load generator builds, and what it reports committed a read_committed consumer reads. */
class TxnPerfTest {
    @Test
    @Timeout(180)
    void itsRecordsAreCommitted(@TempDir Path dir) throws Exception {
        int records = 3_000;
        try (FerriteProcess broker = FerriteProcess.start("txn-perf-test", dir.resolve("data"), Map.of());
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("t", 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
            Map<String, Double> f = new TxnPerf(broker).produce("txn-perf-test", "t", records, 100, 20);
            assertTrue(f.get("records_per_sec") > 0, f.toString());
            assertTrue(f.get("transactions") >= 1, f.toString());
            assertTrue(f.get("commit_share") > 0 && f.get("commit_share") <= 1, f.toString());
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.GROUP_ID_CONFIG, "txn-perf-test"), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                c.subscribe(List.of("t"));
                int read = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (read < records && System.nanoTime() < deadline) {
                    for (var r : c.poll(Duration.ofMillis(500))) {
                        assertEquals(100, r.value().length);
                        read++;
                    }
                }
                assertEquals(records, read, "every record the tool counted as committed is there, read_committed");
            }
        }
    }
}
