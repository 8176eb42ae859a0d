package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeLogDirsRequestData.DescribableLogDirTopic;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** DescribeLogDirs through a stock AdminClient and on the wire. */
@Timeout(60)
class DescribeLogDirsTest {
    private static final TopicPartition TP = new TopicPartition("sized", 0);

    @TempDir
    Path dir;
    private Broker broker;
    private Admin admin;

    @BeforeEach
    void start() throws Exception {
        broker = Wire.startBroker(dir, Map.of());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port()));
        admin.createTopics(List.of(new NewTopic("sized", 2, (short) 1))).all().get(15, TimeUnit.SECONDS);
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:" + broker.port()), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 3; i++) { // three batches of the same size
                p.send(new ProducerRecord<>("sized", 0, null, "v" + i)).get(15, TimeUnit.SECONDS);
            }
        }
    }

    @AfterEach
    void stop() {
        admin.close();
        broker.close();
    }

    private LogDirDescription onlyDir() throws Exception {
        Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(1)).allDescriptions()
                .get(15, TimeUnit.SECONDS).get(1);
        assertEquals(1, dirs.size());
        assertEquals(dir.resolve("data").toAbsolutePath().toString(), dirs.keySet().iterator().next());
        return dirs.values().iterator().next();
    }

    @Test
    void aStockAdminClientSeesOneDirWithEachPartitionsSize() throws Exception {
        LogDirDescription d = onlyDir();
        ReplicaInfo full = d.replicaInfos().get(TP);
        assertTrue(full.size() > 0);
        assertEquals(0, full.offsetLag());
        assertFalse(full.isFuture());
        assertEquals(0, d.replicaInfos().get(new TopicPartition("sized", 1)).size(), "an empty partition");
        assertTrue(d.totalBytes().orElseThrow() >= d.usableBytes().orElseThrow());
        assertTrue(d.usableBytes().orElseThrow() > 0);

        admin.deleteRecords(Map.of(TP, RecordsToDelete.beforeOffset(2))).all().get(15, TimeUnit.SECONDS);
        assertEquals(full.size() / 3, onlyDir().replicaInfos().get(TP).size(), "two of three batches are gone");
    }

    @Test
    void everyVersionAnswersAndUnknownPartitionsAreLeftOut() throws Exception {
        for (short v = 1; v <= 5; v++) {
            DescribeLogDirsResponseData all = new DescribeLogDirsResponseData(Wire.exchange(broker.port(),
                    ApiKeys.DESCRIBE_LOG_DIRS, v, new DescribeLogDirsRequestData().setTopics(null)), v);
            assertEquals(Errors.NONE.code(), all.errorCode(), "v" + v);
            DescribeLogDirsResult r = all.results().get(0);
            assertEquals(dir.resolve("data").toAbsolutePath().toString(), r.logDir());
            assertEquals(2, r.topics().get(0).partitions().size());
            assertEquals(v >= 4, r.totalBytes() > 0, "total bytes from v4 on");
            assertFalse(r.isCordoned());

            DescribeLogDirsRequestData some = new DescribeLogDirsRequestData();
            some.topics().add(new DescribableLogDirTopic().setTopic("sized").setPartitions(List.of(1, 9)));
            some.topics().add(new DescribableLogDirTopic().setTopic("absent").setPartitions(List.of(0)));
            DescribeLogDirsResult asked = new DescribeLogDirsResponseData(Wire.exchange(broker.port(),
                    ApiKeys.DESCRIBE_LOG_DIRS, v, some), v).results().get(0);
            assertEquals(1, asked.topics().size());
            assertEquals("sized", asked.topics().get(0).name());
            assertEquals(List.of(1), asked.topics().get(0).partitions().stream().map(p -> p.partitionIndex()).toList());
        }
    }
}
