package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JoinGroup answers that carry no protocol name (every error, and MEMBER_ID_REQUIRED) at every version:
 * before v7 the name is a non-nullable string, so it goes out as "", as Kafka sends it; from v7 it is null.
 */
class JoinGroupVersionsTest {
    @TempDir
    Path dir;
    private Handlers handlers;

    @BeforeEach
    void start() throws Exception {
        handlers = Handlers.open(dir, Map.of("group.initial.rebalance.delay.ms", "0"));
    }

    @AfterEach
    void stop() {
        handlers.close();
    }

    private JoinGroupResponseData join(short version, String group) throws Exception {
        JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(new byte[] {0, 1}));
        JoinGroupRequestData req = new JoinGroupRequestData().setGroupId(group).setSessionTimeoutMs(10_000)
                .setRebalanceTimeoutMs(10_000).setMemberId("").setProtocolType("consumer").setProtocols(protocols);
        return new JoinGroupResponseData(handlers.exchange(ApiKeys.JOIN_GROUP, version, req), version);
    }

    @Test
    void anErrorAnswerHasAnEmptyProtocolNameBeforeV7AndNoneFromIt() throws Exception {
        for (short v = ApiKeys.JOIN_GROUP.oldestVersion(); v <= ApiKeys.JOIN_GROUP.latestVersion(); v++) {
            JoinGroupResponseData r = join(v, "");
            assertEquals(Errors.INVALID_GROUP_ID.code(), r.errorCode(), "v" + v);
            assertEquals(-1, r.generationId(), "v" + v);
            if (v < 7) {
                assertEquals("", r.protocolName(), "v" + v);
            } else {
                assertNull(r.protocolName(), "v" + v);
            }
        }
    }

    @Test
    void aNewMemberFromV4IsToldItsIdWithoutAProtocolName() throws Exception {
        for (short v = 4; v <= ApiKeys.JOIN_GROUP.latestVersion(); v++) {
            JoinGroupResponseData r = join(v, "group-v" + v);
            assertEquals(Errors.MEMBER_ID_REQUIRED.code(), r.errorCode(), "v" + v);
            assertFalse(r.memberId().isEmpty(), "v" + v);
            assertEquals(v < 7 ? "" : null, r.protocolName(), "v" + v);
        }
        // Before v4 a new member is admitted at once; the answer is the completed join of generation 1.
        for (short v = 0; v < 4; v++) {
            JoinGroupResponseData r = join(v, "old-group-v" + v);
            assertEquals(Errors.NONE.code(), r.errorCode(), "v" + v);
            assertEquals(1, r.generationId(), "v" + v);
            assertEquals("range", r.protocolName(), "v" + v);
            assertEquals(List.of(r.memberId()), r.members().stream().map(m -> m.memberId()).toList(), "v" + v);
        }
    }
}
