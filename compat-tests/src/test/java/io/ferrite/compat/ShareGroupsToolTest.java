package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.Command;
import io.ferrite.launcher.KafkaTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kafka 4.3's kafka-share-groups against a share group: list, describe (members, state, offsets and lag), reset
 * offsets of the group once empty, and delete it; each step also checked through a stock AdminClient.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(240)
class ShareGroupsToolTest {
    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static Admin admin;
    private static KafkaTools tools;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        broker = kind.start("ShareGroupsToolTest", dir.resolve(kind.name()), Map.of());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
        tools = KafkaTools.against(broker, "ShareGroupsToolTest-" + kind);
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        try {
            if (admin != null) {
                admin.close();
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    private static Command.Result shareGroups(String name, String... args) throws Exception {
        return tools.run(name, KafkaTools.SHARE_GROUPS, "", args);
    }

    /** The tool's table: a blank line, the header, one row; each matched as a whole line. */
    private static void assertRow(Command.Result r, String header, String row) {
        assertEquals(0, r.exit(), r.stderr());
        List<String> lines = r.lines().stream().filter(l -> !l.isBlank()).toList();
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).trim().matches(header), lines.get(0));
        assertTrue(lines.get(1).trim().matches(row), lines.get(1));
    }

    @Compat(family = Compat.CLI, feature = "kafka-share-groups: list, describe, reset offsets, delete")
    @Test
    void aShareGroupIsListedDescribedResetAndDeleted() throws Exception {
        admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), Map.of())) {
            for (int i = 0; i < 20; i++) {
                p.send(new ProducerRecord<>("orders", 0, null, ("o" + i).getBytes(StandardCharsets.UTF_8)));
            }
            p.flush();
        }
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, "billing"), List.of(
                new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET))))
                .all().get(30, TimeUnit.SECONDS);
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "billing");
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "billing-1");
        try (KafkaShareConsumer<String, String> consumer = new KafkaShareConsumer<>(c, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(Set.of("orders"));
            int read = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (read < 20 && System.nanoTime() < deadline) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
            consumer.commitSync();
            assertEquals(20, read);

            Command.Result list = shareGroups("list", "--list");
            assertEquals(0, list.exit(), list.stderr());
            assertEquals(List.of("billing"), list.lines());
            assertRow(shareGroups("describe-members", "--describe", "--group", "billing", "--members"),
                    "GROUP +CONSUMER-ID +HOST +CLIENT-ID +#PARTITIONS +ASSIGNMENT",
                    "billing +\\S+ +/127\\.0\\.0\\.1 +billing-1 +1 +orders:0");
            assertRow(shareGroups("describe-state", "--describe", "--group", "billing", "--state"),
                    "GROUP +COORDINATOR \\(ID\\) +STATE +#MEMBERS",
                    "billing +127\\.0\\.0\\.1:\\d+ +\\(\\d+\\) +Stable +1");
            // Every record accepted: no lag. The start offset is 20 here, where the records are done; Kafka 4.3
            // shows the one it last wrote to its share-state topic, 0 until it writes again.
            assertRow(shareGroups("describe-offsets", "--describe", "--group", "billing"),
                    "GROUP +TOPIC +PARTITION +START-OFFSET +LAG", "billing +orders +0 +(0|20) +0");
        }
        assertRow(shareGroups("reset", "--reset-offsets", "--group", "billing", "--topic", "orders", "--to-earliest",
                "--execute"), "GROUP +TOPIC +PARTITION +NEW-OFFSET", "billing +orders +0 +0");
        assertEquals(0L, admin.listShareGroupOffsets(Map.of("billing", new ListShareGroupOffsetsSpec()))
                .partitionsToOffsetInfo("billing").get(30, TimeUnit.SECONDS).get(new TopicPartition("orders", 0))
                .startOffset());
        Command.Result delete = shareGroups("delete", "--delete", "--group", "billing");
        assertEquals(List.of("Deletion of requested share groups ('billing') was successful."), delete.lines(),
                delete.stderr());
        assertTrue(admin.listGroups().all().get(30, TimeUnit.SECONDS).stream()
                .noneMatch(g -> g.groupId().equals("billing")), "deleted");
    }
}
