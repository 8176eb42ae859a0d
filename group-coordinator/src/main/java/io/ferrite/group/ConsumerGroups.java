package io.ferrite.group;

import io.ferrite.coordinator.CoordinatorRuntime;
import io.ferrite.coordinator.CoordinatorState;
import io.ferrite.group.GroupRecord.ConsumerGroupEpoch;
import io.ferrite.group.GroupRecord.ConsumerKey;
import io.ferrite.group.GroupRecord.ConsumerPart;
import io.ferrite.group.GroupRecord.ConsumerTargetMember;
import io.ferrite.group.GroupRecord.ConsumerTombstone;
import io.ferrite.group.assignor.Assignment;
import io.ferrite.group.assignor.Assignors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.FencedMemberEpochException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupMaxSizeReachedException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.errors.UnreleasedInstanceIdException;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.DescribedGroup;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData.TopicPartitions;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The consumer group protocol's flows, as Kafka's coordinator runs them. A ConsumerGroupHeartbeat (1) creates
 * or updates the member, bumping the group epoch if its subscription changed or a subscribed topic did; (2)
 * recomputes the target assignment with the group's server assignor if the group epoch is ahead of it; (3)
 * moves the member towards its target ({@link Reconciliation}). Leaving (epoch -1), a static member's
 * temporary leave (-2), the session timeout and the rebalance timeout (a member that does not revoke in time)
 * remove or park members the same way.
 *
 * <p>Each flow checks everything that can fail first, then builds its records, applying each to the state as
 * replay would ({@link #append}), and answers once they are durable. Coordinator thread only.
 */
final class ConsumerGroups implements CoordinatorState<GroupRecord> {
    private static final Logger LOG = LogManager.getLogger(ConsumerGroups.class);

    private final Map<String, Group> groups;
    private final CoordinatorRuntime<GroupRecord> runtime;
    private final ConsumerGroupConfig config;
    private final GroupConfigs groupConfigs;
    private final SubscribedTopics topics;
    private final TopicLookup lookup;
    private final ClassicGroups classic;

    ConsumerGroups(Map<String, Group> groups, CoordinatorRuntime<GroupRecord> runtime, ConsumerGroupConfig config,
                   GroupConfigs groupConfigs, TopicLookup topics, ClassicGroups classic) {
        this.groups = groups;
        this.runtime = runtime;
        this.config = config;
        this.groupConfigs = groupConfigs;
        this.topics = new SubscribedTopics(topics);
        this.lookup = topics;
        this.classic = classic;
    }

    /** The consumer group of that id, or null. */
    ConsumerGroup get(String groupId) {
        return groups.get(groupId) instanceof ConsumerGroup g ? g : null;
    }

    // ---- ConsumerGroupHeartbeat ------------------------------------------------------------------------------

    CompletableFuture<ConsumerGroupHeartbeatResponseData> heartbeat(ConsumerGroupHeartbeatRequestData req,
                                                                    short version, String clientId,
                                                                    String clientHost) {
        List<GroupRecord> records = new ArrayList<>();
        ConsumerGroupHeartbeatResponseData resp;
        try {
            HeartbeatChecks.validate(req, version, config.assignors());
            resp = req.memberEpoch() < 0 ? leave(req, records) : join(req, clientId, clientHost, records);
        } catch (ApiException e) {
            resp = error(Errors.forException(e), e.getMessage());
        }
        ConsumerGroupHeartbeatResponseData answer = resp;
        return runtime.write(records).handle((v, e) -> e == null ? answer
                : error(Errors.COORDINATOR_NOT_AVAILABLE, "the group coordinator could not store the change"));
    }

    private static ConsumerGroupHeartbeatResponseData error(Errors error, String message) {
        return new ConsumerGroupHeartbeatResponseData().setErrorCode(error.code()).setErrorMessage(message)
                .setMemberId(null);
    }

    /** A heartbeat with epoch 0 (joining) or the member's epoch. */
    private ConsumerGroupHeartbeatResponseData join(ConsumerGroupHeartbeatRequestData req, String clientId,
                                                    String clientHost, List<GroupRecord> records) {
        String groupId = req.groupId();
        boolean joining = req.memberEpoch() == 0;
        if (joining && req.subscribedTopicRegex() != null && !req.subscribedTopicRegex().isEmpty()) {
            SubscribedTopics.validate(req.subscribedTopicRegex()); // before groupFor, which may convert the group
        }
        ConsumerGroup group = groupFor(groupId, joining, records);
        String memberId = req.memberId().isEmpty() ? Uuid.randomUuid().toString() : req.memberId();
        int size = group == null ? 0 : group.members.size();
        if (size >= config.maxSize() && (group == null || !group.members.containsKey(req.memberId()))) {
            throw new GroupMaxSizeReachedException("The consumer group has reached its maximum capacity of "
                    + config.maxSize() + " members.");
        }
        Map<Uuid, Set<Integer>> owned = HeartbeatChecks.owned(req.topicPartitions());
        Joining j = memberOf(group, req, memberId, owned);
        ConsumerGroupMember member = j.member();
        ConsumerGroupMember replaced = j.replaced();
        String regex = req.subscribedTopicRegex();
        if (regex != null && !regex.isEmpty() && !regex.equals(member.topicRegex())) {
            SubscribedTopics.validate(regex);
        }
        if (member.state() == MemberState.UNKNOWN && (owned == null || !owned.isEmpty())) {
            throw new FencedMemberEpochException("The consumer group member is in a unknown state. The member "
                    + "must abandon all its partitions and rejoin.");
        }

        // Nothing fails from here on: the records are applied as they are made.
        if (replaced != null) {
            replace(group, replaced, member, records);
        }
        ConsumerGroupMember updated = member.updatedBy(req.instanceId(), req.rackId(), req.rebalanceTimeoutMs(),
                req.subscribedTopicNames(), req.subscribedTopicRegex(), req.serverAssignor(), clientId, clientHost)
                .withClassic(null);
        ConsumerGroupMember current = update(groupId, member, updated, owned, records);
        scheduleSession(groupId, memberId);

        ConsumerGroupHeartbeatResponseData resp = new ConsumerGroupHeartbeatResponseData().setMemberId(memberId)
                .setMemberEpoch(current.memberEpoch())
                .setHeartbeatIntervalMs(groupConfigs.consumerHeartbeatIntervalMs(groupId));
        // A full request (joining, or after an error) always gets the assignment; otherwise only a change does.
        boolean full = joining || (req.rebalanceTimeoutMs() != -1 && req.subscribedTopicNames() != null
                && req.topicPartitions() != null);
        if (full || !current.assigned().equals(member.assigned())) {
            resp.setAssignment(responseAssignment(current.assigned()));
        }
        return resp;
    }

    /** A static member back under a new member id takes the place of the one that left, target and all. */
    void replace(ConsumerGroup group, ConsumerGroupMember replaced, ConsumerGroupMember member,
                 List<GroupRecord> records) {
        String groupId = group.groupId;
        Map<Uuid, Set<Integer>> target = group.target(replaced.memberId());
        removeMember(groupId, replaced.memberId(), records);
        cancelTimers(groupId, replaced.memberId());
        append(member.subscriptionRecord(groupId), records);
        append(new ConsumerTargetMember(groupId, member.memberId(), target), records);
        append(member.assignmentRecord(groupId), records);
        LOG.info("group {}: static member {} is back as member {}", groupId, member.instanceId(), member.memberId());
    }

    /**
     * What a heartbeat (or a classic member's JoinGroup) does to the group once it has passed its checks: the
     * member's new subscription is written if it changed, bumping the group epoch if its topics did or a
     * subscribed topic changed; the target assignment is recomputed if behind the group epoch; the member
     * moves a step towards its target. Returns the member as it now is.
     *
     * @param member  the member as the group knows it (or as it joins)
     * @param updated the member with what the request says
     * @param owned   the partitions the member reports owning, or null if it did not say
     */
    ConsumerGroupMember update(String groupId, ConsumerGroupMember member, ConsumerGroupMember updated,
                               Map<Uuid, Set<Integer>> owned, List<GroupRecord> records) {
        String memberId = updated.memberId();
        ConsumerGroup group = get(groupId);
        boolean isNew = group == null || !group.members.containsKey(memberId);
        boolean bump = !updated.topicNames().equals(member.topicNames())
                || !Objects.equals(updated.topicRegex(), member.topicRegex());
        if (isNew || !updated.subscriptionRecord(groupId).equals(member.subscriptionRecord(groupId))) {
            append(updated.subscriptionRecord(groupId), records);
        }
        if (isNew) {
            LOG.info("group {}: member {} joins{}", groupId, memberId,
                    updated.usesClassic() ? " with the classic protocol" : "");
        }
        group = get(groupId);
        group.resolvedRegexes = topics.resolveAll(group.members.values());
        long hash = topics.metadataHash(group.subscribedTopicNames());
        int groupEpoch = group.groupEpoch;
        if (bump || hash != group.metadataHash) {
            groupEpoch++;
            append(new ConsumerGroupEpoch(groupId, groupEpoch, hash), records);
            LOG.info("group {}: epoch {}", groupId, groupEpoch);
        }
        if (groupEpoch > group.assignmentEpoch) {
            assign(group, groupEpoch, records);
        }
        ConsumerGroupMember current = group.members.get(memberId);
        if (!current.isReconciledTo(group.assignmentEpoch)) {
            ConsumerGroupMember next = Reconciliation.next(current, group.assignmentEpoch, group.target(memberId),
                    group::holderEpoch, owned, topics.ids(group.topicsOf(current)));
            if (!next.equals(current)) {
                append(next.assignmentRecord(groupId), records);
                if (next.state() == MemberState.UNREVOKED_PARTITIONS) {
                    scheduleRebalanceTimeout(groupId, memberId, next.memberEpoch(), next.rebalanceTimeoutMs());
                } else {
                    runtime.cancel(rebalanceKey(groupId, memberId));
                }
            }
            current = next;
        }
        return current;
    }

    /** The member a heartbeat is from, as the group knows it, and the static member it replaces, if any. */
    private record Joining(ConsumerGroupMember member, ConsumerGroupMember replaced) {
    }

    /**
     * Finds (or, joining, makes) the member a heartbeat is from, with Kafka's checks: UNKNOWN_MEMBER_ID,
     * FENCED_MEMBER_EPOCH, and for static members FENCED_INSTANCE_ID and UNRELEASED_INSTANCE_ID. A static member
     * joining under a new member id takes the place of the one that left with epoch -2, assignment and all.
     */
    private static Joining memberOf(ConsumerGroup group, ConsumerGroupHeartbeatRequestData req, String memberId,
                                    Map<Uuid, Set<Integer>> owned) {
        boolean joining = req.memberEpoch() == 0;
        ConsumerGroupMember known = group == null ? null : group.members.get(memberId);
        if (req.instanceId() == null) {
            if (known == null && !joining) {
                throw new UnknownMemberIdException("Member " + memberId + " is not a member of group "
                        + req.groupId() + ".");
            }
            if (known == null) {
                return new Joining(ConsumerGroupMember.joining(memberId), null);
            }
            HeartbeatChecks.requireEpoch(known, req.memberEpoch(), owned);
            return new Joining(known, null);
        }
        ConsumerGroupMember current = group == null ? null : group.staticMember(req.instanceId());
        if (joining && current == null) {
            return new Joining(known == null ? ConsumerGroupMember.joining(memberId) : known, null);
        }
        if (joining) {
            // A classic member's instance id is taken over at once, as a classic rejoin would (KIP-848 migration).
            if (!current.usesClassic() && current.memberEpoch() != ConsumerGroupMember.STATIC_LEFT_EPOCH) {
                throw new UnreleasedInstanceIdException("Static member " + memberId + " with instance id "
                        + req.instanceId() + " cannot join the group because the instance id is owned by "
                        + current.memberId() + " member.");
            }
            return new Joining(current.withMemberId(memberId).withAssignment(0, 0, current.state(),
                    current.assigned(), current.pendingRevocation()), current);
        }
        ConsumerGroupMember m = HeartbeatChecks.requireStatic(group, req.instanceId(), memberId);
        HeartbeatChecks.requireEpoch(m, req.memberEpoch(), owned);
        return new Joining(m, null);
    }

    /**
     * The group a heartbeat goes to: null if it is to be created (joining, and no group or an empty classic one).
     * A joining member turns a live classic group into a consumer group where the migration policy allows it.
     */
    private ConsumerGroup groupFor(String groupId, boolean joining, List<GroupRecord> records) {
        Group g = groups.get(groupId);
        if (g instanceof ConsumerGroup c) {
            return c;
        }
        if (g == null && !joining) {
            throw new GroupIdNotFoundException("Consumer group " + groupId + " not found.");
        }
        if (g == null || (joining && g instanceof ClassicGroup c && c.is(ClassicGroup.State.EMPTY))) {
            return null; // an empty classic group (say, offsets committed from outside a group) is taken over
        }
        if (joining && g instanceof ClassicGroup c && config.migrationPolicy().upgrades()
                && GroupConversions.convertible(c) && c.members.size() <= config.maxSize()) {
            if (c.members.size() == config.maxSize()) { // refused before converting: the group stays classic
                throw new GroupMaxSizeReachedException("The consumer group has reached its maximum capacity of "
                        + config.maxSize() + " members.");
            }
            return upgrade(c, records); // nothing after this refuses a joining member the upgrade admitted
        }
        throw new GroupIdNotFoundException("Group " + groupId + " is not a consumer group.");
    }

    /** A live classic group becomes a consumer group of classic members, each keeping what it holds. */
    private ConsumerGroup upgrade(ClassicGroup c, List<GroupRecord> records) {
        List<GroupRecord> converted = GroupConversions.toConsumer(c, topics, lookup);
        classic.retire(c);
        converted.forEach(r -> append(r, records));
        ConsumerGroup group = get(c.groupId);
        for (ConsumerGroupMember m : group.members.values()) {
            scheduleSession(group.groupId, m.memberId());
        }
        LOG.info("group {}: a classic group of {} members becomes a consumer group at epoch {}", c.groupId,
                group.members.size(), group.groupEpoch);
        return group;
    }

    private static ConsumerGroupHeartbeatResponseData.Assignment responseAssignment(Map<Uuid, Set<Integer>> ps) {
        ConsumerGroupHeartbeatResponseData.Assignment a = new ConsumerGroupHeartbeatResponseData.Assignment();
        Assignment.sorted(ps).forEach((topic, parts) -> a.topicPartitions().add(
                new ConsumerGroupHeartbeatResponseData.TopicPartitions().setTopicId(topic).setPartitions(parts)));
        return a;
    }

    /** A new target assignment for {@code epoch}, applied. */
    private void assign(ConsumerGroup group, int epoch, List<GroupRecord> records) {
        Assignors.Assignor assignor = Assignors.byName(group.preferredAssignor(config.defaultAssignor()));
        TargetAssignment.compute(group, epoch, assignor, topics).forEach(r -> append(r, records));
        LOG.info("group {}: new target assignment for epoch {} by the {} assignor", group.groupId, epoch,
                assignor.name());
    }

    // ---- leaving and timeouts --------------------------------------------------------------------------------

    private ConsumerGroupHeartbeatResponseData leave(ConsumerGroupHeartbeatRequestData req,
                                                     List<GroupRecord> records) {
        ConsumerGroup group = get(req.groupId());
        if (group == null) {
            throw new GroupIdNotFoundException(groups.containsKey(req.groupId())
                    ? "Group " + req.groupId() + " is not a consumer group." : "Consumer group " + req.groupId()
                    + " not found.");
        }
        ConsumerGroupHeartbeatResponseData resp = new ConsumerGroupHeartbeatResponseData()
                .setMemberId(req.memberId()).setMemberEpoch(req.memberEpoch());
        if (req.instanceId() == null) {
            ConsumerGroupMember m = group.requireMember(req.memberId());
            LOG.info("group {}: member {} leaves", group.groupId, m.memberId());
            fence(group, m, records);
            return resp;
        }
        ConsumerGroupMember m = HeartbeatChecks.requireStatic(group, req.instanceId(), req.memberId());
        if (req.memberEpoch() == ConsumerGroupMember.STATIC_LEFT_EPOCH) {
            // Away for a restart: it keeps its partitions (nobody else gets them) until its session runs out.
            LOG.info("group {}: static member {} ({}) leaves for now", group.groupId, m.memberId(), req.instanceId());
            append(m.leftForNow().assignmentRecord(group.groupId), records);
            return resp.setMemberId(m.memberId());
        }
        LOG.info("group {}: static member {} ({}) leaves", group.groupId, m.memberId(), req.instanceId());
        fence(group, m, records);
        return resp;
    }

    /**
     * Removes the member and bumps the group epoch; the next heartbeat of anyone reassigns its partitions. When
     * the last member speaking the consumer protocol goes and classic members remain, the group becomes a
     * classic group instead, where the policy allows it.
     */
    void fence(ConsumerGroup group, ConsumerGroupMember m, List<GroupRecord> records) {
        cancelTimers(group.groupId, m.memberId());
        if (downgrades(group, m)) {
            ClassicGroup converted = GroupConversions.toClassic(group, m.memberId(), topics, runtime.now());
            for (String memberId : group.members.keySet()) {
                cancelTimers(group.groupId, memberId);
            }
            records.addAll(removeEmpty(group));
            records.add(GroupConversions.recordOf(converted));
            classic.adopt(converted, "its last consumer-protocol member left; it is a classic group again");
            return;
        }
        removeMember(group.groupId, m.memberId(), records);
        group.resolvedRegexes = topics.resolveAll(group.members.values());
        append(new ConsumerGroupEpoch(group.groupId, group.groupEpoch + 1,
                topics.metadataHash(group.subscribedTopicNames())), records);
    }

    /**
     * Whether the group becomes classic when {@code leaving} goes: it was the last member speaking the consumer
     * protocol, classic members remain, within {@code group.max.size}, with a protocol they all support, and the
     * policy allows it.
     */
    boolean downgrades(ConsumerGroup group, ConsumerGroupMember leaving) {
        return downgrades(group, leaving, 0);
    }

    /** As {@link #downgrades(ConsumerGroup, ConsumerGroupMember)}, with {@code joining} members to come too. */
    boolean downgrades(ConsumerGroup group, ConsumerGroupMember leaving, int joining) {
        if (leaving.usesClassic() || group.members.size() < 2 || !config.migrationPolicy().downgrades()
                || group.members.size() - 1 + joining > classic.maxSize()) {
            return false;
        }
        Set<String> common = null;
        for (ConsumerGroupMember other : group.members.values()) {
            if (other.memberId().equals(leaving.memberId())) {
                continue;
            }
            if (!other.usesClassic()) {
                return false;
            }
            if (common == null) {
                common = new java.util.HashSet<>(other.classic().names());
            } else {
                common.retainAll(other.classic().names());
            }
        }
        return common != null && !common.isEmpty();
    }

    void cancelTimers(String groupId, String memberId) {
        runtime.cancel(sessionKey(groupId, memberId));
        runtime.cancel(rebalanceKey(groupId, memberId));
        runtime.cancel(joinKey(groupId, memberId));
        runtime.cancel(syncKey(groupId, memberId));
    }

    void removeMember(String groupId, String memberId, List<GroupRecord> records) {
        append(new ConsumerTombstone(new ConsumerKey(ConsumerPart.CURRENT_ASSIGNMENT, groupId, memberId)), records);
        append(new ConsumerTombstone(new ConsumerKey(ConsumerPart.TARGET_MEMBER, groupId, memberId)), records);
        append(new ConsumerTombstone(new ConsumerKey(ConsumerPart.MEMBER_SUBSCRIPTION, groupId, memberId)), records);
    }

    /** The member's session restarts: the group's session timeout, or a classic member's own. */
    void scheduleSession(String groupId, String memberId) {
        ConsumerGroup group = get(groupId);
        ConsumerGroupMember m = group == null ? null : group.members.get(memberId);
        int timeoutMs = m != null && m.usesClassic() ? m.classic().sessionTimeoutMs()
                : groupConfigs.consumerSessionTimeoutMs(groupId);
        runtime.schedule(sessionKey(groupId, memberId), timeoutMs,
                () -> fenceByTimer(groupId, memberId, null, "its session timed out"));
    }

    /**
     * A classic member told to rejoin (REBALANCE_IN_PROGRESS) has its rebalance timeout to do so, as in Kafka;
     * the timer already running is kept.
     */
    void scheduleJoinTimeout(String groupId, String memberId, int timeoutMs) {
        if (!runtime.hasTimer(joinKey(groupId, memberId))) {
            runtime.schedule(joinKey(groupId, memberId), Math.max(timeoutMs, 0),
                    () -> fenceByTimer(groupId, memberId, null, "it did not rejoin within " + timeoutMs + " ms"));
        }
    }

    /** After its JoinGroup answer, a classic member has its rebalance timeout to send SyncGroup. */
    void scheduleSyncTimeout(String groupId, String memberId, int timeoutMs) {
        runtime.schedule(syncKey(groupId, memberId), Math.max(timeoutMs, 0),
                () -> fenceByTimer(groupId, memberId, null, "it did not send SyncGroup within " + timeoutMs + " ms"));
    }

    void cancelJoinTimeout(String groupId, String memberId) {
        runtime.cancel(joinKey(groupId, memberId));
    }

    void cancelSyncTimeout(String groupId, String memberId) {
        runtime.cancel(syncKey(groupId, memberId));
    }

    private void scheduleRebalanceTimeout(String groupId, String memberId, int epoch, int timeoutMs) {
        runtime.schedule(rebalanceKey(groupId, memberId), Math.max(timeoutMs, 0),
                () -> fenceByTimer(groupId, memberId, epoch, "it did not revoke its partitions within " + timeoutMs
                        + " ms"));
    }

    /** A timer's fencing: only if the member is still there (and, for a rebalance timeout, still at that epoch). */
    private void fenceByTimer(String groupId, String memberId, Integer epoch, String reason) {
        ConsumerGroup group = get(groupId);
        ConsumerGroupMember m = group == null ? null : group.members.get(memberId);
        if (m == null || (epoch != null && m.memberEpoch() != epoch)) {
            return;
        }
        LOG.info("group {}: member {} is removed because {}", groupId, memberId, reason);
        List<GroupRecord> records = new ArrayList<>();
        fence(group, m, records);
        runtime.write(records);
    }

    private static String sessionKey(String groupId, String memberId) {
        return "consumer-session|" + groupId + "|" + memberId;
    }

    private static String rebalanceKey(String groupId, String memberId) {
        return "consumer-rebalance|" + groupId + "|" + memberId;
    }

    private static String joinKey(String groupId, String memberId) {
        return "consumer-classic-join|" + groupId + "|" + memberId;
    }

    private static String syncKey(String groupId, String memberId) {
        return "consumer-classic-sync|" + groupId + "|" + memberId;
    }

    // ---- the whole group -------------------------------------------------------------------------------------

    /** ConsumerGroupDescribe of one group id. */
    DescribedGroup describe(String groupId) {
        ConsumerGroup g = get(groupId);
        if (g == null) {
            return new DescribedGroup().setGroupId(groupId).setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                    .setErrorMessage(groups.containsKey(groupId) ? "Group " + groupId + " is not a consumer group."
                            : "Group " + groupId + " not found.");
        }
        return g.describe(topics, config.defaultAssignor());
    }

    /**
     * The records removing an empty group's own state (not its offsets), already applied: when a classic
     * member takes the group id over, or the group expires.
     */
    List<GroupRecord> removeEmpty(ConsumerGroup g) {
        List<GroupRecord> records = new ArrayList<>();
        for (String memberId : List.copyOf(g.members.keySet())) {
            removeMember(g.groupId, memberId, records);
        }
        append(new ConsumerTombstone(new ConsumerKey(ConsumerPart.TARGET_EPOCH, g.groupId, null)), records);
        append(new ConsumerTombstone(new ConsumerKey(ConsumerPart.GROUP_EPOCH, g.groupId, null)), records);
        return records;
    }

    /** The group is gone (DeleteGroups): its timers go with it. */
    void forget(ConsumerGroup g) {
        for (String memberId : g.members.keySet()) {
            cancelTimers(g.groupId, memberId);
        }
        groups.remove(g.groupId, g);
    }

    // ---- log -------------------------------------------------------------------------------------------------

    void append(GroupRecord r, List<GroupRecord> records) {
        replay(r);
        records.add(r);
    }

    @Override
    public void replay(GroupRecord r) {
        if (r instanceof GroupRecord.GroupTombstone t) {
            if (groups.get(t.group()) instanceof ConsumerGroup) {
                groups.remove(t.group());
            }
            return;
        }
        if (!(r.key() instanceof ConsumerKey key)) {
            return;
        }
        boolean tombstone = r instanceof ConsumerTombstone;
        if (tombstone && key.part() == ConsumerPart.GROUP_EPOCH) {
            if (groups.get(key.group()) instanceof ConsumerGroup) {
                groups.remove(key.group());
            }
            return;
        }
        Group g = groups.get(key.group());
        ConsumerGroup group = g instanceof ConsumerGroup c ? c : null;
        if (group == null) {
            if (tombstone) {
                return;
            }
            if (g != null && !g.isEmpty()) {
                LOG.info("group {} of type {} with members became a consumer group", key.group(), g.type());
            }
            group = new ConsumerGroup(key.group(), runtime.now());
            groups.put(key.group(), group);
        }
        group.replay(r, runtime.now());
    }

    /** Nothing waits here (a heartbeat is answered at once); the runtime drops the timers. */
    @Override
    public void unload() {
        groups.values().removeIf(g -> g instanceof ConsumerGroup);
    }

    @Override
    public void loaded() {
        // Members loaded from the log have a session from now on to show they are still there.
        for (Group g : groups.values()) {
            if (g instanceof ConsumerGroup c) {
                c.resolvedRegexes = topics.resolveAll(c.members.values());
                for (ConsumerGroupMember m : c.members.values()) {
                    scheduleSession(c.groupId, m.memberId());
                    if (m.state() == MemberState.UNREVOKED_PARTITIONS) {
                        scheduleRebalanceTimeout(c.groupId, m.memberId(), m.memberEpoch(), m.rebalanceTimeoutMs());
                    }
                }
            }
        }
    }

    @Override
    public void snapshot(List<GroupRecord> out) {
        for (Group g : groups.values()) {
            if (g instanceof ConsumerGroup c) {
                c.snapshot(out);
            }
        }
    }
}
