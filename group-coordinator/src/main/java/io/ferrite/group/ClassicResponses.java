package io.ferrite.group;

import java.util.List;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

/** The JoinGroup and SyncGroup answers of the classic protocol, as Kafka fills them in. */
final class ClassicResponses {
    private ClassicResponses() {
    }

    /** The current generation for {@code m}; the leader also gets every member's metadata. */
    static JoinGroupResponseData join(ClassicGroup group, ClassicGroupMember m) {
        return joinAs(group, m, group.leaderId, m.memberId.equals(group.leaderId));
    }

    /** As {@link #join}, naming {@code leader} and listing the members only if {@code withMembers}. */
    static JoinGroupResponseData joinAs(ClassicGroup group, ClassicGroupMember m, String leader,
                                        boolean withMembers) {
        JoinGroupResponseData r = new JoinGroupResponseData().setGenerationId(group.generationId)
                .setProtocolType(group.protocolType).setProtocolName(group.protocolName)
                .setLeader(leader == null ? "" : leader).setMemberId(m.memberId);
        if (withMembers) {
            for (ClassicGroupMember each : group.members.values()) {
                r.members().add(new JoinGroupResponseMember().setMemberId(each.memberId)
                        .setGroupInstanceId(each.groupInstanceId).setMetadata(each.metadata(group.protocolName)));
            }
        } else {
            r.setMembers(List.of());
        }
        return r;
    }

    static JoinGroupResponseData joinError(Errors error, String memberId) {
        return new JoinGroupResponseData().setErrorCode(error.code()).setGenerationId(-1)
                .setMemberId(memberId == null ? "" : memberId).setLeader("").setProtocolName(null);
    }

    static SyncGroupResponseData sync(ClassicGroup group, ClassicGroupMember m) {
        return new SyncGroupResponseData().setProtocolType(group.protocolType).setProtocolName(group.protocolName)
                .setAssignment(m.assignment);
    }

    static SyncGroupResponseData syncError(Errors error) {
        return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0])
                .setProtocolType(null).setProtocolName(null);
    }
}
