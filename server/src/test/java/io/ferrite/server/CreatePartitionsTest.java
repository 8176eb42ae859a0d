package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreatePartitionsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** CreatePartitions through a stock AdminClient and on the wire, with Kafka's errors. */
@Timeout(90)
class CreatePartitionsTest {
    @TempDir
    Path dir;
    private Broker broker;
    private Admin admin;

    @BeforeEach
    void start() throws Exception {
        broker = Wire.startBroker(dir, Map.of());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port()));
    }

    @AfterEach
    void stop() {
        admin.close();
        broker.close();
    }

    private void restart() throws Exception {
        stop();
        start();
    }

    private int partitionsOf(String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS).get(topic)
                .partitions().size();
    }

    private Throwable failure(Map<String, NewPartitions> grow, boolean validateOnly) {
        return assertThrows(ExecutionException.class, () -> admin.createPartitions(grow,
                new CreatePartitionsOptions().validateOnly(validateOnly)).all().get(15, TimeUnit.SECONDS)).getCause();
    }

    private long send(String topic, int partition, String value) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:" + broker.port()), new StringSerializer(), new StringSerializer())) {
            return p.send(new ProducerRecord<>(topic, partition, null, value)).get(15, TimeUnit.SECONDS).offset();
        }
    }

    private List<String> read(TopicPartition tp, int count) {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            c.assign(List.of(tp));
            List<String> out = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 15_000;
            while (out.size() < count && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    out.add(r.value());
                }
            }
            return out;
        }
    }

    @Test
    void addedPartitionsServeProduceFetchAndListOffsetsAtOnceAndSurviveARestart() throws Exception {
        admin.createTopics(List.of(new NewTopic("grow", 1, (short) 1))).all().get(15, TimeUnit.SECONDS);
        send("grow", 0, "first");
        admin.createPartitions(Map.of("grow", NewPartitions.increaseTo(3))).all().get(15, TimeUnit.SECONDS);
        assertEquals(3, partitionsOf("grow"));
        TopicPartition two = new TopicPartition("grow", 2);
        assertEquals(0, send("grow", 2, "new"));
        assertEquals(1, admin.listOffsets(Map.of(two, OffsetSpec.latest())).partitionResult(two)
                .get(15, TimeUnit.SECONDS).offset());
        assertEquals(List.of("new"), read(two, 1));

        restart();
        assertEquals(3, partitionsOf("grow"), "the count survives a restart");
        assertEquals(List.of("new"), read(two, 1));
        assertEquals(List.of("first"), read(new TopicPartition("grow", 0), 1), "the old partition is untouched");
        assertEquals(0, send("grow", 1, "later"));
    }

    @Test
    void refusesWhatKafkaRefusesAndValidateOnlyChangesNothing() throws Exception {
        admin.createTopics(List.of(new NewTopic("fixed", 2, (short) 1))).all().get(15, TimeUnit.SECONDS);
        assertInstanceOf(InvalidPartitionsException.class,
                failure(Map.of("fixed", NewPartitions.increaseTo(2)), false));
        assertInstanceOf(InvalidPartitionsException.class,
                failure(Map.of("fixed", NewPartitions.increaseTo(1)), false));
        assertInstanceOf(UnknownTopicOrPartitionException.class,
                failure(Map.of("absent", NewPartitions.increaseTo(3)), false));
        assertInstanceOf(InvalidReplicaAssignmentException.class,
                failure(Map.of("fixed", NewPartitions.increaseTo(3, List.of(List.of(99)))), false), "no broker 99");
        assertInstanceOf(InvalidReplicaAssignmentException.class,
                failure(Map.of("fixed", NewPartitions.increaseTo(4, List.of(List.of(1)))), false),
                "two partitions added, one assignment");
        assertInstanceOf(InvalidReplicaAssignmentException.class,
                failure(Map.of("fixed", NewPartitions.increaseTo(3, List.of(List.of(1, 1)))), false));
        assertInstanceOf(InvalidPartitionsException.class, failure(Map.of("fixed", NewPartitions.increaseTo(2)), true),
                "validateOnly checks the same");
        assertEquals(2, partitionsOf("fixed"));

        admin.createPartitions(Map.of("fixed", NewPartitions.increaseTo(5)), new CreatePartitionsOptions()
                .validateOnly(true)).all().get(15, TimeUnit.SECONDS);
        assertEquals(2, partitionsOf("fixed"), "validateOnly creates nothing");
        admin.createPartitions(Map.of("fixed", NewPartitions.increaseTo(3, List.of(List.of(1))))).all()
                .get(15, TimeUnit.SECONDS);
        assertEquals(3, partitionsOf("fixed"), "an assignment naming this broker is met");
    }

    @Test
    void everyVersionAnswersAndATopicNamedTwiceIsAnInvalidRequest() throws Exception {
        admin.createTopics(List.of(new NewTopic("twice", 1, (short) 1), new NewTopic("once", 1, (short) 1)))
                .all().get(15, TimeUnit.SECONDS);
        for (short v = 0; v <= 3; v++) {
            CreatePartitionsRequestData req = new CreatePartitionsRequestData().setTimeoutMs(10_000);
            req.topics().add(new CreatePartitionsTopic().setName("twice").setCount(5).setAssignments(null));
            req.topics().add(new CreatePartitionsTopic().setName("once").setCount(2 + v).setAssignments(null));
            req.topics().add(new CreatePartitionsTopic().setName("twice").setCount(6).setAssignments(null));
            CreatePartitionsResponseData resp = new CreatePartitionsResponseData(
                    Wire.exchange(broker.port(), ApiKeys.CREATE_PARTITIONS, v, req), v);
            assertEquals(2, resp.results().size(), "v" + v + ": one answer per name");
            CreatePartitionsTopicResult twice = resp.results().get(0);
            assertEquals("twice", twice.name());
            assertEquals(Errors.INVALID_REQUEST.code(), twice.errorCode());
            CreatePartitionsTopicResult once = resp.results().get(1);
            assertEquals(Errors.NONE.code(), once.errorCode());
            assertNull(once.errorMessage());
        }
        assertEquals(5, partitionsOf("once"));
        assertEquals(1, partitionsOf("twice"));
    }
}
