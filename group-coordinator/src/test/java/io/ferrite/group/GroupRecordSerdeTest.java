package io.ferrite.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ferrite.group.GroupRecord.ConsumerCurrentAssignment;
import io.ferrite.group.GroupRecord.ConsumerGroupEpoch;
import io.ferrite.group.GroupRecord.ConsumerKey;
import io.ferrite.group.GroupRecord.ConsumerMemberSubscription;
import io.ferrite.group.GroupRecord.ConsumerPart;
import io.ferrite.group.GroupRecord.ConsumerTargetEpoch;
import io.ferrite.group.GroupRecord.ConsumerTargetMember;
import io.ferrite.group.GroupRecord.ConsumerTombstone;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

class GroupRecordSerdeTest {
    private static final Uuid A = new Uuid(11, 12);
    private static final Uuid B = new Uuid(-3, 4);

    private static GroupRecord roundTrip(GroupRecord r) {
        GroupRecordSerde.Encoded e = GroupRecordSerde.INSTANCE.encode(r);
        return GroupRecordSerde.INSTANCE.decode(ByteBuffer.wrap(e.key()), e.value() == null ? null : ByteBuffer.wrap(e.value()));
    }

    @Test
    void everyConsumerRecordReadsBackAsWritten() {
        List<GroupRecord> records = List.of(
                new ConsumerGroupEpoch("g", 7, -123456789L),
                new ConsumerMemberSubscription("g", "m", "i", null, "client", "/10.0.0.1", 300_000,
                        List.of("a", "b"), "x.*", "range", null),
                new ConsumerMemberSubscription("g", "m", null, "rack", "", "", -1, List.of(), null, null, null),
                new ConsumerMemberSubscription("g", "c", "i", null, "client", "/h", 60_000, List.of("a"), null, null,
                        new ClassicProtocols(45_000, List.of(new ClassicProtocols.Protocol("range", new byte[] {0, 3}),
                                new ClassicProtocols.Protocol("cooperative-sticky", new byte[0])))),
                new ConsumerTargetEpoch("g", 7),
                new ConsumerTargetMember("g", "m", Map.of(A, Set.of(0, 5, 2), B, Set.of(1))),
                new ConsumerCurrentAssignment("g", "m", 7, 6, MemberState.UNREVOKED_PARTITIONS, Map.of(A, Set.of(0)),
                        Map.of(B, Set.of(1, 2)), Map.of(A, Map.of(0, 5), B, Map.of(1, 6, 2, 7))),
                new ConsumerCurrentAssignment("g", "m", -2, 6, MemberState.STABLE, Map.of(), Map.of(), Map.of()));
        for (GroupRecord r : records) {
            assertEquals(r, roundTrip(r));
        }
        for (ConsumerPart part : ConsumerPart.values()) {
            boolean perMember = part != ConsumerPart.GROUP_EPOCH && part != ConsumerPart.TARGET_EPOCH;
            ConsumerTombstone t = new ConsumerTombstone(new ConsumerKey(part, "g", perMember ? "m" : null));
            assertNull(GroupRecordSerde.INSTANCE.encode(t).value());
            assertEquals(t, roundTrip(t));
        }
    }

    @Test
    void transactionRecordsReadBackAsWritten() {
        List<GroupRecord> records = List.of(
                new GroupRecord.PendingOffset(7, new GroupRecord.OffsetCommit("g", "t", 3, 42, 5, "meta", 1000, -1,
                        A)),
                new GroupRecord.PendingOffset(Long.MAX_VALUE, new GroupRecord.OffsetCommit("g", "t", 0, 0, -1, null,
                        1, -1, null)),
                new GroupRecord.OffsetCommit("g", "t", 1, 9, 2, "", 5, -1, B),
                new GroupRecord.OffsetCommit("g", "t", 2, 9, 2, null, 5, 77, Uuid.ZERO_UUID),
                new GroupRecord.TransactionEnd(7, true),
                new GroupRecord.TransactionEnd(8, false));
        for (GroupRecord r : records) {
            assertEquals(r, roundTrip(r));
        }
    }

    @Test
    void groupConfigsReadBackAsWrittenAndAnEmptySetIsATombstone() {
        GroupRecord configs = new GroupRecord.GroupConfigs("g", Map.of("share.auto.offset.reset", "earliest",
                "consumer.session.timeout.ms", "50000"));
        assertEquals(configs, roundTrip(configs));
        GroupRecord none = new GroupRecord.GroupConfigs("g", Map.of());
        assertNull(GroupRecordSerde.INSTANCE.encode(none).value());
        assertEquals(none, roundTrip(none));
    }

    @Test
    void shareGroupRecordsReadBackAsWritten() {
        Uuid topic = new Uuid(7, 9);
        List<GroupRecord> records = List.of(
                new GroupRecord.ShareGroupEpoch("q", 4, 0x1234_5678_9abcL),
                new GroupRecord.ShareMember("q", "m1", "rack-a", "client", "/10.0.0.1", List.of("b", "a"), 4, 3,
                        Map.of(topic, Set.of(0, 2))),
                new GroupRecord.ShareMember("q", "m2", null, "client", "/10.0.0.2", List.of("a"), 0, 0, Map.of()),
                new GroupRecord.ShareTargetMember("q", "m1", Map.of(topic, Set.of(1))),
                new GroupRecord.ShareTombstone(new GroupRecord.ShareKey(GroupRecord.SharePart.MEMBER, "q", "m2")),
                new GroupRecord.ShareTombstone(new GroupRecord.ShareKey(GroupRecord.SharePart.TARGET_MEMBER, "q",
                        "m2")),
                new GroupRecord.ShareTombstone(new GroupRecord.ShareKey(GroupRecord.SharePart.GROUP_EPOCH, "q",
                        null)),
                new GroupRecord.ShareState("q", topic, 3, new io.ferrite.group.share.SharePartition.Snapshot(40,
                        List.of(new io.ferrite.group.share.SharePartition.StateBatch(40, 41,
                                        io.ferrite.group.share.SharePartition.RecordState.AVAILABLE, 2),
                                new io.ferrite.group.share.SharePartition.StateBatch(42, 42,
                                        io.ferrite.group.share.SharePartition.RecordState.ARCHIVED, 5)))),
                new GroupRecord.ShareStateTombstone(new GroupRecord.ShareStateKey("q", topic, 3)));
        for (GroupRecord r : records) {
            assertEquals(r, roundTrip(r));
        }
    }

    @Test
    void theSameAssignmentIsTheSameBytesWhateverItsOrder() {
        byte[] one = GroupRecordSerde.INSTANCE.encode(new ConsumerTargetMember("g", "m", Map.of(A, Set.of(3, 1, 2), B, Set.of(9))))
                .value();
        byte[] two = GroupRecordSerde.INSTANCE.encode(new ConsumerTargetMember("g", "m", Map.of(B, Set.of(9), A, Set.of(2, 3, 1))))
                .value();
        assertEquals(Arrays.toString(one), Arrays.toString(two));
    }

    @Test
    void aSnapshotReplaysToTheSameGroup() {
        ConsumerGroup g = new ConsumerGroup("g", 0);
        List<GroupRecord> written = List.of(
                new ConsumerMemberSubscription("g", "m1", "i1", null, "c", "/h", 1000, List.of("t"), null, null, null),
                new ConsumerMemberSubscription("g", "m2", null, null, "c", "/h", 1000, List.of("t"), null, "range", null),
                new ConsumerGroupEpoch("g", 3, 42),
                new ConsumerTargetMember("g", "m1", Map.of(A, Set.of(0))),
                new ConsumerTargetMember("g", "m2", Map.of(A, Set.of(1))),
                new ConsumerTargetEpoch("g", 3),
                new ConsumerCurrentAssignment("g", "m1", 3, 2, MemberState.STABLE, Map.of(A, Set.of(0)), Map.of(),
                        Map.of(A, Map.of(0, 3))),
                new ConsumerCurrentAssignment("g", "m2", 2, 1, MemberState.UNREVOKED_PARTITIONS, Map.of(),
                        Map.of(A, Set.of(0, 1)), Map.of(A, Map.of(0, 1, 1, 2))),
                new ConsumerCurrentAssignment("g", "m2", 3, 2, MemberState.STABLE, Map.of(A, Set.of(1)), Map.of(),
                        Map.of(A, Map.of(1, 2))));
        written.forEach(r -> g.replay(roundTrip(r), 0));
        List<GroupRecord> snapshot = new ArrayList<>();
        g.snapshot(snapshot);
        ConsumerGroup again = new ConsumerGroup("g", 0);
        snapshot.forEach(r -> again.replay(roundTrip(r), 0));
        assertEquals(g.members, again.members);
        assertEquals(g.targets, again.targets);
        assertEquals(3, again.groupEpoch);
        assertEquals(42, again.metadataHash);
        assertEquals(3, again.assignmentEpoch);
        assertEquals(3, again.holderEpoch(A, 1));
        assertEquals(2, again.members.get("m2").assignmentEpoch(A, 1));
        assertNull(again.holderEpoch(A, 2));
        assertEquals("i1", again.staticMember("i1").instanceId());
        assertEquals("range", again.preferredAssignor("uniform"));
        assertEquals("Stable", again.stateName());
    }
}
