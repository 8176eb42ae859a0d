package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Metadata through a real socket, and through a stock AdminClient. */
class MetadataTest {
    @TempDir
    Path dir;
    private Broker broker;

    private Broker start(Map<String, String> extra) throws Exception {
        Map<String, String> props = new HashMap<>(Map.of("num.partitions", "3"));
        props.putAll(extra);
        broker = Wire.startBroker(dir, props);
        return broker;
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private MetadataResponseData metadata(short version, MetadataRequestData req) throws IOException {
        try (Socket s = Wire.connect(broker.port())) {
            s.getOutputStream().write(Wire.frame(ApiKeys.METADATA, version, 9, req));
            return new MetadataResponseData(Wire.receive(s, ApiKeys.METADATA, version, 9), version);
        }
    }

    private static MetadataRequestData ask(boolean autoCreate, String... names) {
        MetadataRequestData req = new MetadataRequestData().setAllowAutoTopicCreation(autoCreate);
        for (String n : names) {
            req.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(n));
        }
        return req;
    }

    @Test
    void unknownTopicsAreCreatedOnRequestAndSurviveARestart() throws Exception {
        start(Map.of());
        MetadataResponseData r = metadata((short) 12, ask(true, "orders"));
        MetadataResponseData.MetadataResponseTopic t = r.topics().find("orders");
        assertEquals(Errors.NONE.code(), t.errorCode());
        assertEquals(3, t.partitions().size());
        assertNotEquals(Uuid.ZERO_UUID, t.topicId());
        assertEquals(1, t.partitions().get(2).leaderId());
        assertEquals(1, r.brokers().size());
        assertEquals(broker.port(), r.brokers().find(1).port());
        broker.close();

        start(Map.of());
        MetadataResponseData again = metadata((short) 12, new MetadataRequestData().setTopics(null));
        assertEquals(t.topicId(), again.topics().find("orders").topicId(), "same topic, same id after restart");
        assertEquals(r.clusterId(), again.clusterId());
    }

    @Test
    void badNamesCollisionsAndDisabledAutoCreateGetKafkasErrors() throws Exception {
        start(Map.of());
        metadata((short) 12, ask(true, "a.b"));
        MetadataResponseData r = metadata((short) 12, ask(true, "a_b", "bad/name", "x".repeat(250)));
        assertEquals(Errors.INVALID_TOPIC_EXCEPTION.code(), r.topics().find("a_b").errorCode());
        assertEquals(Errors.INVALID_TOPIC_EXCEPTION.code(), r.topics().find("bad/name").errorCode());
        assertEquals(Errors.INVALID_TOPIC_EXCEPTION.code(), r.topics().find("x".repeat(250)).errorCode());
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                metadata((short) 12, ask(false, "absent")).topics().find("absent").errorCode(),
                "the request may forbid creation");
        broker.close();
        start(Map.of("auto.create.topics.enable", "false"));
        assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                metadata((short) 12, ask(true, "other")).topics().find("other").errorCode());
    }

    @Test
    void everyVersionAnswersAndV0TreatsAnEmptyListAsAllTopics() throws Exception {
        start(Map.of());
        metadata((short) 12, ask(true, "t1"));
        for (short v = 0; v <= 13; v++) {
            MetadataRequestData req = v == 0 ? new MetadataRequestData() : new MetadataRequestData().setTopics(null);
            MetadataResponseData r = metadata(v, req);
            assertEquals(Set.of("t1"), Set.copyOf(r.topics().stream().map(x -> x.name()).toList()), "v" + v);
        }
        assertEquals(0, metadata((short) 1, new MetadataRequestData()).topics().size(), "v1: empty means none");
    }

    @Test
    void aStockAdminClientListsAndDescribes() throws Exception {
        start(Map.of());
        metadata((short) 12, ask(true, "events"));
        Map<String, Object> conf = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000);
        try (Admin admin = Admin.create(conf)) {
            assertEquals(Set.of("events"), admin.listTopics().names().get(15, TimeUnit.SECONDS));
            DescribeClusterResult cluster = admin.describeCluster();
            Properties meta = new Properties();
            try (Reader rd = Files.newBufferedReader(dir.resolve("data").resolve("meta.properties"),
                    StandardCharsets.UTF_8)) {
                meta.load(rd);
            }
            assertEquals(meta.getProperty("cluster.id"), cluster.clusterId().get(15, TimeUnit.SECONDS));
            assertEquals(1, cluster.controller().get(15, TimeUnit.SECONDS).id());
            TopicDescription d = admin.describeTopics(List.of("events")).allTopicNames().get(15, TimeUnit.SECONDS)
                    .get("events");
            assertEquals(3, d.partitions().size());
            assertTrue(d.partitions().stream().allMatch(p -> p.leader().id() == 1));
        }
    }
}
