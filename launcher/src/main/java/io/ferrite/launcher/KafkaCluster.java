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
 * ({@code controller.quorum.voters}). Kafka's defaults stand, so the internal topics get three replicas.
 * Nodes are {@link KafkaProcess}es: each can be killed, stopped and restarted on its ports and data.
 */
public final class KafkaCluster implements AutoCloseable {
    private final List<KafkaProcess> nodes;

    private KafkaCluster(List<KafkaProcess> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** Formats every node with one fresh cluster id, starts them together and waits until each serves. */
    public static KafkaCluster start(String name, Path dir, int size, Map<String, String> overrides,
                                     List<String> jvmOptions) throws IOException, InterruptedException {
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
        List<KafkaProcess> nodes = new ArrayList<>();
        try {
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
            return new KafkaCluster(nodes);
        } catch (IOException | InterruptedException | RuntimeException e) {
            new KafkaCluster(nodes).close();
            throw e;
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

    /** Kills every node that still runs. */
    @Override
    public void close() {
        for (KafkaProcess node : nodes) {
            if (node.process() != null) {
                node.process().close();
            }
        }
    }
}
