package io.ferrite.server.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ferrite.group.GroupConfig;
import io.ferrite.group.GroupCoordinator;
import io.ferrite.server.config.TopicDefaults;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.storage.FlushMode;
import io.ferrite.storage.MutableClock;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.ProducerStateTable.AbortedTransaction;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreConfig;
import io.ferrite.txn.TransactionCoordinator;
import io.ferrite.txn.TransactionRecord.Metadata;
import io.ferrite.txn.TransactionState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Markers written into a real store close the transactions there, as a read_committed reader must see them. */
class StoreTransactionMarkersTest {
    private static final PartitionKey T0 = new PartitionKey("t", 0);
    private static final PartitionKey T1 = new PartitionKey("t", 1);

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private Store store;
    private GroupCoordinator groups;
    private StoreTransactionMarkers markers;
    private final List<PartitionKey> woken = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() {
        store = Store.open(StoreConfig.builder(dir, FlushMode.SYNC).commitLogFileSize(1 << 20).build(), clock,
                List.of(GroupCoordinator.LOG_PARTITION));
        TopicRegistry topics = TopicRegistry.open(dir, store, TopicDefaults.of(Map.of()));
        topics.create("t", 2, Map.of());
        groups = GroupCoordinator.start(store, clock, GroupConfig.defaults(), topics.lookup());
        markers = new StoreTransactionMarkers(topics, store, clock, groups, woken::add);
    }

    @AfterEach
    void close() {
        groups.close();
        store.close();
    }

    private void writeInTransaction(PartitionKey p, long producerId, int records) throws Exception {
        SimpleRecord[] r = new SimpleRecord[records];
        for (int i = 0; i < records; i++) {
            r[i] = new SimpleRecord(clock.millis(), null, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        store.append(p, MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, (short) 3, 0, r).buffer(),
                0, false, true).get(10, TimeUnit.SECONDS);
    }

    private static Metadata prepared(TransactionState state, TopicPartition... partitions) {
        return new Metadata("tx", 7, -1, -1, (short) 3, (short) -1, 60_000, state, Set.of(partitions),
                1_700_000_000_000L, 1_700_000_000_000L, (short) 0);
    }

    @Test
    void anAbortClosesTheTransactionInEveryPartitionAndListsItWhereItWrote() throws Exception {
        writeInTransaction(T0, 7, 2);
        assertEquals(0, store.lastStableOffset(T0));
        markers.write(prepared(TransactionState.PREPARE_ABORT, new TopicPartition("t", 0), new TopicPartition("t", 1),
                new TopicPartition("gone", 0), new TopicPartition("t", 9), TransactionCoordinator.GROUP_OFFSETS))
                .get(10, TimeUnit.SECONDS);
        assertEquals(3, store.lastStableOffset(T0));
        assertEquals(List.of(new AbortedTransaction(7, 0, 2)), store.abortedTransactions(T0, 0, 3));
        assertEquals(1, store.logEndOffset(T1)); // a marker even where the transaction wrote nothing, as in Kafka
        assertEquals(List.of(), store.abortedTransactions(T1, 0, 1));
        assertEquals(Set.of(T0, T1), Set.copyOf(woken)); // in no particular order
    }

    @Test
    void aCommitClosesTheTransactionWithNothingAborted() throws Exception {
        writeInTransaction(T0, 7, 3);
        markers.write(prepared(TransactionState.PREPARE_COMMIT, new TopicPartition("t", 0))).get(10, TimeUnit.SECONDS);
        assertEquals(4, store.lastStableOffset(T0));
        assertEquals(List.of(), store.abortedTransactions(T0, 0, 4));
    }
}
