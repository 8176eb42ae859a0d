package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.FerriteProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A share consumer accepts some records and holds others unacknowledged when its sync-mode broker is killed with
 * SIGKILL. After the restart a new consumer of the group gets every record that was not accepted, and none that
 * was.
 */
@Timeout(180)
class ShareGroupCrashTest {
    private static final int RECORDS = 100;

    @TempDir
    Path dir;
    private FerriteProcess broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private KafkaShareConsumer<String, String> consumer() {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "crash");
        c.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10);
        return new KafkaShareConsumer<>(c, new StringDeserializer(), new StringDeserializer());
    }

    @Compat(family = Compat.JAVA, feature = "share groups: accepted records survive a broker SIGKILL")
    @Test
    void acceptedRecordsNeverComeBackAndHeldOnesDoAfterSigkill() throws Exception {
        broker = FerriteProcess.start("ShareGroupCrashTest", dir.resolve("data"), Map.of("store.flush.mode", "sync"));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("work", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, "crash"), List.of(
                    new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"),
                            AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), Map.of())) {
            for (int i = 0; i < RECORDS; i++) {
                p.send(new ProducerRecord<>("work", 0, null, ("r" + i).getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }

        Set<String> accepted = new TreeSet<>();
        Set<String> held = new TreeSet<>();
        KafkaShareConsumer<String, String> first = consumer();
        first.subscribe(Set.of("work"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (accepted.size() < 40 && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : first.poll(Duration.ofMillis(200))) {
                first.acknowledge(r, AcknowledgeType.ACCEPT);
                accepted.add(r.value());
            }
            first.commitSync(); // answered once the broker has the acceptance on disk
        }
        long heldUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (held.isEmpty() && System.nanoTime() < heldUntil) {
            first.poll(Duration.ofMillis(200)).forEach(r -> held.add(r.value())); // acquired, never acknowledged
        }
        assertTrue(accepted.size() >= 40 && !held.isEmpty(), accepted + " " + held);

        broker.kill();
        broker.restart();
        first.close(Duration.ZERO); // its session went with the broker

        Set<String> after = new TreeSet<>();
        try (KafkaShareConsumer<String, String> second = consumer()) {
            second.subscribe(Set.of("work"));
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (after.size() < RECORDS - accepted.size() && System.nanoTime() < until) {
                for (ConsumerRecord<String, String> r : second.poll(Duration.ofMillis(200))) {
                    assertTrue(!accepted.contains(r.value()), "accepted before the kill, delivered again: " + r.value());
                    after.add(r.value());
                    second.acknowledge(r, AcknowledgeType.ACCEPT);
                }
                second.commitSync();
            }
        }
        assertTrue(after.containsAll(held), "held but not acknowledged: delivered again");
        Set<String> all = new TreeSet<>(accepted);
        all.addAll(after);
        assertEquals(RECORDS, all.size(), "every record delivered");
    }
}
