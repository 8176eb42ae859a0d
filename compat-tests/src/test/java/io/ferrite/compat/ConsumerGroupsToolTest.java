package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.Command;
import io.ferrite.launcher.KafkaTools;
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
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
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
 * Kafka 4.3's kafka-consumer-groups against a consumer group of each group protocol (classic, and consumer
 * of KIP-848): list, describe with lag (with and without an active member), reset offsets to the earliest and
 * to a given offset, delete some offsets and then the group, and the tool's refusals while the group has a
 * member. Each step is checked in the tool's output and in what a stock AdminClient then sees.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(300)
class ConsumerGroupsToolTest {
    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;
    private static Admin admin;
    private static KafkaTools tools;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        broker = kind.start("ConsumerGroupsToolTest", dir.resolve(kind.name()), FastGroups.BROKER);
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

    /** Runs kafka-consumer-groups; its output is kept under {@code name} and the protocol of the scenario. */
    private static Command.Result groups(GroupProtocol protocol, String name, String... args) throws Exception {
        return tools.run(FastGroups.configValue(protocol) + "-" + name, KafkaTools.CONSUMER_GROUPS, "", args);
    }

    /** The rows of the tool's tables that start with {@code first}, split on blanks. */
    private static List<List<String>> rows(Command.Result r, String first) {
        return r.lines().stream().map(String::trim).filter(l -> l.startsWith(first + " "))
                .map(l -> Arrays.asList(l.split("\\s+"))).toList();
    }

    private static Map<Integer, Long> committed(String group) throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                .entrySet().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset()));
    }

    @Compat(family = Compat.CLI, feature = "kafka-consumer-groups, classic and KIP-848 groups")
    @ParameterizedTest(name = "{0}")
    @EnumSource(GroupProtocol.class)
    void listDescribeResetDeleteOffsetsAndDeleteAGroup(GroupProtocol protocol) throws Exception {
        String topic = "cg-tool-" + FastGroups.configValue(protocol);
        String group = "tool-group-" + FastGroups.configValue(protocol);
        boolean classic = protocol == GroupProtocol.CLASSIC;
        admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of())) {
            for (int p = 0; p < 2; p++) {
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>(topic, p, null, Clients.bytes(p + "-" + i)));
                }
            }
            producer.flush();
        }
        // A member joins (so the group is a consumer group), commits 4 and 7, and leaves.
        try (KafkaConsumer<byte[], byte[]> c = Clients.groupConsumer(broker.bootstrap(), group,
                FastGroups.member(protocol))) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.assignment().size() < 2 && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100));
            }
            assertEquals(2, c.assignment().size());
            c.commitSync(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(4),
                    new TopicPartition(topic, 1), new OffsetAndMetadata(7)));
        }

        assertTrue(groups(protocol, "list", "--list").lines().contains(group));
        Command.Result listed = groups(protocol, "list-state", "--list", "--state");
        assertEquals(List.of(List.of(group, "Empty")), rows(listed, group), listed.stdout());

        Command.Result typed = groups(protocol, "list-type", "--list", "--type");
        assertEquals(List.of(List.of(group, classic ? "Classic" : "Consumer")),
                rows(typed, group), typed.stdout());

        // A consumer-protocol group that its one member left: the leave moved the group epoch (3) but not the
        // target assignment's (2), as in Kafka 4.3.
        Command.Result emptyState = groups(protocol, "describe-state-empty", "--describe", "--group", group, "--state",
                "--verbose");
        List<String> emptyRow = rows(emptyState, group).get(0);
        assertEquals(classic ? List.of("Empty", "-", "-", "0") : List.of("Empty", "3", "2", "0"),
                emptyRow.subList(emptyRow.size() - 4, emptyRow.size()), emptyState.stdout());

        Command.Result described = groups(protocol, "describe-empty", "--describe", "--group", group);
        assertTrue(text(described).contains("Consumer group '" + group + "' has no active members."), text(described));
        assertEquals(List.of(List.of(group, topic, "0", "4", "10", "6", "-", "-", "-"),
                List.of(group, topic, "1", "7", "10", "3", "-", "-", "-")), sorted(rows(described, group)),
                described.stdout());

        // With a member: it consumes to the end and commits, so the lag is gone, and the row names it.
        try (GroupMember member = GroupMember.start("tool-member", Clients.groupConsumer(broker.bootstrap(), group,
                Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, FastGroups.configValue(protocol),
                        ConsumerConfig.CLIENT_ID_CONFIG, "tool-member")), topic)) {
            GroupMember.await(() -> {
                try {
                    return committed(group).equals(Map.of(0, 10L, 1, 10L));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, Duration.ofSeconds(60), "the member to commit the ends");
            Command.Result active = groups(protocol, "describe-active", "--describe", "--group", group);
            assertEquals(List.of(List.of(group, topic, "0", "10", "10", "0", member.memberId(), "/127.0.0.1",
                            "tool-member"), List.of(group, topic, "1", "10", "10", "0", member.memberId(), "/127.0.0.1",
                            "tool-member")), sorted(rows(active, group)), active.stdout());
            Command.Result members = groups(protocol, "describe-members", "--describe", "--group", group, "--members");
            assertEquals(List.of(List.of(group, member.memberId(), "/127.0.0.1", "tool-member", "2")),
                    rows(members, group), members.stdout());
            // --verbose adds the epochs and the target assignment, which only a consumer-protocol group has: its
            // first member joined and left (epochs 2 and 3, a new group being at 1), this one joined (4).
            String epoch = classic ? "-" : "4";
            String assigned = topic + ":0,1";
            Command.Result membersVerbose = groups(protocol, "describe-members-verbose", "--describe", "--group",
                    group, "--members", "--verbose");
            assertEquals(List.of(List.of(group, member.memberId(), "/127.0.0.1", "tool-member", "2", epoch, assigned,
                    epoch, classic ? "-" : assigned)), rows(membersVerbose, group), membersVerbose.stdout());
            Command.Result stateVerbose = groups(protocol, "describe-state-verbose", "--describe", "--group", group,
                    "--state", "--verbose");
            List<String> verboseRow = rows(stateVerbose, group).get(0);
            assertEquals(List.of(classic ? "range" : "uniform", "Stable", epoch, epoch, "1"),
                    verboseRow.subList(verboseRow.size() - 5, verboseRow.size()), stateVerbose.stdout());
            Command.Result state = groups(protocol, "describe-state", "--describe", "--group", group, "--state");
            List<String> stateRow = rows(state, group).get(0);
            // The classic member's first client-side assignor, or the broker's default server assignor.
            assertEquals(List.of(classic ? "range" : "uniform", "Stable", "1"),
                    stateRow.subList(stateRow.size() - 3, stateRow.size()), state.stdout());

            // Neither a reset nor a deletion while it is there.
            Command.Result resetActive = groups(protocol, "reset-active", "--reset-offsets", "--group", group,
                    "--topic", topic, "--to-earliest", "--execute");
            assertTrue(text(resetActive).contains("Assignments can only be reset if the group '" + group
                    + "' is inactive, but the current state is Stable."), text(resetActive));
            Command.Result deleteActive = groups(protocol, "delete-active", "--delete", "--group", group);
            // The tool reports the failure and still exits 0, against Kafka too.
            assertTrue(text(deleteActive).contains("* Group '" + group + "' could not be deleted due to: "
                    + "org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty."),
                    text(deleteActive));
            assertEquals(Map.of(0, 10L, 1, 10L), committed(group));
        }

        Command.Result dryRun = groups(protocol, "reset-dry-run", "--reset-offsets", "--group", group, "--all-topics",
                "--to-offset", "2", "--dry-run");
        assertEquals(List.of(List.of(group, topic, "0", "2"), List.of(group, topic, "1", "2")),
                sorted(rows(dryRun, group)), dryRun.stdout());
        assertEquals(Map.of(0, 10L, 1, 10L), committed(group), "a dry run changes nothing");

        Command.Result earliest = groups(protocol, "reset-earliest", "--reset-offsets", "--group", group,
                "--topic", topic, "--to-earliest", "--execute");
        assertEquals(List.of(List.of(group, topic, "0", "0"), List.of(group, topic, "1", "0")),
                sorted(rows(earliest, group)), earliest.stdout());
        assertEquals(Map.of(0, 0L, 1, 0L), committed(group));

        Command.Result toOffset = groups(protocol, "reset-to-offset", "--reset-offsets", "--group", group, "--topic",
                topic + ":1", "--to-offset", "5", "--execute");
        assertEquals(List.of(List.of(group, topic, "1", "5")), rows(toOffset, group), toOffset.stdout());
        assertEquals(Map.of(0, 0L, 1, 5L), committed(group));
        Command.Result lag = groups(protocol, "describe-after-reset", "--describe", "--group", group);
        assertEquals(List.of(List.of(group, topic, "0", "0", "10", "10", "-", "-", "-"),
                List.of(group, topic, "1", "5", "10", "5", "-", "-", "-")), sorted(rows(lag, group)), lag.stdout());

        Command.Result deletedOffsets = groups(protocol, "delete-offsets", "--delete-offsets", "--group", group,
                "--topic", topic + ":0");
        assertEquals(List.of(List.of(topic, "0", "Successful")), rows(deletedOffsets, topic), deletedOffsets.stdout());
        assertEquals(Map.of(1, 5L), committed(group));

        Command.Result deleted = groups(protocol, "delete", "--delete", "--group", group);
        assertTrue(text(deleted).contains("Deletion of requested consumer groups ('" + group + "') was successful."),
                text(deleted));
        assertFalse(groups(protocol, "list-after-delete", "--list").lines().contains(group));
        ExecutionException gone = assertThrows(ExecutionException.class,
                () -> admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                        .get(30, TimeUnit.SECONDS));
        assertTrue(gone.getCause() instanceof GroupIdNotFoundException, gone.toString());
        assertEquals(Map.of(), committed(group), "its offsets went with it");

        Command.Result deleteUnknown = groups(protocol, "delete-unknown", "--delete", "--group", "no-such-group");
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
