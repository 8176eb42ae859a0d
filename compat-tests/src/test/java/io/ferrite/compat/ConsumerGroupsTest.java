package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.ChildProcess;
import io.ferrite.launcher.FerriteProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Consumer groups through the pinned kafka-clients, each scenario under both group protocols
 * ({@code group.protocol=classic} and {@code consumer}): members sharing partitions through rebalances, commit
 * and resume, static membership, and the eviction of a member that stops heartbeating. Sessions are short
 * ({@link FastGroups}) on both brokers, so each scenario runs in seconds.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(180)
class ConsumerGroupsTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The session of a classic member unless a test says otherwise. */
    private static final int SESSION_MS = 3_000;

    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static Admin admin;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        broker = kind.start("ConsumerGroupsTest", dir.resolve(kind.name()), FastGroups.BROKER);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
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

    @AfterEach
    void closeClients() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
    }

    /**
     * A member of {@code protocol} with a short session ({@code classicSessionMs} if it is classic, the
     * broker's otherwise), started polling {@code topic}.
     */
    private GroupMember member(String name, String group, String topic, GroupProtocol protocol,
                               int classicSessionMs, Map<String, Object> extra) {
        Map<String, Object> c = new HashMap<>(FastGroups.member(protocol, classicSessionMs));
        c.putAll(Map.of(
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 30_000,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100,
                ConsumerConfig.CLIENT_ID_CONFIG, name));
        c.putAll(extra);
        GroupMember m = GroupMember.start(name, Clients.groupConsumer(broker.bootstrap(), group, c), topic);
        opened.add(m);
        return m;
    }

    /**
     * Creates the topic and waits until the broker serves all its partitions. Kafka acknowledges the creation
     * before its partitions are ready, and an idempotent producer that meets them unready there can stall on
     * out-of-order sequences (seen with 4.3), and a consumer group can be given an assignment without them.
     */
    private static List<TopicPartition> createTopic(String topic, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        List<TopicPartition> all = IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
        try (KafkaConsumer<byte[], byte[]> plain = Clients.consumer(broker.bootstrap(), Map.of())) {
            plain.endOffsets(all, Duration.ofSeconds(30));
        }
        return all;
    }

    /** Sends {@code perPartition} records to each partition and returns where they went. */
    private static Set<String> produce(String topic, int partitions, int perPartition, String tag) throws Exception {
        Set<String> at = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of())) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (int i = 0; i < perPartition; i++) {
                for (int p = 0; p < partitions; p++) {
                    acks.add(producer.send(new ProducerRecord<>(topic, p, null, Clients.bytes(tag + "-" + p + "-" + i))));
                }
            }
            for (var a : acks) {
                RecordMetadata m = a.get(30, TimeUnit.SECONDS);
                at.add(m.partition() + "@" + m.offset());
            }
        }
        return at;
    }

    private static ConsumerGroupDescription describe(String group) throws Exception {
        return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS);
    }

    private static Map<TopicPartition, Long> committed(String group) throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                .entrySet().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    private static Set<Integer> union(GroupMember... members) {
        Set<Integer> all = new TreeSet<>();
        int total = 0;
        for (GroupMember m : members) {
            all.addAll(m.assigned());
            total += m.assigned().size();
        }
        return total == all.size() ? all : Set.of(); // overlapping assignments count as no full assignment
    }

    /**
     * Two members share six partitions, a third joins and then leaves, while a producer keeps writing. Every
     * record is consumed; one consumed twice was first consumed in a batch whose commit failed (the only
     * window a rebalance may replay), and at the end the group's committed offsets are the log ends.
     */
    @Compat(family = Compat.JAVA, feature = "groups, classic and KIP-848: members share partitions through a join and a leave")
    @ParameterizedTest(name = "{0}")
    @EnumSource(GroupProtocol.class)
    void membersShareSixPartitionsThroughAJoinAndALeaveAndEveryRecordIsConsumed(GroupProtocol protocol)
            throws Exception {
        String topic = "groups-share-" + FastGroups.configValue(protocol);
        String group = "share-group-" + FastGroups.configValue(protocol);
        List<TopicPartition> partitions = createTopic(topic, 6);
        Set<Integer> six = Set.of(0, 1, 2, 3, 4, 5);

        ConcurrentLinkedQueue<String> producedAt = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Exception> sendErrors = new ConcurrentLinkedQueue<>();
        AtomicBoolean producing = new AtomicBoolean(true);
        Thread producer = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> p = Clients.producer(broker.bootstrap(), Map.of())) {
                for (int n = 0; producing.get(); n++) {
                    p.send(new ProducerRecord<>(topic, n % 6, null, Clients.bytes("r-" + n)), (m, e) -> {
                        if (e != null) {
                            sendErrors.add(e);
                        } else {
                            producedAt.add(m.partition() + "@" + m.offset());
                        }
                    });
                    if (n % 60 == 59) {
                        Thread.sleep(20);
                    }
                }
                p.flush();
            } catch (Exception e) {
                sendErrors.add(e);
            }
        }, "groups-share-producer");
        producer.start();

        GroupMember a = member("a", group, topic, protocol, SESSION_MS, Map.of());
        GroupMember b = member("b", group, topic, protocol, SESSION_MS, Map.of());
        GroupMember.await(() -> union(a, b).equals(six) && !a.assigned().isEmpty() && !b.assigned().isEmpty(),
                WAIT, "a and b to share the six partitions");
        GroupMember.await(() -> a.consumed().size() + b.consumed().size() > 500, WAIT, "a and b to consume");
        int generationOfTwo = a.generation();

        GroupMember c = member("c", group, topic, protocol, SESSION_MS, Map.of());
        GroupMember.await(() -> union(a, b, c).equals(six) && !c.assigned().isEmpty()
                && a.generation() > generationOfTwo, WAIT, "c to get partitions of its own");
        GroupMember.await(() -> !c.consumed().isEmpty(), WAIT, "c to consume");
        int generationOfThree = a.generation();
        c.close();
        GroupMember.await(() -> union(a, b).equals(six) && a.generation() > generationOfThree, WAIT,
                "a and b to take c's partitions back");
        int consumedByTwo = a.consumed().size() + b.consumed().size();
        GroupMember.await(() -> a.consumed().size() + b.consumed().size() > consumedByTwo + 300, WAIT,
                "a and b to go on consuming");

        producing.set(false);
        producer.join(60_000);
        assertFalse(producer.isAlive(), "the producer had every record acknowledged within 60 s");
        assertTrue(sendErrors.isEmpty(), () -> "sends failed: " + sendErrors);
        Set<String> expected = new HashSet<>(producedAt);
        GroupMember.await(() -> consumedPositions(a, b, c).containsAll(expected), WAIT,
                "every produced record to be consumed");
        Map<TopicPartition, Long> ends = new TreeMap<>(Comparator.comparing(TopicPartition::partition));
        try (KafkaConsumer<byte[], byte[]> plain = Clients.consumer(broker.bootstrap(), Map.of())) {
            ends.putAll(plain.endOffsets(partitions, Duration.ofSeconds(30)));
        }
        assertEquals(expected.size(), ends.values().stream().mapToLong(Long::longValue).sum(),
                "the log holds what was produced");
        GroupMember.await(() -> {
            try {
                return committed(group).equals(ends);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, WAIT, "the committed offsets to reach the log ends " + ends);

        // A record read twice was read the first time(s) in a batch whose commit did not go through.
        Map<String, List<GroupMember.Consumed>> byPosition = new HashMap<>();
        Map<String, GroupMember> owner = new HashMap<>();
        for (GroupMember m : List.of(a, b, c)) {
            for (GroupMember.Consumed r : m.consumed()) {
                byPosition.computeIfAbsent(r.partition() + "@" + r.offset(), k -> new ArrayList<>()).add(r);
            }
            owner.put(m.name(), m);
        }
        List<String> unexcused = new ArrayList<>();
        int duplicates = 0;
        for (var e : byPosition.entrySet()) {
            List<GroupMember.Consumed> reads = e.getValue();
            for (int i = 0; i < reads.size() - 1; i++) {
                duplicates++;
                GroupMember.Consumed r = reads.get(i);
                if (owner.get(r.member()).committed(r)) {
                    unexcused.add(e.getKey() + " read by " + reads.stream().map(GroupMember.Consumed::member).toList());
                }
            }
        }
        assertEquals(List.of(), unexcused, "records read again after a successful commit");
        System.out.println(kind + " " + protocol + ": " + expected.size() + " records, " + duplicates
                + " read twice after a failed commit");
        for (GroupMember m : List.of(a, b, c)) {
            m.checkHealthy();
        }
    }

    private static Set<String> consumedPositions(GroupMember... members) {
        Set<String> at = new HashSet<>();
        for (GroupMember m : members) {
            m.consumed().forEach(r -> at.add(r.partition() + "@" + r.offset()));
        }
        return at;
    }

    /** commitSync and close; a new member of the group starts exactly at the committed offsets. */
    @Compat(family = Compat.JAVA, feature = "groups, classic and KIP-848: commit, close, resume")
    @ParameterizedTest(name = "{0}")
    @EnumSource(GroupProtocol.class)
    void aNewMemberResumesExactlyAfterTheCommittedOffsets(GroupProtocol protocol) throws Exception {
        String topic = "groups-resume-" + FastGroups.configValue(protocol);
        String group = "resume-group-" + FastGroups.configValue(protocol);
        List<TopicPartition> partitions = createTopic(topic, 3);
        produce(topic, 3, 100, "first");

        Map<TopicPartition, OffsetAndMetadata> committedByFirst;
        try (KafkaConsumer<byte[], byte[]> first = Clients.groupConsumer(broker.bootstrap(), group, Map.of(
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, FastGroups.configValue(protocol),
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 40))) {
            first.subscribe(List.of(topic));
            int read = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (read < 120 && System.nanoTime() < deadline) {
                read += first.poll(Duration.ofMillis(200)).count();
            }
            assertTrue(read >= 120 && read < 300, "read part of the topic: " + read);
            first.commitSync();
            committedByFirst = first.committed(Set.copyOf(partitions));
        }
        Map<TopicPartition, Long> committed = committed(group);
        assertEquals(committedByFirst.entrySet().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset())), committed);
        assertEquals(GroupState.EMPTY, describe(group).groupState(), "closed, the only member left the group");
        produce(topic, 3, 10, "second");

        Map<Integer, List<Long>> offsets = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> second = Clients.groupConsumer(broker.bootstrap(), group,
                FastGroups.member(protocol))) {
            second.subscribe(List.of(topic));
            long expected = 3 * 110 - committed.values().stream().mapToLong(Long::longValue).sum();
            int read = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (read < expected) {
                if (System.nanoTime() > deadline) {
                    fail("read " + read + " of " + expected + " records after the committed offsets");
                }
                for (ConsumerRecord<byte[], byte[]> r : second.poll(Duration.ofMillis(200))) {
                    offsets.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.offset());
                    read++;
                }
            }
            assertEquals(0, second.poll(Duration.ofMillis(500)).count(), "nothing more than the uncommitted rest");
        }
        for (TopicPartition tp : partitions) {
            long from = committed.getOrDefault(tp, 0L);
            List<Long> expected = LongStream.range(from, 110).boxed().toList();
            assertEquals(expected, offsets.getOrDefault(tp.partition(), List.of()), "partition " + tp.partition());
        }
    }

    /**
     * A static member (group.instance.id) that closes and comes back within its session timeout gets its
     * partitions back without a rebalance: the other member is told nothing and stays in the same generation,
     * even after the old member's session would have run out.
     */
    @Compat(family = Compat.JAVA, feature = "groups, classic and KIP-848: static membership")
    @ParameterizedTest(name = "{0}")
    @EnumSource(GroupProtocol.class)
    void aStaticMemberRestartingWithinItsSessionCausesNoRebalance(GroupProtocol protocol) throws Exception {
        String topic = "groups-static-" + FastGroups.configValue(protocol);
        String group = "static-group-" + FastGroups.configValue(protocol);
        createTopic(topic, 6);
        int sessionMs = FastGroups.sessionMs(protocol, 4_000);
        GroupMember a = member("static-a", group, topic, protocol, sessionMs, instance("a"));
        GroupMember b = member("static-b", group, topic, protocol, sessionMs, instance("b"));
        GroupMember.await(() -> union(a, b).equals(Set.of(0, 1, 2, 3, 4, 5)) && !a.assigned().isEmpty()
                && !b.assigned().isEmpty(), WAIT, "a and b to share the partitions");
        GroupMember.await(() -> {
            try {
                return describe(group).groupState() == GroupState.STABLE;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, WAIT, "a stable group");
        int generation = a.generation();
        ConsumerGroupDescription stable = describe(group);
        assertEquals(groupType(protocol), stable.type());
        int assignedCalls = a.assignedCalls();
        int revokedCalls = a.revokedCalls();
        Set<Integer> aHolds = a.assigned();
        Set<Integer> bHeld = b.assigned();
        String bMemberId = b.memberId();

        b.close(); // a static member leaves no LeaveGroup behind; under the consumer protocol, a leave for a restart
        ConsumerGroupDescription afterClose = describe(group);
        assertEquals(2, afterClose.members().size(), "b is still a member: " + afterClose);
        if (protocol == GroupProtocol.CONSUMER) {
            // It left for a restart (member epoch -2), keeping partitions no one else may have meanwhile; the
            // group counts as reconciling until it is back.
            assertEquals(Optional.of(-2), memberEpochOf(afterClose, "b"), afterClose.toString());
            assertEquals(GroupState.RECONCILING, afterClose.groupState());
        } else {
            assertEquals(GroupState.STABLE, afterClose.groupState());
        }

        GroupMember back = member("static-b2", group, topic, protocol, sessionMs, instance("b"));
        GroupMember.await(() -> back.assigned().equals(bHeld) && back.generation() >= 0, WAIT,
                "b's partitions " + bHeld + " to come back");
        assertEquals(generation, back.generation(), "b came back into the same generation");
        assertNotEquals(bMemberId, back.memberId(), "under a new member id");

        Thread.sleep(sessionMs + 1_000); // past the old member's session: its timer must be gone with it
        ConsumerGroupDescription d = describe(group);
        assertEquals(GroupState.STABLE, d.groupState());
        // The consumer protocol's no-rebalance: the same group epoch, and every member at it (the classic
        // protocol has no epochs to describe).
        assertEquals(stable.groupEpoch(), d.groupEpoch(), d.toString());
        assertEquals(protocol == GroupProtocol.CONSUMER, d.groupEpoch().isPresent(), d.toString());
        assertEquals(d.groupEpoch(), d.targetAssignmentEpoch());
        assertEquals(Map.of("a", d.groupEpoch(), "b", d.groupEpoch()), d.members().stream().collect(Collectors.toMap(
                m -> m.groupInstanceId().orElseThrow(), MemberDescription::memberEpoch)));
        assertEquals(Map.of("a", aHolds, "b", bHeld), d.members().stream().collect(Collectors.toMap(
                m -> m.groupInstanceId().orElseThrow(), ConsumerGroupsTest::partitionsOf)));
        assertEquals(Set.of(a.memberId(), back.memberId()),
                d.members().stream().map(MemberDescription::consumerId).collect(Collectors.toSet()));
        assertEquals(generation, a.generation(), "a saw no new generation");
        assertEquals(assignedCalls, a.assignedCalls(), "a was assigned nothing new");
        assertEquals(revokedCalls, a.revokedCalls(), "a had nothing revoked");
        assertEquals(aHolds, a.assigned());
    }

    private static GroupType groupType(GroupProtocol protocol) {
        return protocol == GroupProtocol.CLASSIC ? GroupType.CLASSIC : GroupType.CONSUMER;
    }

    private static Optional<Integer> memberEpochOf(ConsumerGroupDescription d, String groupInstanceId) {
        return d.members().stream().filter(m -> m.groupInstanceId().equals(Optional.of(groupInstanceId)))
                .findFirst().orElseThrow().memberEpoch();
    }

    private static Set<Integer> partitionsOf(MemberDescription m) {
        return m.assignment().topicPartitions().stream().map(TopicPartition::partition)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Map<String, Object> instance(String groupInstanceId) {
        return Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, groupInstanceId);
    }

    /**
     * A member in another JVM is killed with SIGKILL. Its connection goes but the group keeps it until its
     * session times out; then it is evicted and the survivor gets all the partitions.
     */
    @Compat(family = Compat.JAVA, feature = "groups, classic and KIP-848: session timeout eviction")
    @ParameterizedTest(name = "{0}")
    @EnumSource(GroupProtocol.class)
    void aMemberThatStopsHeartbeatingIsEvictedAfterItsSessionAndItsPartitionsReassigned(GroupProtocol protocol)
            throws Exception {
        String topic = "groups-evict-" + FastGroups.configValue(protocol);
        String group = "evict-group-" + FastGroups.configValue(protocol);
        int sessionMs = FastGroups.sessionMs(protocol, SESSION_MS);
        createTopic(topic, 6);
        GroupMember survivor = member("survivor", group, topic, protocol, SESSION_MS, Map.of());
        GroupMember.await(() -> survivor.assigned().size() == 6, WAIT, "the survivor to hold all partitions");

        List<String> command = List.of(ChildProcess.java(), "-Xmx128m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), GroupMemberMain.class.getName(),
                broker.bootstrap(), group, topic, FastGroups.configValue(protocol), Integer.toString(SESSION_MS));
        ChildProcess child = ChildProcess.start(command, FerriteProcess.logsDir()
                .resolve("ConsumerGroupsTest-" + kind + "-" + protocol + "-child-member.log"));
        opened.add(child);
        GroupMember.await(() -> survivor.assigned().size() == 3, WAIT, "the child member to take half");
        GroupMember.await(() -> {
            try {
                ConsumerGroupDescription d = describe(group);
                return d.groupState() == GroupState.STABLE && d.members().size() == 2
                        && d.members().stream().allMatch(m -> partitionsOf(m).size() == 3);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, WAIT, "a stable group of two");

        long killedAt = System.nanoTime();
        child.kill();
        ConsumerGroupDescription justAfter = describe(group);
        assertEquals(2, justAfter.members().size(), "a lost connection is no leave: " + justAfter);
        GroupMember.await(() -> survivor.assigned().size() == 6, WAIT, "the survivor to get the partitions back");
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        // Its last heartbeat came at most a heartbeat interval (300 ms on both protocols) before the kill.
        assertTrue(tookMs >= sessionMs - 1_000, "evicted only once its session ran out, not after " + tookMs + " ms");
        ConsumerGroupDescription d = describe(group);
        assertEquals(1, d.members().size(), d.toString());
        MemberDescription left = d.members().iterator().next();
        assertEquals(survivor.memberId(), left.consumerId());
        assertEquals(groupType(protocol), d.type());
        if (protocol == GroupProtocol.CONSUMER) {
            // The eviction was the one change: one new group epoch, which the survivor has reconciled to.
            assertEquals(justAfter.groupEpoch().map(e -> e + 1), d.groupEpoch(), justAfter + "\n" + d);
            assertEquals(d.groupEpoch(), left.memberEpoch());
        }
        assertTrue(child.logTail(10_000).contains("assigned ["), "the child had partitions:\n" + child.logTail(2000));
        survivor.checkHealthy();
    }
}
