package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** DescribeCluster through a stock AdminClient and on the wire. */
@Timeout(60)
class DescribeClusterTest {
    @TempDir
    Path dir;
    private Broker broker;

    @BeforeEach
    void start() throws Exception {
        broker = Wire.startBroker(dir, Map.of());
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private String clusterIdOnDisk() throws Exception {
        Properties meta = new Properties();
        Path file = dir.resolve("data").resolve("meta.properties");
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            meta.load(r);
        }
        return meta.getProperty("cluster.id");
    }

    private DescribeClusterResponseData describe(short version, DescribeClusterRequestData req) throws Exception {
        return new DescribeClusterResponseData(Wire.exchange(broker.port(), ApiKeys.DESCRIBE_CLUSTER, version, req),
                version);
    }

    @Test
    void aStockAdminClientDescribesTheClusterThroughDescribeCluster() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:" + broker.port()))) {
            DescribeClusterResult c = admin.describeCluster(new DescribeClusterOptions()
                    .includeAuthorizedOperations(true).includeFencedBrokers(true));
            assertEquals(clusterIdOnDisk(), c.clusterId().get(15, TimeUnit.SECONDS));
            assertEquals(1, c.controller().get(15, TimeUnit.SECONDS).id());
            Collection<Node> nodes = c.nodes().get(15, TimeUnit.SECONDS);
            assertEquals(List.of(new Node(1, "127.0.0.1", broker.port())), List.copyOf(nodes));
            // Metadata carries no authorized operations here: these can only have come from DescribeCluster.
            assertEquals(Set.of(AclOperation.CREATE, AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS,
                    AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE, AclOperation.ALTER,
                    AclOperation.DESCRIBE), c.authorizedOperations().get(15, TimeUnit.SECONDS));
        }
    }

    @Test
    void theBrokersRackIsToldInDescribeClusterAndMetadata() throws Exception {
        broker.close();
        broker = Wire.startBroker(dir, Map.of("broker.rack", "rack-a"));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:" + broker.port()))) {
            Node node = admin.describeCluster().nodes().get(15, TimeUnit.SECONDS).iterator().next();
            assertEquals("rack-a", node.rack());
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("racked", 1, (short) 1)))
                    .all().get(15, TimeUnit.SECONDS);
            assertEquals("rack-a", admin.describeTopics(List.of("racked")).allTopicNames().get(15, TimeUnit.SECONDS)
                    .get("racked").partitions().get(0).leader().rack(), "through Metadata");
        }
    }

    @Test
    void everyVersionAnswersAndOnlyTheBrokerEndpointTypeIsServed() throws Exception {
        for (short v = 0; v <= 2; v++) {
            DescribeClusterResponseData r = describe(v, new DescribeClusterRequestData());
            assertEquals(Errors.NONE.code(), r.errorCode(), "v" + v);
            assertEquals(clusterIdOnDisk(), r.clusterId());
            assertEquals(1, r.controllerId());
            assertEquals(1, r.brokers().size());
            DescribeClusterResponseData.DescribeClusterBroker b = r.brokers().find(1);
            assertEquals("127.0.0.1", b.host());
            assertEquals(broker.port(), b.port());
            assertEquals(Integer.MIN_VALUE, r.clusterAuthorizedOperations(), "not asked for");
        }
        for (short v = 1; v <= 2; v++) {
            DescribeClusterResponseData controllers = describe(v,
                    new DescribeClusterRequestData().setEndpointType((byte) 2));
            assertEquals(Errors.MISMATCHED_ENDPOINT_TYPE.code(), controllers.errorCode(), "v" + v);
            assertEquals(0, controllers.brokers().size());
            assertEquals(Errors.UNSUPPORTED_ENDPOINT_TYPE.code(),
                    describe(v, new DescribeClusterRequestData().setEndpointType((byte) 9)).errorCode());
        }
        DescribeClusterResponseData fenced = describe((short) 2, new DescribeClusterRequestData()
                .setIncludeFencedBrokers(true));
        assertEquals(false, fenced.brokers().find(1).isFenced());
    }
}
