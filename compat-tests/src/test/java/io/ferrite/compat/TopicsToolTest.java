package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.Command;
import io.ferrite.launcher.KafkaTools;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** kafka-topics ({@code TopicCommand}) of Kafka 4.3 against a child broker, checked against a stock AdminClient. */
@Compat(family = Compat.CLI, feature = "kafka-topics")
@Timeout(240)
class TopicsToolTest extends ToolsTestBase {
    private static Command.Result topics(String name, String... args) throws Exception {
        return tools.run(name, KafkaTools.TOPICS, "", args);
    }

    @Test
    void createsListsDescribesGrowsAndDeletesATopic() throws Exception {
        String topic = "cli-orders";
        assertEquals(List.of("Created topic " + topic + "."), topics("create", "--create", "--topic", topic,
                "--partitions", "3", "--replication-factor", "1",
                "--config", "retention.ms=3600000", "--config", "max.message.bytes=64000").ok().lines());
        TopicDescription created = describe(topic);
        assertEquals(3, created.partitions().size());
        Config configs = topicConfigs(topic);
        assertEquals("3600000", configs.get("retention.ms").value());
        assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, configs.get("retention.ms").source());
        assertEquals("64000", configs.get("max.message.bytes").value());

        List<String> listed = topics("list", "--list").ok().lines();
        assertTrue(listed.contains(topic), listed.toString());
        assertEquals(new TreeSet<>(admin.listTopics().names().get(30, TimeUnit.SECONDS)), new TreeSet<>(listed),
                "the tool lists what the broker has");

        List<String> described = topics("describe", "--describe", "--topic", topic).ok().lines();
        assertEquals(4, described.size(), described.toString());
        String[] head = described.get(0).split("\t");
        assertEquals(List.of("Topic: " + topic, "TopicId: " + created.topicId(), "PartitionCount: 3",
                "ReplicationFactor: 1"), Arrays.asList(head).subList(0, 4), described.get(0));
        assertTrue(head[4].startsWith("Configs: "), described.get(0));
        // The tool shows every config not at Kafka's built-in default: the topic's own and those
        // config/server.properties sets.
        Map<String, String> shown = parseConfigs(head[4].substring("Configs: ".length()));
        assertEquals("3600000", shown.get("retention.ms"), described.get(0));
        assertEquals("64000", shown.get("max.message.bytes"), described.get(0));
        Map<String, String> notDefault = configs.entries().stream().filter(e -> !e.isDefault())
                .collect(Collectors.toMap(ConfigEntry::name, ConfigEntry::value));
        assertEquals(notDefault, shown);
        for (int p = 0; p < 3; p++) {
            assertEquals("\tTopic: " + topic + "\tPartition: " + p + "\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: "
                    + "\tLastKnownElr: ", described.get(1 + p));
        }

        assertEquals(List.of(), topics("alter", "--alter", "--topic", topic, "--partitions", "5").ok().lines());
        TopicDescription grown = describe(topic);
        assertEquals(5, grown.partitions().size());
        assertEquals(created.topicId(), grown.topicId());

        assertEquals(List.of(), topics("delete", "--delete", "--topic", topic).ok().lines());
        assertFalse(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic), "deleted");
    }

    @Test
    void refusesWithKafkasExitCodeAndMessages() throws Exception {
        admin.createTopics(List.of(new NewTopic("cli-taken", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);

        Command.Result exists = topics("create-existing", "--create", "--topic", "cli-taken", "--partitions", "1",
                "--replication-factor", "1");
        assertEquals(1, exists.exit(), exists.stderr());
        assertEquals(List.of("Error while executing topic command : Topic 'cli-taken' already exists."),
                exists.lines());
        assertTrue(exists.stderr().contains("org.apache.kafka.common.errors.TopicExistsException"), exists.stderr());
        assertEquals(2, describe("cli-taken").partitions().size(), "the existing topic is untouched");

        Command.Result replication = topics("create-rf3", "--create", "--topic", "cli-rf3", "--partitions", "1",
                "--replication-factor", "3");
        assertEquals(1, replication.exit(), replication.stderr());
        assertEquals(List.of("Error while executing topic command : Unable to replicate the partition 3 time(s): The"
                + " target replication factor of 3 cannot be reached because only 1 broker(s) are registered or some"
                + " brokers have all their log directories cordoned."), replication.lines());
        assertTrue(replication.stderr().contains("org.apache.kafka.common.errors.InvalidReplicationFactorException"),
                replication.stderr());
        assertFalse(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("cli-rf3"), "not created");

        Command.Result missing = topics("describe-missing", "--describe", "--topic", "cli-missing");
        assertEquals(1, missing.exit(), missing.stderr());
        assertEquals(List.of("Error while executing topic command : Topic 'cli-missing' does not exist as expected"),
                missing.lines());
    }

    private static TopicDescription describe(String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
    }

    private static Config topicConfigs(String topic) throws Exception {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(r)).all().get(30, TimeUnit.SECONDS).get(r);
    }

    /** {@code a=1,b=2} as the tool prints it; no value here holds a comma. */
    private static Map<String, String> parseConfigs(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> parts = s.isEmpty() ? new ArrayList<>() : Arrays.asList(s.split(","));
        for (String part : parts) {
            int eq = part.indexOf('=');
            out.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return out;
    }
}
