package io.ferrite.group;

import io.ferrite.group.assignor.Assignment;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.common.Uuid;

/**
 * A change to the group coordinator's state, as written to its log and replayed on start. Each record has a
 * key (what it is about) and a value (its new state); a tombstone has no value and removes the key. Replaying
 * the log in order, last write wins per key, rebuilds the state exactly. Byte layouts: {@link GroupRecordSerde}.
 */
public sealed interface GroupRecord {
    /** Identifies what a record is about: records with equal keys replace one another. */
    Object key();

    /**
     * A committed offset of one partition for one group. {@code topicId} is the id the topic had when the offset
     * was committed ({@link Uuid#ZERO_UUID} for offsets stored before ids were kept): an OffsetFetch by topic id
     * gets no offset from another topic of the same name, as in Kafka 4.3.
     */
    record OffsetCommit(String group, String topic, int partition, long offset, int leaderEpoch, String metadata,
                        long commitTimestamp, long expireTimestamp, Uuid topicId) implements GroupRecord {
        public OffsetCommit {
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(topic, "topic");
            topicId = topicId == null ? Uuid.ZERO_UUID : topicId;
        }

        /** Whether the offset is of another topic than {@code id} (one of them unknown counts as the same). */
        boolean isOfAnotherTopicThan(Uuid id) {
            return !Uuid.ZERO_UUID.equals(topicId) && id != null && !Uuid.ZERO_UUID.equals(id) && !topicId.equals(id);
        }

        @Override
        public Object key() {
            return new OffsetKey(group, topic, partition);
        }
    }

    /** The committed offset of one partition for one group is gone. */
    record OffsetTombstone(String group, String topic, int partition) implements GroupRecord {
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
            implements GroupRecord {
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
    record GroupTombstone(String group) implements GroupRecord {
        @Override
        public Object key() {
            return new GroupKey(group);
        }
    }

    /** The key of a group metadata record. */
    record GroupKey(String group) {
    }

    // ---- consumer groups (KIP-848), split as Kafka splits them: what changes together is written together ----

    /** The parts of a consumer group that have records of their own; the numbers are the record key types. */
    enum ConsumerPart {
        GROUP_EPOCH(3), MEMBER_SUBSCRIPTION(5), TARGET_EPOCH(6), TARGET_MEMBER(7), CURRENT_ASSIGNMENT(8);

        final short type;

        ConsumerPart(int type) {
            this.type = (short) type;
        }
    }

    /** The key of a consumer group record; {@code memberId} is null for the group-wide parts. */
    record ConsumerKey(ConsumerPart part, String group, String memberId) {
        public ConsumerKey {
            Objects.requireNonNull(part, "part");
            Objects.requireNonNull(group, "group");
        }
    }

    /** The group epoch, and the hash of the subscribed topics' metadata it was computed for. */
    record ConsumerGroupEpoch(String group, int epoch, long metadataHash) implements GroupRecord {
        @Override
        public Object key() {
            return new ConsumerKey(ConsumerPart.GROUP_EPOCH, group, null);
        }
    }

    /** What a member told of itself and what it subscribes to. */
    record ConsumerMemberSubscription(String group, String memberId, String instanceId, String rackId,
                                      String clientId, String clientHost, int rebalanceTimeoutMs,
                                      List<String> topicNames, String topicRegex, String serverAssignor,
                                      ClassicProtocols classic)
            implements GroupRecord {
        public ConsumerMemberSubscription {
            Objects.requireNonNull(memberId, "memberId");
            topicNames = List.copyOf(topicNames);
        }

        @Override
        public Object key() {
            return new ConsumerKey(ConsumerPart.MEMBER_SUBSCRIPTION, group, memberId);
        }
    }

    /** The epoch of the group's target assignment (the members' parts are {@link ConsumerTargetMember}s). */
    record ConsumerTargetEpoch(String group, int epoch) implements GroupRecord {
        @Override
        public Object key() {
            return new ConsumerKey(ConsumerPart.TARGET_EPOCH, group, null);
        }
    }

    /** One member's part of the target assignment: topic id to partitions. */
    record ConsumerTargetMember(String group, String memberId, Map<Uuid, Set<Integer>> partitions)
            implements GroupRecord {
        public ConsumerTargetMember {
            Objects.requireNonNull(memberId, "memberId");
            partitions = Assignment.copyOf(partitions);
        }

        @Override
        public Object key() {
            return new ConsumerKey(ConsumerPart.TARGET_MEMBER, group, memberId);
        }
    }

    /**
     * Where a member is in its reconciliation: its epochs, its state, the partitions it may use, those it must
     * give up before others get them, and for each of them the epoch it was given to the member at (KIP-1251:
     * a commit one epoch behind is still good for what the member has held since then).
     */
    record ConsumerCurrentAssignment(String group, String memberId, int memberEpoch, int previousMemberEpoch,
                                     MemberState state, Map<Uuid, Set<Integer>> assigned,
                                     Map<Uuid, Set<Integer>> pendingRevocation,
                                     Map<Uuid, Map<Integer, Integer>> assignmentEpochs) implements GroupRecord {
        public ConsumerCurrentAssignment {
            Objects.requireNonNull(memberId, "memberId");
            Objects.requireNonNull(state, "state");
            assigned = Assignment.copyOf(assigned);
            pendingRevocation = Assignment.copyOf(pendingRevocation);
            assignmentEpochs = Assignment.copyOfEpochs(assignmentEpochs);
        }

        @Override
        public Object key() {
            return new ConsumerKey(ConsumerPart.CURRENT_ASSIGNMENT, group, memberId);
        }
    }

    /** A consumer group part is gone (a member left, or the group was converted or deleted). */
    record ConsumerTombstone(ConsumerKey consumerKey) implements GroupRecord {
        @Override
        public Object key() {
            return consumerKey;
        }
    }

    /**
     * An offset committed inside a transaction (TxnOffsetCommit): pending, invisible to OffsetFetch, until the
     * producer's transaction ends. A commit makes it the group's committed offset; an abort drops it.
     */
    record PendingOffset(long producerId, OffsetCommit offset) implements GroupRecord {
        public PendingOffset {
            Objects.requireNonNull(offset, "offset");
        }

        @Override
        public Object key() {
            return new PendingKey(producerId, offset.group(), offset.topic(), offset.partition());
        }
    }

    /** The key of a pending offset. */
    record PendingKey(long producerId, String group, String topic, int partition) {
    }

    /** A pending offset is gone before its transaction ended: its topic was deleted. */
    record PendingOffsetTombstone(PendingKey pendingKey) implements GroupRecord {
        @Override
        public Object key() {
            return pendingKey;
        }
    }

    /** The producer's transaction ended: its pending offsets, in every group, are committed or dropped. */
    record TransactionEnd(long producerId, boolean commit) implements GroupRecord {
        @Override
        public Object key() {
            return new TransactionKey(producerId);
        }
    }

    /** The key of a transaction's end. */
    record TransactionKey(long producerId) {
    }

    /**
     * The configs a group sets for itself ({@link GroupConfigKeys}), the whole set; an empty set removes the
     * record. Kept apart from the group's own records: as in Kafka, they outlive the group's deletion.
     */
    record GroupConfigs(String group, Map<String, String> configs) implements GroupRecord {
        public GroupConfigs {
            Objects.requireNonNull(group, "group");
            configs = Map.copyOf(configs);
        }

        @Override
        public Object key() {
            return new GroupConfigsKey(group);
        }
    }

    /** The key of a group's configs. */
    record GroupConfigsKey(String group) {
    }

    // ---- share groups (KIP-932): members get their target at once, so each member is one record ----

    /** The parts of a share group that have records of their own; the numbers are the record key types. */
    enum SharePart {
        GROUP_EPOCH(12), MEMBER(13), TARGET_MEMBER(14);

        final short type;

        SharePart(int type) {
            this.type = (short) type;
        }
    }

    /** The key of a share group record; {@code memberId} is null for the group epoch. */
    record ShareKey(SharePart part, String group, String memberId) {
        public ShareKey {
            Objects.requireNonNull(part, "part");
            Objects.requireNonNull(group, "group");
        }
    }

    /**
     * A share group's epoch and the hash of its subscribed topics' metadata it was assigned for; the target
     * assignment ({@link ShareTargetMember}s) is always at this epoch.
     */
    record ShareGroupEpoch(String group, int epoch, long metadataHash) implements GroupRecord {
        @Override
        public Object key() {
            return new ShareKey(SharePart.GROUP_EPOCH, group, null);
        }
    }

    /**
     * A share group member: what it told of itself, its subscription (sorted names), the partitions it was given
     * and the epoch it was given them at, and its epoch before that (a heartbeat still at it is not fenced: its
     * answer may have been lost).
     */
    record ShareMember(String group, String memberId, String rackId, String clientId, String clientHost,
                       List<String> topicNames, int memberEpoch, int previousMemberEpoch,
                       Map<Uuid, Set<Integer>> assigned) implements GroupRecord {
        public ShareMember {
            Objects.requireNonNull(memberId, "memberId");
            topicNames = List.copyOf(new java.util.TreeSet<>(topicNames));
            assigned = Assignment.copyOf(assigned);
        }

        @Override
        public Object key() {
            return new ShareKey(SharePart.MEMBER, group, memberId);
        }
    }

    /** One member's part of a share group's target assignment: topic id to partitions. */
    record ShareTargetMember(String group, String memberId, Map<Uuid, Set<Integer>> partitions)
            implements GroupRecord {
        public ShareTargetMember {
            Objects.requireNonNull(memberId, "memberId");
            partitions = Assignment.copyOf(partitions);
        }

        @Override
        public Object key() {
            return new ShareKey(SharePart.TARGET_MEMBER, group, memberId);
        }
    }

    /** A share group part is gone (a member left or timed out, or the group was deleted). */
    record ShareTombstone(ShareKey shareKey) implements GroupRecord {
        @Override
        public Object key() {
            return shareKey;
        }
    }

    /**
     * The durable state of one share-partition (a partition as one share group reads it): its start offset and
     * in-flight offsets, whole ({@link io.ferrite.group.share.SharePartition.Snapshot}). Written when records are
     * acknowledged, released or first read; a tombstone when the group or topic goes.
     */
    record ShareState(String group, Uuid topicId, int partition,
                      io.ferrite.group.share.SharePartition.Snapshot snapshot) implements GroupRecord {
        public ShareState {
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(topicId, "topicId");
        }

        @Override
        public Object key() {
            return new ShareStateKey(group, topicId, partition);
        }
    }

    /** The key of a share-partition's state. */
    record ShareStateKey(String group, Uuid topicId, int partition) {
    }

    /** A share-partition's state is gone. */
    record ShareStateTombstone(ShareStateKey stateKey) implements GroupRecord {
        @Override
        public Object key() {
            return stateKey;
        }
    }
}
