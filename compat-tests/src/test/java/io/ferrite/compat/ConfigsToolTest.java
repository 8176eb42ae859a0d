package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.Command;
import io.ferrite.launcher.KafkaTools;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * kafka-configs ({@code kafka.admin.ConfigCommand}) of Kafka 4.3 against a child broker: topic and group configs
 * added, deleted and described, the broker's configs described, and a change that takes effect on produce.
 */
@Compat(family = Compat.CLI, feature = "kafka-configs")
@Timeout(240)
class ConfigsToolTest extends ToolsTestBase {
    private static Command.Result configs(String name, String... args) throws Exception {
        return tools.run(name, KafkaTools.CONFIGS, "", args).ok();
    }

    @Test
    void topicConfigsAreAddedDescribedAndDeletedAndALowerMessageLimitRefusesBiggerRecords() throws Exception {
        String topic = "cli-configs";
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);

        assertEquals(List.of("Completed updating config for topic " + topic + "."), configs("add", "--alter",
                "--entity-type", "topics", "--entity-name", topic,
                "--add-config", "max.message.bytes=2000,retention.ms=86400000").lines());
        Config changed = topicConfigs(topic);
        assertEquals("2000", changed.get("max.message.bytes").value());
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, changed.get("max.message.bytes").source());
        assertEquals("86400000", changed.get("retention.ms").value());

        // Kafka's synonyms, most specific first: the topic's own, config/server.properties, Kafka's default.
        List<String> dynamic = configs("describe", "--describe", "--entity-type", "topics", "--entity-name", topic)
                .lines();
        assertEquals("Dynamic configs for topic " + topic + " are:", dynamic.get(0));
        assertEquals(Set.of(
                "  max.message.bytes=2000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:max.message.bytes=2000,"
                        + " STATIC_BROKER_CONFIG:message.max.bytes=1048588, DEFAULT_CONFIG:message.max.bytes=1048588}",
                "  retention.ms=86400000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=86400000,"
                        + " STATIC_BROKER_CONFIG:log.retention.ms=604800000, DEFAULT_CONFIG:log.retention.hours=168}"),
                Set.copyOf(dynamic.subList(1, dynamic.size())), dynamic.toString());
        assertEquals(3, dynamic.size(), dynamic.toString());

        // Three lines in one batch: the broker refuses it as too large, the producer splits it, and only the
        // record above the new limit fails.
        String small = "s".repeat(1500);
        String big = "b".repeat(3000);
        Command.Result produced = tools.run("produce", KafkaTools.CONSOLE_PRODUCER,
                small + "\n" + big + "\n" + small + "\n", "--topic", topic);
        assertEquals(0, produced.exit(), "the console producer logs a failed send and goes on: " + produced.stderr());
        assertTrue(produced.stderr().contains("org.apache.kafka.common.errors.RecordTooLargeException"),
                produced.stderr());
        assertTrue(produced.stderr().contains("value: 3000 bytes"), produced.stderr());
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of())) {
            List<ConsumerRecord<byte[], byte[]>> got = Clients.readAll(consumer, List.of(tp), 2,
                    Duration.ofSeconds(30)).get(0);
            assertEquals(List.of(small, small), got.stream()
                    .map(r -> new String(r.value(), StandardCharsets.UTF_8)).collect(Collectors.toList()));
            assertEquals(2, consumer.endOffsets(List.of(tp)).get(tp), "nothing else was stored");
        }

        assertEquals(List.of("Completed updating config for topic " + topic + "."), configs("delete", "--alter",
                "--entity-type", "topics", "--entity-name", topic, "--delete-config", "retention.ms").lines());
        Config after = topicConfigs(topic);
        assertEquals("604800000", after.get("retention.ms").value());
        assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, after.get("retention.ms").source());

        List<String> all = configs("describe-all", "--describe", "--all", "--entity-type", "topics",
                "--entity-name", topic).lines();
        assertEquals("All configs for topic " + topic + " are:", all.get(0));
        assertEquals(after.entries().size(), all.size() - 1, "one line per config: " + all);
        assertTrue(all.contains("  retention.ms=604800000 sensitive=false synonyms={STATIC_BROKER_CONFIG:"
                + "log.retention.ms=604800000, DEFAULT_CONFIG:log.retention.hours=168}"), all.toString());
        assertTrue(all.stream().anyMatch(l -> l.startsWith("  max.message.bytes=2000 ")), all.toString());
        assertTrue(all.contains("  compression.type=producer sensitive=false synonyms={DEFAULT_CONFIG:"
                + "compression.type=producer}"), all.toString());
    }

    /**
     * SCRAM users, as SECURITY.md tells operators to make them; checked through the Admin API. One mechanism per
     * command: two for one user in one request are refused (DUPLICATE_RESOURCE), by Kafka too.
     */
    @Test
    void scramCredentialsAreAddedAndDeletedForAUser() throws Exception {
        assertEquals(List.of("Completed updating config for user alice."), configs("scram-add-256", "--alter",
                "--entity-type", "users", "--entity-name", "alice", "--add-config",
                "SCRAM-SHA-256=[iterations=8192,password=alice-secret]").lines());
        assertEquals(List.of("Completed updating config for user alice."), configs("scram-add-512", "--alter",
                "--entity-type", "users", "--entity-name", "alice", "--add-config",
                "SCRAM-SHA-512=[password=alice-secret]").lines());
        Command.Result twice = tools.run("scram-add-both", KafkaTools.CONFIGS, "", "--alter", "--entity-type",
                "users", "--entity-name", "alice", "--add-config",
                "SCRAM-SHA-256=[password=p],SCRAM-SHA-512=[password=p]");
        assertTrue(twice.exit() != 0 && twice.stderr().contains("DuplicateResourceException"), twice.stderr());
        assertEquals(Set.of(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192),
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096)),
                Set.copyOf(admin.describeUserScramCredentials(List.of("alice")).description("alice")
                        .get(30, TimeUnit.SECONDS).credentialInfos()));
        assertEquals(List.of("Completed updating config for user alice."), configs("scram-delete", "--alter",
                "--entity-type", "users", "--entity-name", "alice", "--delete-config", "SCRAM-SHA-512").lines());
        assertEquals(List.of(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192)),
                admin.describeUserScramCredentials(List.of("alice")).description("alice")
                        .get(30, TimeUnit.SECONDS).credentialInfos());
    }

    /** Quotas per user, per client id (the default one too) and per IP, set and described as operators do. */
    @Test
    void quotasAreSetAndDescribedForUsersClientsAndIps() throws Exception {
        configs("quota-user", "--alter", "--entity-type", "users", "--entity-name", "carol", "--add-config",
                "producer_byte_rate=1048576,consumer_byte_rate=2097152");
        configs("scram-carol", "--alter", "--entity-type", "users", "--entity-name", "carol", "--add-config",
                "SCRAM-SHA-512=[password=carol-secret]");
        assertEquals(List.of("Quota configs for user-principal 'carol' are consumer_byte_rate=2097152.0, "
                        + "producer_byte_rate=1048576.0",
                        "SCRAM credential configs for user-principal 'carol' are SCRAM-SHA-512=iterations=4096"),
                configs("describe-user", "--describe", "--entity-type", "users", "--entity-name", "carol").lines());
        assertEquals(List.of("Completed updating default config for clients in the cluster."),
                configs("quota-clients", "--alter", "--entity-type", "clients", "--entity-default",
                        "--add-config", "request_percentage=25").lines());
        assertEquals(List.of("Quota configs for the default client-id are request_percentage=25.0"),
                configs("describe-clients", "--describe", "--entity-type", "clients", "--entity-default").lines());
        configs("quota-ip", "--alter", "--entity-type", "ips", "--entity-name", "127.0.0.1", "--add-config",
                "connection_creation_rate=5");
        assertEquals(List.of("Quota configs for ip '127.0.0.1' are connection_creation_rate=5.0"),
                configs("describe-ip", "--describe", "--entity-type", "ips", "--entity-name", "127.0.0.1").lines());
        configs("quota-user-delete", "--alter", "--entity-type", "users", "--entity-name", "carol",
                "--delete-config", "consumer_byte_rate");
        assertEquals(Map.of("producer_byte_rate", 1048576.0), admin.describeClientQuotas(
                org.apache.kafka.common.quota.ClientQuotaFilter.containsOnly(List.of(
                        org.apache.kafka.common.quota.ClientQuotaFilterComponent.ofEntity("user", "carol"))))
                .entities().get(30, TimeUnit.SECONDS).values().iterator().next());
    }

    /** A group's own configs, as Kafka's share-group quick start sets them before the first consumer starts. */
    @Test
    void groupConfigsAreAddedDescribedAndDeleted() throws Exception {
        assertEquals(List.of("Completed updating config for group readers."), configs("group-add", "--alter",
                "--entity-type", "groups", "--entity-name", "readers", "--add-config",
                "share.auto.offset.reset=earliest,consumer.heartbeat.interval.ms=6000").lines());
        List<String> dynamic = configs("group-describe", "--describe", "--entity-type", "groups",
                "--entity-name", "readers").lines();
        assertEquals("Dynamic configs for group readers are:", dynamic.get(0));
        assertEquals(Set.of(
                "  consumer.heartbeat.interval.ms=6000 sensitive=false synonyms={DYNAMIC_GROUP_CONFIG:"
                        + "consumer.heartbeat.interval.ms=6000, STATIC_BROKER_CONFIG:group.consumer.heartbeat.interval.ms"
                        + "=5000, DEFAULT_CONFIG:group.consumer.heartbeat.interval.ms=5000}",
                "  share.auto.offset.reset=earliest sensitive=false synonyms={DYNAMIC_GROUP_CONFIG:"
                        + "share.auto.offset.reset=earliest, DEFAULT_CONFIG:share.auto.offset.reset=latest}"),
                Set.copyOf(dynamic.subList(1, dynamic.size())), dynamic.toString());
        assertEquals(3, dynamic.size(), dynamic.toString());

        Command.Result refused = tools.run("group-refused", KafkaTools.CONFIGS, "", "--alter", "--entity-type",
                "groups", "--entity-name", "readers", "--add-config", "consumer.heartbeat.interval.ms=60000");
        assertTrue(refused.exit() != 0 && refused.stderr().contains("InvalidConfigurationException"),
                refused.stderr());

        configs("group-delete", "--alter", "--entity-type", "groups", "--entity-name", "readers",
                "--delete-config", "share.auto.offset.reset");
        assertEquals(List.of("Dynamic configs for group readers are:",
                "  consumer.heartbeat.interval.ms=6000 sensitive=false synonyms={DYNAMIC_GROUP_CONFIG:"
                        + "consumer.heartbeat.interval.ms=6000, STATIC_BROKER_CONFIG:group.consumer.heartbeat.interval.ms"
                        + "=5000, DEFAULT_CONFIG:group.consumer.heartbeat.interval.ms=5000}"),
                configs("group-describe-after", "--describe", "--entity-type", "groups", "--entity-name", "readers")
                        .lines());
    }

    @Test
    void theBrokersConfigsAreDescribed() throws Exception {
        // No dynamic broker configs here, as on a Kafka broker nobody has altered.
        assertEquals(List.of("Dynamic configs for broker 1 are:"), configs("broker", "--describe",
                "--entity-type", "brokers", "--entity-name", "1").lines());

        List<String> all = configs("broker-all", "--describe", "--all", "--entity-type", "brokers",
                "--entity-name", "1").lines();
        assertEquals("All configs for broker 1 are:", all.get(0));
        ConfigResource r = new ConfigResource(ConfigResource.Type.BROKER, "1");
        Config described = admin.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r);
        assertEquals(described.entries().size(), all.size() - 1, "one line per config: " + all);
        String listener = "PLAINTEXT://" + broker.bootstrap();
        assertTrue(all.contains("  listeners=" + listener + " sensitive=false synonyms={STATIC_BROKER_CONFIG:listeners="
                + listener + ", DEFAULT_CONFIG:listeners=PLAINTEXT://:9092}"), all.toString());
        assertTrue(all.contains("  message.max.bytes=1048588 sensitive=false synonyms={STATIC_BROKER_CONFIG:"
                + "message.max.bytes=1048588, DEFAULT_CONFIG:message.max.bytes=1048588}"), all.toString());
    }

    private static Config topicConfigs(String topic) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r);
    }
}
