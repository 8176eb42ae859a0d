package io.ferrite.compat;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * The record batches of a partition as the broker hands them out, read with a raw Fetch, to see what a client
 * actually wrote: the compression codec and the producer id of each batch, which no consumer API shows.
 */
final class StoredBatches {
    /** Fetch v12 is the last version that names topics rather than giving their ids. */
    private static final short FETCH_VERSION = 12;

    private StoredBatches() {
    }

    /** The batches from offset 0 of {@code topic}-{@code partition}, as one Fetch of at most 4 MiB returns them. */
    static List<RecordBatch> of(String bootstrap, String topic, int partition) throws Exception {
        FetchRequestData request = new FetchRequestData()
                .setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0).setMaxBytes(4 << 20)
                .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                        new FetchRequestData.FetchPartition().setPartition(partition).setFetchOffset(0)
                                .setPartitionMaxBytes(4 << 20)))));
        try (RawConnection raw = RawConnection.open(bootstrap)) {
            FetchResponseData response = raw.exchange(ApiKeys.FETCH, FETCH_VERSION, request);
            FetchResponseData.PartitionData data = response.responses().get(0).partitions().get(0);
            if (data.errorCode() != Errors.NONE.code()) {
                throw new AssertionError("fetch of " + topic + "-" + partition + ": " + Errors.forCode(data.errorCode()));
            }
            List<RecordBatch> batches = new ArrayList<>();
            ((MemoryRecords) data.records()).batches().forEach(batches::add);
            return batches;
        }
    }
}
