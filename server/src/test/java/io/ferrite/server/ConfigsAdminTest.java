package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.server.config.TopicConfigDef;
import io.ferrite.server.config.TopicConfigs;
import io.ferrite.server.metadata.DynamicBrokerConfigs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigSource;
import org.apache.kafka.clients.admin.ConfigEntry.ConfigType;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** DescribeConfigs, IncrementalAlterConfigs and their effects, through a stock AdminClient and producer. */
@Timeout(90)
class ConfigsAdminTest {
    @TempDir
    Path dir;
    private Broker broker;
    private Admin admin;

    private void start(Map<String, String> props) throws Exception {
        broker = Wire.startBroker(dir, props);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port()));
    }

    private void stopBroker() {
        admin.close();
        broker.close();
        admin = null;
        broker = null;
    }

    @AfterEach
    void stop() {
        if (broker != null) {
            stopBroker();
        }
    }

    private static ConfigResource topic(String name) {
        return new ConfigResource(ConfigResource.Type.TOPIC, name);
    }

    private Config describe(ConfigResource r) throws Exception {
        return admin.describeConfigs(List.of(r), new DescribeConfigsOptions().includeSynonyms(true)
                .includeDocumentation(true)).all().get(15, TimeUnit.SECONDS).get(r);
    }

    private void alter(ConfigResource r, AlterConfigOp... ops) throws Exception {
        admin.incrementalAlterConfigs(Map.of(r, List.of(ops))).all().get(15, TimeUnit.SECONDS);
    }

    private Throwable alterFailure(ConfigResource r, AlterConfigOp... ops) {
        return assertThrows(ExecutionException.class, () -> alter(r, ops)).getCause();
    }

    private static AlterConfigOp op(String name, String value, OpType type) {
        return new AlterConfigOp(new ConfigEntry(name, value), type);
    }

    private static List<String> synonyms(ConfigEntry e) {
        return e.synonyms().stream().map(s -> s.source() + ":" + s.name() + "=" + s.value()).toList();
    }

    private void createTopic(String name, Map<String, String> configs) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, 1, (short) 1).configs(configs))).all().get(15, TimeUnit.SECONDS);
    }

    @Test
    void describesEveryTopicConfigWithTheValueAndSourceTheTopicRunsWith() throws Exception {
        start(Map.of("message.max.bytes", "2000000", "log.retention.hours", "48", "log.segment.bytes", "536870912"));
        createTopic("t", Map.of("retention.bytes", "1000"));
        Config c = describe(topic("t"));

        Set<String> names = c.entries().stream().map(ConfigEntry::name).collect(Collectors.toSet());
        assertEquals(TopicConfigs.all().stream().map(TopicConfigDef::name).collect(Collectors.toSet()), names);
        assertTrue(names.containsAll(Set.of("segment.bytes", "min.insync.replicas", "cleanup.policy", "flush.ms")));

        ConfigEntry bytes = c.get("retention.bytes");
        assertEquals("1000", bytes.value());
        assertEquals(ConfigSource.DYNAMIC_TOPIC_CONFIG, bytes.source());
        assertEquals(List.of("DYNAMIC_TOPIC_CONFIG:retention.bytes=1000", "DEFAULT_CONFIG:log.retention.bytes=-1"),
                synonyms(bytes));
        assertEquals(ConfigType.LONG, bytes.type());
        assertNotNull(bytes.documentation());
        assertFalse(bytes.isReadOnly());
        assertFalse(bytes.isSensitive());

        ConfigEntry max = c.get("max.message.bytes");
        assertEquals("2000000", max.value());
        assertEquals(ConfigSource.STATIC_BROKER_CONFIG, max.source());
        assertEquals(List.of("STATIC_BROKER_CONFIG:message.max.bytes=2000000",
                "DEFAULT_CONFIG:message.max.bytes=1048588"), synonyms(max));

        assertEquals("536870912", c.get("segment.bytes").value());
        assertEquals(ConfigSource.STATIC_BROKER_CONFIG, c.get("segment.bytes").source());

        // Kafka lists retention.ms's synonyms from log.retention.ms on, so hours alone show none and the
        // source is DEFAULT_CONFIG, while the value is the one from log.retention.hours.
        ConfigEntry ms = c.get("retention.ms");
        assertEquals(Long.toString(48 * 3_600_000L), ms.value());
        assertEquals(ConfigSource.DEFAULT_CONFIG, ms.source());
        assertEquals(List.of(), ms.synonyms());

        ConfigEntry policy = c.get("cleanup.policy");
        assertEquals("delete", policy.value());
        assertEquals(ConfigType.LIST, policy.type());
        assertEquals(List.of("DEFAULT_CONFIG:log.cleanup.policy=delete"), synonyms(policy));
        assertEquals(ConfigSource.DEFAULT_CONFIG, c.get("remote.storage.enable").source());
        assertEquals(List.of(), c.get("remote.storage.enable").synonyms());
    }

    @Test
    void retentionMsSetOnTheBrokerListsEverySynonymFromLogRetentionMsOn() throws Exception {
        start(Map.of("log.retention.ms", "5000000", "log.retention.hours", "48"));
        createTopic("t", Map.of());
        ConfigEntry ms = describe(topic("t")).get("retention.ms");
        assertEquals("5000000", ms.value());
        assertEquals(ConfigSource.STATIC_BROKER_CONFIG, ms.source());
        assertEquals(List.of("STATIC_BROKER_CONFIG:log.retention.ms=5000000",
                "STATIC_BROKER_CONFIG:log.retention.hours=48", "DEFAULT_CONFIG:log.retention.hours=168"), synonyms(ms));
    }

    @Test
    void describesThisBrokerAndRefusesOthers() throws Exception {
        start(Map.of("message.max.bytes", "2000000", "some.password", "hunter2", "group.max.size", "50"));
        Config b = describe(new ConfigResource(ConfigResource.Type.BROKER, "1"));
        ConfigEntry listeners = b.get("listeners");
        assertEquals("PLAINTEXT://127.0.0.1:0", listeners.value());
        assertEquals(ConfigSource.STATIC_BROKER_CONFIG, listeners.source());
        assertTrue(listeners.isReadOnly());
        assertEquals("1", b.get("node.id").value());
        assertEquals(ConfigSource.DEFAULT_CONFIG, b.get("node.id").source());
        assertEquals("2000000", b.get("message.max.bytes").value());
        assertEquals("168", b.get("log.retention.hours").value());
        assertEquals("1048576", b.get("store.commitlog.file.bytes").value());
        assertEquals("50", b.get("group.max.size").value());
        assertEquals(ConfigSource.STATIC_BROKER_CONFIG, b.get("group.max.size").source());
        assertEquals("3000", b.get("group.initial.rebalance.delay.ms").value());
        assertEquals("45000", b.get("group.consumer.session.timeout.ms").value());
        ConfigEntry unknown = b.get("some.password");
        assertTrue(unknown.isSensitive());
        assertNull(unknown.value());

        assertTrue(describe(new ConfigResource(ConfigResource.Type.BROKER, "")).entries().isEmpty(),
                "no dynamic cluster-wide defaults");
        assertInstanceOf(InvalidRequestException.class, assertThrows(ExecutionException.class,
                () -> describe(new ConfigResource(ConfigResource.Type.BROKER_LOGGER, "1"))).getCause());
        assertInstanceOf(UnknownTopicOrPartitionException.class, assertThrows(ExecutionException.class,
                () -> describe(topic("missing"))).getCause());
    }

    @Test
    void incrementalChangesApplyInOrderAndRefuseWhatKafkaRefuses() throws Exception {
        start(Map.of());
        createTopic("t", Map.of("retention.ms", "3600000"));
        ConfigResource t = topic("t");

        alter(t, op("retention.ms", null, OpType.DELETE), op("cleanup.policy", "compact", OpType.APPEND),
                op("segment.bytes", "2097152", OpType.SET));
        Config c = describe(t);
        assertEquals("604800000", c.get("retention.ms").value());
        assertEquals(ConfigSource.DEFAULT_CONFIG, c.get("retention.ms").source());
        assertEquals("delete,compact", c.get("cleanup.policy").value());
        assertEquals(ConfigSource.DYNAMIC_TOPIC_CONFIG, c.get("cleanup.policy").source());
        assertEquals("2097152", c.get("segment.bytes").value());

        alter(t, op("cleanup.policy", "delete", OpType.SUBTRACT));
        assertEquals("compact", describe(t).get("cleanup.policy").value());

        Throwable notList = alterFailure(t, op("retention.ms", "5", OpType.APPEND));
        assertInstanceOf(InvalidConfigurationException.class, notList);
        assertInstanceOf(InvalidConfigurationException.class, alterFailure(t, op("no.such.config", "1", OpType.SET)));
        Throwable small = alterFailure(t, op("segment.bytes", "100", OpType.SET));
        assertInstanceOf(InvalidConfigurationException.class, small);
        assertTrue(small.getMessage().contains("segment.bytes"), small.getMessage());
        assertInstanceOf(InvalidConfigurationException.class, alterFailure(t, op("remote.storage.enable", "true",
                OpType.SET)));
        assertInstanceOf(UnknownTopicOrPartitionException.class,
                alterFailure(topic("missing"), op("retention.ms", "1000", OpType.SET)));
        assertEquals("2097152", describe(t).get("segment.bytes").value(), "a refused change changes nothing");

        admin.incrementalAlterConfigs(Map.of(t, List.of(op("retention.ms", "1000", OpType.SET))),
                new AlterConfigsOptions().validateOnly(true)).all().get(15, TimeUnit.SECONDS);
        assertEquals("604800000", describe(t).get("retention.ms").value(), "validateOnly changes nothing");
    }

    @Test
    void aRestartKeepsWhatADynamicRetentionKeepsAndSkipsPersistedValuesItCannotTake() throws Exception {
        Map<String, String> file = Map.of("log.retention.ms", "1000", "log.retention.check.interval.ms", "100");
        start(file);
        createTopic("old", Map.of());
        ConfigResource b = new ConfigResource(ConfigResource.Type.BROKER, "1");
        alter(b, op("log.retention.ms", "-1", OpType.SET));
        long dayAgo = System.currentTimeMillis() - 86_400_000L;
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port()), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < 5; i++) {
                p.send(new ProducerRecord<>("old", 0, dayAgo, null, new byte[10])).get(15, TimeUnit.SECONDS);
            }
        }
        stopBroker();
        // Keys a hand edit put there: one that is not dynamic, one whose value is not a number.
        Path persisted = dir.resolve("data").resolve(DynamicBrokerConfigs.FILE);
        Files.writeString(persisted, Files.readString(persisted) + "\nlog.dirs=/elsewhere\nmessage.max.bytes=many\n");

        start(file);
        Thread.sleep(1_000); // retention passes every 100 ms: the file's 1000 ms would have taken all five
        assertEquals(0L, admin.listOffsets(Map.of(new TopicPartition("old", 0), OffsetSpec.earliest()))
                .all().get(15, TimeUnit.SECONDS).get(new TopicPartition("old", 0)).offset());
        assertEquals(5L, admin.listOffsets(Map.of(new TopicPartition("old", 0), OffsetSpec.latest()))
                .all().get(15, TimeUnit.SECONDS).get(new TopicPartition("old", 0)).offset());
        Config c = describe(b);
        assertEquals(ConfigSource.DYNAMIC_BROKER_CONFIG, c.get("log.retention.ms").source());
        assertEquals(ConfigSource.DEFAULT_CONFIG, c.get("message.max.bytes").source(), "the bad value was dropped");
        assertFalse(Files.readString(persisted).contains("log.dirs"), Files.readString(persisted));
        // Changes go on working, and only a topic default's first synonym is dynamic, as in Kafka.
        alter(b, op("log.retention.bytes", "100000", OpType.SET));
        assertInstanceOf(InvalidRequestException.class, alterFailure(b, op("log.retention.hours", "1", OpType.SET)));
        assertTrue(c.get("log.retention.hours").isReadOnly());
        assertInstanceOf(InvalidConfigurationException.class, alterFailure(b, op("log.cleaner.threads", "3",
                OpType.SET)), "the cleaner's threads change by at most half or double at a time");
    }

    @Test
    void brokerConfigsKafkaMarksDynamicChangeWhileItRunsAndStayAfterARestart() throws Exception {
        start(Map.of());
        createTopic("t", Map.of());
        ConfigResource b = new ConfigResource(ConfigResource.Type.BROKER, "1");
        for (String key : List.of("log.dirs", "num.network.threads", "store.flush.mode", "listeners")) {
            Throwable e = alterFailure(b, op(key, "1", OpType.SET));
            assertInstanceOf(InvalidRequestException.class, e, key);
            assertTrue(e.getMessage().contains(key), e.getMessage());
        }
        assertInstanceOf(InvalidRequestException.class, alterFailure(new ConfigResource(ConfigResource.Type.BROKER, ""),
                op("log.retention.ms", "1000", OpType.SET)), "no cluster-wide defaults on one broker");
        Throwable bad = alterFailure(b, op("log.retention.ms", "soon", OpType.SET));
        assertInstanceOf(InvalidConfigurationException.class, bad);
        assertTrue(bad.getMessage().contains("log.retention.ms"), bad.getMessage());
        assertInstanceOf(InvalidConfigurationException.class, alterFailure(b, op("store.max.disk.used.ratio", "5",
                OpType.SET)));
        assertEquals(ConfigSource.DEFAULT_CONFIG, describe(b).get("log.retention.ms").source(),
                "a refused change changes nothing");

        alter(b, op("log.retention.ms", "3600000", OpType.SET), op("message.max.bytes", "2000", OpType.SET),
                op("store.flush.interval.ms", "250", OpType.SET), op("log.cleaner.threads", "2", OpType.SET));
        Config c = describe(b);
        assertEquals("3600000", c.get("log.retention.ms").value());
        assertEquals(ConfigSource.DYNAMIC_BROKER_CONFIG, c.get("log.retention.ms").source());
        assertFalse(c.get("log.retention.ms").isReadOnly());
        assertFalse(c.get("log.retention.ms").isSensitive());
        assertEquals("250", c.get("store.flush.interval.ms").value());
        assertEquals(ConfigSource.DYNAMIC_BROKER_CONFIG, c.get("store.flush.interval.ms").source());
        assertTrue(c.get("log.dirs").isReadOnly());
        Config t = describe(topic("t"));
        assertEquals("3600000", t.get("retention.ms").value());
        assertEquals(ConfigSource.DYNAMIC_BROKER_CONFIG, t.get("retention.ms").source());
        assertEquals(List.of("DYNAMIC_BROKER_CONFIG:log.retention.ms=3600000", "DEFAULT_CONFIG:log.retention.hours=168"),
                synonyms(t.get("retention.ms")));
        assertEquals("2000", t.get("max.message.bytes").value());
        // The new default applies to the topic at once: a batch over 2000 bytes is refused.
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port()), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            p.send(new ProducerRecord<>("t", new byte[100])).get(15, TimeUnit.SECONDS);
            ExecutionException tooLarge = assertThrows(ExecutionException.class,
                    () -> p.send(new ProducerRecord<>("t", new byte[3000])).get(15, TimeUnit.SECONDS));
            assertInstanceOf(RecordTooLargeException.class, tooLarge.getCause());
        }
        assertEquals(250, broker.storeConfig().flushIntervalMs());
        assertEquals(2, broker.storeConfig().cleaner().threads());
        assertTrue(broker.storeThreads().stream().filter(n -> n.startsWith("ferrite-cleaner")).count() == 2,
                broker.storeThreads().toString());

        // Connection quotas apply to new connections at once: this address holds the admin client's already.
        alter(b, op("max.connections.per.ip", "1", OpType.SET));
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", broker.port())) {
            s.setSoTimeout(10_000);
            assertEquals(-1, s.getInputStream().read(), "a connection over the new per-IP limit is closed");
        }
        alter(b, op("max.connections.per.ip", null, OpType.DELETE));

        stopBroker();
        start(Map.of());
        assertEquals(ConfigSource.DYNAMIC_BROKER_CONFIG, describe(b).get("log.retention.ms").source(),
                "kept over a restart");
        assertEquals("3600000", describe(topic("t")).get("retention.ms").value());
        assertEquals(250, broker.storeConfig().flushIntervalMs());

        alter(b, op("log.retention.ms", null, OpType.DELETE));
        assertEquals("604800000", describe(topic("t")).get("retention.ms").value(), "back to the default");
        assertEquals(ConfigSource.DEFAULT_CONFIG, describe(b).get("log.retention.ms").source());
        assertEquals("2000", describe(topic("t")).get("max.message.bytes").value(), "the others stay");
    }

    @Test
    void changesSurviveARestart() throws Exception {
        start(Map.of());
        createTopic("t", Map.of());
        alter(topic("t"), op("retention.ms", "7200000", OpType.SET), op("cleanup.policy", "compact,delete",
                OpType.SET));
        stopBroker();

        start(Map.of());
        Config c = describe(topic("t"));
        assertEquals("7200000", c.get("retention.ms").value());
        assertEquals(ConfigSource.DYNAMIC_TOPIC_CONFIG, c.get("retention.ms").source());
        assertEquals("compact,delete", c.get("cleanup.policy").value());
    }

    @Test
    void aLoweredMaxMessageBytesRefusesTheNextLargerProduce() throws Exception {
        start(Map.of());
        createTopic("t", Map.of());
        try (KafkaProducer<String, String> producer = producer()) {
            String big = "x".repeat(2000);
            producer.send(new ProducerRecord<>("t", big)).get(15, TimeUnit.SECONDS);
            alter(topic("t"), op("max.message.bytes", "1000", OpType.SET));
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("t", big)).get(15, TimeUnit.SECONDS));
            assertInstanceOf(RecordTooLargeException.class, e.getCause());
            producer.send(new ProducerRecord<>("t", "small")).get(15, TimeUnit.SECONDS);
        }
    }

    @Test
    void maxMessageBytesOfZeroRefusesEveryBatchAndSurvivesARestart() throws Exception {
        start(Map.of());
        createTopic("t", Map.of());
        alter(topic("t"), op("max.message.bytes", "0", OpType.SET)); // Kafka's lower bound: nothing fits
        stopBroker();
        start(Map.of());
        try (KafkaProducer<String, String> producer = producer()) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("t", "small")).get(15, TimeUnit.SECONDS));
            assertInstanceOf(RecordTooLargeException.class, e.getCause());
            alter(topic("t"), op("max.message.bytes", null, OpType.DELETE));
            producer.send(new ProducerRecord<>("t", "small")).get(15, TimeUnit.SECONDS);
        }
    }

    @Test
    void retentionChangesReachTheStore() throws Exception {
        start(Map.of("log.retention.check.interval.ms", "50"));
        createTopic("t", Map.of());
        TopicPartition tp = new TopicPartition("t", 0);
        long twoHoursAgo = System.currentTimeMillis() - 2 * 3_600_000L;
        try (KafkaProducer<String, String> producer = producer()) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>("t", 0, twoHoursAgo, null, "old-" + i)).get(15, TimeUnit.SECONDS);
            }
        }
        Thread.sleep(300);
        assertEquals(0, earliest(tp), "seven days keep two-hour-old batches");

        alter(topic("t"), op("retention.bytes", "1", OpType.SET));
        awaitEarliest(tp, 2); // drops whole batches while what is left is still at least one byte

        alter(topic("t"), op("retention.ms", "3600000", OpType.SET));
        awaitEarliest(tp, 3);
    }

    private KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port(),
                ProducerConfig.LINGER_MS_CONFIG, "0"), new StringSerializer(), new StringSerializer());
    }

    private long earliest(TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).partitionResult(tp).get(15, TimeUnit.SECONDS)
                .offset();
    }

    private void awaitEarliest(TopicPartition tp, long expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long seen = earliest(tp);
        while (seen != expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
            seen = earliest(tp);
        }
        assertEquals(expected, seen);
    }
}
