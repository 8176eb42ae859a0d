package io.ferrite.group;

import io.ferrite.group.GroupRecord.ConsumerTargetEpoch;
import io.ferrite.group.GroupRecord.ConsumerTargetMember;
import io.ferrite.group.assignor.Assignment;
import io.ferrite.group.assignor.Assignors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;

/**
 * A consumer group's next target assignment, as records: the members whose part changes (only those, as Kafka
 * writes only the difference), then the new target epoch. The assignor sees each member's subscribed topics
 * that exist and its current target, for stickiness.
 */
final class TargetAssignment {
    private TargetAssignment() {
    }

    static List<GroupRecord> compute(ConsumerGroup group, int epoch, Assignors.Assignor assignor,
                                           SubscribedTopics topics) {
        List<Assignors.MemberSpec> specs = new ArrayList<>();
        for (ConsumerGroupMember m : group.members.values()) {
            specs.add(new Assignors.MemberSpec(m.memberId(), m.instanceId(), topics.ids(group.topicsOf(m)),
                    group.target(m.memberId())));
        }
        Map<String, Map<Uuid, Set<Integer>>> result = assignor.assign(specs,
                topics.partitionCounts(group.subscribedTopicNames()));
        List<GroupRecord> out = new ArrayList<>();
        for (ConsumerGroupMember m : group.members.values()) {
            Map<Uuid, Set<Integer>> next = result.getOrDefault(m.memberId(), Assignment.EMPTY);
            if (!next.equals(group.target(m.memberId()))) {
                out.add(new ConsumerTargetMember(group.groupId, m.memberId(), next));
            }
        }
        out.add(new ConsumerTargetEpoch(group.groupId, epoch));
        return out;
    }
}
