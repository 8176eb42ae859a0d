package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.storage.PageCache;
import io.ferrite.storage.PartitionKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data plane's work that may wait for the disk goes to the off-loop threads and is answered from there as
 * it would be in place: a fetch of data no longer in the page cache, a timestamp look-up, and a partition's
 * first append, which creates its first index file.
 */
@Timeout(60)
class OffLoopWorkTest {
    private static final short FETCH_V12 = 12;
    private static final short LIST_OFFSETS_V7 = 7;

    @TempDir
    Path dir;
    private Handlers handlers;

    @BeforeEach
    void start() {
        handlers = Handlers.open(dir, Map.of());
    }

    @AfterEach
    void stop() {
        handlers.close();
    }

    private List<String> fetchAll(String topic) throws Exception {
        FetchRequestData req = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(1)
                .setMaxBytes(50 << 20);
        req.topics().add(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(8 << 20))));
        FetchResponseData resp = new FetchResponseData(handlers.exchange(ApiKeys.FETCH, FETCH_V12, req), FETCH_V12);
        FetchResponseData.PartitionData pd = resp.responses().get(0).partitions().get(0);
        assertEquals(Errors.NONE.code(), pd.errorCode());
        List<String> out = new ArrayList<>();
        for (Record r : ((MemoryRecords) pd.records()).records()) {
            out.add(StandardCharsets.UTF_8.decode(r.value()).toString());
        }
        return out;
    }

    @Test
    void aFetchOfDataOnlyOnDiskAndATimestampLookUpAreAnsweredAsInPlace() throws Exception {
        new GroupWire(handlers).createTopic("cold", 1);
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            written.add("record-" + i + "-" + "x".repeat(500));
            assertEquals(Errors.NONE, handlers.produce("cold", 0, written.get(i)));
        }
        PartitionKey key = new PartitionKey("cold", 0);
        // Acknowledged in sync mode, so flushed: once the flush service lets go of its mappings, the pages can go.
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (handlers.store().inMemory(key, 0, 8 << 20) && System.nanoTime() < deadline) {
            try (Stream<Path> files = Files.list(dir.resolve("data").resolve("commitlog"))) {
                for (Path f : files.filter(f -> f.getFileName().toString().matches("\\d{20}")).toList()) {
                    PageCache.evict(f);
                }
            }
            Thread.sleep(50);
        }
        assertFalse(handlers.store().inMemory(key, 0, 8 << 20), "the data could not be made cold");
        assertEquals(written, fetchAll("cold"));

        ListOffsetsRequestData lo = new ListOffsetsRequestData().setReplicaId(-1);
        lo.topics().add(new ListOffsetsRequestData.ListOffsetsTopic().setName("cold").setPartitions(List.of(
                new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(0))));
        ListOffsetsResponseData r = new ListOffsetsResponseData(
                handlers.exchange(ApiKeys.LIST_OFFSETS, LIST_OFFSETS_V7, lo), LIST_OFFSETS_V7);
        ListOffsetsResponseData.ListOffsetsPartitionResponse found = r.topics().get(0).partitions().get(0);
        assertEquals(Errors.NONE.code(), found.errorCode());
        assertEquals(-1, found.offset(), "the records carry no timestamp, so none is at or after 0, as in Kafka");
    }

    @Test
    void aPartitionsFirstAppendMakesItsIndexFileOffTheRequestsThread() throws Exception {
        MetadataRequestData md = new MetadataRequestData().setAllowAutoTopicCreation(true);
        md.topics().add(new MetadataRequestData.MetadataRequestTopic().setName("auto"));
        handlers.exchange(ApiKeys.METADATA, (short) 12, md);
        PartitionKey key = new PartitionKey("auto", 0);
        assertTrue(handlers.store().appendCreatesFile(key), "an auto-created partition has no index file yet");
        assertEquals(Errors.NONE, handlers.produce("auto", 0, "first"));
        assertFalse(handlers.store().appendCreatesFile(key));
        assertEquals(Errors.NONE, handlers.produce("auto", 0, "second"));
        assertEquals(List.of("first", "second"), fetchAll("auto"));
    }
}
