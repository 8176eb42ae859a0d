/**
 * The group coordinator: classic groups (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), consumer groups of
 * KIP-848 (ConsumerGroupHeartbeat), and committed offsets, with their records ({@link io.ferrite.group.GroupRecord})
 * in the coordinator log. All of its state lives on the thread {@code ferrite-group-coordinator} of its
 * {@link io.ferrite.coordinator.CoordinatorRuntime}; {@link io.ferrite.group.GroupCoordinator} is the only way in.
 * Takes requests as kafka-clients' message classes, but knows nothing of the network or the broker.
 */
package io.ferrite.group;
