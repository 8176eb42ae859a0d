package io.ferrite.server.log;

import io.ferrite.group.share.ShareAck;
import io.ferrite.group.share.SharedPartition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.ferrite.group.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.message.ShareAcknowledgeRequestData;
import org.apache.kafka.common.message.ShareFetchRequestData;

/**
 * The acknowledgement batches of a ShareFetch or ShareAcknowledge, by partition, checked as Kafka checks them: a
 * partition whose batches are malformed gets INVALID_REQUEST on its own, and the others are acknowledged.
 *
 * @param valid   the batches of the partitions that passed, in request order
 * @param refused the partitions that did not, each with INVALID_REQUEST
 */
record ShareAcks(Map<SharedPartition, List<ShareAck>> valid, Map<SharedPartition, Errors> refused) {
    boolean isEmpty() {
        return valid.isEmpty() && refused.isEmpty();
    }

    /** The acknowledgement of the valid partitions, answered with the refused ones added. */
    CompletableFuture<Map<SharedPartition, Errors>> acknowledge(GroupCoordinator groups, String group,
                                                                 String member) {
        CompletableFuture<Map<SharedPartition, Errors>> acked = valid.isEmpty()
                ? CompletableFuture.completedFuture(Map.of()) : groups.shareAcknowledge(group, member, valid);
        if (refused.isEmpty()) {
            return acked;
        }
        return acked.thenApply(a -> {
            Map<SharedPartition, Errors> all = new LinkedHashMap<>(a);
            all.putAll(refused);
            return all;
        });
    }

    static ShareAcks of(ShareFetchRequestData req) {
        ShareAcks out = new ShareAcks(new LinkedHashMap<>(), new LinkedHashMap<>());
        for (ShareFetchRequestData.FetchTopic t : req.topics()) {
            for (ShareFetchRequestData.FetchPartition p : t.partitions()) {
                for (ShareFetchRequestData.AcknowledgementBatch b : p.acknowledgementBatches()) {
                    out.add(new SharedPartition(t.topicId(), p.partitionIndex()), b.firstOffset(), b.lastOffset(),
                            b.acknowledgeTypes());
                }
            }
        }
        return out;
    }

    static ShareAcks of(ShareAcknowledgeRequestData req) {
        ShareAcks out = new ShareAcks(new LinkedHashMap<>(), new LinkedHashMap<>());
        for (ShareAcknowledgeRequestData.AcknowledgeTopic t : req.topics()) {
            for (ShareAcknowledgeRequestData.AcknowledgePartition p : t.partitions()) {
                for (ShareAcknowledgeRequestData.AcknowledgementBatch b : p.acknowledgementBatches()) {
                    out.add(new SharedPartition(t.topicId(), p.partitionIndex()), b.firstOffset(), b.lastOffset(),
                            b.acknowledgeTypes());
                }
            }
        }
        return out;
    }

    /**
     * The partition is refused for a batch whose range is backwards, whose types neither cover it nor are one, or
     * that does not come after the partition's previous batch.
     */
    private void add(SharedPartition p, long first, long last, List<Byte> types) {
        if (refused.containsKey(p)) {
            return;
        }
        List<ShareAck> batches = valid.computeIfAbsent(p, x -> new ArrayList<>());
        long after = batches.isEmpty() ? -1 : batches.get(batches.size() - 1).lastOffset();
        if (last < first || first <= after || types.isEmpty()
                || (types.size() != 1 && types.size() != last - first + 1)) {
            valid.remove(p);
            refused.put(p, Errors.INVALID_REQUEST);
            return;
        }
        batches.add(new ShareAck(first, last, types));
    }
}
