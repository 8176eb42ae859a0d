package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** CreateTopics through a stock AdminClient, with Kafka's errors for what a single broker cannot do. */
@Timeout(60)
class CreateTopicsTest {
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

    private Throwable failure(NewTopic t, boolean validateOnly) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> admin.createTopics(List.of(t),
                new CreateTopicsOptions().validateOnly(validateOnly)).all().get(15, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void createsDescribesAndRefusesWhatKafkaRefuses() throws Exception {
        admin.createTopics(List.of(new NewTopic("orders", 4, (short) 1)
                .configs(Map.of("retention.ms", "3600000", "message.timestamp.type", "LogAppendTime"))))
                .all().get(15, TimeUnit.SECONDS);
        TopicDescription d = admin.describeTopics(List.of("orders")).allTopicNames().get(15, TimeUnit.SECONDS)
                .get("orders");
        assertEquals(4, d.partitions().size());

        assertInstanceOf(TopicExistsException.class, failure(new NewTopic("orders", 1, (short) 1), false));
        assertInstanceOf(InvalidReplicationFactorException.class, failure(new NewTopic("r3", 1, (short) 3), false));
        assertInstanceOf(InvalidConfigurationException.class,
                failure(new NewTopic("cfg", 1, (short) 1).configs(Map.of("no.such.config", "1")), false));
        assertInstanceOf(InvalidTopicException.class, failure(new NewTopic("bad name", 1, (short) 1), false));

        admin.createTopics(List.of(new NewTopic("dry", 2, (short) 1)), new CreateTopicsOptions().validateOnly(true))
                .all().get(15, TimeUnit.SECONDS);
        assertFalse(admin.listTopics().names().get(15, TimeUnit.SECONDS).contains("dry"), "validateOnly creates nothing");

        admin.createTopics(List.of(new NewTopic("defaults", Optional.empty(), Optional.empty())))
                .all().get(15, TimeUnit.SECONDS);
        assertEquals(1, admin.describeTopics(List.of("defaults")).allTopicNames().get(15, TimeUnit.SECONDS)
                .get("defaults").partitions().size(), "-1 partitions means num.partitions");
    }

    @Test
    void refusalsCarryKafkasMessagesAndAnExistingTopicIsReportedFirst() throws Exception {
        admin.createTopics(List.of(new NewTopic("taken", 1, (short) 1))).all().get(15, TimeUnit.SECONDS);

        Throwable exists = failure(new NewTopic("taken", 1, (short) 1), false);
        assertInstanceOf(TopicExistsException.class, exists);
        assertEquals("Topic 'taken' already exists.", exists.getMessage());
        // Kafka looks for the topic before it looks at the replication factor.
        assertInstanceOf(TopicExistsException.class, failure(new NewTopic("taken", 1, (short) 3), false));

        Throwable replication = failure(new NewTopic("r3", 2, (short) 3), true);
        assertInstanceOf(InvalidReplicationFactorException.class, replication);
        assertEquals("Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be"
                + " reached because only 1 broker(s) are registered or some brokers have all their log directories"
                + " cordoned.", replication.getMessage());
    }

    @Test
    void aDeletedTopicRecreatedUnderItsNameHasANewIdAndNoneOfTheOldData() throws Exception {
        admin.createTopics(List.of(new NewTopic("cycle", 1, (short) 1))).all().get(15, TimeUnit.SECONDS);
        Uuid firstId = admin.describeTopics(List.of("cycle")).allTopicNames()
                .get(15, TimeUnit.SECONDS).get("cycle").topicId();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port());
        try (KafkaProducer<String, String> producer =
                     new KafkaProducer<>(p,
                             new StringSerializer(),
                             new StringSerializer())) {
            producer.send(new ProducerRecord<>("cycle", 0, null, "old"))
                    .get(15, TimeUnit.SECONDS);
        }
        admin.deleteTopics(List.of("cycle")).all().get(15, TimeUnit.SECONDS);
        assertFalse(admin.listTopics().names().get(15, TimeUnit.SECONDS).contains("cycle"));
        assertInstanceOf(UnknownTopicOrPartitionException.class,
                assertThrows(ExecutionException.class, () -> admin.deleteTopics(List.of("cycle")).all()
                        .get(15, TimeUnit.SECONDS)).getCause());

        admin.createTopics(List.of(new NewTopic("cycle", 1, (short) 1))).all().get(15, TimeUnit.SECONDS);
        TopicPartition tp = new TopicPartition("cycle", 0);
        assertFalse(firstId.equals(admin.describeTopics(List.of("cycle")).allTopicNames().get(15, TimeUnit.SECONDS)
                .get("cycle").topicId()), "a new topic id");
        assertEquals(0, admin.listOffsets(Map.of(tp, OffsetSpec.latest()))
                .partitionResult(tp).get(15, TimeUnit.SECONDS).offset(), "none of the old data");
    }
}
