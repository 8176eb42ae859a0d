package io.ferrite.quorum;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.common.metadata.MetadataRecordType;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/**
 * The bytes of quorum log entries, snapshots, queries and replies. An entry (and a snapshot, and a query) is a run
 * of Kafka messages, each framed as
 * <pre>
 *  0  int16  type: a MetadataRecordType id, {@link #ALTER_PARTITION} for an AlterPartition request, or
 *            {@link #HEARTBEAT} and {@link #HEARTBEAT_RESPONSE} for a broker's heartbeat and its answer
 *  2  int16  version of the message
 *  4  int32  size N of the message
 *  8  N      the message, in Kafka's own serialization
 * </pre>
 * Kafka's generated classes write and read the messages, so the log holds KRaft's records as KRaft writes them.
 * A reply is int16 error code, int64 value, int16 length and UTF-8 message.
 */
final class QuorumCodec {
    /** The type of an AlterPartition request in an entry: past every MetadataRecordType id. */
    static final short ALTER_PARTITION = (short) (1000 + ApiKeys.ALTER_PARTITION.id);
    /** The types of a broker's heartbeat and its answer, in a read-only query to the leader (never in the log). */
    static final short HEARTBEAT = (short) (1000 + ApiKeys.BROKER_HEARTBEAT.id);
    static final short HEARTBEAT_RESPONSE = (short) (2000 + ApiKeys.BROKER_HEARTBEAT.id);
    private static final int FRAME = 8;

    private QuorumCodec() {
    }

    static byte[] encode(List<? extends ApiMessage> messages) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int total = 0;
        int[] sizes = new int[messages.size()];
        for (int i = 0; i < sizes.length; i++) {
            ApiMessage m = messages.get(i);
            sizes[i] = m.size(cache, m.highestSupportedVersion());
            total += FRAME + sizes[i];
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        for (int i = 0; i < sizes.length; i++) {
            ApiMessage m = messages.get(i);
            out.putShort(typeOf(m)).putShort(m.highestSupportedVersion()).putInt(sizes[i]);
            ByteBuffer body = out.slice(out.position(), sizes[i]);
            m.write(new ByteBufferAccessor(body), cache, m.highestSupportedVersion());
            out.position(out.position() + sizes[i]);
        }
        return out.array();
    }

    /**
     * The messages of an entry or snapshot.
     *
     * @throws IllegalArgumentException for bytes that are not a run of known messages
     */
    static List<ApiMessage> decode(ByteBuffer in) {
        ByteBuffer b = in.duplicate();
        List<ApiMessage> out = new ArrayList<>();
        try {
            while (b.hasRemaining()) {
                short type = b.getShort();
                short version = b.getShort();
                int size = b.getInt();
                if (size < 0 || size > b.remaining()) {
                    throw new IllegalArgumentException("a message of " + size + " bytes with " + b.remaining()
                            + " left");
                }
                ApiMessage m = type == ALTER_PARTITION ? new AlterPartitionRequestData()
                        : type == HEARTBEAT ? new BrokerHeartbeatRequestData()
                        : type == HEARTBEAT_RESPONSE ? new BrokerHeartbeatResponseData()
                        : MetadataRecordType.fromId(type).newMetadataRecord();
                if (version < m.lowestSupportedVersion() || version > m.highestSupportedVersion()) {
                    throw new IllegalArgumentException("version " + version + " of message type " + type);
                }
                m.read(new ByteBufferAccessor(b.slice(b.position(), size)), version);
                b.position(b.position() + size);
                out.add(m);
            }
        } catch (BufferUnderflowException | UnsupportedOperationException e) {
            throw new IllegalArgumentException("not a run of messages: " + e, e);
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException) {
                throw e;
            }
            throw new IllegalArgumentException("a message does not parse: " + e, e);
        }
        return out;
    }

    private static short typeOf(ApiMessage m) {
        return m instanceof AlterPartitionRequestData ? ALTER_PARTITION
                : m instanceof BrokerHeartbeatRequestData ? HEARTBEAT
                : m instanceof BrokerHeartbeatResponseData ? HEARTBEAT_RESPONSE : m.apiKey();
    }

    static byte[] encode(Outcome o) {
        byte[] text = o.message().getBytes(StandardCharsets.UTF_8);
        int length = Math.min(text.length, Short.MAX_VALUE);
        return ByteBuffer.allocate(12 + length).putShort(o.error().code()).putLong(o.value())
                .putShort((short) length).put(text, 0, length).array();
    }

    static Outcome decodeOutcome(ByteBuffer in) {
        ByteBuffer b = in.duplicate();
        Errors error = Errors.forCode(b.getShort());
        long value = b.getLong();
        byte[] text = new byte[b.getShort()];
        b.get(text);
        return new Outcome(error, value, new String(text, StandardCharsets.UTF_8));
    }
}
