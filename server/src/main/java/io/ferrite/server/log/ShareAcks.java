package io.ferrite.server.log;

import io.ferrite.group.share.ShareAck;
import io.ferrite.group.share.SharedPartition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ShareAcknowledgeRequestData;
import org.apache.kafka.common.message.ShareFetchRequestData;

/** The acknowledgement batches of a ShareFetch or ShareAcknowledge, by partition, checked as Kafka checks them. */
final class ShareAcks {
    private ShareAcks() {
    }

    static Map<SharedPartition, List<ShareAck>> of(ShareFetchRequestData req) {
        Map<SharedPartition, List<ShareAck>> out = new LinkedHashMap<>();
        for (ShareFetchRequestData.FetchTopic t : req.topics()) {
            for (ShareFetchRequestData.FetchPartition p : t.partitions()) {
                for (ShareFetchRequestData.AcknowledgementBatch b : p.acknowledgementBatches()) {
                    add(out, new SharedPartition(t.topicId(), p.partitionIndex()), b.firstOffset(), b.lastOffset(),
                            b.acknowledgeTypes());
                }
            }
        }
        return out;
    }

    static Map<SharedPartition, List<ShareAck>> of(ShareAcknowledgeRequestData req) {
        Map<SharedPartition, List<ShareAck>> out = new LinkedHashMap<>();
        for (ShareAcknowledgeRequestData.AcknowledgeTopic t : req.topics()) {
            for (ShareAcknowledgeRequestData.AcknowledgePartition p : t.partitions()) {
                for (ShareAcknowledgeRequestData.AcknowledgementBatch b : p.acknowledgementBatches()) {
                    add(out, new SharedPartition(t.topicId(), p.partitionIndex()), b.firstOffset(), b.lastOffset(),
                            b.acknowledgeTypes());
                }
            }
        }
        return out;
    }

    /**
     * INVALID_REQUEST for a batch whose range is backwards, whose types neither cover it nor are one, or that does
     * not come after the partition's previous batch.
     */
    private static void add(Map<SharedPartition, List<ShareAck>> out, SharedPartition p, long first, long last,
                            List<Byte> types) {
        List<ShareAck> batches = out.computeIfAbsent(p, x -> new ArrayList<>());
        long after = batches.isEmpty() ? -1 : batches.get(batches.size() - 1).lastOffset();
        if (last < first || first <= after || types.isEmpty()
                || (types.size() != 1 && types.size() != last - first + 1)) {
            throw new InvalidRequestException("Invalid acknowledgement batch " + first + "-" + last + " with "
                    + types.size() + " acknowledge types for partition " + p.partition() + " of topic "
                    + p.topicId() + ".");
        }
        batches.add(new ShareAck(first, last, types));
    }
}
