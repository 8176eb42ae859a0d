package io.ferrite.group;

import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;

/**
 * A group of either protocol, as committed offsets and the admin APIs see it. Its state lives on the
 * coordinator thread.
 */
interface Group {
    String groupId();

    /** Kafka's group type name: "classic" or "consumer". */
    String type();

    /** The protocol type members joined with ("consumer", "connect", ...), or "" for a group with none. */
    String protocolType();

    /** Kafka's name for the state, as DescribeGroups and ListGroups report it. */
    String stateName();

    /** In Kafka's Empty state: no members, and no rebalance under way (what DeleteGroups and expiry ask). */
    boolean isEmpty();

    /** When the group last became empty, for offset expiry; meaningful only while it is empty. */
    long emptySince();

    /** Whether any member's subscription names the topic; false when the group cannot tell. */
    boolean isSubscribedTo(String topic);

    /**
     * Returns if the commit may go ahead, or throws the {@link org.apache.kafka.common.errors.ApiException}
     * Kafka answers it with (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS, ...).
     */
    void validateOffsetCommit(String memberId, String groupInstanceId, int generationOrEpoch, short apiVersion);

    /**
     * As {@link #validateOffsetCommit(String, String, int, short)}, knowing the partitions committed (topic id to
     * partitions; null if not known): a consumer group takes a commit one epoch behind for what the member still
     * holds since then (KIP-1251).
     */
    default void validateOffsetCommit(String memberId, String groupInstanceId, int generationOrEpoch,
                                      short apiVersion, Map<Uuid, Set<Integer>> partitions) {
        validateOffsetCommit(memberId, groupInstanceId, generationOrEpoch, apiVersion);
    }

    /**
     * As {@link #validateOffsetCommit}, for offsets committed in a transaction (TxnOffsetCommit): a request
     * without member (v0-2 carry none) is taken, a named member must be there at its generation or epoch (a
     * stale one is ILLEGAL_GENERATION), and a rebalance in progress is no reason to refuse, as in Kafka.
     */
    void validateTransactionalOffsetCommit(String memberId, String groupInstanceId, int generationOrEpoch);

    /** As {@link #validateOffsetCommit}, for an OffsetFetch that names its member (v9+). */
    void validateOffsetFetch(String memberId, int memberEpoch);
}
