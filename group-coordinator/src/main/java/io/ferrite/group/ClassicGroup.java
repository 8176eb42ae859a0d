package io.ferrite.group;

import io.ferrite.group.GroupRecord.ClassicGroupMetadata;
import io.ferrite.group.GroupRecord.ClassicMember;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.IllegalGenerationException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.protocol.Errors;

/**
 * A group of the classic protocol: members join, the leader assigns, the coordinator relays. Its state
 * machine is Kafka's: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead. The request flows live in
 * {@link ClassicGroups}; this class holds the state and the rules that only read it. Coordinator thread only.
 */
final class ClassicGroup implements Group {
    enum State {
        EMPTY("Empty"), PREPARING_REBALANCE("PreparingRebalance"), COMPLETING_REBALANCE("CompletingRebalance"),
        STABLE("Stable"), DEAD("Dead");

        final String kafkaName;

        State(String kafkaName) {
            this.kafkaName = kafkaName;
        }
    }

    final String groupId;
    State state = State.EMPTY;
    long stateTimestamp;
    String protocolType;
    String protocolName;
    int generationId;
    String leaderId;
    final Map<String, ClassicGroupMember> members = new LinkedHashMap<>();
    /** group.instance.id to the member id it currently has. */
    final Map<String, String> staticMembers = new HashMap<>();
    /** Members told their id (MEMBER_ID_REQUIRED) that have not joined with it yet. */
    final Set<String> pendingMembers = new HashSet<>();
    /** Members of this generation that have not sent SyncGroup yet; they are out when the sync timer ends. */
    final Set<String> pendingSync = new HashSet<>();
    /** Topics the members subscribe to, for the consumer protocol; null when the group cannot tell. */
    Set<String> subscribedTopics;
    /** A member joined during the initial delay, which then waits once more for others. */
    boolean newMemberAdded;
    /** Of the initial delay, what the longest rebalance timeout still allows after the current wait. */
    long initialDelayRemainingMs;
    /** In the initial delay of a group's first rebalance: the join completes when it ends, not before. */
    boolean initialDelayRunning;
    /** The group as last written to the log: what a compaction snapshot keeps, as a replay would see it. */
    ClassicGroupMetadata stored;

    ClassicGroup(String groupId, long now) {
        this.groupId = groupId;
        this.stateTimestamp = now;
    }

    void transitionTo(State next, long now) {
        state = next;
        stateTimestamp = now;
    }

    boolean is(State s) {
        return state == s;
    }

    @Override
    public String groupId() {
        return groupId;
    }

    @Override
    public String type() {
        return "classic";
    }

    @Override
    public String protocolType() {
        return protocolType == null ? "" : protocolType;
    }

    @Override
    public String stateName() {
        return state.kafkaName;
    }

    /** In the Empty state, as Kafka counts it (a group rebalancing towards no members is not empty yet). */
    @Override
    public boolean isEmpty() {
        return is(State.EMPTY);
    }

    @Override
    public long emptySince() {
        return stateTimestamp;
    }

    int awaitingJoinCount() {
        int n = 0;
        for (ClassicGroupMember m : members.values()) {
            if (m.awaitingJoin != null) {
                n++;
            }
        }
        return n;
    }

    boolean allMembersJoined() {
        return awaitingJoinCount() == members.size() && pendingMembers.isEmpty();
    }

    int maxRebalanceTimeoutMs() {
        int max = 0;
        for (ClassicGroupMember m : members.values()) {
            max = Math.max(max, m.rebalanceTimeoutMs);
        }
        return max;
    }

    /** A member with these protocols may join: same protocol type, and a protocol every member supports. */
    boolean supports(String type, Set<String> protocols) {
        if (members.isEmpty()) {
            return type != null && !type.isEmpty() && !protocols.isEmpty();
        }
        if (!type.equals(protocolType)) {
            return false;
        }
        Set<String> common = candidateProtocols();
        common.retainAll(protocols);
        return !common.isEmpty();
    }

    /** Protocols every member supports. */
    Set<String> candidateProtocols() {
        Set<String> common = null;
        for (ClassicGroupMember m : members.values()) {
            if (common == null) {
                common = new HashSet<>(m.protocols.keySet());
            } else {
                common.retainAll(m.protocols.keySet());
            }
        }
        return common == null ? new HashSet<>() : common;
    }

    /** Kafka's vote: each member names its most preferred common protocol; the most named wins. */
    String selectProtocol() {
        Set<String> candidates = candidateProtocols();
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (ClassicGroupMember m : members.values()) {
            for (String p : m.protocols.keySet()) {
                if (candidates.contains(p)) {
                    votes.merge(p, 1, Integer::sum);
                    break;
                }
            }
        }
        String best = null;
        for (Map.Entry<String, Integer> e : votes.entrySet()) {
            if (best == null || e.getValue() > votes.get(best)) {
                best = e.getKey();
            }
        }
        return best;
    }

    @Override
    public boolean isSubscribedTo(String topic) {
        return subscribedTopics != null && subscribedTopics.contains(topic);
    }

    /**
     * Kafka's view of what a consumer-protocol group reads: the union of its members' subscriptions, empty
     * for no members, unknown (null) for another protocol or a subscription that does not parse.
     */
    Set<String> computeSubscribedTopics() {
        if (!"consumer".equals(protocolType)) {
            return null;
        }
        if (members.isEmpty()) {
            return Set.of();
        }
        if (protocolName == null) {
            return null;
        }
        Set<String> topics = new HashSet<>();
        for (ClassicGroupMember m : members.values()) {
            try {
                topics.addAll(ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(m.metadata(protocolName)))
                        .topics());
            } catch (RuntimeException e) {
                return null;
            }
        }
        return topics;
    }

    /**
     * Starts the next generation once the join phase is over: the protocol is chosen and the group waits for
     * SyncGroup from everyone, or it is Empty.
     */
    void initNextGeneration(long now) {
        generationId++;
        protocolName = members.isEmpty() ? null : selectProtocol();
        subscribedTopics = computeSubscribedTopics();
        pendingSync.clear();
        transitionTo(members.isEmpty() ? State.EMPTY : State.COMPLETING_REBALANCE, now);
    }

    /**
     * Keeps the leader if it rejoined, else picks one that did. False if nobody rejoined: then the join phase
     * waits longer, as Kafka's does, until session timeouts have removed who is gone.
     */
    boolean electJoinedLeader() {
        ClassicGroupMember leader = leaderId == null ? null : members.get(leaderId);
        if (leader != null && leader.awaitingJoin != null) {
            return true;
        }
        for (ClassicGroupMember m : members.values()) {
            if (m.awaitingJoin != null) {
                leaderId = m.memberId;
                return true;
            }
        }
        return false;
    }

    /**
     * Kafka's admission rule for {@code group.max.size}: while rebalancing, members that already wait count;
     * otherwise members. A member already in (or waiting) is always let through.
     */
    boolean admits(String memberId, int maxSize) {
        ClassicGroupMember m = memberId == null ? null : members.get(memberId);
        return switch (state) {
            case EMPTY, DEAD -> true;
            case PREPARING_REBALANCE -> (m != null && m.awaitingJoin != null) || awaitingJoinCount() < maxSize;
            case COMPLETING_REBALANCE, STABLE -> m != null || members.size() < maxSize;
        };
    }

    /** The member, checked as Kafka checks the member of a request: UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID. */
    ClassicGroupMember requireMember(String memberId, String groupInstanceId) {
        if (groupInstanceId != null) {
            String current = staticMembers.get(groupInstanceId);
            if (current == null) {
                throw new UnknownMemberIdException("no member with group.instance.id " + groupInstanceId);
            }
            if (!current.equals(memberId)) {
                throw new FencedInstanceIdException("group.instance.id " + groupInstanceId
                        + " now belongs to another member");
            }
        }
        ClassicGroupMember m = members.get(memberId);
        if (m == null) {
            throw new UnknownMemberIdException("member " + memberId + " is not in group " + groupId);
        }
        return m;
    }

    @Override
    public void validateOffsetCommit(String memberId, String groupInstanceId, int generation, short apiVersion) {
        if (is(State.DEAD)) {
            throw Errors.COORDINATOR_NOT_AVAILABLE.exception();
        }
        if (generation < 0 && is(State.EMPTY)) {
            return; // a commit from outside group management (assign(), admin tools)
        }
        if (generation >= 0 || !memberId.isEmpty() || groupInstanceId != null) {
            requireMember(memberId, groupInstanceId);
            if (generation != generationId) {
                throw new IllegalGenerationException("generation " + generation + " is not the group's "
                        + generationId);
            }
        } else {
            throw new UnknownMemberIdException("group " + groupId + " has members; commit as one of them");
        }
        if (is(State.COMPLETING_REBALANCE)) {
            // The member knows the new generation from its JoinGroup answer but has no assignment yet.
            throw new RebalanceInProgressException("group " + groupId + " is completing a rebalance");
        }
    }

    @Override
    public void validateTransactionalOffsetCommit(String memberId, String groupInstanceId, int generation) {
        if (is(State.DEAD)) {
            throw Errors.COORDINATOR_NOT_AVAILABLE.exception();
        }
        if (generation < 0 && memberId.isEmpty() && groupInstanceId == null) {
            return;
        }
        requireMember(memberId, groupInstanceId);
        if (generation != generationId) {
            throw new IllegalGenerationException("generation " + generation + " is not the group's " + generationId);
        }
    }

    @Override
    public void validateOffsetFetch(String memberId, int memberEpoch) {
        // Classic groups do not check the fetching member.
    }

    /** The group as a log record (Kafka stores it when the leader's assignment arrives and when it empties). */
    ClassicGroupMetadata toRecord() {
        List<ClassicMember> ms = new ArrayList<>(members.size());
        for (ClassicGroupMember m : members.values()) {
            ms.add(new ClassicMember(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.rebalanceTimeoutMs,
                    m.sessionTimeoutMs, protocolName == null ? new byte[0] : m.metadata(protocolName),
                    m.assignment));
        }
        return new ClassicGroupMetadata(groupId, protocolType, generationId, protocolName, leaderId, stateTimestamp,
                ms);
    }

    /** Notes {@code r} as the group's latest record and returns it, for writing. */
    ClassicGroupMetadata store(ClassicGroupMetadata r) {
        stored = r;
        return r;
    }

    /** A group as its last record left it: Stable with its members, or Empty. */
    static ClassicGroup fromRecord(ClassicGroupMetadata r) {
        ClassicGroup g = new ClassicGroup(r.group(), r.stateTimestamp());
        g.protocolType = r.protocolType();
        g.protocolName = r.protocolName();
        g.generationId = r.generation();
        g.leaderId = r.leader();
        for (ClassicMember m : r.members()) {
            Map<String, byte[]> protocols = new LinkedHashMap<>();
            if (r.protocolName() != null) {
                protocols.put(r.protocolName(), m.subscription());
            }
            ClassicGroupMember member = new ClassicGroupMember(m.memberId(), m.groupInstanceId(), m.clientId(),
                    m.clientHost(), m.rebalanceTimeoutMs(), m.sessionTimeoutMs(), protocols);
            member.assignment = m.assignment();
            g.members.put(m.memberId(), member);
            if (m.groupInstanceId() != null) {
                g.staticMembers.put(m.groupInstanceId(), m.memberId());
            }
        }
        g.state = g.members.isEmpty() ? State.EMPTY : State.STABLE;
        g.subscribedTopics = g.computeSubscribedTopics();
        g.stored = r;
        return g;
    }
}
