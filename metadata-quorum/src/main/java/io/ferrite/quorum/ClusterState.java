package io.ferrite.quorum;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.metadata.FenceBrokerRecord;
import org.apache.kafka.common.metadata.PartitionRecord;
import org.apache.kafka.common.metadata.RegisterBrokerRecord;
import org.apache.kafka.common.metadata.RegisterBrokerRecord.BrokerEndpoint;
import org.apache.kafka.common.metadata.RegisterBrokerRecord.BrokerEndpointCollection;
import org.apache.kafka.common.metadata.RemoveTopicRecord;
import org.apache.kafka.common.metadata.TopicRecord;
import org.apache.kafka.common.metadata.UnfenceBrokerRecord;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * The cluster's metadata as the quorum's log has made it: registered brokers, and topics with each partition's
 * replicas, ISR, leader and epochs. Immutable: {@link #apply} returns the state after one log entry, so readers
 * share a state without locks, and every replica that applies the same entries reaches the same state.
 *
 * <p>An entry is one change, in Kafka's records: a RegisterBrokerRecord, a FenceBrokerRecord, an
 * UnfenceBrokerRecord, a TopicRecord followed by its PartitionRecords, a RemoveTopicRecord, or an AlterPartition
 * request. Each is checked here, against the state it applies to, not where it was proposed: two proposals
 * checked against the same state could both pass, and only the log orders them. A refused entry changes nothing
 * and gives back Kafka's error. What a change implies follows from it as Kafka's controller would decide, in the
 * same entry: fencing a broker elects a new leader, from the ISR, for each partition it led (none when no other
 * ISR member is available, as without unclean election), and takes it out of the ISRs it was in; a broker
 * unfenced becomes leader of the partitions left without one whose ISR holds it.
 */
public final class ClusterState {
    private static final ClusterState EMPTY = new ClusterState(Map.of(), Map.of());

    private final Map<Integer, BrokerState> brokers;
    private final Map<String, TopicState> topics;

    private ClusterState(Map<Integer, BrokerState> brokers, Map<String, TopicState> topics) {
        this.brokers = brokers;
        this.topics = topics;
    }

    public static ClusterState empty() {
        return EMPTY;
    }

    /** Brokers by id; read-only, since a change made through it would differ from the other members' state. */
    public Map<Integer, BrokerState> brokers() {
        return Collections.unmodifiableMap(brokers);
    }

    /** Topics by name; read-only. */
    public Map<String, TopicState> topics() {
        return Collections.unmodifiableMap(topics);
    }

    /** The state after an entry and what applying it did. */
    public record Applied(ClusterState state, Outcome outcome) {
    }

    /** Applies the entry at quorum log index {@code index}. */
    public Applied apply(List<ApiMessage> entry, long index) {
        if (entry.isEmpty()) {
            return refuse(Errors.INVALID_REQUEST, "an empty entry");
        }
        ApiMessage first = entry.get(0);
        if (!(first instanceof TopicRecord) && entry.size() != 1) {
            return refuse(Errors.INVALID_REQUEST, "an entry of " + entry.size() + " messages");
        }
        if (first instanceof RegisterBrokerRecord r) {
            return register(r, index);
        } else if (first instanceof FenceBrokerRecord f) {
            return fence(f.id(), f.epoch());
        } else if (first instanceof UnfenceBrokerRecord u) {
            return unfence(u.id(), u.epoch());
        } else if (first instanceof TopicRecord t) {
            return createTopic(t, entry.subList(1, entry.size()));
        } else if (first instanceof RemoveTopicRecord r) {
            return removeTopic(r.topicId());
        } else if (first instanceof AlterPartitionRequestData a) {
            return alterPartition(a);
        }
        return refuse(Errors.INVALID_REQUEST, "a " + first.getClass().getSimpleName() + " entry");
    }

    private Applied refuse(Errors error, String message) {
        return new Applied(this, Outcome.refused(error, message));
    }

    private Applied register(RegisterBrokerRecord r, long index) {
        if (r.brokerId() < 0) { // -1 means "no leader" in every partition
            return refuse(Errors.INVALID_REQUEST, "broker id " + r.brokerId() + " is negative");
        }
        BrokerState old = brokers.get(r.brokerId());
        if (old != null && old.incarnation().equals(r.incarnationId())) {
            return new Applied(this, Outcome.ok(old.epoch())); // a retried registration of the same process
        }
        List<Endpoint> endpoints = endpoints(r);
        // A new incarnation means the old process is gone: what it led is re-elected, as if it had been fenced.
        ClusterState base = old == null ? this : withoutBroker(old.id());
        Map<Integer, BrokerState> next = new TreeMap<>(base.brokers);
        next.put(r.brokerId(), new BrokerState(r.brokerId(), r.incarnationId(), index, endpoints, true));
        return new Applied(new ClusterState(next, base.topics), Outcome.ok(index));
    }

    private Applied fence(int id, long epoch) {
        Applied checked = checkEpoch(id, epoch);
        if (checked != null) {
            return checked;
        }
        return new Applied(withoutBroker(id), Outcome.ok(brokers.get(id).epoch()));
    }

    /** The broker fenced, its leaderships moved to other ISR members and its ISR places given up. */
    private ClusterState withoutBroker(int id) {
        Map<Integer, BrokerState> next = new TreeMap<>(brokers);
        next.computeIfPresent(id, (k, b) -> b.withFenced(true));
        ClusterState fenced = new ClusterState(next, topics);
        return fenced.withPartitions(p -> {
            if (!p.isr().contains(id)) {
                return p;
            }
            List<Integer> others = new ArrayList<>(p.isr());
            others.remove(Integer.valueOf(id));
            if (p.leader() == id) {
                int leader = fenced.firstAvailable(p.replicas(), others);
                // Without another member the ISR keeps this one, so it alone may lead when it comes back.
                return new PartitionState(p.replicas(), others.isEmpty() ? p.isr() : others, leader,
                        p.leaderEpoch() + 1, p.partitionEpoch() + 1);
            }
            if (others.isEmpty()) {
                return p; // the last member of a partition already without a leader
            }
            return new PartitionState(p.replicas(), others, p.leader(), p.leaderEpoch(), p.partitionEpoch() + 1);
        });
    }

    private Applied unfence(int id, long epoch) {
        Applied checked = checkEpoch(id, epoch);
        if (checked != null) {
            return checked;
        }
        Map<Integer, BrokerState> next = new TreeMap<>(brokers);
        next.computeIfPresent(id, (k, b) -> b.withFenced(false));
        ClusterState unfenced = new ClusterState(next, topics).withPartitions(p ->
                p.leader() == PartitionState.NO_LEADER && p.isr().contains(id)
                        ? new PartitionState(p.replicas(), p.isr(), id, p.leaderEpoch() + 1, p.partitionEpoch() + 1)
                        : p);
        return new Applied(unfenced, Outcome.ok(brokers.get(id).epoch()));
    }

    /** Null if {@code epoch} is the broker's current one (or -1, any); the refusal otherwise. */
    private Applied checkEpoch(int id, long epoch) {
        BrokerState b = brokers.get(id);
        if (b == null) {
            return refuse(Errors.BROKER_ID_NOT_REGISTERED, "broker " + id + " is not registered");
        }
        if (epoch != -1 && epoch != b.epoch()) {
            return refuse(Errors.STALE_BROKER_EPOCH, "broker " + id + " has epoch " + b.epoch() + ", not " + epoch);
        }
        return null;
    }

    private Applied createTopic(TopicRecord t, List<ApiMessage> rest) {
        if (topics.containsKey(t.name())) {
            return refuse(Errors.TOPIC_ALREADY_EXISTS, "topic " + t.name() + " already exists");
        }
        try {
            Topic.validate(t.name());
        } catch (InvalidTopicException e) {
            return refuse(Errors.INVALID_TOPIC_EXCEPTION, e.getMessage());
        }
        for (String other : topics.keySet()) { // '.' and '_' collide in metric names, as Kafka refuses them
            if (Topic.unifyCollisionChars(other).equals(Topic.unifyCollisionChars(t.name()))) {
                return refuse(Errors.INVALID_TOPIC_EXCEPTION, "topic " + t.name() + " collides with " + other);
            }
        }
        if (t.topicId() == null || Uuid.ZERO_UUID.equals(t.topicId()) || topicById(t.topicId()) != null) {
            return refuse(Errors.INVALID_REQUEST, "topic id " + t.topicId() + " is not a new one");
        }
        if (rest.isEmpty()) {
            return refuse(Errors.INVALID_PARTITIONS, "topic " + t.name() + " has no partitions");
        }
        List<PartitionState> partitions = new ArrayList<>();
        for (ApiMessage m : rest) {
            if (!(m instanceof PartitionRecord p) || !t.topicId().equals(p.topicId())
                    || p.partitionId() != partitions.size()) {
                return refuse(Errors.INVALID_REPLICA_ASSIGNMENT, "topic " + t.name()
                        + "'s partitions are not numbered from 0");
            }
            List<Integer> replicas = p.replicas();
            int factor = ((PartitionRecord) rest.get(0)).replicas().size(); // a PartitionRecord: checked first
            String bad = replicas.isEmpty() ? "has no replicas"
                    : new HashSet<>(replicas).size() != replicas.size() ? "names a broker twice"
                    : replicas.size() != factor ? "has another replication factor than partition 0"
                    : !brokers.keySet().containsAll(replicas) ? "names a broker that is not registered" : null;
            List<Integer> available = replicas.stream().filter(this::available).toList();
            if (bad == null && available.isEmpty()) {
                bad = "has only fenced brokers";
            }
            if (bad != null) {
                return refuse(Errors.INVALID_REPLICA_ASSIGNMENT, "partition " + p.partitionId() + " " + bad);
            }
            partitions.add(new PartitionState(replicas, available, available.get(0), 0, 0));
        }
        Map<String, TopicState> next = new TreeMap<>(topics);
        next.put(t.name(), new TopicState(t.topicId(), t.name(), partitions));
        return new Applied(new ClusterState(brokers, next), Outcome.ok(0));
    }

    private Applied removeTopic(Uuid id) {
        TopicState t = topicById(id);
        if (t == null) {
            return refuse(Errors.UNKNOWN_TOPIC_ID, "no topic has id " + id);
        }
        Map<String, TopicState> next = new TreeMap<>(topics);
        next.remove(t.name());
        return new Applied(new ClusterState(brokers, next), Outcome.ok(0));
    }

    /**
     * A partition leader's change of its ISR (Kafka's AlterPartition), one partition an entry, checked in the order
     * and with the errors of Kafka's controller: the sender's broker epoch (exactly), the topic and partition,
     * epochs newer than the state's (NOT_CONTROLLER), an older leader epoch, a sender that does not lead, an older
     * partition epoch, an ISR that is not a set of replicas holding the leader, and last, members that are fenced
     * or restarted. An ISR as it already is changes nothing.
     */
    private Applied alterPartition(AlterPartitionRequestData a) {
        if (a.topics().size() != 1 || a.topics().get(0).partitions().size() != 1) {
            return refuse(Errors.INVALID_REQUEST, "an AlterPartition entry holds one partition");
        }
        BrokerState sender = brokers.get(a.brokerId());
        if (sender == null || sender.epoch() != a.brokerEpoch()) {
            return refuse(Errors.STALE_BROKER_EPOCH, "broker " + a.brokerId() + " is not registered with epoch "
                    + a.brokerEpoch());
        }
        AlterPartitionRequestData.TopicData td = a.topics().get(0);
        AlterPartitionRequestData.PartitionData pd = td.partitions().get(0);
        TopicState t = topicById(td.topicId());
        if (t == null) {
            return refuse(Errors.UNKNOWN_TOPIC_ID, "no topic has id " + td.topicId());
        }
        if (pd.partitionIndex() < 0 || pd.partitionIndex() >= t.partitions().size()) {
            return refuse(Errors.UNKNOWN_TOPIC_OR_PARTITION, t.name() + " has no partition " + pd.partitionIndex());
        }
        PartitionState p = t.partitions().get(pd.partitionIndex());
        String where = t.name() + "-" + pd.partitionIndex();
        if (pd.leaderEpoch() > p.leaderEpoch() || pd.partitionEpoch() > p.partitionEpoch()) {
            return refuse(Errors.NOT_CONTROLLER, where + " is at leader epoch " + p.leaderEpoch()
                    + " and partition epoch " + p.partitionEpoch() + ", older than the request's");
        }
        if (pd.leaderEpoch() < p.leaderEpoch()) {
            return refuse(Errors.FENCED_LEADER_EPOCH, where + " is at leader epoch " + p.leaderEpoch() + ", not "
                    + pd.leaderEpoch());
        }
        if (p.leader() != a.brokerId()) {
            return refuse(Errors.INVALID_REQUEST, "broker " + a.brokerId() + " does not lead " + where);
        }
        if (pd.partitionEpoch() < p.partitionEpoch()) {
            return refuse(Errors.INVALID_UPDATE_VERSION, where + " is at partition epoch " + p.partitionEpoch()
                    + ", not " + pd.partitionEpoch());
        }
        List<Integer> isr = new ArrayList<>();
        for (AlterPartitionRequestData.BrokerState member : pd.newIsrWithEpochs()) {
            if (!p.replicas().contains(member.brokerId()) || isr.contains(member.brokerId())) {
                return refuse(Errors.INVALID_REQUEST, "the new ISR of " + where + " names " + member.brokerId()
                        + ", not a replica or twice");
            }
            isr.add(member.brokerId());
        }
        if (!isr.contains(p.leader())) {
            return refuse(Errors.INVALID_REQUEST, "the new ISR of " + where + " leaves out its leader " + p.leader());
        }
        for (AlterPartitionRequestData.BrokerState member : pd.newIsrWithEpochs()) {
            BrokerState b = brokers.get(member.brokerId());
            if (b == null || b.fenced() || member.brokerEpoch() != -1 && member.brokerEpoch() != b.epoch()) {
                return refuse(Errors.INELIGIBLE_REPLICA, "broker " + member.brokerId() + " is fenced or restarted");
            }
        }
        if (isr.equals(p.isr())) {
            return new Applied(this, Outcome.ok(p.partitionEpoch()));
        }
        PartitionState changed = new PartitionState(p.replicas(), isr, p.leader(), p.leaderEpoch(),
                p.partitionEpoch() + 1);
        List<PartitionState> parts = new ArrayList<>(t.partitions());
        parts.set(pd.partitionIndex(), changed);
        Map<String, TopicState> next = new TreeMap<>(topics);
        next.put(t.name(), new TopicState(t.id(), t.name(), parts));
        return new Applied(new ClusterState(brokers, next), Outcome.ok(changed.partitionEpoch()));
    }

    private static List<Endpoint> endpoints(RegisterBrokerRecord r) {
        List<Endpoint> out = new ArrayList<>();
        for (BrokerEndpoint e : r.endPoints()) {
            out.add(new Endpoint(e.name(), e.host(), e.port(), e.securityProtocol()));
        }
        return out;
    }

    private boolean available(int id) {
        BrokerState b = brokers.get(id);
        return b != null && !b.fenced();
    }

    /** The first replica, in assignment order, among {@code candidates} and available; none: NO_LEADER. */
    private int firstAvailable(List<Integer> replicas, List<Integer> candidates) {
        for (int r : replicas) {
            if (candidates.contains(r) && available(r)) {
                return r;
            }
        }
        return PartitionState.NO_LEADER;
    }

    private ClusterState withPartitions(UnaryOperator<PartitionState> change) {
        Map<String, TopicState> next = new TreeMap<>();
        for (TopicState t : topics.values()) {
            List<PartitionState> parts = new ArrayList<>(t.partitions().size());
            t.partitions().forEach(p -> parts.add(change.apply(p)));
            next.put(t.name(), parts.equals(t.partitions()) ? t : new TopicState(t.id(), t.name(), parts));
        }
        return new ClusterState(brokers, next);
    }

    private TopicState topicById(Uuid id) {
        for (TopicState t : topics.values()) {
            if (t.id().equals(id)) {
                return t;
            }
        }
        return null;
    }

    /** The state as Kafka records, for a snapshot: a registration per broker, then each topic and its partitions. */
    public List<ApiMessage> toRecords() {
        List<ApiMessage> out = new ArrayList<>();
        for (BrokerState b : brokers.values()) {
            BrokerEndpointCollection endpoints = new BrokerEndpointCollection();
            for (Endpoint e : b.endpoints()) {
                endpoints.add(new BrokerEndpoint().setName(e.listener()).setHost(e.host()).setPort(e.port())
                        .setSecurityProtocol(e.securityProtocol()));
            }
            out.add(new RegisterBrokerRecord().setBrokerId(b.id()).setIncarnationId(b.incarnation())
                    .setBrokerEpoch(b.epoch()).setEndPoints(endpoints).setFenced(b.fenced()));
        }
        for (TopicState t : topics.values()) {
            out.add(new TopicRecord().setName(t.name()).setTopicId(t.id()));
            for (int i = 0; i < t.partitions().size(); i++) {
                PartitionState p = t.partitions().get(i);
                out.add(new PartitionRecord().setPartitionId(i).setTopicId(t.id()).setReplicas(p.replicas())
                        .setIsr(p.isr()).setLeader(p.leader()).setLeaderEpoch(p.leaderEpoch())
                        .setPartitionEpoch(p.partitionEpoch()));
            }
        }
        return out;
    }

    /** The state a snapshot's records describe, as {@link #toRecords} wrote them. */
    public static ClusterState fromRecords(List<ApiMessage> records) {
        Map<Integer, BrokerState> brokers = new TreeMap<>();
        Map<String, TopicState> topics = new TreeMap<>();
        TopicRecord topic = null;
        List<PartitionState> parts = new ArrayList<>();
        for (ApiMessage m : records) {
            if (m instanceof RegisterBrokerRecord r) {
                brokers.put(r.brokerId(), new BrokerState(r.brokerId(), r.incarnationId(), r.brokerEpoch(),
                        endpoints(r), r.fenced()));
            } else if (m instanceof TopicRecord t) {
                if (topic != null) {
                    topics.put(topic.name(), new TopicState(topic.topicId(), topic.name(), parts));
                }
                topic = t;
                parts = new ArrayList<>();
            } else if (m instanceof PartitionRecord p && topic != null && topic.topicId().equals(p.topicId())) {
                parts.add(new PartitionState(p.replicas(), p.isr(), p.leader(), p.leaderEpoch(), p.partitionEpoch()));
            } else {
                throw new IllegalArgumentException("a snapshot holds no " + m.getClass().getSimpleName() + " there");
            }
        }
        if (topic != null) {
            topics.put(topic.name(), new TopicState(topic.topicId(), topic.name(), parts));
        }
        return new ClusterState(brokers, topics);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterState c && brokers.equals(c.brokers) && topics.equals(c.topics);
    }

    @Override
    public int hashCode() {
        return brokers.hashCode() * 31 + topics.hashCode();
    }

    @Override
    public String toString() {
        return "ClusterState[brokers=" + brokers + ", topics=" + topics + "]";
    }
}
