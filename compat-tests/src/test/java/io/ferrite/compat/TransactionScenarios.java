package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;

/**
 * Transactions as a stock Java client uses them: commit and abort, read_committed against read_uncommitted,
 * consume-transform-produce with the group's offsets in the transaction, and the fencing of a zombie producer.
 * Only API present in every client version under test (2.8 to 4.x) is used, since the legacy tests run these
 * scenarios against the older jars; topics must exist (or be auto-created) with the partitions given.
 */
public final class TransactionScenarios {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private TransactionScenarios() {
    }

    /** A transactional producer: idempotent, acks=all, with the id given. */
    public static KafkaProducer<byte[], byte[]> producer(String bootstrap, String transactionalId) {
        return Clients.producer(bootstrap, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000));
    }

    private static KafkaConsumer<byte[], byte[]> reader(String bootstrap, boolean committed) {
        return Clients.consumer(bootstrap, Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                committed ? "read_committed" : "read_uncommitted"));
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, int partitions, String tag, int n) {
        for (int i = 0; i < n; i++) {
            producer.send(new ProducerRecord<>(topic, i % partitions, null, bytes(tag + "-" + i)));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Set<String> values(String tag, int n) {
        return IntStream.range(0, n).mapToObj(i -> tag + "-" + i).collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * Every record the consumer can read in the partitions, up to their end offsets as its isolation level sees
     * them (the last stable offset under read_committed), by value.
     */
    public static List<String> readToEnd(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions) {
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, WAIT);
        List<String> out = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (partitions.stream().anyMatch(tp -> consumer.position(tp, WAIT) < ends.get(tp))) {
            if (System.nanoTime() > deadline) {
                fail("the consumer did not reach the end offsets " + ends + " within " + WAIT);
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                out.add(new String(r.value(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static List<TopicPartition> partitions(String topic, int n) {
        return IntStream.range(0, n).mapToObj(p -> new TopicPartition(topic, p)).collect(Collectors.toList());
    }

    /**
     * Three transactions over every partition, the middle one aborted, and a fourth left open: a read_committed
     * consumer reads exactly the committed records and stops before the open one, a read_uncommitted one reads
     * every record; once the fourth commits, read_committed sees it too.
     */
    public static void commitAndAbort(String bootstrap, String topic, int partitions) throws Exception {
        List<TopicPartition> tps = partitions(topic, partitions);
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap, topic + "-tx")) {
            producer.initTransactions();
            for (String tag : List.of("one", "two", "three")) {
                producer.beginTransaction();
                send(producer, topic, partitions, tag, 30);
                if (tag.equals("two")) {
                    producer.flush(); // written, then aborted (an abort drops what is still unsent)
                    producer.abortTransaction();
                } else {
                    producer.commitTransaction();
                }
            }
            producer.beginTransaction();
            send(producer, topic, partitions, "open", 9);
            producer.flush();
            Set<String> committed = new TreeSet<>(values("one", 30));
            committed.addAll(values("three", 30));
            try (KafkaConsumer<byte[], byte[]> c = reader(bootstrap, true)) {
                List<String> read = readToEnd(c, tps);
                assertEquals(committed, new TreeSet<>(read), "read_committed: the committed records only");
                assertEquals(60, read.size(), "and each once");
                Map<TopicPartition, Long> stable = c.endOffsets(tps, WAIT);
                try (KafkaConsumer<byte[], byte[]> u = reader(bootstrap, false)) {
                    Map<TopicPartition, Long> end = u.endOffsets(tps, WAIT);
                    for (TopicPartition tp : tps) {
                        assertTrue(stable.get(tp) < end.get(tp), "the open transaction holds back the last stable "
                                + "offset of " + tp + ": " + stable + " against " + end);
                    }
                    Set<String> all = new TreeSet<>(committed);
                    all.addAll(values("two", 30));
                    all.addAll(values("open", 9));
                    List<String> everything = readToEnd(u, tps);
                    assertEquals(all, new TreeSet<>(everything), "read_uncommitted: every record, no markers");
                    assertEquals(99, everything.size());
                }
            }
            producer.commitTransaction();
            committed.addAll(values("open", 9));
            try (KafkaConsumer<byte[], byte[]> c = reader(bootstrap, true)) {
                assertEquals(committed, new TreeSet<>(readToEnd(c, tps)));
            }
        }
    }

    /**
     * A consume-transform-produce loop: each poll's output and the group's offsets committed in one transaction;
     * one round is aborted and redone. The output holds every input once, and the group's committed offsets
     * are the input's end.
     */
    public static void consumeTransformProduce(String bootstrap, String in, String out, String group, int records)
            throws Exception {
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(bootstrap, Map.of())) {
            send(p, in, 1, "in", records);
            p.flush();
        }
        TopicPartition source = new TopicPartition(in, 0);
        boolean abortedOnce = false;
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap, group + "-tx");
             KafkaConsumer<byte[], byte[]> consumer = Clients.groupConsumer(bootstrap, group,
                     Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                             ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 25))) {
            producer.initTransactions();
            consumer.subscribe(List.of(in));
            long done = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (done < records) {
                if (System.nanoTime() > deadline) {
                    fail("transformed " + done + " of " + records + " within " + WAIT);
                }
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(200));
                if (batch.isEmpty()) {
                    continue;
                }
                producer.beginTransaction();
                long next = done;
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    producer.send(new ProducerRecord<>(out, 0, null, bytes("out:" + new String(r.value(),
                            StandardCharsets.UTF_8))));
                    next = r.offset() + 1;
                }
                producer.sendOffsetsToTransaction(Map.of(source, new OffsetAndMetadata(next)),
                        consumer.groupMetadata());
                if (!abortedOnce && done > 0) {
                    abortedOnce = true;
                    producer.flush(); // the round's output is written, then aborted
                    producer.abortTransaction();
                    consumer.seek(source, done); // redo the round
                    continue;
                }
                producer.commitTransaction();
                done = next;
            }
            assertEquals(records, consumer.committed(Set.of(source), WAIT).get(source).offset());
        }
        Set<String> expected = new TreeSet<>();
        values("in", records).forEach(v -> expected.add("out:" + v));
        try (KafkaConsumer<byte[], byte[]> c = reader(bootstrap, true)) {
            List<String> read = readToEnd(c, partitions(out, 1));
            assertEquals(expected, new TreeSet<>(read));
            assertEquals(records, read.size(), "every input transformed exactly once");
        }
        assertTrue(abortedOnce, "one round was aborted");
    }

    /**
     * A second producer with the same transactional id fences the first: the first's open transaction is
     * aborted, its next request fails as fenced, and read_committed never sees what it wrote.
     */
    public static void zombieFencing(String bootstrap, String topic) throws Exception {
        try (KafkaProducer<byte[], byte[]> zombie = producer(bootstrap, topic + "-tx")) {
            zombie.initTransactions();
            zombie.beginTransaction();
            send(zombie, topic, 1, "zombie", 5);
            zombie.flush();
            try (KafkaProducer<byte[], byte[]> successor = producer(bootstrap, topic + "-tx")) {
                successor.initTransactions(); // aborts the zombie's transaction first
                successor.beginTransaction();
                send(successor, topic, 1, "successor", 5);
                successor.commitTransaction();
                Exception e = assertThrows(Exception.class, () -> {
                    zombie.send(new ProducerRecord<>(topic, 0, null, bytes("late"))).get(30, TimeUnit.SECONDS);
                    zombie.commitTransaction();
                });
                assertTrue(isFenced(e), "the zombie is fenced: " + e);
            }
        }
        try (KafkaConsumer<byte[], byte[]> c = reader(bootstrap, true)) {
            assertEquals(values("successor", 5), new TreeSet<>(readToEnd(c, partitions(topic, 1))));
        }
    }

    private static boolean isFenced(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException) {
                return true;
            }
        }
        return false;
    }
}
