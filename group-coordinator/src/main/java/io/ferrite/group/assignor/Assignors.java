package io.ferrite.group.assignor;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;

/**
 * The server-side assignors of consumer groups: given the members, what each subscribes to and its current
 * target, and the partition counts of the subscribed topics, they compute the next target assignment. They
 * are pure functions, so the same inputs always give the same assignment.
 */
public final class Assignors {
    private static final Map<String, Assignor> BY_NAME = Map.of(
            UniformAssignor.NAME, new UniformAssignor(),
            RangeAssignor.NAME, new RangeAssignor());

    private Assignors() {
    }

    /** The assignor of share groups: Kafka's "simple", the only one Kafka 4.3 has for them. */
    public static Assignor share() {
        return SHARE;
    }

    private static final Assignor SHARE = new SimpleShareAssignor();

    /** The assignor of that name, or null. */
    public static Assignor byName(String name) {
        return name == null ? null : BY_NAME.get(name);
    }

    /** A server-side assignor. */
    public interface Assignor {
        String name();

        /**
         * The target assignment: for every member (all of them, possibly with nothing), topic id to partitions.
         * Each partition of a subscribed topic goes to exactly one member subscribed to its topic.
         */
        Map<String, Map<Uuid, Set<Integer>>> assign(List<MemberSpec> members, Map<Uuid, Integer> partitionCounts);
    }

    /**
     * One member as an assignor sees it.
     *
     * @param memberId   the member
     * @param instanceId its group.instance.id, or null
     * @param topics     ids of the existing topics it subscribes to
     * @param current    its current target assignment, for stickiness
     */
    public record MemberSpec(String memberId, String instanceId, Set<Uuid> topics, Map<Uuid, Set<Integer>> current) {
        public MemberSpec {
            topics = Set.copyOf(topics);
            current = Assignment.copyOf(current);
        }
    }
}
