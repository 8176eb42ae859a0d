package io.ferrite.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Kafka's KRaft keys: one combined node is accepted, a configuration naming other nodes refused. */
class SingleNodeTest {

    private static BrokerConfig parse(String... kv) {
        Map<String, String> props = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            props.put(kv[i], kv[i + 1]);
        }
        return BrokerConfig.fromProperties(props);
    }

    private static String refused(String... kv) {
        String message = assertThrows(IllegalArgumentException.class, () -> parse(kv)).getMessage();
        assertTrue(message.endsWith("but Ferrite runs as a single node (node.id " + nodeId(kv)
                + ") and does not replicate; remove the cluster keys to run one broker"), message);
        return message;
    }

    private static String nodeId(String... kv) {
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i].equals("node.id")) {
                return kv[i + 1];
            }
        }
        return "1";
    }

    @Test
    void kafkasSingleNodeConfigurationsAreAccepted() {
        assertEquals(1, parse("node.id", "1", "process.roles", "broker,controller",
                "controller.quorum.voters", "1@localhost:9093").nodeId());
        assertEquals(1, parse("process.roles", "broker, controller",
                "controller.quorum.bootstrap.servers", "localhost:9093").nodeId());
        assertEquals(3, parse("node.id", "3", "controller.quorum.voters", "3@[::1]:9093").nodeId());
    }

    @Test
    void aConfigurationNamingOtherNodesIsRefused() {
        assertTrue(refused("node.id", "1", "controller.quorum.voters", "1@a:9093,2@b:9093,3@c:9093")
                .startsWith("controller.quorum.voters names node 3, "));
        assertTrue(refused("node.id", "2", "controller.quorum.voters", "1@a:9093")
                .startsWith("controller.quorum.voters names node 1, "));
        assertTrue(refused("controller.quorum.bootstrap.servers", "a:9093,b:9093")
                .startsWith("controller.quorum.bootstrap.servers names more than one controller, "));
        assertTrue(refused("process.roles", "broker")
                .startsWith("process.roles=broker expects other nodes to take the other role, "));
        assertTrue(refused("process.roles", "controller").startsWith("process.roles=controller "));
    }
}
