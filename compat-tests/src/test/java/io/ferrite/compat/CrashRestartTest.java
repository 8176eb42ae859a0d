package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ferrite.launcher.FerriteProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker in sync flush mode is killed with SIGKILL while an idempotent producer writes to it, and started
 * again on the same port and data. The same producer carries on through the outage; afterwards every
 * acknowledged record is there exactly once, at the offset it was acknowledged with.
 */
@Compat(family = Compat.JAVA, feature = "idempotent producer across a broker SIGKILL")
@Timeout(240)
class CrashRestartTest {
    private static final String TOPIC = "crash";
    private static final int PARTITIONS = 3;
    private static final int ACKS_BEFORE_KILL = 3_000;
    private static final int ACKS_AFTER_RESTART = 3_000;
    /** Records sent but not yet acknowledged at any time: keeps the backlog built up during the outage small. */
    private static final int MAX_UNACKED = 2_000;

    @TempDir
    Path dir;
    private FerriteProcess broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void acknowledgedRecordsSurviveAKillAndTheSameProducerGoesOnWithoutDuplicates() throws Exception {
        broker = FerriteProcess.start("CrashRestartTest", dir.resolve("data"), Map.of("store.flush.mode", "sync"));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }

        Map<Long, RecordMetadata> acked = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Exception> errors = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong sent = new AtomicLong();
        Semaphore unacked = new Semaphore(MAX_UNACKED);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of(
                // Ride out the outage: retry for two minutes, reconnect quickly once the broker is back.
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 120_000,
                ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500,
                ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100))) {
            Thread sender = new Thread(() -> {
                try {
                    for (long i = 0; running.get(); i++) {
                        unacked.acquire();
                        long n = i;
                        producer.send(new ProducerRecord<>(TOPIC, Clients.bytes("key-" + (n % 31)),
                                Clients.bytes(Long.toString(n))), (m, e) -> {
                                    if (e != null) {
                                        errors.add(e);
                                    } else {
                                        acked.put(n, m);
                                    }
                                    unacked.release();
                                });
                        sent.set(n + 1);
                    }
                } catch (Exception e) {
                    errors.add(e);
                }
            }, "crash-test-sender");
            sender.start();
            try {
                awaitCondition(() -> acked.size() >= ACKS_BEFORE_KILL || !errors.isEmpty(), "acks before the kill");
                // Kill at a moment when some sends are unacknowledged (the sender can briefly sit inside
                // send() with everything counted acknowledged); acked is read first, and sent only grows.
                int ackedAtKill;
                long sentAtKill;
                long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                do {
                    ackedAtKill = acked.size();
                    sentAtKill = sent.get();
                } while (sentAtKill <= ackedAtKill && System.nanoTime() < giveUp);
                broker.kill();
                assertTrue(sentAtKill > ackedAtKill, "the kill came while records were in flight");
                broker.restart();
                int ackedBefore = ackedAtKill;
                awaitCondition(() -> acked.size() >= ackedBefore + ACKS_AFTER_RESTART || !errors.isEmpty(),
                        "acks after the restart");
            } finally {
                running.set(false);
                sender.join(TimeUnit.SECONDS.toMillis(150));
            }
            producer.flush();
        }
        if (!errors.isEmpty()) {
            throw new AssertionError(errors.size() + " sends failed; first:", errors.peek());
        }
        assertEquals(sent.get(), acked.size(), "every send was acknowledged in the end");

        Map<Integer, List<ConsumerRecord<byte[], byte[]>>> read;
        List<TopicPartition> partitions = IntStream.range(0, PARTITIONS)
                .mapToObj(p -> new TopicPartition(TOPIC, p)).toList();
        long inLog;
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of())) {
            inLog = consumer.endOffsets(partitions, Duration.ofSeconds(30)).values().stream()
                    .mapToLong(Long::longValue).sum();
            read = Clients.readAll(consumer, partitions, Math.toIntExact(inLog), Duration.ofSeconds(60));
        }
        Set<Long> seen = new HashSet<>();
        Map<Integer, Long> lastPerPartition = new HashMap<>();
        for (List<ConsumerRecord<byte[], byte[]>> records : read.values()) {
            for (ConsumerRecord<byte[], byte[]> r : records) {
                long n = Long.parseLong(new String(r.value(), StandardCharsets.UTF_8));
                if (!seen.add(n)) {
                    fail("record " + n + " is in the log twice, the second time at " + r.partition() + "/" + r.offset());
                }
                RecordMetadata m = acked.get(n);
                assertNotNull(m, "record " + n + " was never acknowledged");
                assertEquals(m.partition(), r.partition(), "record " + n + " partition");
                assertEquals(m.offset(), r.offset(), "record " + n + " offset");
                Long last = lastPerPartition.put(r.partition(), n);
                assertTrue(last == null || last < n, "partition " + r.partition() + " keeps send order: " + last
                        + " then " + n);
            }
        }
        assertEquals(acked.keySet(), seen, "every acknowledged record is readable");
        assertEquals(acked.size(), inLog, "the log holds the acknowledged records and nothing more");
    }

    private void awaitCondition(BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what + "; broker log:\n" + broker.logTail());
            }
            Thread.sleep(20);
        }
    }
}
