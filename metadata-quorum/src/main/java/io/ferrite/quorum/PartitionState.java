package io.ferrite.quorum;

import java.util.List;

/**
 * One partition's replicas, in-sync replicas, leader ({@link #NO_LEADER} when none of its ISR is available) and
 * epochs, as Kafka's PartitionRecord holds them. The leader epoch moves with every change of leader; the
 * partition epoch with every change at all, and an AlterPartition names the one it saw.
 */
public record PartitionState(List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                             int partitionEpoch) {
    public static final int NO_LEADER = -1;

    public PartitionState {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }
}
