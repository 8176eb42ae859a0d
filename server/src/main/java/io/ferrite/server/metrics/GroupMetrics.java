package io.ferrite.server.metrics;

import com.codahale.metrics.CachedGauge;
import io.ferrite.group.GroupCoordinator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;

/**
 * The group coordinator's counts as Kafka 4.3 publishes them: {@code kafka.server:type=group-coordinator-metrics}
 * group-count per protocol and consumer-group-count / share-group-count per state, and the classic groups per
 * state as {@code kafka.coordinator.group:type=GroupMetadataManager,name=NumGroups<State>}. Counted from one
 * ListGroups on the coordinator's thread, at most once every {@link #REFRESH_SECONDS} however often they are read.
 */
public final class GroupMetrics {
    static final long REFRESH_SECONDS = 5;
    private static final String GROUP = "group-coordinator-metrics";
    private static final List<String> CLASSIC_STATES = List.of("PreparingRebalance", "CompletingRebalance", "Stable",
            "Dead", "Empty");
    private static final List<String> CONSUMER_STATES = List.of("Empty", "Assigning", "Reconciling", "Stable", "Dead");
    private static final List<String> SHARE_STATES = List.of("Empty", "Stable", "Dead");

    /** The counts of the last ListGroups answered; read and written by the gauge's loader. */
    private volatile Map<String, Map<String, Integer>> last = Map.of();
    /** Type ("classic", "consumer", "share") to state to count. */
    private final CachedGauge<Map<String, Map<String, Integer>>> counts;

    public GroupMetrics(BrokerMetrics metrics, GroupCoordinator groups) {
        this.counts = new CachedGauge<>(REFRESH_SECONDS, TimeUnit.SECONDS) {
            @Override
            protected Map<String, Map<String, Integer>> loadValue() {
                Map<String, Map<String, Integer>> byType = new ConcurrentHashMap<>();
                try {
                    ListGroupsResponseData listed = groups.listGroups(new ListGroupsRequestData()).get(2,
                            TimeUnit.SECONDS);
                    for (ListGroupsResponseData.ListedGroup g : listed.groups()) {
                        byType.computeIfAbsent(g.groupType(), t -> new ConcurrentHashMap<>())
                                .merge(g.groupState(), 1, Integer::sum);
                    }
                } catch (Exception e) { // a coordinator closing or too busy to answer: the last counts stand
                    return last;
                }
                last = byType;
                return byType;
            }
        };
        for (String type : List.of("classic", "consumer", "share")) {
            metrics.kafkaGauge(metrics.kafkaName("group-count", GROUP, "The number of " + type + " groups.",
                    Map.of("protocol", type)), (config, now) -> count(type, null));
        }
        for (String state : CONSUMER_STATES) {
            metrics.kafkaGauge(metrics.kafkaName("consumer-group-count", GROUP, "The number of consumer groups in "
                    + state + " state.", Map.of("state", state)), (config, now) -> count("consumer", state));
        }
        for (String state : SHARE_STATES) {
            metrics.kafkaGauge(metrics.kafkaName("share-group-count", GROUP, "The number of share groups in "
                    + state + " state.", Map.of("state", state)), (config, now) -> count("share", state));
        }
        for (String state : CLASSIC_STATES) {
            metrics.gauge(BrokerMetrics.name("kafka.coordinator.group", "GroupMetadataManager", "NumGroups" + state),
                    () -> count("classic", state));
        }
    }

    /** Groups of {@code type} in {@code state} (any state if null). */
    int count(String type, String state) {
        Map<String, Integer> states = counts.getValue().getOrDefault(type, Map.of());
        return state == null ? states.values().stream().mapToInt(Integer::intValue).sum()
                : states.getOrDefault(state, 0);
    }
}
