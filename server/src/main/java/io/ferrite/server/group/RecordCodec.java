package io.ferrite.server.group;

import io.ferrite.server.group.CoordinatorRecord.ClassicGroupMetadata;
import io.ferrite.server.group.CoordinatorRecord.ClassicMember;
import io.ferrite.server.group.CoordinatorRecord.GroupTombstone;
import io.ferrite.server.group.CoordinatorRecord.OffsetCommit;
import io.ferrite.server.group.CoordinatorRecord.OffsetTombstone;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Coordinator records as the key and value of one Kafka record each, in the coordinator's partition.
 *
 * <pre>
 * key:    int16 type, then
 *           1 offset:  string group, string topic, int32 partition
 *           2 group:   string group
 * value:  absent (null) for a tombstone; else int16 version (0), then
 *           offset:    int64 offset, int32 leader epoch (-1 none), nullable string metadata,
 *                      int64 commit timestamp, int64 expire timestamp (-1 none)
 *           group:     int8 group type (0 classic), then for classic:
 *                      nullable string protocol type, int32 generation, nullable string protocol name,
 *                      nullable string leader, int64 state timestamp, int32 member count M,
 *                      M times: string member id, nullable string group instance id, string client id,
 *                      string client host, int32 rebalance timeout ms, int32 session timeout ms,
 *                      bytes subscription, bytes assignment
 * string: int16 length (-1 = null), then UTF-8 bytes; bytes: int32 length, then the bytes
 * </pre>
 *
 * No checksum here: the record batch holding them has its CRC-32C, checked on every read.
 */
final class RecordCodec {
    static final short OFFSET = 1;
    static final short GROUP = 2;
    private static final short VERSION = 0;
    private static final byte CLASSIC = 0;

    private RecordCodec() {
    }

    /** An encoded record: its key and its value (null for a tombstone). */
    record Encoded(byte[] key, byte[] value) {
    }

    static Encoded encode(CoordinatorRecord r) {
        Writer k = new Writer();
        Writer v = new Writer();
        if (r instanceof OffsetCommit o) {
            k.int16(OFFSET).string(o.group()).string(o.topic()).int32(o.partition());
            v.int16(VERSION).int64(o.offset()).int32(o.leaderEpoch()).string(o.metadata())
                    .int64(o.commitTimestamp()).int64(o.expireTimestamp());
        } else if (r instanceof OffsetTombstone t) {
            k.int16(OFFSET).string(t.group()).string(t.topic()).int32(t.partition());
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
        } else {
            throw new IllegalArgumentException("no encoding for " + r.getClass().getSimpleName());
        }
        return new Encoded(k.toArray(), v == null ? null : v.toArray());
    }

    /** Decodes one record; {@code value} null is a tombstone. */
    static CoordinatorRecord decode(ByteBuffer key, ByteBuffer value) {
        short type = key.getShort();
        switch (type) {
            case OFFSET -> {
                String group = string(key);
                String topic = string(key);
                int partition = key.getInt();
                if (value == null) {
                    return new OffsetTombstone(group, topic, partition);
                }
                version(value);
                return new OffsetCommit(group, topic, partition, value.getLong(), value.getInt(), string(value),
                        value.getLong(), value.getLong());
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
            default -> throw new IllegalStateException("unknown coordinator record type " + type);
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
