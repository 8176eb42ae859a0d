package io.ferrite.group;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

/** One member of a classic group, with the answers it is waiting for. Coordinator thread only. */
final class ClassicGroupMember {
    final String memberId;
    final String groupInstanceId;
    final String clientId;
    final String clientHost;
    int rebalanceTimeoutMs;
    int sessionTimeoutMs;
    /** Protocol name to its metadata, in the member's order of preference. */
    Map<String, byte[]> protocols;
    byte[] assignment = new byte[0];
    /** Set while the member waits in a rebalance for its JoinGroup answer. */
    CompletableFuture<JoinGroupResponseData> awaitingJoin;
    /** Set while the member waits for the leader's assignment. */
    CompletableFuture<SyncGroupResponseData> awaitingSync;
    /** Joined during the current rebalance; removed sooner if it does not come back. */
    boolean isNew;

    ClassicGroupMember(String memberId, String groupInstanceId, String clientId, String clientHost,
                       int rebalanceTimeoutMs, int sessionTimeoutMs, Map<String, byte[]> protocols) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.protocols = new LinkedHashMap<>(protocols);
    }

    /**
     * Whether a session timeout that ends now leaves the member in: one waiting in a rebalance is covered by
     * the rebalance's own timeouts, except a new member, which has a shorter limit of its own.
     */
    boolean hasSatisfiedHeartbeat() {
        return !isNew && (awaitingJoin != null || awaitingSync != null);
    }

    boolean isStatic() {
        return groupInstanceId != null;
    }

    byte[] metadata(String protocol) {
        byte[] m = protocols.get(protocol);
        return m == null ? new byte[0] : m;
    }

    /** Same protocols, same metadata, same order. */
    boolean sameProtocols(Map<String, byte[]> other) {
        if (!protocols.keySet().stream().toList().equals(other.keySet().stream().toList())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : protocols.entrySet()) {
            if (!Arrays.equals(e.getValue(), other.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
