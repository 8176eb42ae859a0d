package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.Command;
import io.ferrite.launcher.KafkaTools;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ACL matrix, against Ferrite and (under {@code -Dreference=kafka}) Kafka 4.3 configured alike with Kafka's
 * StandardAuthorizer: each API a stock client uses, asked by a user whose ACLs (prefixed) allow it, by one with
 * none, and by a super user; each answer, success or the exception the client reports, must be the one in the
 * table, so both brokers give the same. kafka-acls.sh adds and lists the ACLs.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(300)
class AclMatrixTest {
    private static final String PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule required";

    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static KafkaTools tools;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        broker = kind.startSecure("AclMatrixTest", dir.resolve(kind.name()), "SASL_PLAINTEXT", Map.of(
                "sasl.enabled.mechanisms", "PLAIN",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config", PLAIN + " user_admin=\"admin-secret\" "
                        + "user_alice=\"alice-secret\" user_bob=\"bob-secret\";",
                "authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                // The plaintext listener (and Kafka's own controller listener) act as ANONYMOUS: super users here.
                "super.users", "User:admin;User:ANONYMOUS"));
        tools = KafkaTools.against(broker, "AclMatrixTest-" + kind);
        for (String type : List.of("--topic", "--group", "--transactional-id")) {
            tools.run("add" + type, KafkaTools.ACLS, "", "--add", "--allow-principal", "User:alice",
                    "--operation", "All", type, "m-", "--resource-pattern-type", "prefixed").ok();
        }
        tools.run("add-cluster", KafkaTools.ACLS, "", "--add", "--allow-principal", "User:alice", "--operation", "All",
                "--cluster").ok();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("m-topic", 1, (short) 1), new NewTopic("m-doomed-alice", 1,
                    (short) 1), new NewTopic("m-doomed-bob", 1, (short) 1), new NewTopic("m-doomed-admin", 1,
                    (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), Map.of())) {
            p.send(new ProducerRecord<>("m-topic", Clients.bytes("k"), Clients.bytes("v"))).get(30, TimeUnit.SECONDS);
        }
        try (KafkaConsumer<byte[], byte[]> c = Clients.groupConsumer(broker.bootstrap(), "m-group", Map.of())) {
            c.assign(List.of(new TopicPartition("m-topic", 0)));
            c.commitSync(Map.of(new TopicPartition("m-topic", 0), new OffsetAndMetadata(1)));
        }
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Compat(family = Compat.CLI, feature = "kafka-acls")
    @Test
    void kafkaAclsListsWhatItAdded() throws Exception {
        List<String> lines = tools.run("list", KafkaTools.ACLS, "", "--list").ok().lines();
        String all = String.join("\n", lines);
        for (String resource : List.of("name=m-, patternType=PREFIXED", "resourceType=CLUSTER, name=kafka-cluster")) {
            assertTrue(all.contains(resource), all);
        }
        assertTrue(all.contains("(principal=User:alice, host=*, operation=ALL, permissionType=ALLOW)"), all);
    }

    private static Map<String, Object> as(String user) {
        return new HashMap<>(Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", PLAIN + " username=\"" + user + "\" password=\"" + user + "-secret\";",
                "default.api.timeout.ms", "20000", "request.timeout.ms", "10000", "max.block.ms", "10000",
                "delivery.timeout.ms", "12000"));
    }

    @FunctionalInterface
    private interface Op {
        Object run(String user) throws Exception;
    }

    /** "ok", "ok:" and what the call returned, or the simple name of the exception the client reports. */
    private static String outcome(Op op, String user) {
        try {
            Object r = op.run(user);
            return r == null ? "ok" : "ok:" + r;
        } catch (ExecutionException e) {
            return e.getCause().getClass().getSimpleName();
        } catch (Exception e) {
            return e.getClass().getSimpleName();
        }
    }

    private static Admin admin(String user) {
        Map<String, Object> p = as(user);
        p.put("bootstrap.servers", broker.secureBootstrap());
        return Admin.create(p);
    }

    private static Object withAdmin(String user, AdminCall call) throws Exception {
        try (Admin a = admin(user)) {
            return call.run(a);
        }
    }

    @FunctionalInterface
    private interface AdminCall {
        Object run(Admin admin) throws Exception;
    }

    @Compat(family = Compat.JAVA, feature = "ACLs: 21 operations as an allowed user, a user without ACLs, a super user")
    @Test
    void eachApiAsAnAllowedUserADeniedUserAndASuperUser() throws Exception {
        Map<String, Op> ops = new LinkedHashMap<>();
        ops.put("produce", u -> {
            try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.secureBootstrap(), as(u))) {
                p.send(new ProducerRecord<>("m-topic", Clients.bytes("k"), Clients.bytes(u))).get(20, TimeUnit.SECONDS);
                return null;
            }
        });
        ops.put("fetch", u -> {
            try (KafkaConsumer<byte[], byte[]> c = Clients.consumer(broker.secureBootstrap(), as(u))) {
                c.assign(List.of(new TopicPartition("m-topic", 0)));
                c.seekToBeginning(List.of(new TopicPartition("m-topic", 0)));
                long end = System.currentTimeMillis() + 15_000;
                while (System.currentTimeMillis() < end) {
                    if (!c.poll(Duration.ofMillis(200)).isEmpty()) {
                        return null;
                    }
                }
                return "nothing";
            }
        });
        ops.put("listOffsets", u -> withAdmin(u, a -> a.listOffsets(Map.of(new TopicPartition("m-topic", 0),
                OffsetSpec.earliest())).all().get(20, TimeUnit.SECONDS).get(new TopicPartition("m-topic", 0)).offset()));
        ops.put("describeTopics", u -> withAdmin(u, a -> a.describeTopics(List.of("m-topic")).allTopicNames()
                .get(20, TimeUnit.SECONDS).get("m-topic").partitions().size()));
        ops.put("listTopics", u -> withAdmin(u, a -> a.listTopics().names().get(20, TimeUnit.SECONDS)
                .contains("m-topic")));
        ops.put("createTopics", u -> withAdmin(u, a -> a.createTopics(List.of(new NewTopic("m-new-" + u, 1,
                (short) 1))).all().get(20, TimeUnit.SECONDS)));
        ops.put("createPartitions", u -> withAdmin(u, a -> a.createPartitions(Map.of("m-doomed-" + u,
                NewPartitions.increaseTo(2))).all().get(20, TimeUnit.SECONDS)));
        ops.put("describeConfigs", u -> withAdmin(u, a -> a.describeConfigs(List.of(new ConfigResource(
                ConfigResource.Type.TOPIC, "m-topic"))).all().get(20, TimeUnit.SECONDS).size()));
        ops.put("alterConfigs", u -> withAdmin(u, a -> a.incrementalAlterConfigs(Map.of(new ConfigResource(
                ConfigResource.Type.TOPIC, "m-topic"), List.of(new AlterConfigOp(new ConfigEntry("retention.ms",
                "3600000"), AlterConfigOp.OpType.SET)))).all().get(20, TimeUnit.SECONDS)));
        ops.put("deleteTopics", u -> withAdmin(u, a -> a.deleteTopics(List.of("m-doomed-" + u)).all()
                .get(20, TimeUnit.SECONDS)));
        ops.put("listGroupOffsets", u -> withAdmin(u, a -> a.listConsumerGroupOffsets("m-group")
                .partitionsToOffsetAndMetadata().get(20, TimeUnit.SECONDS).size()));
        ops.put("describeGroups", u -> withAdmin(u, a -> a.describeConsumerGroups(List.of("m-group"))
                .all().get(20, TimeUnit.SECONDS).size()));
        ops.put("listGroups", u -> withAdmin(u, a -> a.listConsumerGroups().all().get(20, TimeUnit.SECONDS).stream()
                .anyMatch(g -> g.groupId().equals("m-group"))));
        ops.put("commitOffsets", u -> {
            try (KafkaConsumer<byte[], byte[]> c = Clients.groupConsumer(broker.secureBootstrap(), "m-group", as(u))) {
                c.assign(List.of(new TopicPartition("m-topic", 0)));
                c.commitSync(Map.of(new TopicPartition("m-topic", 0), new OffsetAndMetadata(1)));
                return null;
            }
        });
        ops.put("clusterOperations", u -> withAdmin(u, a -> a.describeCluster(new DescribeClusterOptions()
                .includeAuthorizedOperations(true)).authorizedOperations().get(20, TimeUnit.SECONDS)
                .contains(AclOperation.ALTER)));
        ops.put("describeLogDirs", u -> withAdmin(u, a -> a.describeLogDirs(List.of(1)).allDescriptions()
                .get(20, TimeUnit.SECONDS).size()));
        ops.put("describeAcls", u -> withAdmin(u, a -> a.describeAcls(AclBindingFilter.ANY).values()
                .get(20, TimeUnit.SECONDS).isEmpty()));
        ops.put("createAcls", u -> withAdmin(u, a -> a.createAcls(List.of(new AclBinding(new ResourcePattern(
                ResourceType.TOPIC, "m-other", PatternType.LITERAL), new AccessControlEntry("User:carol", "*",
                AclOperation.READ, AclPermissionType.ALLOW)))).all().get(20, TimeUnit.SECONDS)));
        ops.put("describeScram", u -> withAdmin(u, a -> a.describeUserScramCredentials().all()
                .get(20, TimeUnit.SECONDS).size()));
        ops.put("initTransactions", u -> {
            Map<String, Object> p = as(u);
            p.put("transactional.id", "m-txn-" + u);
            try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.secureBootstrap(), p)) {
                producer.initTransactions();
                return null;
            }
        });
        ops.put("listTransactions", u -> withAdmin(u, a -> a.listTransactions().all().get(20, TimeUnit.SECONDS)
                .stream().anyMatch(t -> t.transactionalId().startsWith("m-txn-"))));

        Map<String, List<String>> expected = new LinkedHashMap<>();
        expected.put("produce", List.of("ok", "TopicAuthorizationException", "ok"));
        expected.put("fetch", List.of("ok", "TopicAuthorizationException", "ok"));
        expected.put("listOffsets", List.of("ok:0", "TopicAuthorizationException", "ok:0"));
        expected.put("describeTopics", List.of("ok:1", "TopicAuthorizationException", "ok:1"));
        expected.put("listTopics", List.of("ok:true", "ok:false", "ok:true"));
        expected.put("createTopics", List.of("ok", "TopicAuthorizationException", "ok"));
        expected.put("createPartitions", List.of("ok", "TopicAuthorizationException", "ok"));
        expected.put("describeConfigs", List.of("ok:1", "TopicAuthorizationException", "ok:1"));
        expected.put("alterConfigs", List.of("ok", "TopicAuthorizationException", "ok"));
        expected.put("deleteTopics", List.of("ok", "TopicAuthorizationException", "ok"));
        expected.put("listGroupOffsets", List.of("ok:1", "GroupAuthorizationException", "ok:1"));
        expected.put("describeGroups", List.of("ok:1", "GroupAuthorizationException", "ok:1"));
        expected.put("listGroups", List.of("ok:true", "ok:false", "ok:true"));
        // The consumer asks for the topic's metadata before the commit, and fails there first.
        expected.put("commitOffsets", List.of("ok", "TopicAuthorizationException", "ok"));
        expected.put("clusterOperations", List.of("ok:true", "ok:false", "ok:true"));
        expected.put("describeLogDirs", List.of("ok:1", "ClusterAuthorizationException", "ok:1"));
        expected.put("describeAcls", List.of("ok:false", "ClusterAuthorizationException", "ok:false"));
        expected.put("createAcls", List.of("ok", "ClusterAuthorizationException", "ok"));
        expected.put("describeScram", List.of("ok:0", "ClusterAuthorizationException", "ok:0"));
        expected.put("initTransactions", List.of("ok", "TransactionalIdAuthorizationException", "ok"));
        expected.put("listTransactions", List.of("ok:true", "ok:false", "ok:true"));

        Map<String, List<String>> actual = new LinkedHashMap<>();
        for (Map.Entry<String, Op> op : ops.entrySet()) {
            List<String> row = new ArrayList<>();
            for (String user : List.of("alice", "bob", "admin")) {
                row.add(outcome(op.getValue(), user));
            }
            actual.put(op.getKey(), row);
        }
        assertEquals(expected.toString().replace("], ", "],\n"), actual.toString().replace("], ", "],\n"));
    }
}
