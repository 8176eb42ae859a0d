package io.ferrite.group;

import io.ferrite.coordinator.CoordinatorRuntime;
import io.ferrite.coordinator.CoordinatorState;
import io.ferrite.group.GroupRecord.ShareGroupEpoch;
import io.ferrite.group.GroupRecord.ShareKey;
import io.ferrite.group.GroupRecord.ShareMember;
import io.ferrite.group.GroupRecord.SharePart;
import io.ferrite.group.GroupRecord.ShareTargetMember;
import io.ferrite.group.GroupRecord.ShareTombstone;
import io.ferrite.group.assignor.Assignment;
import io.ferrite.group.assignor.Assignors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.FencedMemberEpochException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupMaxSizeReachedException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.common.message.ShareGroupDescribeResponseData.DescribedGroup;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ShareGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The share group protocol's flows (ShareGroupHeartbeat, KIP-932), as Kafka's coordinator runs them. A heartbeat
 * (1) creates or updates the member, bumping the group epoch if its subscription changed or a subscribed topic
 * did; (2) a bumped epoch recomputes the target assignment with the simple assignor; (3) a member behind the
 * group's epoch gets its target at once, at that epoch: a share group has no revocation, as many members may
 * read one partition. A heartbeat at the member's epoch, or at the one before (its answer may have been lost),
 * is taken; any other is FENCED_MEMBER_EPOCH. Leaving (epoch -1) and the session timeout
 * ({@code share.session.timeout.ms}) remove a member and bump the epoch.
 *
 * <p>Each flow checks everything that can fail first, then builds its records, applying each to the state as
 * replay would, and answers once they are durable. Coordinator thread only.
 */
final class ShareGroups implements CoordinatorState<GroupRecord> {
    private static final Logger LOG = LogManager.getLogger(ShareGroups.class);

    private final Map<String, Group> groups;
    private final CoordinatorRuntime<GroupRecord> runtime;
    private final ShareGroupConfig config;
    private final GroupConfigs groupConfigs;
    private final SubscribedTopics topics;
    private final ShareStates states;

    ShareGroups(Map<String, Group> groups, CoordinatorRuntime<GroupRecord> runtime, ShareGroupConfig config,
                GroupConfigs groupConfigs, TopicLookup topics, ShareStates states) {
        this.groups = groups;
        this.runtime = runtime;
        this.config = config;
        this.groupConfigs = groupConfigs;
        this.topics = new SubscribedTopics(topics);
        this.states = states;
    }

    /** The share group of that id, or null. */
    ShareGroup get(String groupId) {
        return groups.get(groupId) instanceof ShareGroup g ? g : null;
    }

    // ---- ShareGroupHeartbeat ---------------------------------------------------------------------------------

    CompletableFuture<ShareGroupHeartbeatResponseData> heartbeat(ShareGroupHeartbeatRequestData req,
                                                                 String clientId, String clientHost) {
        List<GroupRecord> records = new ArrayList<>();
        ShareGroupHeartbeatResponseData resp;
        try {
            validate(req);
            resp = req.memberEpoch() == -1 ? leave(req, records) : join(req, clientId, clientHost, records);
        } catch (ApiException e) {
            resp = new ShareGroupHeartbeatResponseData().setErrorCode(Errors.forException(e).code())
                    .setErrorMessage(e.getMessage()).setMemberId(null);
        }
        ShareGroupHeartbeatResponseData answer = resp;
        return runtime.write(records).handle((v, e) -> e == null ? answer
                : new ShareGroupHeartbeatResponseData().setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code())
                        .setErrorMessage("the group coordinator could not store the change").setMemberId(null));
    }

    /** Kafka's INVALID_REQUEST checks, with its messages. */
    private static void validate(ShareGroupHeartbeatRequestData req) {
        if (req.groupId() == null || req.groupId().isEmpty()) {
            throw new InvalidRequestException("GroupId can't be empty.");
        }
        if (req.rackId() != null && req.rackId().isEmpty()) {
            throw new InvalidRequestException("RackId can't be empty.");
        }
        if (req.memberId() == null || req.memberId().isEmpty()) {
            throw new InvalidRequestException("MemberId can't be empty.");
        }
        if (req.memberEpoch() == 0 && (req.subscribedTopicNames() == null || req.subscribedTopicNames().isEmpty())) {
            throw new InvalidRequestException("SubscribedTopicNames must be set in first request.");
        }
        if (req.memberEpoch() < -1) {
            throw new InvalidRequestException("MemberEpoch is invalid.");
        }
    }

    /** A heartbeat with epoch 0 (joining) or the member's epoch. */
    private ShareGroupHeartbeatResponseData join(ShareGroupHeartbeatRequestData req, String clientId,
                                                 String clientHost, List<GroupRecord> records) {
        String groupId = req.groupId();
        String memberId = req.memberId();
        boolean joining = req.memberEpoch() == 0;
        ShareGroup group = groupFor(groupId, joining);
        ShareMember known = group == null ? null : group.members.get(memberId);
        if (known == null && !joining) {
            throw new UnknownMemberIdException("Member " + memberId + " is not a member of share group " + groupId
                    + ".");
        }
        if (known != null && !joining && req.memberEpoch() != known.memberEpoch()
                && req.memberEpoch() != known.previousMemberEpoch()) {
            throw new FencedMemberEpochException("The share group member has a stale member epoch (" + req.memberEpoch()
                    + ", expected " + known.memberEpoch() + "). The member must abandon all its partitions and "
                    + "rejoin.");
        }
        int maxSize = config.maxSize();
        if (known == null && group != null && group.members.size() >= maxSize) {
            throw new GroupMaxSizeReachedException("The share group has reached its maximum capacity of " + maxSize
                    + " members.");
        }

        // Nothing fails from here on: the records are applied as they are made.
        List<String> names = req.subscribedTopicNames() != null ? req.subscribedTopicNames()
                : known.topicNames();
        ShareMember updated = new ShareMember(groupId, memberId,
                req.rackId() != null ? req.rackId() : known == null ? null : known.rackId(), clientId, clientHost,
                names, known == null ? 0 : known.memberEpoch(), known == null ? 0 : known.previousMemberEpoch(),
                known == null ? Map.of() : known.assigned());
        boolean bump = known == null || !updated.topicNames().equals(known.topicNames());
        if (known == null || !updated.equals(known)) {
            append(updated, records);
        }
        if (known == null) {
            LOG.info("share group {}: member {} joins", groupId, memberId);
        }
        group = get(groupId);
        long hash = topics.metadataHash(group.subscribedTopicNames());
        if (bump || hash != group.metadataHash) {
            append(new ShareGroupEpoch(groupId, group.groupEpoch + 1, hash), records);
            assign(group, records);
        }
        ShareMember current = group.members.get(memberId);
        if (current.memberEpoch() != group.groupEpoch) {
            current = new ShareMember(groupId, memberId, current.rackId(), current.clientId(), current.clientHost(),
                    current.topicNames(), group.groupEpoch, current.memberEpoch(), group.target(memberId));
            append(current, records);
        }
        scheduleSession(groupId, memberId);

        ShareGroupHeartbeatResponseData resp = new ShareGroupHeartbeatResponseData().setMemberId(memberId)
                .setMemberEpoch(current.memberEpoch())
                .setHeartbeatIntervalMs(groupConfigs.shareHeartbeatIntervalMs(groupId));
        // Joining gets the assignment always; after that only a change does.
        if (joining || known == null || !current.assigned().equals(known.assigned())) {
            resp.setAssignment(responseAssignment(current.assigned()));
        }
        return resp;
    }

    /** The group a heartbeat goes to: null if it is to be created (joining, and no group by that id). */
    private ShareGroup groupFor(String groupId, boolean joining) {
        Group g = groups.get(groupId);
        if (g instanceof ShareGroup s) {
            return s;
        }
        if (g == null && joining) {
            return null;
        }
        throw new GroupIdNotFoundException(g == null ? "Share group " + groupId + " not found."
                : "Group " + groupId + " is not a share group.");
    }

    /** The target assignment for the group's new epoch: written for each member whose part changes. */
    private void assign(ShareGroup group, List<GroupRecord> records) {
        List<Assignors.MemberSpec> specs = new ArrayList<>();
        for (ShareMember m : group.members.values()) {
            specs.add(new Assignors.MemberSpec(m.memberId(), null, topics.ids(Set.copyOf(m.topicNames())),
                    group.target(m.memberId())));
        }
        Map<String, Map<Uuid, Set<Integer>>> result = Assignors.share().assign(specs,
                topics.partitionCounts(group.subscribedTopicNames()));
        for (ShareMember m : List.copyOf(group.members.values())) {
            Map<Uuid, Set<Integer>> next = result.getOrDefault(m.memberId(), Assignment.EMPTY);
            if (!next.equals(group.target(m.memberId()))) {
                append(new ShareTargetMember(group.groupId, m.memberId(), next), records);
            }
        }
        LOG.info("share group {}: epoch {}, a new target assignment for {} members", group.groupId, group.groupEpoch,
                group.members.size());
    }

    private static ShareGroupHeartbeatResponseData.Assignment responseAssignment(Map<Uuid, Set<Integer>> ps) {
        ShareGroupHeartbeatResponseData.Assignment a = new ShareGroupHeartbeatResponseData.Assignment();
        Assignment.sorted(ps).forEach((topic, parts) -> a.topicPartitions().add(
                new ShareGroupHeartbeatResponseData.TopicPartitions().setTopicId(topic).setPartitions(parts)));
        return a;
    }

    // ---- leaving and timeouts --------------------------------------------------------------------------------

    private ShareGroupHeartbeatResponseData leave(ShareGroupHeartbeatRequestData req, List<GroupRecord> records) {
        ShareGroup group = groupFor(req.groupId(), false);
        ShareMember m = group.requireMember(req.memberId());
        LOG.info("share group {}: member {} leaves", group.groupId, m.memberId());
        remove(group, m.memberId(), records);
        return new ShareGroupHeartbeatResponseData().setMemberId(req.memberId()).setMemberEpoch(-1);
    }

    /** Removes the member, releasing the records it holds; the others are assigned again at a new epoch. */
    private void remove(ShareGroup group, String memberId, List<GroupRecord> records) {
        records.addAll(states.releaseAll(group.groupId, memberId));
        append(new ShareTombstone(new ShareKey(SharePart.MEMBER, group.groupId, memberId)), records);
        append(new ShareTombstone(new ShareKey(SharePart.TARGET_MEMBER, group.groupId, memberId)), records);
        runtime.cancel(sessionKey(group.groupId, memberId));
        append(new ShareGroupEpoch(group.groupId, group.groupEpoch + 1,
                topics.metadataHash(group.subscribedTopicNames())), records);
        assign(group, records);
    }

    private void scheduleSession(String groupId, String memberId) {
        runtime.schedule(sessionKey(groupId, memberId), groupConfigs.shareSessionTimeoutMs(groupId), () -> {
            ShareGroup group = get(groupId);
            if (group == null || !group.members.containsKey(memberId)) {
                return;
            }
            LOG.info("share group {}: member {} is removed because its session timed out", groupId, memberId);
            List<GroupRecord> records = new ArrayList<>();
            remove(group, memberId, records);
            runtime.write(records);
        });
    }

    private static String sessionKey(String groupId, String memberId) {
        return "share-session|" + groupId + "|" + memberId;
    }

    // ---- the whole group -------------------------------------------------------------------------------------

    /** ShareGroupDescribe of one group id. */
    DescribedGroup describe(String groupId) {
        ShareGroup g = get(groupId);
        if (g == null) {
            return new DescribedGroup().setGroupId(groupId).setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                    .setErrorMessage(groups.containsKey(groupId) ? "Group " + groupId + " is not a share group."
                            : "Group " + groupId + " not found.");
        }
        return g.describe(topics);
    }

    /** The records removing an empty group and its share-partitions, already applied (DeleteGroups). */
    List<GroupRecord> removeEmpty(ShareGroup g) {
        List<GroupRecord> records = new ArrayList<>(states.removeGroup(g.groupId));
        List<GroupRecord> own = g.tombstones();
        own.forEach(this::replay);
        records.addAll(own);
        return records;
    }

    // ---- log -------------------------------------------------------------------------------------------------

    private void append(GroupRecord r, List<GroupRecord> records) {
        replay(r);
        records.add(r);
    }

    @Override
    public void replay(GroupRecord r) {
        if (!(r.key() instanceof ShareKey key)) {
            return;
        }
        Group g = groups.get(key.group());
        if (r instanceof ShareTombstone && key.part() == SharePart.GROUP_EPOCH) {
            if (g instanceof ShareGroup) {
                groups.remove(key.group());
            }
            return;
        }
        ShareGroup group = g instanceof ShareGroup s ? s : null;
        if (group == null) {
            if (r instanceof ShareTombstone) {
                return;
            }
            if (g != null && !g.isEmpty()) {
                LOG.warn("group {} of type {} with members is replaced by a share group", key.group(), g.type());
            }
            group = new ShareGroup(key.group(), runtime.now());
            groups.put(key.group(), group);
        }
        group.replay(r, runtime.now());
    }

    @Override
    public void unload() {
        groups.values().removeIf(g -> g instanceof ShareGroup);
    }

    @Override
    public void loaded() {
        // Members loaded from the log have a session from now on to show they are still there.
        for (Group g : groups.values()) {
            if (g instanceof ShareGroup s) {
                s.members.keySet().forEach(id -> scheduleSession(s.groupId, id));
            }
        }
    }

    @Override
    public void snapshot(List<GroupRecord> out) {
        for (Group g : groups.values()) {
            if (g instanceof ShareGroup s) {
                s.snapshot(out);
            }
        }
    }
}
