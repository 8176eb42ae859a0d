package io.ferrite.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.junit.jupiter.api.Test;

class FetchSessionsTest {
    private static final Uuid TOPIC = Uuid.randomUuid();

    private static FetchRequestData fullFetch(int partitions) {
        FetchRequestData r = new FetchRequestData().setSessionId(0).setSessionEpoch(0);
        FetchRequestData.FetchTopic t = new FetchRequestData.FetchTopic().setTopicId(TOPIC);
        for (int p = 0; p < partitions; p++) {
            t.partitions().add(new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(0));
        }
        r.topics().add(t);
        return r;
    }

    /** An answer to what {@code toRead} asks, every partition with the same high watermark, records on some. */
    private static FetchResponseData answer(FetchRequestData toRead, long hw, List<Integer> withRecords) {
        FetchResponseData r = new FetchResponseData();
        for (FetchRequestData.FetchTopic ft : toRead.topics()) {
            FetchResponseData.FetchableTopicResponse t = new FetchResponseData.FetchableTopicResponse()
                    .setTopicId(ft.topicId());
            for (FetchRequestData.FetchPartition fp : ft.partitions()) {
                t.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(fp.partition())
                        .setHighWatermark(hw).setLastStableOffset(hw).setLogStartOffset(0)
                        .setRecords(withRecords.contains(fp.partition())
                                ? MemoryRecords.withRecords(org.apache.kafka.common.compress.Compression.NONE,
                                        new org.apache.kafka.common.record.internal.SimpleRecord("x".getBytes()))
                                : MemoryRecords.EMPTY));
            }
            r.responses().add(t);
        }
        return r;
    }

    private static List<Integer> order(FetchRequestData r) {
        return r.topics().stream().flatMap(t -> t.partitions().stream()).map(FetchRequestData.FetchPartition::partition)
                .toList();
    }

    @Test
    void aPartitionThatReturnedRecordsGoesToTheEndOfTheOrder() {
        FetchSessions sessions = new FetchSessions(10, Clock.systemUTC());
        FetchSessions.Fetch open = sessions.open(fullFetch(3), (short) 13);
        int id = open.finish(answer(open.toRead, 5, List.of(0))).sessionId();
        FetchSessions.Fetch next = sessions.open(new FetchRequestData().setSessionId(id).setSessionEpoch(1), (short) 13);
        assertEquals(List.of(1, 2, 0), order(next.toRead));
        FetchResponseData shaped = next.finish(answer(next.toRead, 5, List.of()));
        assertTrue(shaped.responses().isEmpty(), "nothing new");
    }

    @Test
    void aSessionOfTheOtherKindOfTopicNamingIsRefused() {
        FetchSessions sessions = new FetchSessions(10, Clock.systemUTC());
        FetchSessions.Fetch open = sessions.open(fullFetch(1), (short) 13);
        int id = open.finish(answer(open.toRead, 0, List.of())).sessionId();
        assertEquals(Errors.FETCH_SESSION_TOPIC_ID_ERROR,
                sessions.open(new FetchRequestData().setSessionId(id).setSessionEpoch(1), (short) 12).error);
    }

    @Test
    void whenTheSlotsAreTakenOnlyASessionIdleTwoMinutesIsEvicted() {
        Instant[] now = {Instant.EPOCH};
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
        FetchSessions sessions = new FetchSessions(2, clock);
        sessions.open(fullFetch(1), (short) 13);
        now[0] = now[0].plusSeconds(60);
        sessions.open(fullFetch(1), (short) 13);
        FetchSessions.Fetch declined = sessions.open(fullFetch(1), (short) 13);
        assertEquals(0, declined.finish(answer(declined.toRead, 0, List.of())).sessionId(),
                "no slot, and nobody idle long enough: a full fetch without a session");
        now[0] = now[0].plusSeconds(61);
        FetchSessions.Fetch evicting = sessions.open(fullFetch(1), (short) 13);
        assertTrue(evicting.finish(answer(evicting.toRead, 0, List.of())).sessionId() != 0);
        assertEquals(2, sessions.size());
        assertEquals(0, new FetchSessions(0, clock).open(fullFetch(1), (short) 13).finish(new FetchResponseData())
                .sessionId(), "slots 0: no sessions");
    }
    @Test
    void aThrottledAnswerClosesASessionJustOpenedAndMakesAnOlderOneReportEverythingAgain() {
        FetchSessions sessions = new FetchSessions(10, Clock.systemUTC());
        FetchSessions.Fetch open = sessions.open(fullFetch(2), (short) 13);
        int fresh = open.finish(answer(open.toRead, 5, List.of())).sessionId();
        assertTrue(fresh > 0, "session ids are positive");
        assertEquals(0, sessions.throttled(fresh), "throttled at its opening: closed, the client fetches in full");
        assertEquals(0, sessions.size());

        FetchSessions.Fetch again = sessions.open(fullFetch(2), (short) 13);
        int id = again.finish(answer(again.toRead, 5, List.of())).sessionId();
        FetchSessions.Fetch next = sessions.open(new FetchRequestData().setSessionId(id).setSessionEpoch(1), (short) 13);
        next.finish(answer(next.toRead, 7, List.of())); // the new high watermark, then throttled away
        assertEquals(id, sessions.throttled(id));
        FetchSessions.Fetch after = sessions.open(new FetchRequestData().setSessionId(id).setSessionEpoch(2), (short) 13);
        assertEquals(2, after.finish(answer(after.toRead, 7, List.of())).responses().get(0).partitions().size(),
                "what the throttled answer never carried is answered again");
    }

    @Test
    void forgettingEveryPartitionClosesTheSession() {
        FetchSessions sessions = new FetchSessions(10, Clock.systemUTC());
        FetchSessions.Fetch open = sessions.open(fullFetch(1), (short) 13);
        int id = open.finish(answer(open.toRead, 0, List.of())).sessionId();
        FetchRequestData forget = new FetchRequestData().setSessionId(id).setSessionEpoch(1);
        forget.forgottenTopicsData().add(new FetchRequestData.ForgottenTopic().setTopicId(TOPIC).setPartitions(List.of(0)));
        FetchSessions.Fetch f = sessions.open(forget, (short) 13);
        assertEquals(0, f.finish(answer(f.toRead, 0, List.of())).sessionId());
        assertEquals(0, sessions.size());
    }
}
