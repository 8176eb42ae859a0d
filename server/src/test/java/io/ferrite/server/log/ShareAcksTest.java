package io.ferrite.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ferrite.group.share.ShareAck;
import io.ferrite.group.share.SharedPartition;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ShareAcknowledgeRequestData;
import org.apache.kafka.common.message.ShareAcknowledgeRequestData.AcknowledgePartition;
import org.apache.kafka.common.message.ShareAcknowledgeRequestData.AcknowledgeTopic;
import org.apache.kafka.common.message.ShareAcknowledgeRequestData.AcknowledgementBatch;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** Malformed acknowledgement batches refuse their partition only, as Kafka answers them. */
class ShareAcksTest {
    private static AcknowledgementBatch batch(long first, long last, Byte... types) {
        return new AcknowledgementBatch().setFirstOffset(first).setLastOffset(last).setAcknowledgeTypes(List.of(types));
    }

    @Test
    void aPartitionWithMalformedBatchesIsRefusedAloneAndTheOthersPass() {
        Uuid topic = Uuid.randomUuid();
        AcknowledgeTopic t = new AcknowledgeTopic().setTopicId(topic);
        t.partitions().add(new AcknowledgePartition().setPartitionIndex(0).setAcknowledgementBatches(List.of(
                batch(0, 4, (byte) 1), batch(5, 6, (byte) 1, (byte) 2))));
        t.partitions().add(new AcknowledgePartition().setPartitionIndex(1).setAcknowledgementBatches(List.of(
                batch(0, 4, (byte) 1), batch(3, 8, (byte) 1)))); // overlaps the batch before it
        t.partitions().add(new AcknowledgePartition().setPartitionIndex(2).setAcknowledgementBatches(List.of(
                batch(0, 3, (byte) 1, (byte) 2)))); // two types for four offsets
        t.partitions().add(new AcknowledgePartition().setPartitionIndex(3).setAcknowledgementBatches(List.of(
                batch(7, 6, (byte) 1)))); // backwards
        ShareAcknowledgeRequestData req = new ShareAcknowledgeRequestData();
        req.topics().add(t);

        ShareAcks acks = ShareAcks.of(req);
        SharedPartition p0 = new SharedPartition(topic, 0);
        assertEquals(Map.of(p0, List.of(new ShareAck(0, 4, List.of((byte) 1)),
                new ShareAck(5, 6, List.of((byte) 1, (byte) 2)))), acks.valid());
        assertEquals(Map.of(new SharedPartition(topic, 1), Errors.INVALID_REQUEST,
                new SharedPartition(topic, 2), Errors.INVALID_REQUEST,
                new SharedPartition(topic, 3), Errors.INVALID_REQUEST), acks.refused());
    }
}
