package io.ferrite.server.group;

import java.util.List;
import java.util.Objects;

/**
 * A change to the group coordinator's state, as written to its log and replayed on start. Each record has a
 * key (what it is about) and a value (its new state); a tombstone has no value and removes the key. Replaying
 * the log in order, last write wins per key, rebuilds the state exactly. Byte layouts: {@link RecordCodec}.
 */
public sealed interface CoordinatorRecord {
    /** Identifies what a record is about: records with equal keys replace one another. */
    Object key();

    /** A committed offset of one partition for one group. */
    record OffsetCommit(String group, String topic, int partition, long offset, int leaderEpoch, String metadata,
                        long commitTimestamp, long expireTimestamp) implements CoordinatorRecord {
        public OffsetCommit {
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(topic, "topic");
        }

        @Override
        public Object key() {
            return new OffsetKey(group, topic, partition);
        }
    }

    /** The committed offset of one partition for one group is gone. */
    record OffsetTombstone(String group, String topic, int partition) implements CoordinatorRecord {
        @Override
        public Object key() {
            return new OffsetKey(group, topic, partition);
        }
    }

    /** The key of an offset record. */
    record OffsetKey(String group, String topic, int partition) {
    }

    /**
     * A classic group as of its last completed rebalance (written when the leader's assignment arrives, and
     * when the group empties), as Kafka stores it.
     */
    record ClassicGroupMetadata(String group, String protocolType, int generation, String protocolName,
                                String leader, long stateTimestamp, List<ClassicMember> members)
            implements CoordinatorRecord {
        public ClassicGroupMetadata {
            Objects.requireNonNull(group, "group");
            members = List.copyOf(members);
        }

        @Override
        public Object key() {
            return new GroupKey(group);
        }
    }

    /** One member of a classic group, with its subscription (metadata of the chosen protocol) and assignment. */
    record ClassicMember(String memberId, String groupInstanceId, String clientId, String clientHost,
                         int rebalanceTimeoutMs, int sessionTimeoutMs, byte[] subscription, byte[] assignment) {
        public ClassicMember {
            Objects.requireNonNull(memberId, "memberId");
            subscription = subscription == null ? new byte[0] : subscription;
            assignment = assignment == null ? new byte[0] : assignment;
        }
    }

    /** The group (of any type) is gone, with its offsets already tombstoned before this. */
    record GroupTombstone(String group) implements CoordinatorRecord {
        @Override
        public Object key() {
            return new GroupKey(group);
        }
    }

    /** The key of a group metadata record. */
    record GroupKey(String group) {
    }
}
