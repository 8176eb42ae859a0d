package io.ferrite.server.config;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Ferrite runs as one node. A Kafka KRaft configuration of one combined node (this node the only voter, or every
 * bootstrap controller this node's own controller listener) is accepted and its controller keys ignored. One that
 * names other nodes would start a lone broker where a cluster was meant, and clients would take it for a replicated
 * one, so it is refused, naming the key.
 */
final class SingleNode {
    private SingleNode() {
    }

    /** @throws IllegalArgumentException when the configuration expects other nodes */
    static void check(Map<String, String> props, Map<String, Object> values) {
        int nodeId = (Integer) values.get("node.id");
        String cause = null;
        for (String voter : items(props.get("controller.quorum.voters"))) {
            String id = voter.split("@", 2)[0].strip();
            if (!isNode(id, nodeId)) {
                cause = "controller.quorum.voters names node " + id;
                break;
            }
        }
        if (cause == null) {
            // Kafka's combined node names itself; any other address is a controller elsewhere to join.
            Set<Integer> own = SecurityConfigs.controllerPorts(values);
            for (String server : items(props.get("controller.quorum.bootstrap.servers"))) {
                int colon = server.lastIndexOf(':');
                String host = server.substring(0, Math.max(colon, 0)).replace("[", "").replace("]", "");
                if (!own.contains(port(server.substring(colon + 1))) || !isLocal(host)) {
                    cause = "controller.quorum.bootstrap.servers names " + server + ", not a controller listener of"
                            + " this node";
                    break;
                }
            }
        }
        String roles = props.getOrDefault("process.roles", "").replaceAll("\\s", "");
        if (cause == null && !roles.isEmpty() && !roles.equals("broker,controller")
                && !roles.equals("controller,broker")) {
            cause = "process.roles=" + roles + " expects other nodes to take the other role";
        }
        if (cause != null) {
            throw new IllegalArgumentException(cause + ", but Ferrite runs as a single node (node.id " + nodeId
                    + ") and does not replicate; remove the cluster keys to run one broker");
        }
    }

    /** The non-blank, stripped items of a comma-separated value, as Kafka reads lists. */
    private static List<String> items(String value) {
        List<String> out = new ArrayList<>();
        if (value != null) {
            for (String item : value.split(",")) {
                if (!item.isBlank()) {
                    out.add(item.strip());
                }
            }
        }
        return out;
    }

    private static int port(String digits) {
        try {
            return Integer.parseInt(digits.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Whether {@code host} is this machine: empty, a wildcard, loopback, or an address of one of its interfaces. */
    private static boolean isLocal(String host) {
        if (host.isBlank()) {
            return true;
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(host.strip())) {
                if (a.isAnyLocalAddress() || a.isLoopbackAddress() || NetworkInterface.getByInetAddress(a) != null) {
                    return true;
                }
            }
        } catch (UnknownHostException | SocketException e) {
            return false; // a name this machine cannot resolve is not one of its own
        }
        return false;
    }

    private static boolean isNode(String id, int nodeId) {
        try {
            return Integer.parseInt(id) == nodeId;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
