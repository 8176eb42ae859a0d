package io.ferrite.server.log;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Incremental fetch sessions (KIP-227): the broker remembers the partitions a consumer fetches, so each later
 * request names only what changed (a new fetch offset, a partition added or forgotten) and each answer carries
 * only partitions with something new (records, a moved high watermark, last stable offset or log start, an
 * error). A consumer of thousands of partitions then stops resending and re-reading all of them every fetch.
 *
 * <p>Epochs, as in Kafka: a full fetch at epoch 0 opens a session (closing the one it names, if any); each
 * incremental fetch must carry the session's next epoch, which then moves on; epoch -1 closes the named
 * session and fetches without one. At most {@code max.incremental.fetch.session.cache.slots} sessions are kept;
 * when all are taken, the least recently used is evicted if it has been idle {@link #EVICTION_MS}, else the new
 * one is declined (session id 0: the consumer goes on with full fetches). A partition that returned records
 * moves to the end of its session's order, so under a response size limit the others get their turn.
 *
 * <p>Called from network and fetch threads alike: synchronized.
 */
final class FetchSessions {
    static final int NO_SESSION = 0;
    static final int INITIAL_EPOCH = 0;
    static final int FINAL_EPOCH = -1;
    /** How long a session must have been idle before a new one may evict it: Kafka's fixed two minutes. */
    static final long EVICTION_MS = 120_000;

    /** A partition of a session: by topic id from Fetch v13 on, by name before. */
    private record Ref(Uuid topicId, String topic, int partition) {
    }

    /** What a session remembers of one partition: the request's fields, and what its last answer said. */
    private static final class Cached {
        FetchPartition request;
        long highWatermark = -1;
        long lastStableOffset = -1;
        long logStartOffset = -1;

        Cached(FetchPartition request) {
            this.request = request;
        }
    }

    private static final class Session {
        final int id;
        final boolean byTopicId;
        final LinkedHashMap<Ref, Cached> partitions = new LinkedHashMap<>();
        int nextEpoch = 1;
        long lastUsed;

        Session(int id, boolean byTopicId) {
            this.id = id;
            this.byTopicId = byTopicId;
        }
    }

    private final Map<Integer, Session> sessions = new HashMap<>();
    private final int maxSessions;
    private final Clock clock;

    FetchSessions(int maxSessions, Clock clock) {
        this.maxSessions = maxSessions;
        this.clock = clock;
    }

    /**
     * How one fetch is served: the partitions to read ({@link #toRead}), or a session error to answer with; and,
     * once read, {@link #finish} shapes the answer to the session.
     */
    final class Fetch {
        final FetchRequestData toRead;
        final Errors error;
        private final Session session;
        private final boolean incremental;
        private final boolean byTopicId;

        private Fetch(FetchRequestData toRead, Errors error, Session session, boolean incremental, boolean byTopicId) {
            this.toRead = toRead;
            this.error = error;
            this.session = session;
            this.incremental = incremental;
            this.byTopicId = byTopicId;
        }

        /**
         * The answer to send, from the answer read over {@link #toRead}: with the session's id, remembered, and
         * for an incremental fetch only the partitions with something new.
         */
        FetchResponseData finish(FetchResponseData read) {
            if (session == null) {
                return read.setSessionId(NO_SESSION);
            }
            synchronized (FetchSessions.this) {
                session.lastUsed = clock.millis();
                List<Ref> moved = new ArrayList<>();
                for (Iterator<FetchableTopicResponse> ti = read.responses().iterator(); ti.hasNext(); ) {
                    FetchableTopicResponse t = ti.next();
                    for (Iterator<PartitionData> pi = t.partitions().iterator(); pi.hasNext(); ) {
                        PartitionData p = pi.next();
                        Ref ref = ref(byTopicId, t.topicId(), t.topic(), p.partitionIndex());
                        Cached c = session.partitions.get(ref);
                        boolean hasRecords = p.records() != null && p.records().sizeInBytes() > 0;
                        boolean changed = c == null || hasRecords || p.errorCode() != Errors.NONE.code()
                                || p.highWatermark() != c.highWatermark || p.lastStableOffset() != c.lastStableOffset
                                || p.logStartOffset() != c.logStartOffset;
                        if (c != null) {
                            boolean error = p.errorCode() != Errors.NONE.code();
                            // As Kafka: after an error nothing counts as known, so the next answer carries it.
                            c.highWatermark = error ? -1 : p.highWatermark();
                            c.lastStableOffset = error ? -1 : p.lastStableOffset();
                            c.logStartOffset = error ? -1 : p.logStartOffset();
                            if (hasRecords) {
                                moved.add(ref);
                            }
                        }
                        if (incremental && !changed) {
                            pi.remove(); // nothing new: no records are held by it
                        }
                    }
                    if (incremental && t.partitions().isEmpty()) {
                        ti.remove();
                    }
                }
                for (Ref ref : moved) {
                    session.partitions.put(ref, session.partitions.remove(ref));
                }
            }
            return read.setSessionId(session.id);
        }
    }

    /** How to serve {@code req} (Fetch {@code version}), as its session id and epoch say. */
    synchronized Fetch open(FetchRequestData req, short version) {
        boolean byTopicId = version >= 13;
        int epoch = req.sessionEpoch();
        if (epoch == FINAL_EPOCH || epoch == INITIAL_EPOCH) {
            if (req.sessionId() != NO_SESSION) {
                sessions.remove(req.sessionId());
            }
            Session created = epoch == INITIAL_EPOCH && maxSessions > 0 ? create(byTopicId) : null;
            if (created != null) {
                for (FetchTopic ft : req.topics()) {
                    for (FetchPartition fp : ft.partitions()) {
                        created.partitions.put(ref(byTopicId, ft.topicId(), ft.topic(), fp.partition()), new Cached(fp));
                    }
                }
            }
            return new Fetch(req, Errors.NONE, created, false, byTopicId);
        }
        Session s = sessions.get(req.sessionId());
        if (s == null) {
            return new Fetch(null, Errors.FETCH_SESSION_ID_NOT_FOUND, null, true, byTopicId);
        }
        if (epoch != s.nextEpoch) {
            return new Fetch(null, Errors.INVALID_FETCH_SESSION_EPOCH, null, true, byTopicId);
        }
        if (s.byTopicId != byTopicId) {
            return new Fetch(null, Errors.FETCH_SESSION_TOPIC_ID_ERROR, null, true, byTopicId);
        }
        s.nextEpoch = epoch == Integer.MAX_VALUE ? 1 : epoch + 1;
        s.lastUsed = clock.millis();
        for (FetchTopic ft : req.topics()) {
            for (FetchPartition fp : ft.partitions()) {
                Ref ref = ref(byTopicId, ft.topicId(), ft.topic(), fp.partition());
                Cached c = s.partitions.get(ref);
                if (c == null) {
                    s.partitions.put(ref, new Cached(fp));
                } else {
                    c.request = fp;
                }
            }
        }
        // After the updates, as Kafka: a partition both named and forgotten is forgotten.
        for (FetchRequestData.ForgottenTopic f : req.forgottenTopicsData()) {
            for (int p : f.partitions()) {
                s.partitions.remove(ref(byTopicId, f.topicId(), f.topic(), p));
            }
        }
        if (s.partitions.isEmpty()) { // as Kafka: a session that reads nothing is closed, answered without one
            sessions.remove(s.id);
            return new Fetch(readAll(req, s), Errors.NONE, null, false, byTopicId);
        }
        return new Fetch(readAll(req, s), Errors.NONE, s, true, byTopicId);
    }

    /**
     * The session id for a fetch answer that quotas replaced with an empty, throttled one: a session that fetch
     * just opened is closed again (the client goes on with full fetches, as after Kafka's throttled answer), and
     * an older one forgets what it last reported, so its next answer carries everything the client missed.
     */
    synchronized int throttled(int sessionId) {
        Session s = sessions.get(sessionId);
        if (s == null) {
            return NO_SESSION;
        }
        if (s.nextEpoch == 1) {
            sessions.remove(sessionId);
            return NO_SESSION;
        }
        for (Cached c : s.partitions.values()) {
            c.highWatermark = c.lastStableOffset = c.logStartOffset = -1;
        }
        return sessionId;
    }

    /** A partition a session reads: its topic by id (Fetch v13 on) or by name. */
    record SessionPartition(Uuid topicId, String topic, int partition) {
    }

    /**
     * The partitions the session an incremental {@code req} names reads now, for the authorization check: those
     * the request does not name are read too. Empty for any other request or an unknown session.
     */
    synchronized List<SessionPartition> partitionsOf(FetchRequestData req) {
        Session s = req.sessionEpoch() > 0 ? sessions.get(req.sessionId()) : null;
        if (s == null) {
            return List.of();
        }
        List<SessionPartition> out = new ArrayList<>(s.partitions.size());
        s.partitions.keySet().forEach(r -> out.add(new SessionPartition(r.topicId(), r.topic(), r.partition())));
        return out;
    }

    /** Open sessions, for tests and metrics. */
    synchronized int size() {
        return sessions.size();
    }

    /** The request with every partition of the session in its order, consecutive ones of a topic together. */
    private static FetchRequestData readAll(FetchRequestData req, Session s) {
        FetchRequestData all = req.duplicate();
        all.topics().clear();
        all.forgottenTopicsData().clear();
        FetchTopic current = null;
        for (Map.Entry<Ref, Cached> e : s.partitions.entrySet()) {
            Ref ref = e.getKey();
            if (current == null || !current.topicId().equals(ref.topicId()) || !current.topic().equals(ref.topic())) {
                current = new FetchTopic().setTopicId(ref.topicId()).setTopic(ref.topic());
                all.topics().add(current);
            }
            current.partitions().add(e.getValue().request.duplicate());
        }
        return all;
    }

    private static Ref ref(boolean byTopicId, Uuid topicId, String topic, int partition) {
        return byTopicId ? new Ref(topicId, "", partition) : new Ref(Uuid.ZERO_UUID, topic, partition);
    }

    /** A new session, evicting the least recently used one if all slots are taken and it has idled long enough. */
    private Session create(boolean byTopicId) {
        long now = clock.millis();
        if (sessions.size() >= maxSessions) {
            Session idlest = null;
            for (Session s : sessions.values()) {
                if (idlest == null || s.lastUsed < idlest.lastUsed) {
                    idlest = s;
                }
            }
            if (idlest == null || now - idlest.lastUsed < EVICTION_MS) {
                return null;
            }
            sessions.remove(idlest.id);
        }
        int id;
        do {
            id = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE); // positive, as Kafka's
        } while (sessions.containsKey(id));
        Session s = new Session(id, byTopicId);
        s.lastUsed = now;
        sessions.put(id, s);
        return s;
    }
}
