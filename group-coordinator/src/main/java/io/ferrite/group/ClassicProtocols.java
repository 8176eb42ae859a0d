package io.ferrite.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerProtocolSubscription;
import org.apache.kafka.common.protocol.types.SchemaException;

/**
 * What a consumer-group member that speaks the classic protocol (JoinGroup, SyncGroup, Heartbeat) said in its
 * last JoinGroup: its session timeout and the client-side assignors it supports, in its order of preference,
 * each with the embedded consumer-protocol subscription. Such members are in a consumer group while it
 * migrates between the protocols (KIP-848's online migration); the coordinator assigns them, and SyncGroup
 * hands them their part encoded the way their subscription was.
 *
 * @param protocols never empty
 */
record ClassicProtocols(int sessionTimeoutMs, List<Protocol> protocols) {
    /** One supported assignor; equal by content. */
    record Protocol(String name, byte[] metadata) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Protocol p && p.name.equals(name) && Arrays.equals(p.metadata, metadata);
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(metadata);
        }
    }

    ClassicProtocols {
        protocols = List.copyOf(protocols);
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("a classic member supports at least one protocol");
        }
    }

    /** The protocols of a JoinGroup (name to metadata, in order). */
    static ClassicProtocols of(int sessionTimeoutMs, Map<String, byte[]> protocols) {
        List<Protocol> out = new ArrayList<>();
        protocols.forEach((name, metadata) -> out.add(new Protocol(name, metadata)));
        return new ClassicProtocols(sessionTimeoutMs, out);
    }

    /** The protocol a JoinGroup answer names: the member's first. */
    String preferred() {
        return protocols.get(0).name();
    }

    Set<String> names() {
        Set<String> out = new HashSet<>();
        protocols.forEach(p -> out.add(p.name()));
        return out;
    }

    Map<String, byte[]> asMap() {
        Map<String, byte[]> out = new java.util.LinkedHashMap<>();
        protocols.forEach(p -> out.put(p.name(), p.metadata()));
        return out;
    }

    /**
     * The subscription every protocol carries (a consumer sends the same one with each), parsed.
     *
     * @throws SchemaException if it is not a consumer-protocol subscription
     */
    ConsumerProtocolSubscription subscription() {
        return parse(protocols.get(0).metadata());
    }

    /** Whether each protocol's metadata is a consumer-protocol subscription, as this flow needs. */
    static boolean parseable(Map<String, byte[]> protocols) {
        try {
            protocols.values().forEach(ClassicProtocols::parse);
            return !protocols.isEmpty();
        } catch (RuntimeException e) {
            return false;
        }
    }

    static ConsumerProtocolSubscription parse(byte[] metadata) {
        return ConsumerProtocol.deserializeConsumerProtocolSubscription(ByteBuffer.wrap(metadata));
    }

    /** The owned partitions a subscription reports, by topic id; topics that do not exist are left out. */
    static Map<Uuid, Set<Integer>> owned(ConsumerProtocolSubscription s, Function<String, Uuid> ids) {
        Map<Uuid, Set<Integer>> out = new HashMap<>();
        for (ConsumerProtocolSubscription.TopicPartition tp : s.ownedPartitions()) {
            Uuid id = ids.apply(tp.topic());
            if (id != null && !Uuid.ZERO_UUID.equals(id)) {
                out.computeIfAbsent(id, k -> new HashSet<>()).addAll(tp.partitions());
            }
        }
        return out;
    }

    /** An assignment as SyncGroup returns it, in the consumer-protocol version of the member's subscription. */
    byte[] encode(Map<Uuid, Set<Integer>> assigned, Function<Uuid, String> names) {
        return encode(assigned, names, protocols.get(0).metadata());
    }

    /** An assignment encoded in the consumer-protocol version of {@code subscription}. */
    static byte[] encode(Map<Uuid, Set<Integer>> assigned, Function<Uuid, String> names, byte[] subscription) {
        List<TopicPartition> parts = new ArrayList<>();
        assigned.forEach((id, ps) -> {
            String name = names.apply(id);
            if (name != null) {
                ps.stream().sorted().forEach(p -> parts.add(new TopicPartition(name, p)));
            }
        });
        ByteBuffer b = ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(parts),
                ConsumerProtocol.deserializeVersion(ByteBuffer.wrap(subscription)));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** A classic member's assignment bytes, by topic id; topics that do not exist are left out. */
    static Map<Uuid, Set<Integer>> decode(byte[] assignment, Function<String, Uuid> ids) {
        Map<Uuid, Set<Integer>> out = new HashMap<>();
        if (assignment == null || assignment.length == 0) {
            return out;
        }
        for (var tp : ConsumerProtocol.deserializeConsumerProtocolAssignment(ByteBuffer.wrap(assignment))
                .assignedPartitions()) {
            Uuid id = ids.apply(tp.topic());
            if (id != null && !Uuid.ZERO_UUID.equals(id)) {
                out.computeIfAbsent(id, k -> new HashSet<>()).addAll(tp.partitions());
            }
        }
        return out;
    }
}
