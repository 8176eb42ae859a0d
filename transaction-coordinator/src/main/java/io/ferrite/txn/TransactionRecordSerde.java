package io.ferrite.txn;

import io.ferrite.coordinator.CoordinatorSerde;
import io.ferrite.txn.TransactionRecord.Metadata;
import io.ferrite.txn.TransactionRecord.Tombstone;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;

/**
 * Transaction records as the key and value of one Kafka record each, in the transaction coordinator's
 * partition.
 *
 * <pre>
 * key:    int16 type (1 transactional id), string transactional id
 * value:  absent (null) for a tombstone; else int16 version (0), int64 producer id, int64 previous producer id,
 *         int64 next producer id, int16 producer epoch, int32 transaction timeout ms, int8 state (Kafka's id),
 *         int64 start timestamp, int64 last update timestamp, int16 client transaction version,
 *         int32 topic count T, T times: string topic, int32 partition count P, P times int32 partition
 *         (topics and partitions in order)
 * string: int16 length, then UTF-8 bytes
 * </pre>
 *
 * The epoch before the last bump is not kept, as in Kafka: after a restart a retried InitProducerId is fenced
 * like any other stale one. No checksum here: the record batch holding them has its CRC-32C.
 */
final class TransactionRecordSerde implements CoordinatorSerde<TransactionRecord> {
    static final TransactionRecordSerde INSTANCE = new TransactionRecordSerde();
    private static final short TRANSACTIONAL_ID = 1;
    private static final short VERSION = 0;

    private TransactionRecordSerde() {
    }

    @Override
    public Encoded encode(TransactionRecord r) {
        byte[] id = r.transactionalId().getBytes(StandardCharsets.UTF_8);
        if (id.length > Short.MAX_VALUE) {
            throw new IllegalArgumentException("a transactional id longer than 32767 bytes cannot be stored");
        }
        ByteBuffer key = ByteBuffer.allocate(4 + id.length).putShort(TRANSACTIONAL_ID).putShort((short) id.length)
                .put(id);
        if (r instanceof Tombstone) {
            return new Encoded(key.array(), null);
        }
        Metadata m = (Metadata) r;
        Map<String, Set<Integer>> byTopic = new TreeMap<>();
        for (TopicPartition tp : m.partitions()) {
            byTopic.computeIfAbsent(tp.topic(), t -> new TreeSet<>()).add(tp.partition());
        }
        List<byte[]> topics = new ArrayList<>();
        int size = 2 + 8 * 3 + 2 + 4 + 1 + 8 * 2 + 2 + 4;
        for (Map.Entry<String, Set<Integer>> e : byTopic.entrySet()) {
            byte[] t = e.getKey().getBytes(StandardCharsets.UTF_8);
            topics.add(t);
            size += 2 + t.length + 4 + 4 * e.getValue().size();
        }
        ByteBuffer v = ByteBuffer.allocate(size).putShort(VERSION).putLong(m.producerId())
                .putLong(m.previousProducerId()).putLong(m.nextProducerId()).putShort(m.producerEpoch())
                .putInt(m.timeoutMs()).put(m.state().id()).putLong(m.startTimestamp())
                .putLong(m.lastUpdateTimestamp()).putShort(m.clientVersion()).putInt(byTopic.size());
        int i = 0;
        for (Set<Integer> partitions : byTopic.values()) {
            byte[] t = topics.get(i++);
            v.putShort((short) t.length).put(t).putInt(partitions.size());
            partitions.forEach(v::putInt);
        }
        return new Encoded(key.array(), v.array());
    }

    @Override
    public TransactionRecord decode(ByteBuffer key, ByteBuffer value) {
        short type = key.getShort();
        if (type != TRANSACTIONAL_ID) {
            throw new IllegalStateException("unknown transaction record type " + type);
        }
        String id = string(key);
        if (value == null) {
            return new Tombstone(id);
        }
        short version = value.getShort();
        if (version != VERSION) {
            throw new IllegalStateException("transaction record version " + version + " is newer than this broker");
        }
        long producerId = value.getLong();
        long previous = value.getLong();
        long next = value.getLong();
        short epoch = value.getShort();
        int timeoutMs = value.getInt();
        TransactionState state = TransactionState.of(value.get());
        long start = value.getLong();
        long lastUpdate = value.getLong();
        short clientVersion = value.getShort();
        Set<TopicPartition> partitions = new HashSet<>();
        for (int t = value.getInt(); t > 0; t--) {
            String topic = string(value);
            for (int p = value.getInt(); p > 0; p--) {
                partitions.add(new TopicPartition(topic, value.getInt()));
            }
        }
        return new Metadata(id, producerId, previous, next, epoch, (short) -1, timeoutMs, state, partitions, start,
                lastUpdate, clientVersion);
    }

    private static String string(ByteBuffer b) {
        byte[] bytes = new byte[b.getShort()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
