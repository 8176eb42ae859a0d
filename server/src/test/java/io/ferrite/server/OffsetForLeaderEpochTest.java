package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** OffsetForLeaderEpoch over the wire, and a stock consumer validating its position with it. */
@Timeout(60)
class OffsetForLeaderEpochTest {
    @TempDir
    Path dir;
    private Broker broker;

    @BeforeEach
    void start() throws Exception {
        broker = Wire.startBroker(dir, Map.of());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("epochs", 2, (short) 1))).all().get(15, TimeUnit.SECONDS);
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < 7; i++) {
                producer.send(new ProducerRecord<>("epochs", 0, null, "v" + i));
            }
        }
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private String bootstrap() {
        return "127.0.0.1:" + broker.port();
    }

    private EpochEndOffset ask(short version, String topic, int partition, int current, int epoch) throws Exception {
        OffsetForLeaderEpochRequestData req = new OffsetForLeaderEpochRequestData().setReplicaId(-1);
        OffsetForLeaderTopic t = new OffsetForLeaderTopic().setTopic(topic);
        t.partitions().add(new OffsetForLeaderPartition().setPartition(partition).setCurrentLeaderEpoch(current)
                .setLeaderEpoch(epoch));
        req.topics().add(t);
        try (Socket s = Wire.connect(broker.port())) {
            s.getOutputStream().write(Wire.frame(ApiKeys.OFFSET_FOR_LEADER_EPOCH, version, 3, req));
            OffsetForLeaderEpochResponseData resp = new OffsetForLeaderEpochResponseData(
                    Wire.receive(s, ApiKeys.OFFSET_FOR_LEADER_EPOCH, version, 3), version);
            return resp.topics().find(topic).partitions().get(0);
        }
    }

    @Test
    void everyVersionAnswersLikeKafkasEpochCacheWithOneEpoch() throws Exception {
        for (short v = 2; v <= 4; v++) {
            EpochEndOffset current = ask(v, "epochs", 0, 0, 0);
            assertEquals(Errors.NONE.code(), current.errorCode());
            assertEquals(0, current.leaderEpoch());
            assertEquals(7, current.endOffset(), "the current epoch ends at the log end");

            EpochEndOffset empty = ask(v, "epochs", 1, -1, 0);
            assertEquals(0, empty.endOffset(), "an empty partition's epoch ends at 0");

            EpochEndOffset newer = ask(v, "epochs", 0, -1, 5);
            assertEquals(-1, newer.leaderEpoch());
            assertEquals(-1, newer.endOffset());

            assertEquals(Errors.UNKNOWN_LEADER_EPOCH.code(), ask(v, "epochs", 0, 3, 0).errorCode());
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), ask(v, "epochs", 2, -1, 0).errorCode());
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), ask(v, "nope", 0, -1, 0).errorCode());
        }
    }

    @Test
    void aConsumerSeekingWithAnEpochValidatesAndReads() throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition tp = new TopicPartition("epochs", 0);
            consumer.assign(List.of(tp));
            // A position carrying a leader epoch makes the consumer validate it with OffsetForLeaderEpoch.
            consumer.seek(tp, new OffsetAndMetadata(4, java.util.Optional.of(0), ""));
            List<String> values = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (values.size() < 3 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            assertEquals(List.of("v4", "v5", "v6"), values);
        }
    }
}
