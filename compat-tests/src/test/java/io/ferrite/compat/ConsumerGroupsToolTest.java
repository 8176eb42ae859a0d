package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Kafka 4.3's kafka-consumer-groups against a classic consumer group: list, describe with lag (with and
 * without an active member), reset offsets to the earliest and to a given offset, delete some offsets and
 * then the group, and the tool's refusals while the group has a member. Each step is checked in the tool's
 * output and in what a stock AdminClient then sees.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(300)
class ConsumerGroupsToolTest {
    private static final String TOPIC = "cg-tool";
    private static final String GROUP = "tool-group";

    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static Admin admin;
    private static KafkaTools tools;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        broker = kind.start("ConsumerGroupsToolTest", dir.resolve(kind.name()), ConsumerGroupsTest.FAST_GROUPS);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
        tools = KafkaTools.against(broker, "ConsumerGroupsToolTest-" + kind);
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

    private static Command.Result groups(String name, String... args) throws Exception {
        return tools.run(name, KafkaTools.CONSUMER_GROUPS, "", args);
    }

    /** The rows of the tool's tables that start with {@code first}, split on blanks. */
    private static List<List<String>> rows(Command.Result r, String first) {
        return r.lines().stream().map(String::trim).filter(l -> l.startsWith(first + " "))
                .map(l -> Arrays.asList(l.split("\\s+"))).toList();
    }

    private static Map<Integer, Long> committed() throws Exception {
        return admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                .entrySet().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset()));
    }

    @Test
    void listDescribeResetDeleteOffsetsAndDeleteAGroup() throws Exception {
        admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of())) {
            for (int p = 0; p < 2; p++) {
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>(TOPIC, p, null, Clients.bytes(p + "-" + i)));
                }
            }
            producer.flush();
        }
        // A member joins (so the group is a consumer group), commits 4 and 7, and leaves.
        try (KafkaConsumer<byte[], byte[]> c = Clients.groupConsumer(broker.bootstrap(), GROUP, Map.of(
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic"))) {
            c.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.assignment().size() < 2 && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100));
            }
            assertEquals(2, c.assignment().size());
            c.commitSync(Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(4),
                    new TopicPartition(TOPIC, 1), new OffsetAndMetadata(7)));
        }

        assertTrue(groups("list", "--list").lines().contains(GROUP));
        Command.Result listed = groups("list-state", "--list", "--state");
        assertEquals(List.of(List.of(GROUP, "Empty")), rows(listed, GROUP), listed.stdout());

        Command.Result described = groups("describe-empty", "--describe", "--group", GROUP);
        assertTrue(text(described).contains("Consumer group '" + GROUP + "' has no active members."), text(described));
        assertEquals(List.of(List.of(GROUP, TOPIC, "0", "4", "10", "6", "-", "-", "-"),
                List.of(GROUP, TOPIC, "1", "7", "10", "3", "-", "-", "-")), sorted(rows(described, GROUP)),
                described.stdout());

        // With a member: it consumes to the end and commits, so the lag is gone, and the row names it.
        try (GroupMember member = GroupMember.start("tool-member", Clients.groupConsumer(broker.bootstrap(), GROUP,
                Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic",
                        ConsumerConfig.CLIENT_ID_CONFIG, "tool-member")), TOPIC)) {
            GroupMember.await(() -> {
                try {
                    return committed().equals(Map.of(0, 10L, 1, 10L));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, Duration.ofSeconds(60), "the member to commit the ends");
            Command.Result active = groups("describe-active", "--describe", "--group", GROUP);
            assertEquals(List.of(List.of(GROUP, TOPIC, "0", "10", "10", "0", member.memberId(), "/127.0.0.1",
                            "tool-member"), List.of(GROUP, TOPIC, "1", "10", "10", "0", member.memberId(), "/127.0.0.1",
                            "tool-member")), sorted(rows(active, GROUP)), active.stdout());
            Command.Result members = groups("describe-members", "--describe", "--group", GROUP, "--members");
            assertEquals(List.of(List.of(GROUP, member.memberId(), "/127.0.0.1", "tool-member", "2")),
                    rows(members, GROUP), members.stdout());
            Command.Result state = groups("describe-state", "--describe", "--group", GROUP, "--state");
            List<String> stateRow = rows(state, GROUP).get(0);
            assertEquals(List.of("range", "Stable", "1"), stateRow.subList(stateRow.size() - 3, stateRow.size()),
                    state.stdout());

            // Neither a reset nor a deletion while it is there.
            Command.Result resetActive = groups("reset-active", "--reset-offsets", "--group", GROUP, "--topic", TOPIC,
                    "--to-earliest", "--execute");
            assertTrue(text(resetActive).contains("Assignments can only be reset if the group '" + GROUP
                    + "' is inactive, but the current state is Stable."), text(resetActive));
            Command.Result deleteActive = groups("delete-active", "--delete", "--group", GROUP);
            // The tool reports the failure and still exits 0, against Kafka too.
            assertTrue(text(deleteActive).contains("* Group '" + GROUP + "' could not be deleted due to: "
                    + "org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty."),
                    text(deleteActive));
            assertEquals(Map.of(0, 10L, 1, 10L), committed());
        }

        Command.Result dryRun = groups("reset-dry-run", "--reset-offsets", "--group", GROUP, "--all-topics",
                "--to-offset", "2", "--dry-run");
        assertEquals(List.of(List.of(GROUP, TOPIC, "0", "2"), List.of(GROUP, TOPIC, "1", "2")),
                sorted(rows(dryRun, GROUP)), dryRun.stdout());
        assertEquals(Map.of(0, 10L, 1, 10L), committed(), "a dry run changes nothing");

        Command.Result earliest = groups("reset-earliest", "--reset-offsets", "--group", GROUP, "--topic", TOPIC,
                "--to-earliest", "--execute");
        assertEquals(List.of(List.of(GROUP, TOPIC, "0", "0"), List.of(GROUP, TOPIC, "1", "0")),
                sorted(rows(earliest, GROUP)), earliest.stdout());
        assertEquals(Map.of(0, 0L, 1, 0L), committed());

        Command.Result toOffset = groups("reset-to-offset", "--reset-offsets", "--group", GROUP, "--topic",
                TOPIC + ":1", "--to-offset", "5", "--execute");
        assertEquals(List.of(List.of(GROUP, TOPIC, "1", "5")), rows(toOffset, GROUP), toOffset.stdout());
        assertEquals(Map.of(0, 0L, 1, 5L), committed());
        Command.Result lag = groups("describe-after-reset", "--describe", "--group", GROUP);
        assertEquals(List.of(List.of(GROUP, TOPIC, "0", "0", "10", "10", "-", "-", "-"),
                List.of(GROUP, TOPIC, "1", "5", "10", "5", "-", "-", "-")), sorted(rows(lag, GROUP)), lag.stdout());

        Command.Result deletedOffsets = groups("delete-offsets", "--delete-offsets", "--group", GROUP, "--topic",
                TOPIC + ":0");
        assertEquals(List.of(List.of(TOPIC, "0", "Successful")), rows(deletedOffsets, TOPIC), deletedOffsets.stdout());
        assertEquals(Map.of(1, 5L), committed());

        Command.Result deleted = groups("delete", "--delete", "--group", GROUP);
        assertTrue(text(deleted).contains("Deletion of requested consumer groups ('" + GROUP + "') was successful."),
                text(deleted));
        assertFalse(groups("list-after-delete", "--list").lines().contains(GROUP));
        ExecutionException gone = assertThrows(ExecutionException.class,
                () -> admin.describeConsumerGroups(List.of(GROUP)).describedGroups().get(GROUP)
                        .get(30, TimeUnit.SECONDS));
        assertTrue(gone.getCause() instanceof GroupIdNotFoundException, gone.toString());
        assertEquals(Map.of(), committed(), "its offsets went with it");

        Command.Result deleteUnknown = groups("delete-unknown", "--delete", "--group", "no-such-group");
        assertTrue(text(deleteUnknown).contains("GroupIdNotFoundException"), text(deleteUnknown));
    }

    /** Everything the tool printed: it writes some of its messages to stderr. */
    private static String text(Command.Result r) {
        return r.stdout() + r.stderr();
    }

    private static List<List<String>> sorted(List<List<String>> rows) {
        return rows.stream().sorted((a, b) -> String.join(" ", a).compareTo(String.join(" ", b))).toList();
    }
}
