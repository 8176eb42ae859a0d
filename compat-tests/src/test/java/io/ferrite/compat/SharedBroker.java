package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ferrite.launcher.BrokerUnderTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One broker of a {@link BrokerKind} for a whole test class, with a Java admin client on it, and the Java-side
 * checks the client-family tests share. A class starts it before its invocation for each kind and closes it
 * after; test classes run one at a time.
 */
final class SharedBroker implements AutoCloseable {
    final BrokerUnderTest broker;
    final Admin admin;

    private SharedBroker(BrokerUnderTest broker, Admin admin) {
        this.broker = broker;
        this.admin = admin;
    }

    /** A fresh broker of {@code kind} under {@code dir}, with groups that rebalance without delay. */
    static SharedBroker start(BrokerKind kind, String testName, Path dir) throws Exception {
        BrokerUnderTest broker = kind.start(testName, dir.resolve(kind.name()),
                Map.of("group.initial.rebalance.delay.ms", "0"));
        try {
            return new SharedBroker(broker, Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrap())));
        } catch (RuntimeException e) {
            broker.close(); // no child broker outlives a failed start
            throw e;
        }
    }

    String bootstrap() {
        return broker.bootstrap();
    }

    void createTopic(String topic, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    static List<TopicPartition> partitions(String topic, int count) {
        return IntStream.range(0, count).mapToObj(p -> new TopicPartition(topic, p)).toList();
    }

    /**
     * Sends {@code perPartition} keyed records to each partition with the Java producer; returns each as
     * partition, offset, key and value.
     */
    Set<List<String>> produceWithJava(String topic, int partitions, int perPartition, String tag) throws Exception {
        Set<List<String>> sent = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap(), Map.of())) {
            for (int p = 0; p < partitions; p++) {
                for (int i = 0; i < perPartition; i++) {
                    String key = tag + "-key-" + p + "-" + i;
                    String value = tag + "-value-" + p + "-" + i;
                    var m = producer.send(new ProducerRecord<>(topic, p, Clients.bytes(key), Clients.bytes(value)))
                            .get(30, TimeUnit.SECONDS);
                    sent.add(List.of(Integer.toString(m.partition()), Long.toString(m.offset()), key, value));
                }
            }
        }
        return sent;
    }

    /** Each partition's end offset, as the Java consumer lists it. */
    Map<Integer, Long> endOffsets(List<TopicPartition> partitions) {
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap(), Map.of())) {
            return consumer.endOffsets(partitions, Duration.ofSeconds(30)).entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().partition(), Map.Entry::getValue));
        }
    }

    /** The group's committed offsets by partition, as the Java admin lists them. */
    Map<Integer, Long> committed(String group) throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                .entrySet().stream().collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset()));
    }

    /** When the offsets-for-times scenarios ask, from the first of ten records stamped a second apart... */
    private static final long[] ASKED_AFTER_FIRST = {-1, 0, 2500, 9000, 9001};
    /** ...and the offset each must find; -1: none at or after it. */
    private static final long[] FOUND = {0, 0, 3, 9, -1};

    /**
     * A client script's arguments for listing offsets by time in partition 0 of {@code topic}, whose ten
     * records are stamped a second apart from {@code t0}: the bootstrap, the topic, the partition, the times.
     */
    String[] timesArgs(String topic, long t0) {
        List<String> args = new ArrayList<>(List.of(bootstrap(), topic, "0"));
        for (long after : ASKED_AFTER_FIRST) {
            args.add(Long.toString(t0 + after));
        }
        return args.toArray(String[]::new);
    }

    /**
     * The "time" facts a client printed for {@link #timesArgs} name the offset each time must find, and the
     * Java consumer's offsetsForTimes finds the same, with the producer's timestamp.
     */
    void assertOffsetsForTimes(String topic, long t0, List<List<String>> found) {
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap(), Map.of())) {
            for (int i = 0; i < FOUND.length; i++) {
                long time = t0 + ASKED_AFTER_FIRST[i];
                assertEquals(List.of("0", Long.toString(time), Long.toString(FOUND[i])), found.get(i));
                OffsetAndTimestamp java = consumer.offsetsForTimes(Map.of(tp, time), Duration.ofSeconds(30)).get(tp);
                if (FOUND[i] < 0) {
                    assertNull(java, "nothing at or after " + time);
                } else {
                    assertEquals(FOUND[i], java.offset(), "Java at " + time);
                    assertEquals(t0 + 1000 * FOUND[i], java.timestamp());
                }
            }
        }
    }

    /** "committed" facts, as the client scripts print them, by partition. */
    static Map<Integer, Long> committedFacts(Facts run) {
        return run.of("committed").stream().collect(Collectors.toMap(c -> Integer.parseInt(c.get(0)),
                c -> Long.parseLong(c.get(1))));
    }

    @Override
    public void close() {
        try {
            admin.close();
        } finally {
            broker.close();
        }
    }
}
