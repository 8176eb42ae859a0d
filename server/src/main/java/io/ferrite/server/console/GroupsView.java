package io.ferrite.server.console;

import io.ferrite.group.GroupCoordinator;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.ShareGroupDescribeResponseData;

/**
 * Groups as the console shows them, asked of the group coordinator as the admin APIs ask it: every group with
 * its type and state; one group's members with their assigned partitions, and its committed offsets (a share
 * group's start offsets) with the lag behind each partition's log end.
 */
final class GroupsView {
    private static final long TIMEOUT_SECONDS = 5;
    /** OffsetFetch at a version that answers for all a group's topics by name. */
    private static final short OFFSET_FETCH_VERSION = 9;

    private final GroupCoordinator groups;
    private final Store store;

    GroupsView(GroupCoordinator groups, Store store) {
        this.groups = groups;
        this.store = store;
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    List<Map<String, Object>> list() throws Exception {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ListGroupsResponseData.ListedGroup g : get(groups.listGroups(new ListGroupsRequestData())).groups()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("groupId", g.groupId());
            m.put("type", g.groupType());
            m.put("state", g.groupState());
            m.put("protocolType", g.protocolType());
            out.add(m);
        }
        out.sort((a, b) -> ((String) a.get("groupId")).compareTo((String) b.get("groupId")));
        return out;
    }

    /** One group, or null if there is none by that id. */
    Map<String, Object> describe(String groupId) throws Exception {
        ListGroupsResponseData.ListedGroup listed = null;
        for (ListGroupsResponseData.ListedGroup g : get(groups.listGroups(new ListGroupsRequestData())).groups()) {
            if (g.groupId().equals(groupId)) {
                listed = g;
            }
        }
        if (listed == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("groupId", groupId);
        m.put("type", listed.groupType());
        m.put("state", listed.groupState());
        switch (listed.groupType()) {
            case "consumer" -> {
                ConsumerGroupDescribeResponseData.DescribedGroup d = get(groups.consumerGroupDescribe(List.of(groupId)))
                        .get(0);
                m.put("assignor", d.assignorName());
                m.put("epoch", d.groupEpoch());
                List<Map<String, Object>> members = new ArrayList<>();
                for (ConsumerGroupDescribeResponseData.Member mb : d.members()) {
                    members.add(member(mb.memberId(), mb.clientId(), mb.clientHost(), assigned(
                            mb.assignment().topicPartitions(), tp -> tp.topicName(), tp -> tp.partitions())));
                }
                m.put("members", members);
                m.put("offsets", committed(groupId));
            }
            case "share" -> {
                ShareGroupDescribeResponseData.DescribedGroup d = get(groups.shareGroupDescribe(List.of(groupId)))
                        .get(0);
                m.put("assignor", d.assignorName());
                m.put("epoch", d.groupEpoch());
                List<Map<String, Object>> members = new ArrayList<>();
                for (ShareGroupDescribeResponseData.Member mb : d.members()) {
                    members.add(member(mb.memberId(), mb.clientId(), mb.clientHost(), assigned(
                            mb.assignment().topicPartitions(), tp -> tp.topicName(), tp -> tp.partitions())));
                }
                m.put("members", members);
                m.put("offsets", shareStarts(groupId));
            }
            default -> {
                DescribeGroupsResponseData.DescribedGroup d = get(groups.describeGroups(
                        new DescribeGroupsRequestData().setGroups(List.of(groupId)), (short) 5)).groups().get(0);
                m.put("protocolType", d.protocolType());
                m.put("protocol", d.protocolData());
                List<Map<String, Object>> members = new ArrayList<>();
                for (DescribeGroupsResponseData.DescribedGroupMember mb : d.members()) {
                    members.add(member(mb.memberId(), mb.clientId(), mb.clientHost(),
                            classicAssignment(d.protocolType(), mb.memberAssignment())));
                }
                m.put("members", members);
                m.put("offsets", committed(groupId));
            }
        }
        return m;
    }

    /** A consumer-protocol classic member's partitions; nothing for other protocols or an unreadable one. */
    private static List<Map<String, Object>> classicAssignment(String protocolType, byte[] assignment) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!"consumer".equals(protocolType) || assignment == null || assignment.length == 0) {
            return out;
        }
        try {
            ConsumerPartitionAssignor.Assignment a = ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(assignment));
            for (TopicPartition tp : a.partitions()) {
                out.add(partition(tp.topic(), tp.partition()));
            }
        } catch (RuntimeException e) { // a client's own bytes: shown as no partitions rather than failing the page
            return out;
        }
        return out;
    }

    private List<Map<String, Object>> committed(String groupId) throws Exception {
        OffsetFetchResponseData.OffsetFetchResponseGroup g = get(groups.fetchOffsets(List.of(
                new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId(groupId).setTopics(null)),
                OFFSET_FETCH_VERSION, false)).get(0);
        List<Map<String, Object>> out = new ArrayList<>();
        for (OffsetFetchResponseData.OffsetFetchResponseTopics t : g.topics()) {
            for (OffsetFetchResponseData.OffsetFetchResponsePartitions p : t.partitions()) {
                out.add(lag(t.name(), p.partitionIndex(), p.committedOffset()));
            }
        }
        return out;
    }

    private List<Map<String, Object>> shareStarts(String groupId) throws Exception {
        DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseGroup g = get(
                groups.describeShareGroupOffsets(List.of(new DescribeShareGroupOffsetsRequestData
                        .DescribeShareGroupOffsetsRequestGroup().setGroupId(groupId).setTopics(null)))).get(0);
        List<Map<String, Object>> out = new ArrayList<>();
        for (DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseTopic t : g.topics()) {
            for (DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponsePartition p : t.partitions()) {
                out.add(lag(t.topicName(), p.partitionIndex(), p.startOffset()));
            }
        }
        return out;
    }

    /** A committed offset with the partition's log end and the lag; -1 for what is not known. */
    private Map<String, Object> lag(String topic, int partition, long committed) {
        Map<String, Object> m = partition(topic, partition);
        long end;
        try {
            end = store.logEndOffset(new PartitionKey(topic, partition));
        } catch (StoreException e) { // the topic is gone
            end = -1;
        }
        m.put("committed", committed);
        m.put("logEndOffset", end);
        m.put("lag", committed >= 0 && end >= 0 ? Math.max(0, end - committed) : -1);
        return m;
    }

    /**
     * A consumer or share member's assignment as topic-partition pairs; the two describe answers have the same
     * shape in classes of their own.
     */
    private static <T> List<Map<String, Object>> assigned(List<T> topics, Function<T, String> name,
                                                          Function<T, List<Integer>> partitions) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (T tp : topics) {
            partitions.apply(tp).forEach(p -> out.add(partition(name.apply(tp), p)));
        }
        return out;
    }

    private static Map<String, Object> partition(String topic, int partition) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("topic", topic);
        m.put("partition", partition);
        return m;
    }

    private static Map<String, Object> member(String memberId, String clientId, String host,
                                              List<Map<String, Object>> assigned) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("memberId", memberId);
        m.put("clientId", clientId);
        m.put("host", host);
        m.put("assignment", assigned);
        return m;
    }
}
