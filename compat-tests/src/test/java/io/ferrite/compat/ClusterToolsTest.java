package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.FerriteProcess;
import io.ferrite.launcher.KafkaTools;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kafka 4.3's cluster-level tools against a child broker: kafka-cluster cluster-id, kafka-broker-api-versions
 * and kafka-log-dirs, each checked against what the broker itself reports.
 */
@Timeout(240)
class ClusterToolsTest extends ToolsTestBase {
    @Test
    void theToolsAreThePinnedKafka() throws Exception {
        String version = System.getProperty("compat.kafka.clients.version");
        List<String> jars = tools.jarNames();
        for (String jar : List.of("kafka-tools-", "kafka_2.13-", "kafka-clients-")) {
            assertTrue(jars.contains(jar + version + ".jar"), jar + version + " in " + jars);
        }
        assertEquals(List.of(version), tools.run("version", KafkaTools.TOPICS, "", "--version").ok().lines());
    }

    @Compat(family = Compat.CLI, feature = "kafka-cluster cluster-id")
    @Test
    void clusterIdIsTheBrokersOwn() throws Exception {
        String clusterId = admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
        Properties meta = new Properties();
        try (var in = Files.newBufferedReader(broker.dataDir().resolve("meta.properties"))) {
            meta.load(in);
        }
        assertEquals(meta.getProperty("cluster.id"), clusterId);
        assertEquals(List.of("Cluster ID: " + clusterId),
                tools.run("cluster-id", KafkaTools.CLUSTER, "", "cluster-id").ok().lines());
    }

    @Compat(family = Compat.CLI, feature = "kafka-broker-api-versions")
    @Test
    void brokerApiVersionsListsExactlyWhatTheBrokerAdvertises() throws Exception {
        List<String> lines = tools.run("api-versions", KafkaTools.BROKER_API_VERSIONS, "").ok().lines();
        assertEquals(broker.bootstrap() + " (id: 1 rack: null isFenced: false) -> (", lines.get(0));
        assertEquals(")", lines.get(lines.size() - 1));

        List<String> usable = new ArrayList<>();
        Pattern unsupported = Pattern.compile("\t\\w+\\(\\d+\\): UNSUPPORTED,?");
        for (String line : lines.subList(1, lines.size() - 1)) {
            if (!unsupported.matcher(line).matches()) {
                usable.add(line.endsWith(",") ? line.substring(0, line.length() - 1) : line);
            }
        }
        // The tool's client is the pinned kafka-clients, as is this JVM's, so both agree on what is usable.
        List<String> expected = new ArrayList<>();
        for (ApiVersion v : advertised().apiKeys()) {
            ApiKeys api = ApiKeys.forId(v.apiKey());
            String range = v.minVersion() == v.maxVersion() ? Short.toString(v.minVersion())
                    : v.minVersion() + " to " + v.maxVersion();
            expected.add("\t" + api.name + "(" + api.id + "): " + range + " [usable: "
                    + Math.min(v.maxVersion(), api.latestVersion()) + "]");
        }
        assertEquals(expected.stream().sorted().toList(), usable.stream().sorted().toList());
        assertTrue(lines.contains("\tEndTxn(26): 0 to 5 [usable: 5],"), "transactions, protocol 2: " + lines);
    }

    @Compat(family = Compat.CLI, feature = "kafka-log-dirs")
    @Test
    void logDirsListsEveryPartitionWithTheBrokersSizes() throws Exception {
        String topic = "cli-dirs";
        admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of())) {
            for (int p = 0; p < 3; p++) {
                for (int i = 0; i <= p * 5; i++) {
                    producer.send(new ProducerRecord<>(topic, p, null, Clients.bytes("record-" + i))).get(30,
                            TimeUnit.SECONDS);
                }
            }
        }

        List<String> lines = tools.run("log-dirs", KafkaTools.LOG_DIRS, "", "--describe", "--topic-list", topic)
                .ok().lines();
        assertEquals("Querying brokers for log directories information", lines.get(0));
        assertEquals("Received log directory information from brokers 1", lines.get(1));
        String json = lines.get(2);
        assertEquals(3, lines.size(), lines.toString());

        Map<String, LogDirDescription> dirs = admin.describeLogDirs(List.of(1)).allDescriptions()
                .get(30, TimeUnit.SECONDS).get(1);
        assertEquals(1, dirs.size(), dirs.toString());
        String logDir = dirs.keySet().iterator().next();
        assertTrue(json.startsWith("{\"brokers\":[{\"broker\":1,\"logDirs\":[{"), json);
        assertTrue(json.contains("\"error\":null,\"logDir\":\"" + logDir + "\"}]}],\"version\":1}"), json);

        Matcher m = Pattern.compile("\\{\"partition\":\"([^\"]+)\",\"size\":(\\d+),\"offsetLag\":0,\"isFuture\":false}")
                .matcher(json);
        int listed = 0;
        while (m.find()) {
            listed++;
            int p = Integer.parseInt(m.group(1).substring((topic + "-").length()));
            ReplicaInfo replica = dirs.get(logDir).replicaInfos().get(new TopicPartition(topic, p));
            assertEquals(replica.size(), Long.parseLong(m.group(2)), m.group());
            assertTrue(replica.size() > 0, "partition " + p + " holds records");
        }
        assertEquals(3, listed, "only the topic asked for, every partition of it: " + json);
    }

    /** The broker's own ApiVersions answer (v3), read off the wire. */
    private static ApiVersionsResponseData advertised() throws Exception {
        short version = 3;
        ByteBuffer request = new ApiVersionsRequest.Builder().build(version)
                .serializeWithHeader(new RequestHeader(ApiKeys.API_VERSIONS, version, "compat-test", 1));
        try (Socket s = new Socket(FerriteProcess.HOST, broker.port())) {
            s.setSoTimeout(30_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(request.remaining());
            out.write(request.array(), request.arrayOffset() + request.position(), request.remaining());
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] frame = new byte[in.readInt()];
            in.readFully(frame);
            ByteBufferAccessor body = new ByteBufferAccessor(ByteBuffer.wrap(frame));
            ResponseHeader.parse(body.buffer(), ApiKeys.API_VERSIONS.responseHeaderVersion(version));
            ApiVersionsResponseData data = new ApiVersionsResponseData(body, version);
            assertEquals(0, data.errorCode());
            return data;
        }
    }
}
