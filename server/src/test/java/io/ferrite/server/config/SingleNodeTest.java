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

    /** The message's start; its end, the same for every refusal, is checked here. */
    private static String refused(String... kv) {
        String message = assertThrows(IllegalArgumentException.class, () -> parse(kv)).getMessage();
        assertTrue(message.endsWith(", but Ferrite runs as a single node (node.id " + nodeId(kv)
                + ") and does not replicate; remove the cluster keys to run one broker"), message);
        return message.substring(0, message.indexOf(", but Ferrite"));
    }

    private static String[] with(String[] base, String... more) {
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
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
    void kafkasSingleNodeConfigurationIsAccepted() {
        // The KRaft keys of Kafka 4.x's config/server.properties, a combined node bootstrapping from itself.
        BrokerConfig kafkas = parse("process.roles", "broker,controller", "node.id", "1",
                "controller.quorum.bootstrap.servers", "localhost:9093",
                "listeners", "PLAINTEXT://:9092,CONTROLLER://:9093", "inter.broker.listener.name", "PLAINTEXT",
                "advertised.listeners", "PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093",
                "controller.listener.names", "CONTROLLER",
                "listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,"
                        + "SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL");
        assertEquals(1, kafkas.nodeId());
        // A static quorum of this node alone, however written.
        assertEquals(1, parse("process.roles", "controller, broker", "controller.quorum.voters", "1@localhost:9093")
                .nodeId());
        assertEquals(3, parse("node.id", "3", "controller.quorum.voters", " 03@[::1]:9093, ").nodeId());
        // Itself under two names, and on the wildcard, as Kafka would take them.
        assertEquals(1, parse("controller.quorum.bootstrap.servers", "localhost:9093, 127.0.0.1:09093,",
                "controller.listener.names", "CONTROLLER", "listeners", "PLAINTEXT://:9092,CONTROLLER://:9093",
                "listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT").nodeId());
        assertEquals(1, parse("controller.quorum.bootstrap.servers", "[::1]:9093",
                "controller.listener.names", "CONTROLLER", "listeners", "PLAINTEXT://:9092,CONTROLLER://[::1]:9093",
                "listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT").nodeId());
    }

    @Test
    void aConfigurationNamingOtherNodesIsRefused() {
        assertEquals("controller.quorum.voters names node 2",
                refused("node.id", "1", "controller.quorum.voters", "1@a:9093,2@b:9093,3@c:9093"));
        assertEquals("controller.quorum.voters names node 1",
                refused("node.id", "2", "controller.quorum.voters", "1@a:9093"));
        assertEquals("controller.quorum.voters names node x",
                refused("controller.quorum.voters", "x@a:9093"));
        String[] controllerListener = {"controller.listener.names", "CONTROLLER",
            "listeners", "PLAINTEXT://:9092,CONTROLLER://:9093",
            "listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"};
        // A node joining a dynamic quorum elsewhere: another host on the same port, or this host on another port.
        assertEquals("controller.quorum.bootstrap.servers names node1.invalid:9093, not a controller listener of this"
                + " node", refused(with(controllerListener, "controller.quorum.bootstrap.servers", "node1.invalid:9093")));
        assertEquals("controller.quorum.bootstrap.servers names localhost:9094, not a controller listener of this node",
                refused(with(controllerListener, "controller.quorum.bootstrap.servers", "localhost:9093,localhost:9094")));
        assertEquals("controller.quorum.bootstrap.servers names localhost:9093, not a controller listener of this node",
                refused("controller.quorum.bootstrap.servers", "localhost:9093"));
        assertEquals("process.roles=broker expects other nodes to take the other role",
                refused("process.roles", "broker"));
        assertEquals("process.roles=controller expects other nodes to take the other role",
                refused("process.roles", "\tcontroller"));
    }
}
