package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.BrokerUnderTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Breadth rather than depth: one topic of 1,000 partitions, and 200 topics at once, each produced to,
 * read back and (the topics) deleted, with the pinned clients. One record per partition keeps it to seconds.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(180)
class TopicScaleTest {
    private static final int PARTITIONS = 1_000;
    private static final int TOPICS = 200;

    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static Admin admin;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        broker = kind.start("TopicScaleTest", dir.resolve(kind.name()), Map.of());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000));
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        try {
            if (admin != null) {
                admin.close();
            }
        } finally {
            broker.close();
        }
    }

    /** Sends one record to each partition, value {@code <topic>-<partition>}, and checks every offset is 0. */
    private static void produceOneToEach(List<TopicPartition> partitions) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of())) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                acks.add(producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, Clients.bytes(tp.toString()))));
            }
            producer.flush();
            for (int i = 0; i < acks.size(); i++) {
                RecordMetadata m = acks.get(i).get(60, TimeUnit.SECONDS);
                assertEquals(partitions.get(i), new TopicPartition(m.topic(), m.partition()));
                assertEquals(0, m.offset(), partitions.get(i).toString());
            }
        }
    }

    /** assign()s all of {@code partitions} at once and reads exactly their one record each. */
    private static void readOneFromEach(List<TopicPartition> partitions) {
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of())) {
            Set<String> read = new HashSet<>();
            for (List<ConsumerRecord<byte[], byte[]>> records : Clients.readAll(consumer, partitions, partitions.size(),
                    Duration.ofSeconds(90)).values()) {
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    String tp = new TopicPartition(r.topic(), r.partition()).toString();
                    assertEquals(tp, new String(r.value(), StandardCharsets.UTF_8));
                    assertTrue(read.add(tp), "read twice: " + tp);
                }
            }
            assertEquals(partitions.stream().map(TopicPartition::toString).collect(Collectors.toSet()), read);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(60));
            assertTrue(ends.values().stream().allMatch(e -> e == 1L), "every end offset is 1");
        }
    }

    @Test
    @Compat(family = Compat.JAVA, feature = "1,000 partitions")
    void aTopicOfAThousandPartitionsTakesARecordInEachAndGivesThemAllBack() throws Exception {
        String topic = "wide";
        admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(60, TimeUnit.SECONDS);
        assertEquals(PARTITIONS, AdminWaits.describe(admin, List.of(topic)).get(topic).partitions().size());
        List<TopicPartition> partitions = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(topic, p))
                .toList();
        produceOneToEach(partitions);
        readOneFromEach(partitions);
    }

    @Test
    @Compat(family = Compat.JAVA, feature = "many topics")
    void twoHundredTopicsAreCreatedProducedToListedReadAndDeleted() throws Exception {
        List<String> names = IntStream.range(0, TOPICS).mapToObj(i -> "many-" + i).toList();
        admin.createTopics(names.stream().map(n -> new NewTopic(n, 1, (short) 1)).toList()).all()
                .get(60, TimeUnit.SECONDS);
        assertEquals(TOPICS, AdminWaits.describe(admin, names).size());
        assertTrue(admin.listTopics().names().get(60, TimeUnit.SECONDS).containsAll(names));
        List<TopicPartition> partitions = names.stream().map(n -> new TopicPartition(n, 0)).toList();
        produceOneToEach(partitions);
        readOneFromEach(partitions);

        admin.deleteTopics(names).all().get(60, TimeUnit.SECONDS);
        AdminWaits.listing(admin, listed -> names.stream().noneMatch(listed::contains), "none of the 200 topics");
    }
}
