package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Classic consumer groups through stock clients: subscribe, rebalance, commit, resume, admin, restart. */
@Timeout(120)
class ConsumerGroupsTest {
    private static final Map<String, String> FAST_GROUPS = Map.of("group.initial.rebalance.delay.ms", "0",
            "group.min.session.timeout.ms", "500");

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
        for (AutoCloseable c : clients) {
            c.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private String bootstrap() {
        return "127.0.0.1:" + broker.port();
    }

    private Admin admin() {
        Admin a = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()));
        clients.add(a);
        return a;
    }

    private void produce(String topic, int partitions, int perPartition, String prefix) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                new StringSerializer())) {
            for (int part = 0; part < partitions; part++) {
                for (int i = 0; i < perPartition; i++) {
                    producer.send(new ProducerRecord<>(topic, part, null, prefix + part + "-" + i));
                }
            }
            producer.flush();
        }
    }

    private KafkaConsumer<String, String> consumer(String group, Map<String, Object> extra) {
        Map<String, Object> c = new HashMap<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false", ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000",
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500"));
        c.putAll(extra);
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c, new StringDeserializer(),
                new StringDeserializer());
        clients.add(consumer);
        return consumer;
    }

    private static List<String> pollUntil(KafkaConsumer<String, String> c, int count, long timeoutMs) {
        List<String> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (out.size() < count && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                out.add(r.value());
            }
        }
        return out;
    }

    @Test
    void aGroupConsumesCommitsAndANewMemberResumesAfterTheCommits() throws Exception {
        admin().createTopics(List.of(new NewTopic("orders", 3, (short) 1))).all().get(15, TimeUnit.SECONDS);
        produce("orders", 3, 10, "a");
        KafkaConsumer<String, String> first = consumer("billing", Map.of());
        first.subscribe(List.of("orders"));
        assertEquals(30, new HashSet<>(pollUntil(first, 30, 30_000)).size());
        first.commitSync();
        first.close();
        clients.remove(first);

        produce("orders", 3, 5, "b");
        KafkaConsumer<String, String> second = consumer("billing", Map.of());
        second.subscribe(List.of("orders"));
        List<String> resumed = pollUntil(second, 15, 30_000);
        assertEquals(15, resumed.size());
        assertTrue(resumed.stream().allMatch(v -> v.startsWith("b")), "only what came after the commit: " + resumed);
    }

    @Test
    void twoMembersShareThePartitionsAndTheAdminSeesTheGroup() throws Exception {
        Admin admin = admin();
        admin.createTopics(List.of(new NewTopic("events", 6, (short) 1))).all().get(15, TimeUnit.SECONDS);
        Set<TopicPartition> a = new HashSet<>();
        Set<TopicPartition> b = new HashSet<>();
        KafkaConsumer<String, String> ca = consumer("shared", Map.of());
        KafkaConsumer<String, String> cb = consumer("shared", Map.of());
        ca.subscribe(List.of("events"), tracking(a));
        cb.subscribe(List.of("events"), tracking(b));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while ((a.size() != 3 || b.size() != 3) && System.nanoTime() < deadline) {
            ca.poll(Duration.ofMillis(50));
            cb.poll(Duration.ofMillis(50));
        }
        assertEquals(3, a.size(), "each member gets half: " + a + " / " + b);
        assertEquals(3, b.size());
        Set<TopicPartition> all = new HashSet<>(a);
        all.addAll(b);
        assertEquals(6, all.size());

        Collection<GroupListing> groups = admin.listGroups().all().get(15, TimeUnit.SECONDS);
        assertTrue(groups.stream().anyMatch(g -> g.groupId().equals("shared")), groups.toString());
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of("shared")).all().get(15, TimeUnit.SECONDS)
                .get("shared");
        assertEquals(2, d.members().size());
        assertEquals(GroupState.STABLE, d.groupState());
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> admin.deleteConsumerGroups(List.of("shared")).all().get(15, TimeUnit.SECONDS));
        assertInstanceOf(GroupNotEmptyException.class, e.getCause());
    }

    @Test
    void aStaticMemberRestartingWithinItsSessionTimeoutMovesNoPartitions() throws Exception {
        admin().createTopics(List.of(new NewTopic("static", 4, (short) 1))).all().get(15, TimeUnit.SECONDS);
        Map<String, Object> asA = Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "a",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "20000");
        Set<TopicPartition> a = new HashSet<>();
        Set<TopicPartition> b = new HashSet<>();
        int[] bRebalances = {0};
        KafkaConsumer<String, String> ca = consumer("statics", asA);
        KafkaConsumer<String, String> cb = consumer("statics", Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "b",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "20000"));
        ca.subscribe(List.of("static"), tracking(a));
        cb.subscribe(List.of("static"), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                b.removeAll(partitions);
                bRebalances[0]++;
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                b.addAll(partitions);
                bRebalances[0]++;
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while ((a.size() != 2 || b.size() != 2) && System.nanoTime() < deadline) {
            ca.poll(Duration.ofMillis(50));
            cb.poll(Duration.ofMillis(50));
        }
        assertEquals(2, a.size(), a + " / " + b);
        int generation = ca.groupMetadata().generationId();
        int bCallbacks = bRebalances[0];
        Set<TopicPartition> before = Set.copyOf(a);

        ca.close(); // a static member leaves no LeaveGroup behind: its place waits for its session timeout
        clients.remove(ca);
        Set<TopicPartition> after = new HashSet<>();
        KafkaConsumer<String, String> restarted = consumer("statics", asA);
        restarted.subscribe(List.of("static"), tracking(after));
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (after.isEmpty() && System.nanoTime() < deadline) {
            restarted.poll(Duration.ofMillis(50));
            cb.poll(Duration.ofMillis(50));
        }
        for (int i = 0; i < 20; i++) { // long enough for a rebalance, had there been one, to reach b
            restarted.poll(Duration.ofMillis(50));
            cb.poll(Duration.ofMillis(50));
        }
        assertEquals(before, after, "the restarted member gets its partitions back");
        assertEquals(generation, restarted.groupMetadata().generationId(), "no new generation");
        assertEquals(bCallbacks, bRebalances[0], "the other member saw no rebalance");
        assertEquals(2, b.size());
    }

    private static ConsumerRebalanceListener tracking(Set<TopicPartition> owned) {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                owned.removeAll(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                owned.addAll(partitions);
            }
        };
    }

    @Test
    void committedOffsetsSurviveARestartAndAnEmptyGroupCanBeDeleted() throws Exception {
        admin().createTopics(List.of(new NewTopic("ledger", 2, (short) 1))).all().get(15, TimeUnit.SECONDS);
        produce("ledger", 2, 4, "x");
        KafkaConsumer<String, String> c = consumer("auditors", Map.of());
        c.subscribe(List.of("ledger"));
        assertEquals(8, pollUntil(c, 8, 30_000).size());
        c.commitSync(Map.of(new TopicPartition("ledger", 0), new OffsetAndMetadata(3, "three"),
                new TopicPartition("ledger", 1), new OffsetAndMetadata(4)));
        c.close();
        clients.remove(c);
        for (AutoCloseable client : clients) {
            client.close();
        }
        clients.clear();
        broker.close();
        broker = Wire.startBroker(dir, FAST_GROUPS);

        Admin admin = admin();
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("auditors")
                .partitionsToOffsetAndMetadata().get(15, TimeUnit.SECONDS);
        assertEquals(3, committed.get(new TopicPartition("ledger", 0)).offset());
        assertEquals("three", committed.get(new TopicPartition("ledger", 0)).metadata());
        assertEquals(4, committed.get(new TopicPartition("ledger", 1)).offset());

        admin.deleteConsumerGroups(List.of("auditors")).all().get(15, TimeUnit.SECONDS);
        assertTrue(admin.listConsumerGroupOffsets("auditors").partitionsToOffsetAndMetadata()
                .get(15, TimeUnit.SECONDS).isEmpty());
    }
}
