package io.ferrite.group.share;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ferrite.group.share.SharePartition.Acquired;
import io.ferrite.group.share.SharePartition.AckType;
import io.ferrite.group.share.SharePartition.InvalidRecordState;
import io.ferrite.group.share.SharePartition.RecordState;
import io.ferrite.group.share.SharePartition.StateBatch;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharePartitionTest {
    private static final long LOCK = 30_000;
    private static final int LIMIT = 3;
    private static final int MAX_IN_FLIGHT = 2000;

    private static List<Acquired> acquire(SharePartition p, String member, long logEnd, int max, long now) {
        return p.acquire(member, logEnd, max, MAX_IN_FLIGHT, LIMIT, now, LOCK);
    }

    private static void ack(SharePartition p, String member, long first, long last, AckType type, long now)
            throws InvalidRecordState {
        p.acknowledge(member, first, last, List.of(type), LIMIT, now, LOCK);
    }

    @Test
    void membersGetDisjointRecordsAndAcceptedOnesAreDone() throws Exception {
        SharePartition p = SharePartition.startingAt(100);
        assertEquals(List.of(new Acquired(100, 104, 1)), acquire(p, "a", 110, 5, 0));
        assertEquals(List.of(new Acquired(105, 109, 1)), acquire(p, "b", 110, 50, 0));
        assertEquals(List.of(), acquire(p, "c", 110, 50, 0), "nothing left to hand out");

        ack(p, "b", 105, 109, AckType.ACCEPT, 1);
        assertEquals(100, p.startOffset(), "a still holds the head");
        ack(p, "a", 100, 104, AckType.ACCEPT, 1);
        assertEquals(110, p.startOffset());
        assertEquals(List.of(), p.snapshot().batches());
        assertEquals(List.of(new Acquired(110, 111, 1)), acquire(p, "c", 112, 50, 2), "new records only");
    }

    @Test
    void releasedRecordsComeBackWithAHigherCountAndAreArchivedAtTheLimit() throws Exception {
        SharePartition p = SharePartition.startingAt(0);
        acquire(p, "a", 3, 10, 0);
        ack(p, "a", 1, 1, AckType.RELEASE, 1);
        ack(p, "a", 0, 0, AckType.ACCEPT, 1);
        ack(p, "a", 2, 2, AckType.REJECT, 1);
        assertEquals(1, p.startOffset());
        assertEquals(List.of(new Acquired(1, 1, 2)), acquire(p, "b", 3, 10, 2));
        ack(p, "b", 1, 1, AckType.RELEASE, 3);
        assertEquals(List.of(new Acquired(1, 1, 3)), acquire(p, "a", 3, 10, 4));
        ack(p, "a", 1, 1, AckType.RELEASE, 5); // the third delivery was the last: a poison record is archived
        assertEquals(3, p.startOffset());
        assertEquals(List.of(), acquire(p, "a", 3, 10, 6));
    }

    @Test
    void anExpiredLockMakesTheRecordAvailableToOthers() throws Exception {
        SharePartition p = SharePartition.startingAt(0);
        acquire(p, "silent", 2, 10, 0);
        assertEquals(LOCK, p.nextLockDeadline());
        assertEquals(0, p.expireLocks(LOCK - 1, LIMIT));
        assertEquals(2, p.expireLocks(LOCK, LIMIT));
        assertEquals(List.of(new Acquired(0, 1, 2)), acquire(p, "b", 2, 10, LOCK + 1));
        InvalidRecordState late = assertThrows(InvalidRecordState.class,
                () -> ack(p, "silent", 0, 0, AckType.ACCEPT, LOCK + 2));
        assertEquals("offset 0 is not acquired by member silent", late.getMessage());
        assertEquals(Long.MAX_VALUE, SharePartition.startingAt(0).nextLockDeadline());
    }

    @Test
    void renewExtendsTheLockAndABadBatchChangesNothing() throws Exception {
        SharePartition p = SharePartition.startingAt(0);
        acquire(p, "a", 4, 10, 0);
        ack(p, "a", 0, 3, AckType.RENEW, 20_000);
        assertEquals(0, p.expireLocks(LOCK, LIMIT), "renewed at 20 s for another 30 s");
        assertThrows(InvalidRecordState.class, () -> ack(p, "a", 2, 5, AckType.ACCEPT, 1), "5 was never acquired");
        assertThrows(InvalidRecordState.class, () -> ack(p, "b", 0, 0, AckType.ACCEPT, 1), "not b's");
        assertThrows(InvalidRecordState.class, () -> p.acknowledge("a", 0, 3, List.of(AckType.ACCEPT,
                AckType.ACCEPT), LIMIT, 1, LOCK), "two types for four offsets");
        assertEquals(4, p.acquiredCount(), "nothing changed");
        p.acknowledge("a", 0, 3, List.of(AckType.ACCEPT, AckType.GAP, AckType.RELEASE, AckType.ACCEPT), LIMIT, 1, LOCK);
        assertEquals(2, p.startOffset());
        assertEquals(List.of(new StateBatch(2, 2, RecordState.AVAILABLE, 1),
                new StateBatch(3, 3, RecordState.ACKNOWLEDGED, 1)), p.snapshot().batches());
    }

    @Test
    void theInFlightLimitAndTheMaxRecordsBoundAnAcquisition() {
        SharePartition p = SharePartition.startingAt(0);
        assertEquals(List.of(new Acquired(0, 3, 1)), p.acquire("a", 100, 50, 4, LIMIT, 0, LOCK));
        assertEquals(List.of(), p.acquire("b", 100, 50, 4, LIMIT, 0, LOCK), "four in flight already");
        assertEquals(List.of(new Acquired(0, 0, 1)), acquire(SharePartition.startingAt(0), "a", 100, 1, 0));
    }

    @Test
    void aSnapshotRestoresDoneAndReleasedRecordsAndFreesAcquiredOnes() throws Exception {
        SharePartition p = SharePartition.startingAt(10);
        acquire(p, "a", 20, 10, 0);
        ack(p, "a", 10, 11, AckType.ACCEPT, 1);
        ack(p, "a", 13, 13, AckType.ACCEPT, 1);
        ack(p, "a", 14, 14, AckType.RELEASE, 1);
        SharePartition.Snapshot s = p.snapshot();
        assertEquals(12, s.startOffset());

        SharePartition back = SharePartition.restore(s);
        assertEquals(12, back.startOffset());
        assertEquals(20, back.nextOffset());
        assertEquals(0, back.acquiredCount(), "no lock outlives a restart");
        // 12 and 15-19 were acquired, 14 released: all delivered again, with their counts; 13 never again.
        assertEquals(List.of(new Acquired(12, 12, 2), new Acquired(14, 19, 2)), acquire(back, "b", 20, 50, 5));

        // Acquired for the last time when the broker stopped: archived when next met, as a lock running out would.
        SharePartition last = SharePartition.restore(back.snapshot());
        assertEquals(List.of(), last.acquire("c", 20, 50, MAX_IN_FLIGHT, 2, 6, LOCK));
        assertEquals(20, last.startOffset());
    }

    @Test
    void recordsGoneFromTheLogAreDone() throws Exception {
        SharePartition p = SharePartition.startingAt(0);
        acquire(p, "a", 10, 5, 0);
        p.logStartMoved(3);
        assertEquals(3, p.startOffset());
        assertThrows(InvalidRecordState.class, () -> ack(p, "a", 0, 0, AckType.ACCEPT, 1));
        ack(p, "a", 3, 4, AckType.ACCEPT, 1);
        assertEquals(5, p.startOffset());
        p.logStartMoved(8);
        assertEquals(List.of(new Acquired(8, 9, 1)), acquire(p, "b", 10, 50, 2));
    }

    @Test
    void recordsNeverSentAreGivenBackUncounted() throws Exception {
        SharePartition p = SharePartition.startingAt(0);
        acquire(p, "a", 10, 10, 0);
        p.giveBack("a", 6, 9);
        p.giveBack("b", 0, 5); // not b's: nothing changes
        assertEquals(6, p.acquiredCount());
        assertEquals(List.of(new Acquired(6, 9, 1)), acquire(p, "b", 10, 10, 1), "first delivery still");
    }

    @Test
    void nothingAtOrPastTheEndGivenIsHandedOutEvenIfReleased() throws Exception {
        SharePartition p = SharePartition.startingAt(0);
        acquire(p, "a", 10, 10, 0);
        ack(p, "a", 0, 9, AckType.RELEASE, 1);
        // A read_committed reader's end (the last stable offset) is 6 now: 6-9 stay where they are.
        assertEquals(List.of(new Acquired(0, 5, 2)), acquire(p, "b", 6, 100, 2));
    }
}
