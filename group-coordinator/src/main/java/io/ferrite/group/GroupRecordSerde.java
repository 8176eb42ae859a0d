package io.ferrite.group;

import io.ferrite.coordinator.CoordinatorSerde;
import io.ferrite.group.GroupRecord.ClassicGroupMetadata;
import io.ferrite.group.GroupRecord.ClassicMember;
import io.ferrite.group.GroupRecord.ConsumerCurrentAssignment;
import io.ferrite.group.GroupRecord.ConsumerGroupEpoch;
import io.ferrite.group.GroupRecord.ConsumerKey;
import io.ferrite.group.GroupRecord.ConsumerMemberSubscription;
import io.ferrite.group.GroupRecord.ConsumerPart;
import io.ferrite.group.GroupRecord.ConsumerTargetEpoch;
import io.ferrite.group.GroupRecord.ConsumerTargetMember;
import io.ferrite.group.GroupRecord.ConsumerTombstone;
import io.ferrite.group.GroupRecord.GroupConfigs;
import io.ferrite.group.GroupRecord.ShareGroupEpoch;
import io.ferrite.group.GroupRecord.ShareKey;
import io.ferrite.group.GroupRecord.ShareMember;
import io.ferrite.group.GroupRecord.SharePart;
import io.ferrite.group.GroupRecord.ShareTargetMember;
import io.ferrite.group.GroupRecord.ShareTombstone;
import io.ferrite.group.GroupRecord.GroupTombstone;
import io.ferrite.group.GroupRecord.OffsetCommit;
import io.ferrite.group.GroupRecord.OffsetTombstone;
import io.ferrite.group.GroupRecord.PendingOffset;
import io.ferrite.group.GroupRecord.TransactionEnd;
import io.ferrite.group.assignor.Assignment;
import io.ferrite.group.share.SharePartition;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;

/**
 * Coordinator records as the key and value of one Kafka record each, in the coordinator's partition.
 *
 * <pre>
 * key:    int16 type, then
 *           1 offset:  string group, string topic, int32 partition
 *           2 group:   string group
 *           3 consumer group epoch:         string group
 *           5 consumer member subscription: string group, string member id
 *           6 consumer target epoch:        string group
 *           7 consumer target member:       string group, string member id
 *           8 consumer current assignment:  string group, string member id
 *           9 pending offset:  int64 producer id, string group, string topic, int32 partition
 *          10 transaction end: int64 producer id
 *          11 group configs:   string group
 *          12 share group epoch:  string group
 *          13 share group member: string group, string member id
 *          14 share group target member: string group, string member id
 *          15 share-partition state: string group, int64 topic id (most significant), int64 topic id (least
 *                                    significant), int32 partition
 * value:  absent (null) for a tombstone; else int16 version (0), then
 *           offset, and 9: int64 offset, int32 leader epoch (-1 none), nullable string metadata,
 *                      int64 commit timestamp, int64 expire timestamp (-1 none), then, if known, the
 *                      topic's id then: int64 most significant, int64 least significant
 *           9:         absent (a tombstone) when the pending offset's topic was deleted before the end
 *           10:        int8 result (1 commit, 0 abort)
 *           11:        int32 config count N, N times: string name, string value, in name order; absent
 *                      (a tombstone) when the group sets none
 *           12:        int32 group epoch, int64 subscribed topics' metadata hash
 *           13:        nullable string rack id, string client id, string client host, int32 topic count N,
 *                      N strings, int32 member epoch, int32 previous member epoch, partitions assigned
 *           14:        partitions
 *           15:        int64 start offset, int32 batch count B, B times: int64 first offset, int64 last offset,
 *                      int8 state (0 available, 1 acquired, 2 acknowledged, 4 archived), int16 delivery count
 *           group:     int8 group type (0 classic), then for classic:
 *                      nullable string protocol type, int32 generation, nullable string protocol name,
 *                      nullable string leader, int64 state timestamp, int32 member count M,
 *                      M times: string member id, nullable string group instance id, string client id,
 *                      string client host, int32 rebalance timeout ms, int32 session timeout ms,
 *                      bytes subscription, bytes assignment
 *           3:         int32 group epoch, int64 subscribed topics' metadata hash
 *           5:         nullable string instance id, nullable string rack id, string client id,
 *                      string client host, int32 rebalance timeout ms, int32 topic count N, N strings,
 *                      nullable string topic regex, nullable string server assignor; then, only for a
 *                      member speaking the classic protocol: int32 session timeout ms, int32 protocol count
 *                      N, N times: string protocol name, bytes metadata
 *           6:         int32 target assignment epoch
 *           7:         partitions
 *           8:         int32 member epoch, int32 previous member epoch, int8 state (0 stable,
 *                      1 unrevoked partitions, 2 unreleased partitions), partitions assigned,
 *                      partitions pending revocation, epochs (of those partitions: the epoch each was
 *                      given to the member at)
 * partitions: int32 topic count T, T times: int64 topic id (most significant), int64 topic id (least
 *             significant), int32 partition count P, P times int32 partition; topics and partitions in order
 * epochs:     as partitions, with int32 partition, int32 epoch for each partition
 * string: int16 length (-1 = null), then UTF-8 bytes; bytes: int32 length, then the bytes
 * </pre>
 *
 * No checksum here: the record batch holding them has its CRC-32C, checked on every read.
 */
final class GroupRecordSerde implements CoordinatorSerde<GroupRecord> {
    static final GroupRecordSerde INSTANCE = new GroupRecordSerde();
    static final short OFFSET = 1;
    static final short GROUP = 2;
    static final short PENDING_OFFSET = 9;
    static final short TRANSACTION_END = 10;
    static final short GROUP_CONFIGS = 11;
    static final short SHARE_STATE = 15;
    private static final short VERSION = 0;
    private static final byte CLASSIC = 0;

    private GroupRecordSerde() {
    }

    @Override
    public Encoded encode(GroupRecord r) {
        Writer k = new Writer();
        Writer v = new Writer();
        if (r instanceof OffsetCommit o) {
            k.int16(OFFSET).string(o.group()).string(o.topic()).int32(o.partition());
            offsetValue(v, o);
        } else if (r instanceof PendingOffset p) {
            pendingKey(k, (GroupRecord.PendingKey) p.key());
            offsetValue(v, p.offset());
        } else if (r instanceof TransactionEnd e) {
            k.int16(TRANSACTION_END).int64(e.producerId());
            v.int16(VERSION).int8((byte) (e.commit() ? 1 : 0));
        } else if (r instanceof GroupConfigs c) {
            k.int16(GROUP_CONFIGS).string(c.group());
            if (c.configs().isEmpty()) {
                v = null;
            } else {
                v.int16(VERSION).int32(c.configs().size());
                for (Map.Entry<String, String> e : new TreeMap<>(c.configs()).entrySet()) {
                    v.string(e.getKey()).string(e.getValue());
                }
            }
        } else if (r instanceof OffsetTombstone t) {
            k.int16(OFFSET).string(t.group()).string(t.topic()).int32(t.partition());
            v = null;
        } else if (r instanceof GroupRecord.PendingOffsetTombstone t) {
            pendingKey(k, t.pendingKey());
            v = null;
        } else if (r instanceof ClassicGroupMetadata g) {
            k.int16(GROUP).string(g.group());
            v.int16(VERSION).int8(CLASSIC).string(g.protocolType()).int32(g.generation())
                    .string(g.protocolName()).string(g.leader()).int64(g.stateTimestamp())
                    .int32(g.members().size());
            for (ClassicMember m : g.members()) {
                v.string(m.memberId()).string(m.groupInstanceId()).string(m.clientId()).string(m.clientHost())
                        .int32(m.rebalanceTimeoutMs()).int32(m.sessionTimeoutMs()).bytes(m.subscription())
                        .bytes(m.assignment());
            }
        } else if (r instanceof GroupTombstone t) {
            k.int16(GROUP).string(t.group());
            v = null;
        } else if (r instanceof GroupRecord.ShareStateTombstone t) {
            shareStateKey(k, t.stateKey());
            v = null;
        } else if (r instanceof GroupRecord.ShareState st) {
            shareStateKey(k, (GroupRecord.ShareStateKey) st.key());
            v.int16(VERSION).int64(st.snapshot().startOffset()).int32(st.snapshot().batches().size());
            for (SharePartition.StateBatch b : st.snapshot().batches()) {
                v.int64(b.firstOffset()).int64(b.lastOffset()).int8(b.state().id).int16((short) b.deliveryCount());
            }
        } else if (r instanceof ShareTombstone t) {
            key(k, t.shareKey());
            v = null;
        } else if (r instanceof ShareGroupEpoch e) {
            key(k, (ShareKey) e.key());
            v.int16(VERSION).int32(e.epoch()).int64(e.metadataHash());
        } else if (r instanceof ShareMember m) {
            key(k, (ShareKey) m.key());
            v.int16(VERSION).string(m.rackId()).string(m.clientId()).string(m.clientHost())
                    .int32(m.topicNames().size());
            m.topicNames().forEach(v::string);
            v.int32(m.memberEpoch()).int32(m.previousMemberEpoch());
            partitions(v, m.assigned());
        } else if (r instanceof ShareTargetMember t) {
            key(k, (ShareKey) t.key());
            v.int16(VERSION);
            partitions(v, t.partitions());
        } else if (!encodeConsumer(r, k, v)) {
            throw new IllegalArgumentException("no encoding for " + r.getClass().getSimpleName());
        }
        return new Encoded(k.toArray(), v == null || r instanceof ConsumerTombstone ? null : v.toArray());
    }

    private static void pendingKey(Writer k, GroupRecord.PendingKey p) {
        k.int16(PENDING_OFFSET).int64(p.producerId()).string(p.group()).string(p.topic()).int32(p.partition());
    }

    private static void offsetValue(Writer v, OffsetCommit o) {
        v.int16(VERSION).int64(o.offset()).int32(o.leaderEpoch()).string(o.metadata())
                .int64(o.commitTimestamp()).int64(o.expireTimestamp());
        if (!Uuid.ZERO_UUID.equals(o.topicId())) {
            v.int64(o.topicId().getMostSignificantBits()).int64(o.topicId().getLeastSignificantBits());
        }
    }

    private static OffsetCommit offset(String group, String topic, int partition, ByteBuffer value) {
        version(value);
        long offset = value.getLong();
        int leaderEpoch = value.getInt();
        String metadata = string(value);
        long committed = value.getLong();
        long expires = value.getLong();
        Uuid topicId = value.remaining() >= 16 ? new Uuid(value.getLong(), value.getLong()) : Uuid.ZERO_UUID;
        return new OffsetCommit(group, topic, partition, offset, leaderEpoch, metadata, committed, expires, topicId);
    }

    /** The consumer group records; false if {@code r} is none of them. */
    private static boolean encodeConsumer(GroupRecord r, Writer k, Writer v) {
        if (r instanceof ConsumerTombstone t) {
            key(k, t.consumerKey());
            return true;
        }
        if (!(r.key() instanceof ConsumerKey key)) {
            return false;
        }
        key(k, key);
        v.int16(VERSION);
        if (r instanceof ConsumerGroupEpoch e) {
            v.int32(e.epoch()).int64(e.metadataHash());
        } else if (r instanceof ConsumerMemberSubscription m) {
            v.string(m.instanceId()).string(m.rackId()).string(m.clientId()).string(m.clientHost())
                    .int32(m.rebalanceTimeoutMs()).int32(m.topicNames().size());
            m.topicNames().forEach(v::string);
            v.string(m.topicRegex()).string(m.serverAssignor());
            if (m.classic() != null) {
                v.int32(m.classic().sessionTimeoutMs()).int32(m.classic().protocols().size());
                m.classic().protocols().forEach(p -> v.string(p.name()).bytes(p.metadata()));
            }
        } else if (r instanceof ConsumerTargetEpoch e) {
            v.int32(e.epoch());
        } else if (r instanceof ConsumerTargetMember t) {
            partitions(v, t.partitions());
        } else if (r instanceof ConsumerCurrentAssignment c) {
            v.int32(c.memberEpoch()).int32(c.previousMemberEpoch()).int8(c.state().value);
            partitions(v, c.assigned());
            partitions(v, c.pendingRevocation());
            epochs(v, c.assignmentEpochs());
        } else {
            return false;
        }
        return true;
    }

    private static void shareStateKey(Writer k, GroupRecord.ShareStateKey key) {
        k.int16(SHARE_STATE).string(key.group()).int64(key.topicId().getMostSignificantBits())
                .int64(key.topicId().getLeastSignificantBits()).int32(key.partition());
    }

    private static GroupRecord decodeShareState(ByteBuffer key, ByteBuffer value) {
        GroupRecord.ShareStateKey k = new GroupRecord.ShareStateKey(string(key), new Uuid(key.getLong(),
                key.getLong()), key.getInt());
        if (value == null) {
            return new GroupRecord.ShareStateTombstone(k);
        }
        version(value);
        long start = value.getLong();
        int n = value.getInt();
        List<SharePartition.StateBatch> batches = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            batches.add(new SharePartition.StateBatch(value.getLong(), value.getLong(),
                    SharePartition.RecordState.of(value.get()), value.getShort()));
        }
        return new GroupRecord.ShareState(k.group(), k.topicId(), k.partition(),
                new SharePartition.Snapshot(start, batches));
    }

    private static void key(Writer k, ShareKey key) {
        k.int16(key.part().type).string(key.group());
        if (key.memberId() != null) {
            k.string(key.memberId());
        }
    }

    private static GroupRecord decodeShare(SharePart part, ByteBuffer key, ByteBuffer value) {
        String group = string(key);
        String memberId = part == SharePart.GROUP_EPOCH ? null : string(key);
        if (value == null) {
            return new ShareTombstone(new ShareKey(part, group, memberId));
        }
        version(value);
        if (part == SharePart.GROUP_EPOCH) {
            return new ShareGroupEpoch(group, value.getInt(), value.getLong());
        }
        if (part == SharePart.TARGET_MEMBER) {
            return new ShareTargetMember(group, memberId, partitions(value));
        }
        String rackId = string(value);
        String clientId = string(value);
        String clientHost = string(value);
        int n = value.getInt();
        List<String> topics = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            topics.add(string(value));
        }
        return new ShareMember(group, memberId, rackId, clientId, clientHost, topics, value.getInt(), value.getInt(),
                partitions(value));
    }

    private static void key(Writer k, ConsumerKey key) {
        k.int16(key.part().type).string(key.group());
        if (key.memberId() != null) {
            k.string(key.memberId());
        }
    }

    private static void partitions(Writer v, Map<Uuid, Set<Integer>> partitions) {
        Map<Uuid, List<Integer>> sorted = Assignment.sorted(partitions);
        v.int32(sorted.size());
        sorted.forEach((topic, ps) -> {
            v.int64(topic.getMostSignificantBits()).int64(topic.getLeastSignificantBits()).int32(ps.size());
            ps.forEach(v::int32);
        });
    }

    private static void epochs(Writer v, Map<Uuid, Map<Integer, Integer>> epochs) {
        Map<Uuid, Map<Integer, Integer>> sorted = new TreeMap<>();
        epochs.forEach((topic, ps) -> sorted.put(topic, new TreeMap<>(ps)));
        v.int32(sorted.size());
        sorted.forEach((topic, ps) -> {
            v.int64(topic.getMostSignificantBits()).int64(topic.getLeastSignificantBits()).int32(ps.size());
            ps.forEach((p, e) -> v.int32(p).int32(e));
        });
    }

    private static Map<Uuid, Map<Integer, Integer>> epochs(ByteBuffer b) {
        int topics = b.getInt();
        Map<Uuid, Map<Integer, Integer>> out = new HashMap<>();
        for (int t = 0; t < topics; t++) {
            Uuid topic = new Uuid(b.getLong(), b.getLong());
            int n = b.getInt();
            Map<Integer, Integer> ps = new HashMap<>();
            for (int i = 0; i < n; i++) {
                ps.put(b.getInt(), b.getInt());
            }
            out.put(topic, ps);
        }
        return out;
    }

    private static GroupRecord decodeConsumer(ConsumerPart part, ByteBuffer key, ByteBuffer value) {
        String group = string(key);
        boolean perMember = part == ConsumerPart.MEMBER_SUBSCRIPTION || part == ConsumerPart.TARGET_MEMBER
                || part == ConsumerPart.CURRENT_ASSIGNMENT;
        String memberId = perMember ? string(key) : null;
        if (value == null) {
            return new ConsumerTombstone(new ConsumerKey(part, group, memberId));
        }
        version(value);
        return switch (part) {
            case GROUP_EPOCH -> new ConsumerGroupEpoch(group, value.getInt(), value.getLong());
            case MEMBER_SUBSCRIPTION -> {
                String instanceId = string(value);
                String rackId = string(value);
                String clientId = string(value);
                String clientHost = string(value);
                int rebalanceTimeoutMs = value.getInt();
                int n = value.getInt();
                List<String> topics = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    topics.add(string(value));
                }
                String regex = string(value);
                String assignor = string(value);
                ClassicProtocols classic = null;
                if (value.hasRemaining()) {
                    int sessionTimeoutMs = value.getInt();
                    int protocols = value.getInt();
                    List<ClassicProtocols.Protocol> ps = new ArrayList<>(protocols);
                    for (int i = 0; i < protocols; i++) {
                        ps.add(new ClassicProtocols.Protocol(string(value), bytes(value)));
                    }
                    classic = new ClassicProtocols(sessionTimeoutMs, ps);
                }
                yield new ConsumerMemberSubscription(group, memberId, instanceId, rackId, clientId, clientHost,
                        rebalanceTimeoutMs, topics, regex, assignor, classic);
            }
            case TARGET_EPOCH -> new ConsumerTargetEpoch(group, value.getInt());
            case TARGET_MEMBER -> new ConsumerTargetMember(group, memberId, partitions(value));
            case CURRENT_ASSIGNMENT -> new ConsumerCurrentAssignment(group, memberId, value.getInt(), value.getInt(),
                    MemberState.of(value.get()), partitions(value), partitions(value), epochs(value));
        };
    }

    private static Map<Uuid, Set<Integer>> partitions(ByteBuffer b) {
        int topics = b.getInt();
        Map<Uuid, Set<Integer>> out = new HashMap<>();
        for (int t = 0; t < topics; t++) {
            Uuid topic = new Uuid(b.getLong(), b.getLong());
            int n = b.getInt();
            Integer[] ps = new Integer[n];
            for (int i = 0; i < n; i++) {
                ps[i] = b.getInt();
            }
            out.put(topic, Set.of(ps));
        }
        return out;
    }

    /** Decodes one record; {@code value} null is a tombstone. */
    @Override
    public GroupRecord decode(ByteBuffer key, ByteBuffer value) {
        short type = key.getShort();
        switch (type) {
            case OFFSET -> {
                String group = string(key);
                String topic = string(key);
                int partition = key.getInt();
                if (value == null) {
                    return new OffsetTombstone(group, topic, partition);
                }
                return offset(group, topic, partition, value);
            }
            case PENDING_OFFSET -> {
                long producerId = key.getLong();
                if (value == null) {
                    return new GroupRecord.PendingOffsetTombstone(new GroupRecord.PendingKey(producerId, string(key),
                            string(key), key.getInt()));
                }
                return new PendingOffset(producerId, offset(string(key), string(key), key.getInt(), value));
            }
            case TRANSACTION_END -> {
                long producerId = key.getLong();
                version(value);
                return new TransactionEnd(producerId, value.get() == 1);
            }
            case SHARE_STATE -> {
                return decodeShareState(key, value);
            }
            case GROUP_CONFIGS -> {
                String group = string(key);
                Map<String, String> configs = new TreeMap<>();
                if (value != null) {
                    version(value);
                    int n = value.getInt();
                    for (int i = 0; i < n; i++) {
                        configs.put(string(value), string(value));
                    }
                }
                return new GroupConfigs(group, configs);
            }
            case GROUP -> {
                String group = string(key);
                if (value == null) {
                    return new GroupTombstone(group);
                }
                version(value);
                byte groupType = value.get();
                if (groupType != CLASSIC) {
                    throw new IllegalStateException("unknown group type " + groupType + " for group " + group);
                }
                String protocolType = string(value);
                int generation = value.getInt();
                String protocolName = string(value);
                String leader = string(value);
                long stateTimestamp = value.getLong();
                int n = value.getInt();
                List<ClassicMember> members = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    members.add(new ClassicMember(string(value), string(value), string(value), string(value),
                            value.getInt(), value.getInt(), bytes(value), bytes(value)));
                }
                return new ClassicGroupMetadata(group, protocolType, generation, protocolName, leader,
                        stateTimestamp, members);
            }
            default -> {
                for (SharePart part : SharePart.values()) {
                    if (part.type == type) {
                        return decodeShare(part, key, value);
                    }
                }
                for (ConsumerPart part : ConsumerPart.values()) {
                    if (part.type == type) {
                        return decodeConsumer(part, key, value);
                    }
                }
                throw new IllegalStateException("unknown coordinator record type " + type);
            }
        }
    }

    private static void version(ByteBuffer value) {
        short v = value.getShort();
        if (v != VERSION) {
            throw new IllegalStateException("coordinator record value version " + v + " is newer than this broker");
        }
    }

    private static String string(ByteBuffer b) {
        short n = b.getShort();
        if (n < 0) {
            return null;
        }
        byte[] bytes = new byte[n];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] bytes = new byte[b.getInt()];
        b.get(bytes);
        return bytes;
    }

    /** A growing big-endian buffer. */
    private static final class Writer {
        private ByteBuffer buf = ByteBuffer.allocate(128);

        private Writer ensure(int n) {
            if (buf.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n));
                bigger.put(buf.flip());
                buf = bigger;
            }
            return this;
        }

        Writer int8(byte v) {
            ensure(1).buf.put(v);
            return this;
        }

        Writer int16(short v) {
            ensure(2).buf.putShort(v);
            return this;
        }

        Writer int32(int v) {
            ensure(4).buf.putInt(v);
            return this;
        }

        Writer int64(long v) {
            ensure(8).buf.putLong(v);
            return this;
        }

        Writer string(String s) {
            if (s == null) {
                return int16((short) -1);
            }
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length > Short.MAX_VALUE) {
                throw new IllegalArgumentException("string of " + b.length + " bytes is too long to store");
            }
            int16((short) b.length);
            ensure(b.length).buf.put(b);
            return this;
        }

        Writer bytes(byte[] b) {
            int32(b.length);
            ensure(b.length).buf.put(b);
            return this;
        }

        byte[] toArray() {
            byte[] out = new byte[buf.position()];
            buf.flip().get(out);
            return out;
        }
    }
}
