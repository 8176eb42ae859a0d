package io.ferrite.group;

import io.ferrite.coordinator.CoordinatorState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The configs each group sets for itself, rebuilt from the coordinator's log ({@link GroupRecord.GroupConfigs})
 * and read by the group code for the values it runs a group with: the group's own, else the broker's. Owned by
 * the group coordinator's thread, like all its state.
 */
final class GroupConfigs implements CoordinatorState<GroupRecord> {
    private final Map<String, Map<String, String>> byGroup = new HashMap<>();
    private final ConsumerGroupConfig consumer;
    private final ShareGroupConfig share;

    GroupConfigs(ConsumerGroupConfig consumer, ShareGroupConfig share) {
        this.consumer = consumer;
        this.share = share;
    }

    /** What {@code group} sets, in name order; empty if nothing. */
    Map<String, String> of(String group) {
        return new TreeMap<>(byGroup.getOrDefault(group, Map.of()));
    }

    /**
     * The record that changes {@code group}'s set to what {@code edit} makes of it, after checking the new set
     * whole ({@link GroupConfigKeys#validate}); applied here, as replay would. Throws INVALID_CONFIG, changing
     * nothing, when the set is refused.
     */
    GroupRecord.GroupConfigs change(String group, UnaryOperator<Map<String, String>> edit) {
        GroupRecord.GroupConfigs record = new GroupRecord.GroupConfigs(group, checked(group, edit));
        replay(record);
        return record;
    }

    /** The set {@code edit} makes of {@code group}'s, checked whole, without changing anything. */
    Map<String, String> checked(String group, UnaryOperator<Map<String, String>> edit) {
        Map<String, String> next = edit.apply(of(group));
        GroupConfigKeys.validate(next, consumer, share);
        return next;
    }

    int consumerSessionTimeoutMs(String group) {
        return intValue(group, GroupConfigKeys.CONSUMER_SESSION_TIMEOUT_MS, consumer.sessionTimeoutMs());
    }

    int consumerHeartbeatIntervalMs(String group) {
        return intValue(group, GroupConfigKeys.CONSUMER_HEARTBEAT_INTERVAL_MS, consumer.heartbeatIntervalMs());
    }

    int shareSessionTimeoutMs(String group) {
        return intValue(group, GroupConfigKeys.SHARE_SESSION_TIMEOUT_MS, share.sessionTimeoutMs());
    }

    int shareHeartbeatIntervalMs(String group) {
        return intValue(group, GroupConfigKeys.SHARE_HEARTBEAT_INTERVAL_MS, share.heartbeatIntervalMs());
    }

    int shareRecordLockDurationMs(String group) {
        return intValue(group, GroupConfigKeys.SHARE_RECORD_LOCK_DURATION_MS, share.recordLockDurationMs());
    }

    int shareDeliveryCountLimit(String group) {
        return intValue(group, GroupConfigKeys.SHARE_DELIVERY_COUNT_LIMIT, share.deliveryCountLimit());
    }

    int sharePartitionMaxRecordLocks(String group) {
        return intValue(group, GroupConfigKeys.SHARE_PARTITION_MAX_RECORD_LOCKS, share.partitionMaxRecordLocks());
    }

    boolean shareReadCommitted(String group) {
        return "read_committed".equals(byGroup.getOrDefault(group, Map.of())
                .getOrDefault(GroupConfigKeys.SHARE_ISOLATION_LEVEL, "read_uncommitted").trim());
    }

    boolean shareRenewAllowed(String group) {
        return !"false".equalsIgnoreCase(byGroup.getOrDefault(group, Map.of())
                .getOrDefault(GroupConfigKeys.SHARE_RENEW_ACKNOWLEDGE_ENABLE, "true").trim());
    }

    String shareAutoOffsetReset(String group) {
        return byGroup.getOrDefault(group, Map.of()).getOrDefault(GroupConfigKeys.SHARE_AUTO_OFFSET_RESET, "latest");
    }

    private int intValue(String group, String name, int brokerValue) {
        String own = byGroup.getOrDefault(group, Map.of()).get(name);
        return own == null ? brokerValue : Integer.parseInt(own.trim());
    }

    @Override
    public void replay(GroupRecord record) {
        if (record instanceof GroupRecord.GroupConfigs c) {
            if (c.configs().isEmpty()) {
                byGroup.remove(c.group());
            } else {
                byGroup.put(c.group(), c.configs());
            }
        }
    }

    @Override
    public void unload() {
        byGroup.clear();
    }

    @Override
    public void snapshot(List<GroupRecord> out) {
        byGroup.forEach((group, configs) -> out.add(new GroupRecord.GroupConfigs(group, configs)));
    }
}
