package io.ferrite.server.log;

import io.ferrite.group.share.SharedPartition;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.errors.InvalidShareSessionEpochException;
import org.apache.kafka.common.errors.ShareSessionLimitReachedException;
import org.apache.kafka.common.errors.ShareSessionNotFoundException;

/**
 * Share sessions (KIP-932): per share-group member, the partitions its ShareFetches read, so that a request
 * names only what changes. Epoch 0 opens a session (replacing the member's old one), each later request must
 * carry the session's current epoch, which then moves on, and -1 closes it. At most
 * {@code group.share.max.share.sessions} are open at once; a session unused for {@code idleMs} (the longest
 * session timeout a share group may have: its member is gone by then) is dropped when room is needed, so
 * consumers that died without closing theirs do not fill the broker. Called from the network threads, so
 * synchronized.
 */
final class ShareSessions {
    /** A session's epoch for the request that closes it. */
    static final int FINAL_EPOCH = -1;

    private record Key(String group, String member) {
    }

    /** One session: the partitions it reads, and the epoch its next request must carry. */
    static final class Session {
        final String group;
        final String member;
        private final Set<SharedPartition> partitions = new LinkedHashSet<>();
        private int nextEpoch = 1;
        private long lastUsed;

        private Session(String group, String member) {
            this.group = group;
            this.member = member;
        }
    }

    private final Map<Key, Session> sessions = new HashMap<>();
    private final int maxSessions;
    private final long idleMs;
    private final Clock clock;

    ShareSessions(int maxSessions, long idleMs, Clock clock) {
        this.maxSessions = maxSessions;
        this.idleMs = idleMs;
        this.clock = clock;
    }

    /**
     * The session a ShareFetch at {@code epoch} works in, with {@code added} read from now on and {@code forgotten}
     * no more; its partitions, in the order first named, are what the request reads. For the final epoch the
     * session is closed and nothing is read (the partitions named carry acknowledgements only).
     *
     * @throws ShareSessionNotFoundException     a later epoch with no session open
     * @throws InvalidShareSessionEpochException an epoch that is not the session's
     * @throws ShareSessionLimitReachedException too many sessions open
     */
    synchronized List<SharedPartition> fetch(String group, String member, int epoch, Collection<SharedPartition> added,
                                             Collection<SharedPartition> forgotten) {
        Key key = new Key(group, member);
        long now = clock.millis();
        if (epoch == 0) {
            if (!sessions.containsKey(key) && sessions.size() >= maxSessions) {
                sessions.values().removeIf(s -> now - s.lastUsed > idleMs);
                if (sessions.size() >= maxSessions) {
                    throw new ShareSessionLimitReachedException("The broker has " + maxSessions
                            + " share sessions open (group.share.max.share.sessions).");
                }
            }
            Session s = new Session(group, member);
            s.partitions.addAll(added);
            s.lastUsed = now;
            sessions.put(key, s);
            return List.copyOf(s.partitions);
        }
        Session s = current(key, epoch);
        s.lastUsed = now;
        if (epoch == FINAL_EPOCH) {
            sessions.remove(key);
            return List.of();
        }
        s.partitions.addAll(added);
        s.partitions.removeAll(forgotten);
        return List.copyOf(s.partitions);
    }

    /** Checks a ShareAcknowledge's epoch, moving the session on (closing it for the final epoch). */
    synchronized void acknowledge(String group, String member, int epoch) {
        if (epoch == 0) {
            throw new InvalidShareSessionEpochException("A share session is opened by a ShareFetch, not a "
                    + "ShareAcknowledge.");
        }
        Key key = new Key(group, member);
        current(key, epoch);
        if (epoch == FINAL_EPOCH) {
            sessions.remove(key);
        }
    }

    /** The open session of {@code key}, checked against {@code epoch} and moved on past it. */
    private Session current(Key key, int epoch) {
        Session s = sessions.get(key);
        if (s == null) {
            throw new ShareSessionNotFoundException("There is no share session for member " + key.member()
                    + " of group " + key.group() + ".");
        }
        if (epoch != FINAL_EPOCH) {
            if (epoch != s.nextEpoch) {
                throw new InvalidShareSessionEpochException("The share session epoch is " + epoch + ", expected "
                        + s.nextEpoch + ".");
            }
            s.nextEpoch = epoch == Integer.MAX_VALUE ? 1 : epoch + 1;
        }
        return s;
    }

    synchronized int open() {
        return sessions.size();
    }
}
