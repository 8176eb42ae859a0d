package io.ferrite.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ferrite.group.share.SharedPartition;
import io.ferrite.storage.MutableClock;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidShareSessionEpochException;
import org.apache.kafka.common.errors.ShareSessionLimitReachedException;
import org.apache.kafka.common.errors.ShareSessionNotFoundException;
import org.junit.jupiter.api.Test;

/**
 * Share sessions: epochs as Kafka checks them, and {@code group.share.max.share.sessions} refusing one more
 * session with SHARE_SESSION_LIMIT_REACHED until a session closes or an idle one makes room.
 */
class ShareSessionsTest {
    private static final long IDLE_MS = 60_000;
    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final SharedPartition p0 = new SharedPartition(Uuid.randomUuid(), 0);
    private final SharedPartition p1 = new SharedPartition(p0.topicId(), 1);

    @Test
    void oneSessionMoreThanTheLimitIsRefusedUntilOneCloses() {
        ShareSessions sessions = new ShareSessions(2, IDLE_MS, clock);
        sessions.fetch("g", "a", 0, List.of(p0), List.of());
        sessions.fetch("g", "b", 0, List.of(p0), List.of());
        assertThrows(ShareSessionLimitReachedException.class, () -> sessions.fetch("g", "c", 0, List.of(p0),
                List.of()));
        assertEquals(2, sessions.open(), "the refused one was not opened");
        sessions.fetch("g", "a", 0, List.of(p1), List.of()); // a's own session is replaced, not added
        assertEquals(List.of(), sessions.fetch("g", "b", ShareSessions.FINAL_EPOCH, List.of(), List.of()));
        sessions.fetch("g", "c", 0, List.of(p0), List.of());
        assertEquals(2, sessions.open());
    }

    @Test
    void anIdleSessionMakesRoomOnlyOnceItsMemberMustBeGone() {
        ShareSessions sessions = new ShareSessions(1, IDLE_MS, clock);
        sessions.fetch("g", "a", 0, List.of(p0), List.of());
        clock.advance(IDLE_MS);
        assertThrows(ShareSessionLimitReachedException.class, () -> sessions.fetch("g", "b", 0, List.of(p0),
                List.of()));
        clock.advance(1);
        sessions.fetch("g", "b", 0, List.of(p0), List.of());
        assertThrows(ShareSessionNotFoundException.class, () -> sessions.fetch("g", "a", 1, List.of(), List.of()),
                "a's idle session was dropped");
    }

    @Test
    void epochsMoveOnAndPartitionsAreAddedAndForgotten() {
        ShareSessions sessions = new ShareSessions(10, IDLE_MS, clock);
        assertEquals(List.of(p0), sessions.fetch("g", "a", 0, List.of(p0), List.of()));
        assertEquals(List.of(p0, p1), sessions.fetch("g", "a", 1, List.of(p1), List.of()));
        assertThrows(InvalidShareSessionEpochException.class, () -> sessions.fetch("g", "a", 1, List.of(),
                List.of()), "an epoch already used");
        assertEquals(List.of(p1), sessions.fetch("g", "a", 2, List.of(), List.of(p0)));
        sessions.acknowledge("g", "a", 3);
        assertThrows(InvalidShareSessionEpochException.class, () -> sessions.acknowledge("g", "a", 0),
                "a ShareAcknowledge does not open a session");
        sessions.acknowledge("g", "a", ShareSessions.FINAL_EPOCH);
        assertThrows(ShareSessionNotFoundException.class, () -> sessions.fetch("g", "a", 4, List.of(), List.of()));
    }
}
