package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ferrite.launcher.BrokerUnderTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A group's own configs (DescribeConfigs and IncrementalAlterConfigs on GROUP resources) through the pinned
 * kafka-clients' Admin: the keys both brokers serve, their broker defaults and synonyms, changes, Kafka's errors
 * for bad input, and configs that outlive the group and a restart.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(180)
class GroupConfigsTest {
    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static Admin admin;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        broker = kind.start("GroupConfigsTest", dir.resolve(kind.name()), Map.of());
        admin = admin();
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
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

    private static ConfigResource group(String id) {
        return new ConfigResource(ConfigResource.Type.GROUP, id);
    }

    private static Config describe(String id) throws Exception {
        return admin.describeConfigs(List.of(group(id)), new DescribeConfigsOptions().includeSynonyms(true))
                .all().get(30, TimeUnit.SECONDS).get(group(id));
    }

    private static void alter(String id, AlterConfigOp... ops) throws Exception {
        admin.incrementalAlterConfigs(Map.of(group(id), List.of(ops))).all().get(30, TimeUnit.SECONDS);
    }

    private static AlterConfigOp set(String name, String value) {
        return new AlterConfigOp(new ConfigEntry(name, value), OpType.SET);
    }

    private static AlterConfigOp delete(String name) {
        return new AlterConfigOp(new ConfigEntry(name, ""), OpType.DELETE);
    }

    private static Throwable refused(String id, AlterConfigOp op) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> alter(id, op));
        return e.getCause();
    }

    private static void assertEntry(Config c, String name, String value, ConfigSource source,
                                    String... synonyms) {
        ConfigEntry e = c.get(name);
        assertEquals(value, e.value(), name);
        assertEquals(source, e.source(), name);
        assertEquals(List.of(synonyms), e.synonyms().stream().map(GroupConfigsTest::syn).toList(), name);
    }

    private static String syn(ConfigEntry.ConfigSynonym s) {
        return syn(s.name(), s.value(), s.source());
    }

    private static String syn(String name, String value, ConfigSource source) {
        return source + ":" + name + "=" + value;
    }

    @Compat(family = Compat.JAVA, feature = "admin: group configs described, set and deleted")
    @Test
    void anyGroupIsDescribedWithTheBrokersDefaultsAndTakesItsOwnValues() throws Exception {
        Config fresh = describe("never-seen"); // no such group: its configs are the broker's, as in Kafka
        // Ferrite's config/server.properties names Kafka's defaults of the consumer-group keys: there they come
        // from STATIC_BROKER_CONFIG, same value, Kafka's default last.
        ConfigEntry session = fresh.get("consumer.session.timeout.ms");
        assertEquals("45000", session.value());
        assertEquals(syn("group.consumer.session.timeout.ms", "45000", ConfigSource.DEFAULT_CONFIG),
                syn(session.synonyms().get(session.synonyms().size() - 1)));
        assertEntry(fresh, "share.record.lock.duration.ms", "30000", ConfigSource.DEFAULT_CONFIG,
                syn("group.share.record.lock.duration.ms", "30000", ConfigSource.DEFAULT_CONFIG));
        assertEntry(fresh, "share.auto.offset.reset", "latest", ConfigSource.DEFAULT_CONFIG,
                syn("share.auto.offset.reset", "latest", ConfigSource.DEFAULT_CONFIG));
        for (String[] kv : new String[][] {{"consumer.heartbeat.interval.ms", "5000"},
                {"share.session.timeout.ms", "45000"}, {"share.heartbeat.interval.ms", "5000"},
                {"share.delivery.count.limit", "5"}, {"share.partition.max.record.locks", "2000"},
                {"share.isolation.level", "read_uncommitted"}, {"share.renew.acknowledge.enable", "true"}}) {
            ConfigEntry e = fresh.get(kv[0]);
            assertEquals(kv[1], e.value(), kv[0]);
            assertNotEquals(ConfigSource.DYNAMIC_GROUP_CONFIG, e.source(), kv[0]);
            assertEquals(false, e.isReadOnly(), kv[0]);
        }

        alter("readers", set("share.record.lock.duration.ms", "15000"), set("share.auto.offset.reset", "earliest"),
                set("consumer.session.timeout.ms", "50000"));
        Config own = describe("readers");
        assertEntry(own, "share.record.lock.duration.ms", "15000", ConfigSource.DYNAMIC_GROUP_CONFIG,
                syn("share.record.lock.duration.ms", "15000", ConfigSource.DYNAMIC_GROUP_CONFIG),
                syn("group.share.record.lock.duration.ms", "30000", ConfigSource.DEFAULT_CONFIG));
        assertEntry(own, "share.auto.offset.reset", "earliest", ConfigSource.DYNAMIC_GROUP_CONFIG,
                syn("share.auto.offset.reset", "earliest", ConfigSource.DYNAMIC_GROUP_CONFIG),
                syn("share.auto.offset.reset", "latest", ConfigSource.DEFAULT_CONFIG));
        assertEquals("50000", own.get("consumer.session.timeout.ms").value());
        assertEquals("45000", describe("never-seen").get("consumer.session.timeout.ms").value(), "one group's only");

        alter("readers", set("share.auto.offset.reset", "by_duration:PT1H"), delete("share.record.lock.duration.ms"),
                delete("share.delivery.count.limit")); // deleting what is not set is no change
        Config after = describe("readers");
        assertEquals("by_duration:PT1H", after.get("share.auto.offset.reset").value());
        assertEntry(after, "share.record.lock.duration.ms", "30000", ConfigSource.DEFAULT_CONFIG,
                syn("group.share.record.lock.duration.ms", "30000", ConfigSource.DEFAULT_CONFIG));

        admin.incrementalAlterConfigs(Map.of(group("readers"), List.of(set("share.delivery.count.limit", "3"))),
                new AlterConfigsOptions().validateOnly(true)).all().get(30, TimeUnit.SECONDS);
        assertEquals("5", describe("readers").get("share.delivery.count.limit").value(), "validate only");
    }

    @Compat(family = Compat.JAVA, feature = "admin: group configs, bad input refused")
    @Test
    void badGroupConfigsAreRefusedWithKafkasErrors() throws Exception {
        String id = "strict";
        assertEquals("Invalid value 10 for configuration share.record.lock.duration.ms: Value must be at least 1000",
                assertInstanceOf(InvalidConfigurationException.class,
                        refused(id, set("share.record.lock.duration.ms", "10"))).getMessage());
        assertEquals("share.record.lock.duration.ms must be less than or equal to "
                        + "group.share.max.record.lock.duration.ms",
                assertInstanceOf(InvalidConfigurationException.class,
                        refused(id, set("share.record.lock.duration.ms", "4000000"))).getMessage());
        assertEquals("consumer.session.timeout.ms must be greater than or equal to "
                        + "group.consumer.min.session.timeout.ms",
                assertInstanceOf(InvalidConfigurationException.class,
                        refused(id, set("consumer.session.timeout.ms", "1000"))).getMessage());
        assertEquals("Invalid value abc for configuration share.delivery.count.limit: Not a number of type INT",
                assertInstanceOf(InvalidConfigurationException.class,
                        refused(id, set("share.delivery.count.limit", "abc"))).getMessage());
        assertEquals("Unknown group config name: no.such.key",
                assertInstanceOf(InvalidConfigurationException.class, refused(id, set("no.such.key", "1")))
                        .getMessage());
        assertInstanceOf(InvalidConfigurationException.class, refused(id, set("share.auto.offset.reset", "none")));
        assertInstanceOf(InvalidConfigurationException.class, refused(id, set("share.isolation.level", "dirty")));
        assertInstanceOf(InvalidConfigurationException.class,
                refused(id, new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "latest"), OpType.APPEND)));
        assertInstanceOf(InvalidRequestException.class, refused("", set("share.delivery.count.limit", "3")));
        ExecutionException e = assertThrows(ExecutionException.class, () -> describe(""));
        assertInstanceOf(InvalidRequestException.class, e.getCause());

        Config c = describe(id);
        assertEquals(ConfigSource.DEFAULT_CONFIG, c.get("share.record.lock.duration.ms").source(), "nothing stored");
        assertNotEquals(ConfigSource.DYNAMIC_GROUP_CONFIG, c.get("consumer.session.timeout.ms").source(),
                "nothing stored");
    }

    @Compat(family = Compat.JAVA, feature = "admin: group configs outlive the group and a restart")
    @Test
    void groupConfigsOutliveTheGroupAndARestart() throws Exception {
        String id = "short-lived";
        admin.createTopics(List.of(new NewTopic("short-lived-topic", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        admin.alterConsumerGroupOffsets(id, Map.of(new TopicPartition("short-lived-topic", 0),
                new OffsetAndMetadata(0))).all().get(30, TimeUnit.SECONDS);
        alter(id, set("share.delivery.count.limit", "7"));
        admin.deleteConsumerGroups(List.of(id)).all().get(30, TimeUnit.SECONDS);
        assertEquals("7", describe(id).get("share.delivery.count.limit").value(), "as in Kafka, after deletion");

        admin.close();
        broker.stop();
        broker.restart();
        admin = admin();
        assertEntry(describe(id), "share.delivery.count.limit", "7", ConfigSource.DYNAMIC_GROUP_CONFIG,
                syn("share.delivery.count.limit", "7", ConfigSource.DYNAMIC_GROUP_CONFIG),
                syn("group.share.delivery.count.limit", "5", ConfigSource.DEFAULT_CONFIG));
    }
}
