package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.SubscriptionPattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Consumer groups of the KIP-848 protocol through stock 4.3 clients ({@code group.protocol=consumer}). */
@Timeout(180)
class ConsumerProtocolTest {
    static final Map<String, String> FAST_GROUPS = Map.of("group.initial.rebalance.delay.ms", "0",
            "group.min.session.timeout.ms", "500", "group.consumer.session.timeout.ms", "4000",
            "group.consumer.min.session.timeout.ms", "1000", "group.consumer.heartbeat.interval.ms", "500",
            "group.consumer.min.heartbeat.interval.ms", "100");

    @TempDir
    Path dir;
    private Broker broker;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        broker = Wire.startBroker(dir, FAST_GROUPS);
    }

    @AfterEach
    void stop() throws Exception {
        closeClients();
        if (broker != null) {
            broker.close();
        }
    }

    private void closeClients() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
        clients.clear();
    }

    private String bootstrap() {
        return "127.0.0.1:" + broker.port();
    }

    private Admin admin() {
        Admin a = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()));
        clients.add(a);
        return a;
    }

    private void createTopic(String name, int partitions) throws Exception {
        try (Admin a = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            a.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(15, TimeUnit.SECONDS);
        }
    }

    private List<String> produce(String topic, int partitions, int perPartition, String prefix) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        List<String> values = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                new StringSerializer())) {
            for (int part = 0; part < partitions; part++) {
                for (int i = 0; i < perPartition; i++) {
                    String v = prefix + part + "-" + i;
                    values.add(v);
                    producer.send(new ProducerRecord<>(topic, part, null, v));
                }
            }
            producer.flush();
        }
        return values;
    }

    private KafkaConsumer<String, String> consumer(String group, String protocol) {
        Map<String, Object> c = new HashMap<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false", ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "20"));
        if (protocol.equals("classic")) {
            c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
            c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
        }
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new StringDeserializer());
        clients.add(consumer);
        return consumer;
    }

    /** Polls every consumer in turn, committing what each got, until {@code done} or the time is up. */
    private static void pollAll(Map<KafkaConsumer<String, String>, List<String>> consumers, BooleanSupplier done,
                                long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            consumers.forEach((c, got) -> {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(50))) {
                    got.add(r.value());
                }
                c.commitSync();
            });
        }
    }

    private static int owned(KafkaConsumer<String, String> c) {
        return c.assignment().size();
    }

    @ParameterizedTest
    @ValueSource(strings = {"consumer", "classic"})
    void twoMembersShareSixPartitionsAndAThirdComesAndGoesWithEveryRecordConsumed(String protocol) throws Exception {
        createTopic("events", 6);
        Set<String> produced = new HashSet<>(produce("events", 6, 40, "a"));
        Map<KafkaConsumer<String, String>, List<String>> group = new HashMap<>();
        KafkaConsumer<String, String> first = consumer("shared", protocol);
        KafkaConsumer<String, String> second = consumer("shared", protocol);
        first.subscribe(List.of("events"));
        second.subscribe(List.of("events"));
        group.put(first, new ArrayList<>());
        group.put(second, new ArrayList<>());
        pollAll(group, () -> owned(first) == 3 && owned(second) == 3, 40_000);
        assertEquals(3, owned(first), "each member gets half: " + first.assignment() + " / " + second.assignment());
        assertEquals(3, owned(second));
        Set<TopicPartition> both = new HashSet<>(first.assignment());
        both.addAll(second.assignment());
        assertEquals(6, both.size());

        produced.addAll(produce("events", 6, 40, "b"));
        KafkaConsumer<String, String> third = consumer("shared", protocol);
        third.subscribe(List.of("events"));
        group.put(third, new ArrayList<>());
        pollAll(group, () -> owned(first) == 2 && owned(second) == 2 && owned(third) == 2, 40_000);
        assertEquals(2, owned(third), "the third member takes its share");

        produced.addAll(produce("events", 6, 40, "c"));
        List<String> thirds = group.remove(third);
        third.close();
        clients.remove(third);
        pollAll(group, () -> owned(first) == 3 && owned(second) == 3, 40_000);
        assertEquals(6, owned(first) + owned(second), "the leaver's partitions move back");

        Set<String> consumed = new HashSet<>(thirds);
        group.values().forEach(consumed::addAll);
        pollAll(group, () -> {
            Set<String> all = new HashSet<>(thirds);
            group.values().forEach(all::addAll);
            return all.containsAll(produced);
        }, 30_000);
        group.values().forEach(consumed::addAll);
        assertEquals(produced, consumed, "every record consumed");
        for (List<String> got : List.of(thirds, group.get(first), group.get(second))) {
            assertEquals(new HashSet<>(got).size(), got.size(), "a member never reads a record twice");
        }
    }

    @Test
    void aNewMemberResumesAfterTheCommitsOfAClosedOne() throws Exception {
        createTopic("orders", 3);
        produce("orders", 3, 10, "a");
        KafkaConsumer<String, String> first = consumer("billing", "consumer");
        first.subscribe(List.of("orders"));
        List<String> got = new ArrayList<>();
        Map<KafkaConsumer<String, String>, List<String>> one = Map.of(first, got);
        pollAll(one, () -> got.size() >= 30, 30_000);
        assertEquals(30, new HashSet<>(got).size());
        first.commitSync();
        first.close();
        clients.remove(first);

        produce("orders", 3, 5, "b");
        KafkaConsumer<String, String> second = consumer("billing", "consumer");
        second.subscribe(List.of("orders"));
        List<String> resumed = new ArrayList<>();
        pollAll(Map.of(second, resumed), () -> resumed.size() >= 15, 30_000);
        assertEquals(15, resumed.size());
        assertTrue(resumed.stream().allMatch(v -> v.startsWith("b")), "only what came after the commit: " + resumed);
    }

    /** A member that joins over the wire, takes every partition, and then goes silent. */
    private String silentMemberTakes(String group, String topic) throws Exception {
        String memberId = Uuid.randomUuid().toString();
        try (Socket s = Wire.connect(broker.port())) {
            s.getOutputStream().write(Wire.frame(ApiKeys.CONSUMER_GROUP_HEARTBEAT, (short) 1, 1,
                    new ConsumerGroupHeartbeatRequestData().setGroupId(group).setMemberId(memberId).setMemberEpoch(0)
                            .setRebalanceTimeoutMs(60_000).setSubscribedTopicNames(List.of(topic))
                            .setTopicPartitions(List.of())));
            ConsumerGroupHeartbeatResponseData r = new ConsumerGroupHeartbeatResponseData(
                    Wire.receive(s, ApiKeys.CONSUMER_GROUP_HEARTBEAT, (short) 1, 1), (short) 1);
            assertEquals(0, r.errorCode(), r.errorMessage());
            assertEquals(4, r.assignment().topicPartitions().get(0).partitions().size());
        }
        return memberId;
    }

    @Test
    void aMemberThatStopsHeartbeatingIsEvictedAndItsPartitionsMove() throws Exception {
        createTopic("jobs", 4);
        String silent = silentMemberTakes("workers", "jobs");
        long joined = System.nanoTime();
        KafkaConsumer<String, String> c = consumer("workers", "consumer");
        c.subscribe(List.of("jobs"));
        pollAll(Map.of(c, new ArrayList<>()), () -> owned(c) == 4, 30_000);
        assertEquals(4, owned(c), "the silent member's partitions move once its session is over");
        assertTrue(System.nanoTime() - joined >= TimeUnit.MILLISECONDS.toNanos(3_000),
                "not before the session timeout of the silent member");
        ConsumerGroupDescription d = admin().describeConsumerGroups(List.of("workers")).all()
                .get(15, TimeUnit.SECONDS).get("workers");
        assertEquals(1, d.members().size());
        assertTrue(d.members().stream().noneMatch(m -> m.consumerId().equals(silent)));
    }

    @Test
    void committedOffsetsSurviveARestart() throws Exception {
        createTopic("ledger", 2);
        produce("ledger", 2, 4, "x");
        KafkaConsumer<String, String> c = consumer("auditors", "consumer");
        c.subscribe(List.of("ledger"));
        List<String> got = new ArrayList<>();
        pollAll(Map.of(c, got), () -> got.size() >= 8, 30_000);
        c.commitSync(Map.of(new TopicPartition("ledger", 0), new OffsetAndMetadata(3, "three"),
                new TopicPartition("ledger", 1), new OffsetAndMetadata(4)));
        closeClients();
        broker.close();
        broker = Wire.startBroker(dir, FAST_GROUPS);

        Map<TopicPartition, OffsetAndMetadata> committed = admin().listConsumerGroupOffsets("auditors")
                .partitionsToOffsetAndMetadata().get(15, TimeUnit.SECONDS);
        assertEquals(3, committed.get(new TopicPartition("ledger", 0)).offset());
        assertEquals("three", committed.get(new TopicPartition("ledger", 0)).metadata());
        assertEquals(4, committed.get(new TopicPartition("ledger", 1)).offset());
        KafkaConsumer<String, String> again = consumer("auditors", "consumer");
        again.subscribe(List.of("ledger"));
        List<String> resumed = new ArrayList<>();
        pollAll(Map.of(again, resumed), () -> resumed.size() >= 1, 30_000);
        assertEquals(List.of("x0-3"), resumed, "resumes at the committed offsets");
    }

    @Test
    void theAdminSeesAConsumerGroupWithItsMembers() throws Exception {
        createTopic("events", 4);
        KafkaConsumer<String, String> a = consumer("watched", "consumer");
        KafkaConsumer<String, String> b = consumer("watched", "consumer");
        a.subscribe(List.of("events"));
        b.subscribe(List.of("events"));
        Map<KafkaConsumer<String, String>, List<String>> group = Map.of(a, new ArrayList<>(), b, new ArrayList<>());
        pollAll(group, () -> owned(a) == 2 && owned(b) == 2, 40_000);

        Admin admin = admin();
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of("watched")).all().get(15, TimeUnit.SECONDS)
                .get("watched");
        assertEquals(GroupType.CONSUMER, d.type());
        assertEquals(GroupState.STABLE, d.groupState());
        assertEquals("uniform", d.partitionAssignor());
        assertEquals(2, d.members().size());
        int assigned = 0;
        for (MemberDescription m : d.members()) {
            assigned += m.assignment().topicPartitions().size();
            assertTrue(m.memberEpoch().orElse(-1) > 0, m.toString());
            assertEquals(m.assignment().topicPartitions(), m.targetAssignment().orElseThrow().topicPartitions());
        }
        assertEquals(4, assigned);

        Collection<GroupListing> listed = admin.listGroups(new ListGroupsOptions().withTypes(Set.of(GroupType.CONSUMER)))
                .all().get(15, TimeUnit.SECONDS);
        GroupListing l = listed.stream().filter(g -> g.groupId().equals("watched")).findFirst().orElseThrow();
        assertEquals(GroupType.CONSUMER, l.type().orElseThrow());
        assertEquals(GroupState.STABLE, l.groupState().orElseThrow());
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> admin.deleteConsumerGroups(List.of("watched")).all().get(15, TimeUnit.SECONDS));
        assertInstanceOf(GroupNotEmptyException.class, e.getCause());

        closeClients();
        Admin after = admin();
        pollUntil(() -> describeState(after, "watched") == GroupState.EMPTY, 15_000);
        assertEquals(GroupState.EMPTY, describeState(after, "watched"));
        after.deleteConsumerGroups(List.of("watched")).all().get(15, TimeUnit.SECONDS);
        assertTrue(after.listGroups().all().get(15, TimeUnit.SECONDS).stream()
                .noneMatch(g -> g.groupId().equals("watched")));
    }

    private static GroupState describeState(Admin admin, String group) {
        try {
            return admin.describeConsumerGroups(List.of(group)).all().get(15, TimeUnit.SECONDS).get(group).groupState();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void pollUntil(BooleanSupplier done, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    @Test
    void aRegexSubscriptionTakesNewMatchingTopics() throws Exception {
        createTopic("metrics-cpu", 2);
        createTopic("logs", 2);
        KafkaConsumer<String, String> c = consumer("dashboards", "consumer");
        c.subscribe(new SubscriptionPattern("metrics-.*"));
        Map<KafkaConsumer<String, String>, List<String>> one = Map.of(c, new ArrayList<>());
        pollAll(one, () -> owned(c) == 2, 30_000);
        assertEquals(Set.of(new TopicPartition("metrics-cpu", 0), new TopicPartition("metrics-cpu", 1)),
                c.assignment());
        createTopic("metrics-disk", 3);
        pollAll(one, () -> owned(c) == 5, 30_000);
        assertEquals(5, owned(c), "a new topic matching the regex is assigned: " + c.assignment());
        assertTrue(c.assignment().stream().noneMatch(tp -> tp.topic().equals("logs")));
    }
}
