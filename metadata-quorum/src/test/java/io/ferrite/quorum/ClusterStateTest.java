package io.ferrite.quorum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** The metadata rules, applied entry by entry as every quorum member applies them. */
class ClusterStateTest {
    private static final Uuid TOPIC = Uuid.randomUuid();
    private ClusterState state = ClusterState.empty();
    private long index;

    /** Applies an entry after a trip through the log's bytes, as a member reads it. */
    private Outcome apply(List<ApiMessage> entry) {
        List<ApiMessage> read = QuorumCodec.decode(ByteBuffer.wrap(QuorumCodec.encode(entry)));
        ClusterState.Applied a = state.apply(read, ++index);
        if (a.outcome().error() != Errors.NONE) {
            assertSame(state, a.state(), "a refused change leaves the state as it was");
        }
        state = a.state();
        return a.outcome();
    }

    /** Three brokers registered and unfenced, and topic t with partition 0 on 1,2,3 and partition 1 on 2,3,1. */
    private void threeBrokersAndATopic() {
        for (int id = 1; id <= 3; id++) {
            long epoch = apply(Changes.register(id, Uuid.randomUuid())).value();
            assertEquals(Errors.NONE, apply(Changes.unfence(id, epoch)).error());
        }
        assertEquals(Errors.NONE, apply(Changes.createTopic("t", TOPIC, List.of(List.of(1, 2, 3), List.of(2, 3, 1))))
                .error());
    }

    private PartitionState partition(int i) {
        return state.topics().get("t").partitions().get(i);
    }

    @Test
    void aNewTopicIsLedByItsFirstReplicaWithEveryReplicaInSync() {
        threeBrokersAndATopic();
        assertEquals(new PartitionState(List.of(1, 2, 3), List.of(1, 2, 3), 1, 0, 0), partition(0));
        assertEquals(2, partition(1).leader());
        assertEquals(Errors.TOPIC_ALREADY_EXISTS,
                apply(Changes.createTopic("t", Uuid.randomUuid(), List.of(List.of(1)))).error());
        assertEquals(Errors.INVALID_REPLICA_ASSIGNMENT,
                apply(Changes.createTopic("u", Uuid.randomUuid(), List.of(List.of(1, 4)))).error(), "no broker 4");
        assertEquals(Errors.INVALID_REPLICA_ASSIGNMENT,
                apply(Changes.createTopic("u", Uuid.randomUuid(), List.of(List.of(1, 1)))).error());
        assertEquals(Errors.INVALID_REPLICA_ASSIGNMENT,
                apply(Changes.createTopic("u", Uuid.randomUuid(), List.of(List.of(1, 2), List.of(3)))).error());
    }

    @Test
    void fencingALeaderElectsTheNextInSyncReplicaAndBumpsTheEpochs() {
        threeBrokersAndATopic();
        long epoch1 = state.brokers().get(1).epoch();
        assertEquals(Errors.STALE_BROKER_EPOCH, apply(Changes.fence(1, epoch1 - 1)).error());
        assertEquals(Errors.NONE, apply(Changes.fence(1, epoch1)).error());
        assertEquals(new PartitionState(List.of(1, 2, 3), List.of(2, 3), 2, 1, 1), partition(0));
        assertEquals(new PartitionState(List.of(2, 3, 1), List.of(2, 3), 2, 0, 1), partition(1), "a follower leaves");
        apply(Changes.fence(2, -1));
        apply(Changes.fence(3, -1));
        // The last in-sync replica stays in the ISR, and the partition has no leader until it comes back.
        assertEquals(new PartitionState(List.of(1, 2, 3), List.of(3), PartitionState.NO_LEADER, 3, 3), partition(0));
        apply(Changes.unfence(1, epoch1));
        assertEquals(PartitionState.NO_LEADER, partition(0).leader(), "1 is not in the ISR: no unclean election");
        apply(Changes.unfence(3, -1));
        assertEquals(new PartitionState(List.of(1, 2, 3), List.of(3), 3, 4, 4), partition(0));
    }

    @Test
    void aRestartedBrokerGetsAHigherEpochAndLosesWhatItLed() {
        threeBrokersAndATopic();
        Uuid first = Uuid.randomUuid();
        long before = state.brokers().get(1).epoch();
        Outcome again = apply(Changes.register(1, state.brokers().get(1).incarnation()));
        assertEquals(before, again.value(), "a retried registration of the same process");
        long after = apply(Changes.register(1, first)).value();
        assertTrue(after > before);
        assertTrue(state.brokers().get(1).fenced());
        assertEquals(2, partition(0).leader());
        assertEquals(Errors.STALE_BROKER_EPOCH, apply(Changes.unfence(1, before)).error());
    }

    @Test
    void theLeaderChangesItsIsrOnlyWithTheEpochsItSawInKafkasOrderOfChecks() {
        threeBrokersAndATopic();
        long epoch1 = state.brokers().get(1).epoch();
        long epoch2 = state.brokers().get(2).epoch();
        assertEquals(Errors.STALE_BROKER_EPOCH,
                apply(Changes.alterIsr(1, epoch1 - 1, TOPIC, 0, 0, 0, List.of(1, 2))).error());
        assertEquals(Errors.UNKNOWN_TOPIC_ID,
                apply(Changes.alterIsr(1, epoch1, Uuid.randomUuid(), 0, 0, 0, List.of(1))).error());
        assertEquals(Errors.NOT_CONTROLLER, apply(Changes.alterIsr(1, epoch1, TOPIC, 0, 1, 0, List.of(1, 2))).error(),
                "an epoch newer than the state's");
        assertEquals(Errors.INVALID_REQUEST, apply(Changes.alterIsr(2, epoch2, TOPIC, 0, 0, 0, List.of(1, 2))).error(),
                "a sender that does not lead");
        assertEquals(Errors.INVALID_REQUEST, apply(Changes.alterIsr(1, epoch1, TOPIC, 0, 0, 0, List.of(2))).error(),
                "an ISR without its leader");
        Outcome unchanged = apply(Changes.alterIsr(1, epoch1, TOPIC, 0, 0, 0, List.of(1, 2, 3)));
        assertEquals(Errors.NONE, unchanged.error());
        assertEquals(0, unchanged.value(), "an ISR as it is changes nothing");
        Outcome shrunk = apply(Changes.alterIsr(1, epoch1, TOPIC, 0, 0, 0, List.of(1, 2)));
        assertEquals(Errors.NONE, shrunk.error());
        assertEquals(1, shrunk.value());
        assertEquals(new PartitionState(List.of(1, 2, 3), List.of(1, 2), 1, 0, 1), partition(0));
        assertEquals(Errors.INVALID_UPDATE_VERSION,
                apply(Changes.alterIsr(1, epoch1, TOPIC, 0, 0, 0, List.of(1))).error(), "the partition epoch it saw");
        apply(Changes.fence(1, epoch1)); // broker 2 leads at leader epoch 1
        assertEquals(Errors.FENCED_LEADER_EPOCH,
                apply(Changes.alterIsr(1, epoch1, TOPIC, 0, 0, 1, List.of(1, 2))).error(), "a deposed leader");
        assertEquals(Errors.INELIGIBLE_REPLICA,
                apply(Changes.alterIsr(2, epoch2, TOPIC, 0, 1, 2, List.of(2, 1))).error(), "a fenced member");
    }

    @Test
    void namesIdsAndNumberingAreCheckedAsKafkaChecksThem() {
        threeBrokersAndATopic();
        assertEquals(Errors.INVALID_REQUEST, apply(Changes.register(-1, Uuid.randomUuid())).error());
        assertEquals(Errors.INVALID_TOPIC_EXCEPTION,
                apply(Changes.createTopic("bad/name", Uuid.randomUuid(), List.of(List.of(1)))).error());
        assertEquals(Errors.NONE, apply(Changes.createTopic("a.b", Uuid.randomUuid(), List.of(List.of(1)))).error());
        assertEquals(Errors.INVALID_TOPIC_EXCEPTION,
                apply(Changes.createTopic("a_b", Uuid.randomUuid(), List.of(List.of(1)))).error(), "collides with a.b");
        List<ApiMessage> skipping = new java.util.ArrayList<>(Changes.createTopic("c", Uuid.randomUuid(),
                List.of(List.of(1), List.of(2))));
        skipping.remove(1); // partition 0 left out
        assertEquals(Errors.INVALID_REPLICA_ASSIGNMENT, apply(skipping).error());
        assertThrows(UnsupportedOperationException.class, () -> state.topics().remove("t"));
    }

    @Test
    void aSnapshotsRecordsGiveBackTheSameState() {
        threeBrokersAndATopic();
        apply(Changes.fence(2, -1));
        byte[] snapshot = QuorumCodec.encode(state.toRecords());
        assertEquals(state, ClusterState.fromRecords(QuorumCodec.decode(ByteBuffer.wrap(snapshot))));
    }

    @Test
    void bytesThatAreNotEntriesAreRefusedAsSuch() {
        assertThrows(IllegalArgumentException.class, () -> QuorumCodec.decode(ByteBuffer.wrap(new byte[] {0, 99})));
        assertThrows(IllegalArgumentException.class,
                () -> QuorumCodec.decode(ByteBuffer.wrap(new byte[] {0x7f, 0x7f, 0, 0, 0, 0, 0, 0})));
        byte[] good = QuorumCodec.encode(Changes.fence(1, 1));
        good[7] = 100; // the size field says more than there is
        assertThrows(IllegalArgumentException.class, () -> QuorumCodec.decode(ByteBuffer.wrap(good)));
        assertEquals(Errors.INVALID_REQUEST, state.apply(List.of(), 1).outcome().error());
    }
}
