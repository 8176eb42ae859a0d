package io.ferrite.quorum;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.metadata.FenceBrokerRecord;
import org.apache.kafka.common.metadata.PartitionRecord;
import org.apache.kafka.common.metadata.RegisterBrokerRecord;
import org.apache.kafka.common.metadata.RegisterBrokerRecord.BrokerEndpoint;
import org.apache.kafka.common.metadata.RegisterBrokerRecord.BrokerEndpointCollection;
import org.apache.kafka.common.metadata.TopicRecord;
import org.apache.kafka.common.metadata.UnfenceBrokerRecord;
import org.apache.kafka.common.protocol.ApiMessage;

/** Quorum log entries as the tests propose them. */
final class Changes {
    private Changes() {
    }

    static List<ApiMessage> register(int id, Uuid incarnation) {
        BrokerEndpointCollection endpoints = new BrokerEndpointCollection();
        endpoints.add(new BrokerEndpoint().setName("PLAINTEXT").setHost("127.0.0.1").setPort(9092 + id)
                .setSecurityProtocol((short) 0));
        return List.of(new RegisterBrokerRecord().setBrokerId(id).setIncarnationId(incarnation).setEndPoints(endpoints)
                .setFenced(true));
    }

    static List<ApiMessage> unfence(int id, long epoch) {
        return List.of(new UnfenceBrokerRecord().setId(id).setEpoch(epoch));
    }

    static List<ApiMessage> fence(int id, long epoch) {
        return List.of(new FenceBrokerRecord().setId(id).setEpoch(epoch));
    }

    /** A topic whose partition i has the replicas {@code assignments[i]}. */
    static List<ApiMessage> createTopic(String name, Uuid id, List<List<Integer>> assignments) {
        List<ApiMessage> out = new ArrayList<>();
        out.add(new TopicRecord().setName(name).setTopicId(id));
        for (int i = 0; i < assignments.size(); i++) {
            out.add(new PartitionRecord().setTopicId(id).setPartitionId(i).setReplicas(assignments.get(i)));
        }
        return out;
    }

    /** The leader's new ISR for one partition, with the epochs it last saw. */
    static List<ApiMessage> alterIsr(int leader, long brokerEpoch, Uuid topic, int partition, int leaderEpoch,
                                     int partitionEpoch, List<Integer> isr) {
        List<AlterPartitionRequestData.BrokerState> members = new ArrayList<>();
        isr.forEach(b -> members.add(new AlterPartitionRequestData.BrokerState().setBrokerId(b).setBrokerEpoch(-1)));
        return List.of(new AlterPartitionRequestData().setBrokerId(leader).setBrokerEpoch(brokerEpoch)
                .setTopics(List.of(new AlterPartitionRequestData.TopicData().setTopicId(topic)
                        .setPartitions(List.of(new AlterPartitionRequestData.PartitionData()
                                .setPartitionIndex(partition).setLeaderEpoch(leaderEpoch)
                                .setPartitionEpoch(partitionEpoch).setNewIsrWithEpochs(members))))));
    }
}
