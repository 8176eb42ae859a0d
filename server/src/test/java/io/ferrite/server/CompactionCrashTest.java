package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL while the cleaner runs, repeated: a broker in sync mode cleaning a compacted topic without pause is
 * killed at a random moment after each round of acknowledged updates, and started again on the same files. At
 * the end every key's latest acknowledged value is there at its offset, and no offset is read twice.
 */
@Timeout(300)
class CompactionCrashTest {
    private static final String TOPIC = "kv";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final int KEYS = 100;
    private static final int KILLS = 5;

    @TempDir
    Path dir;

    @Test
    void killNineDuringCleaningLosesNoAcknowledgedLatestValueAndRepeatsNoOffset() throws Exception {
        Path data = dir.resolve("data");
        Map<String, Long> latestOffset = new HashMap<>();
        Map<String, String> latestValue = new HashMap<>();
        Random random = new Random(42);
        String pad = "p".repeat(300);
        for (int round = 0; round < KILLS; round++) {
            int port = ChildBroker.freePort();
            Process child = ChildBroker.start(dir, data, port, Map.of("store.flush.interval.ms", "20",
                    "log.cleaner.backoff.ms", "5", "log.cleaner.dedupe.buffer.size", "4194304",
                    "log.retention.check.interval.ms", "50"));
            try {
                Map<String, Object> c = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port,
                        ProducerConfig.LINGER_MS_CONFIG, 2, ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
                ChildBroker.awaitUp(dir, port, child);
                if (round == 0) {
                    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                            "127.0.0.1:" + port))) {
                        admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1).configs(Map.of(
                                "cleanup.policy", "compact", "min.cleanable.dirty.ratio", "0.01"))))
                                .all().get(30, TimeUnit.SECONDS);
                    }
                }
                try (KafkaProducer<String, String> p = new KafkaProducer<>(c, new StringSerializer(),
                        new StringSerializer())) {
                    for (int batch = 0; batch < 20; batch++) {
                        List<Future<RecordMetadata>> sent = new ArrayList<>();
                        List<String> keys = new ArrayList<>();
                        List<String> values = new ArrayList<>();
                        for (int k = 0; k < KEYS; k++) {
                            String key = "k" + k;
                            String value = round + "." + batch + "." + k + pad;
                            sent.add(p.send(new ProducerRecord<>(TOPIC, 0, key, value)));
                            keys.add(key);
                            values.add(value);
                        }
                        for (int i = 0; i < sent.size(); i++) {
                            latestOffset.put(keys.get(i), sent.get(i).get(60, TimeUnit.SECONDS).offset());
                            latestValue.put(keys.get(i), values.get(i));
                        }
                    }
                }
                Thread.sleep(random.nextInt(300)); // the cleaner is at work on what was just acknowledged
            } finally {
                child.destroyForcibly(); // SIGKILL: no shutdown hook, no final flush
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            }
        }
        try (Broker b = Wire.startBroker(dir, Map.of("store.flush.mode", "sync"))) {
            Map<String, Object> c = new HashMap<>();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + b.port());
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                    new StringDeserializer())) {
                consumer.assign(List.of(TP));
                consumer.seekToBeginning(List.of(TP));
                long end = consumer.endOffsets(List.of(TP)).get(TP);
                Map<String, ConsumerRecord<String, String>> last = new HashMap<>();
                long previous = -1;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (consumer.position(TP) < end && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        assertTrue(r.offset() > previous, "offset " + r.offset() + " after " + previous);
                        previous = r.offset();
                        last.put(r.key(), r);
                    }
                }
                assertEquals(KEYS, last.size());
                for (Map.Entry<String, Long> e : latestOffset.entrySet()) {
                    assertEquals(e.getValue(), last.get(e.getKey()).offset(), e.getKey());
                    assertEquals(latestValue.get(e.getKey()), last.get(e.getKey()).value(), e.getKey());
                }
            }
        }
    }
}
