package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.BrokerUnderTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/** The pinned kafka-clients' AdminClient creates, lists, describes and deletes topics on a child broker. */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(120)
class AdminTopicsTest {
    /** The broker this run of the class is against; started once per run, below. */
    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static Admin admin;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        broker = kind.start("AdminTopicsTest", dir.resolve(kind.name()), Map.of());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    @AfterParameterizedClassInvocation
    static void stop() throws Exception {
        try {
            if (admin != null) {
                admin.close();
            }
        } finally {
            broker.close();
        }
    }

    @Compat(family = Compat.JAVA, feature = "admin: create, list, describe, delete topics")
    @Test
    void createListDescribeDelete() throws Exception {
        admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1), new NewTopic("audit", 1, (short) 1)))
                .all().get(30, TimeUnit.SECONDS);
        AdminWaits.listing(admin, listed -> listed.containsAll(Set.of("orders", "audit")), "orders and audit");

        TopicDescription orders = AdminWaits.describe(admin, List.of("orders")).get("orders");
        assertEquals("orders", orders.name());
        assertFalse(orders.isInternal());
        assertNotEquals(Uuid.ZERO_UUID, orders.topicId());
        assertEquals(List.of(0, 1, 2), orders.partitions().stream().map(TopicPartitionInfo::partition).toList());
        int node = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next().id();
        for (TopicPartitionInfo p : orders.partitions()) {
            assertEquals(node, p.leader().id(), "the single broker leads every partition");
            assertEquals(1, p.replicas().size());
            assertEquals(1, p.isr().size());
        }

        admin.deleteTopics(List.of("orders")).all().get(30, TimeUnit.SECONDS);
        assertTrue(AdminWaits.listing(admin, listed -> !listed.contains("orders"), "orders gone").contains("audit"));
        ExecutionException gone = assertThrows(ExecutionException.class,
                () -> admin.describeTopics(List.of("orders")).allTopicNames().get(30, TimeUnit.SECONDS));
        assertInstanceOf(UnknownTopicOrPartitionException.class, gone.getCause());
    }

    @Compat(family = Compat.JAVA, feature = "admin: Kafka's errors for refused topic requests")
    @Test
    void refusalsComeBackAsKafkasExceptions() throws Exception {
        admin.createTopics(List.of(new NewTopic("twice", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        ExecutionException exists = assertThrows(ExecutionException.class,
                () -> admin.createTopics(List.of(new NewTopic("twice", 1, (short) 1))).all().get(30, TimeUnit.SECONDS));
        assertInstanceOf(TopicExistsException.class, exists.getCause());

        ExecutionException replicas = assertThrows(ExecutionException.class,
                () -> admin.createTopics(List.of(new NewTopic("replicated", 1, (short) 3))).all()
                        .get(30, TimeUnit.SECONDS));
        assertInstanceOf(InvalidReplicationFactorException.class, replicas.getCause());

        ExecutionException unknown = assertThrows(ExecutionException.class,
                () -> admin.deleteTopics(List.of("never-created")).all().get(30, TimeUnit.SECONDS));
        assertInstanceOf(UnknownTopicOrPartitionException.class, unknown.getCause());
    }
}
