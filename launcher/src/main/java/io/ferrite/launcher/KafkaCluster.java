package io.ferrite.launcher;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.Uuid;

/**
 * Apache Kafka as a reference cluster: {@code size} KRaft nodes on loopback, each broker and controller at once
 * with its own ports and data directory under {@code dir/node-<id>}, all voters of one static quorum
 * ({@code controller.quorum.voters}). Kafka's defaults stand, so the internal topics get three replicas, and a
 * cluster has at least three nodes. Nodes are {@link KafkaProcess}es: each can be killed, stopped and restarted
 * on its ports and data.
 */
public final class KafkaCluster implements AutoCloseable {
    private static final int MIN_SIZE = 3;
    private final List<KafkaProcess> nodes;

    private KafkaCluster(List<KafkaProcess> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** Formats every node with one fresh cluster id, starts them together and waits until each serves. */
    public static KafkaCluster start(String name, Path dir, int size, Map<String, String> overrides,
                                     List<String> jvmOptions) throws IOException, InterruptedException {
        if (size < MIN_SIZE) {
            throw new IllegalArgumentException("a cluster of " + size + " nodes cannot hold Kafka's internal topics,"
                    + " which take " + MIN_SIZE + " replicas");
        }
        for (int attempt = 1; ; attempt++) {
            List<KafkaProcess> nodes = new ArrayList<>();
            boolean started = false;
            try {
                startOnce(name, dir, size, overrides, jvmOptions, nodes);
                started = true;
                return new KafkaCluster(nodes);
            } catch (IOException | RuntimeException e) {
                // Another process may take a port between the probe and a node's bind; the formatted data names
                // every controller port, so a retry starts from nothing on new ports. Not when a node outlived its
                // SIGKILL: its directory would be deleted under it.
                boolean closed = closeAll(nodes, e);
                boolean portTaken = nodes.stream().anyMatch(n -> n.process() != null
                        && n.process().logTail(100_000).contains("Address already in use"));
                if (attempt == 3 || !portTaken || !closed) {
                    throw e;
                }
                for (int id = 1; id <= size; id++) {
                    ChildProcess.deleteTree(dir.resolve("node-" + id));
                }
            } finally {
                if (!started) {
                    closeAll(nodes, null); // an interrupt or an Error leaves no node running either
                }
            }
        }
    }

    /** Kills {@code nodes}; whether all are dead. A failure is added to {@code cause} when there is one. */
    private static boolean closeAll(List<KafkaProcess> nodes, Exception cause) {
        try {
            new KafkaCluster(nodes).close();
            return true;
        } catch (RuntimeException c) {
            if (cause != null) {
                cause.addSuppressed(c);
            }
            return false;
        }
    }

    private static void startOnce(String name, Path dir, int size, Map<String, String> overrides,
                                  List<String> jvmOptions, List<KafkaProcess> nodes)
            throws IOException, InterruptedException {
        int[] ports = new int[size];
        int[] controllerPorts = new int[size];
        for (int i = 0; i < size; i++) {
            ports[i] = FerriteProcess.freePort();
            controllerPorts[i] = FerriteProcess.freePort();
        }
        String voters = IntStream.range(0, size)
                .mapToObj(i -> (i + 1) + "@" + KafkaProcess.HOST + ":" + controllerPorts[i])
                .collect(Collectors.joining(","));
        String clusterId = Uuid.randomUuid().toString();
        for (int i = 0; i < size; i++) {
            int id = i + 1;
            nodes.add(KafkaProcess.clusterNode(name + "-" + id, dir.resolve("node-" + id), id, ports[i],
                    controllerPorts[i], voters, clusterId, overrides, jvmOptions));
        }
        for (KafkaProcess node : nodes) {
            node.spawn();
        }
        for (KafkaProcess node : nodes) {
            node.awaitStarted();
        }
    }

    public List<KafkaProcess> nodes() {
        return nodes;
    }

    /** The node whose {@code node.id} is {@code id} (1 to size). */
    public KafkaProcess node(int id) {
        return nodes.get(id - 1);
    }

    /** Every node's client address, as a client's {@code bootstrap.servers}. */
    public String bootstrap() {
        return nodes.stream().map(KafkaProcess::bootstrap).collect(Collectors.joining(","));
    }

    /** Kills every node that still runs; one that fails to die does not keep the others alive. */
    @Override
    public void close() {
        RuntimeException first = null;
        for (KafkaProcess node : nodes) {
            try {
                if (node.process() != null) {
                    node.process().close();
                }
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
