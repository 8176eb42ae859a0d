package io.ferrite.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.storage.Retention;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

/** The topic config table against kafka-clients' names, and the broker defaults read from properties. */
class TopicConfigsTest {
    @Test
    void theTableHoldsEveryTopicConfigKafkaClientsName() throws Exception {
        Set<String> kafka = new HashSet<>();
        for (Field f : TopicConfig.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getName().endsWith("_CONFIG")) {
                kafka.add((String) f.get(null));
            }
        }
        // The replication throttles are topic configs too, named in Kafka's server-side quota config.
        kafka.add("leader.replication.throttled.replicas");
        kafka.add("follower.replication.throttled.replicas");
        assertEquals(kafka, TopicConfigs.all().stream().map(TopicConfigDef::name).collect(Collectors.toSet()));
        for (TopicConfigDef def : TopicConfigs.all()) {
            assertNull(TopicConfigs.problem(def.name(), def.kafkaDefault()), def.name() + "'s own default is valid");
        }
    }

    @Test
    void valuesAreCheckedAsKafkaChecksThem() {
        assertNull(TopicConfigs.problem("cleanup.policy", "compact, delete"));
        assertNull(TopicConfigs.problem("cleanup.policy", ""), "an empty policy keeps everything");
        assertNull(TopicConfigs.problem("cleanup.policy", "delete,delete"), "Kafka drops repeated items");
        assertEquals("delete", TopicConfigs.canonical(TopicConfigs.get("cleanup.policy"), "delete,delete"));
        assertNotNull(TopicConfigs.problem("cleanup.policy", "shred"));
        assertNotNull(TopicConfigs.problem("segment.bytes", "1048575"));
        assertNull(TopicConfigs.problem("segment.bytes", "1048576"));
        assertNotNull(TopicConfigs.problem("retention.ms", "-2"));
        assertNull(TopicConfigs.problem("retention.bytes", "-7"), "any negative size is no limit");
        assertNotNull(TopicConfigs.problem("compression.gzip.level", "0"));
        assertNull(TopicConfigs.problem("leader.replication.throttled.replicas", "0:1,1:1"));
        assertNotNull(TopicConfigs.problem("leader.replication.throttled.replicas", "zero"));
        assertNotNull(TopicConfigs.problem("remote.storage.enable", "true"));
        assertNotNull(TopicConfigs.problem("message.timestamp.difference.max.ms", "1"), "gone in Kafka 4");
        assertEquals("compact,delete", TopicConfigs.canonical(TopicConfigs.get("cleanup.policy"), " compact , delete"));

        TopicDefaults d = TopicDefaults.of(Map.of());
        assertNotNull(TopicConfigs.problem(Map.of("min.compaction.lag.ms", "10", "max.compaction.lag.ms", "5"), d));
        assertNull(TopicConfigs.problem(Map.of("min.compaction.lag.ms", "10"), d));
    }

    @Test
    void brokerPropertiesSetTopicDefaultsTheWayKafkaResolvesThem() {
        TopicDefaults none = TopicDefaults.of(Map.of());
        assertEquals("604800000", none.value("retention.ms"));
        assertEquals("1048588", none.value("max.message.bytes"));
        assertEquals(Long.toString(Long.MAX_VALUE), none.value("flush.ms"));

        assertEquals("7200000", TopicDefaults.of(Map.of("log.retention.hours", "2")).value("retention.ms"));
        assertEquals("180000", TopicDefaults.of(Map.of("log.retention.minutes", "3", "log.retention.hours", "2"))
                .value("retention.ms"), "minutes before hours");
        assertEquals("42", TopicDefaults.of(Map.of("log.retention.ms", "42", "log.retention.minutes", "3"))
                .value("retention.ms"), "ms first");
        assertEquals("-1", TopicDefaults.of(Map.of("log.retention.ms", "-5")).value("retention.ms"));
        assertEquals("2000", TopicDefaults.of(Map.of("message.max.bytes", "2000")).value("max.message.bytes"));
        assertEquals("compact", TopicDefaults.of(Map.of("log.cleanup.policy", "compact")).value("cleanup.policy"));

        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> TopicDefaults.of(Map.of("message.max.bytes", "lots")));
        assertTrue(bad.getMessage().contains("message.max.bytes"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TopicDefaults.of(Map.of("log.segment.bytes", "10")));
    }

    @Test
    void retentionFollowsTheCleanupPolicy() {
        TopicDefaults d = TopicDefaults.of(Map.of("log.retention.bytes", "-9"));
        assertEquals(new Retention(604_800_000L, -1), TopicConfigs.retention(d, Map.of()));
        assertEquals(new Retention(1000, 50), TopicConfigs.retention(d, Map.of("retention.ms", "1000",
                "retention.bytes", "50")));
        assertEquals(new Retention(-1, -1), TopicConfigs.retention(d, Map.of("cleanup.policy", "compact",
                "retention.ms", "1000")), "compaction is not done, so a compacted topic keeps everything");
        assertEquals(new Retention(1000, -1), TopicConfigs.retention(d, Map.of("cleanup.policy", "compact,delete",
                "retention.ms", "1000")));
    }

    @Test
    void theBrokerConfigStoreRetentionIsTheTopicDefault() {
        BrokerConfig c = BrokerConfig.fromProperties(Map.of("log.retention.hours", "3", "log.retention.bytes", "-4"));
        assertEquals(new Retention(3 * 3_600_000L, -1), c.store().defaultRetention());
    }
}
