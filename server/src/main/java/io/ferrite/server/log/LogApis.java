package io.ferrite.server.log;

import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.network.AdminExecutor;
import io.ferrite.server.network.ApiRegistry;
import io.ferrite.storage.Store;
import java.time.Clock;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The data plane's APIs: Produce, Fetch, ListOffsets, OffsetForLeaderEpoch, DeleteRecords and DescribeLogDirs,
 * on the store. Owns the fetches waiting for data ({@link FetchWaiters}, thread {@code ferrite-fetch-timer}),
 * stopped by {@link #close}.
 */
public final class LogApis implements AutoCloseable {
    private final FetchWaiters fetches;

    private LogApis(FetchWaiters fetches) {
        this.fetches = fetches;
    }

    /** Registers the data plane's APIs at their versions; DeleteRecords runs on the admin thread. */
    public static LogApis register(ApiRegistry apis, TopicRegistry topics, Store store, Clock clock,
                                   AdminExecutor admin) {
        FetchWaiters fetches = new FetchWaiters();
        // Produce 0-2 advertised as Kafka does, for old librdkafka's feature checks; served from 3.
        apis.register(ApiKeys.PRODUCE, 0, 13, new ProduceHandler(topics, store, clock, fetches))
                .register(ApiKeys.LIST_OFFSETS, 1, 11, new ListOffsetsHandler(topics, store))
                .register(ApiKeys.FETCH, 4, 18, new FetchHandler(topics, store, fetches))
                .register(ApiKeys.OFFSET_FOR_LEADER_EPOCH, 2, 4, new OffsetForLeaderEpochHandler(topics, store))
                .register(ApiKeys.DELETE_RECORDS, 0, 2, admin.offload(new DeleteRecordsHandler(topics, store)))
                .register(ApiKeys.DESCRIBE_LOG_DIRS, 1, 5, new DescribeLogDirsHandler(topics, store));
        return new LogApis(fetches);
    }

    /** Releases the waiting fetches and stops their timer thread. */
    @Override
    public void close() {
        fetches.close();
    }
}
