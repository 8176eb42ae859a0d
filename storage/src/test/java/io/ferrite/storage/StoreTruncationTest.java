package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.storage.ProducerStateTable.AbortedTransaction;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A follower's cut of a partition: gone at once, and gone the same way after every kind of restart. */
class StoreTruncationTest {
    private static final PartitionKey P = new PartitionKey("t", 0);
    private static final PartitionKey OTHER = new PartitionKey("t", 1);

    @TempDir
    Path dir;

    /** Three batches of P (offsets 0-2, 3-4, 5-7) with one of OTHER between each. */
    private static void fill(Store store) throws Exception {
        store.createPartitions(List.of(P, OTHER));
        store.appendReplica(P, at(0, "a", 3)).get();
        store.appendReplica(OTHER, at(0, "o", 1)).get();
        store.appendReplica(P, at(3, "b", 2)).get();
        store.appendReplica(OTHER, at(1, "o", 1)).get();
        store.appendReplica(P, at(5, "c", 3)).get();
    }

    private static final List<String> KEPT = List.of("0:a-0", "1:a-1", "2:a-2", "3:new-0");

    /** After the cut at 3, the leader's batch at 3. */
    private static void cutAndContinue(Store store) throws Exception {
        long sizeBefore = store.sizeInBytes(P);
        assertEquals(3, store.truncate(P, 3));
        assertEquals(3, store.logEndOffset(P));
        assertTrue(store.sizeInBytes(P) < sizeBefore);
        assertEquals(List.of("0:a-0", "1:a-1", "2:a-2"), values(store, P, 0));
        store.appendReplica(P, at(3, "new", 1)).get();
    }

    private static void assertCutKept(Store store) {
        assertEquals(4, store.logEndOffset(P));
        assertEquals(KEPT, values(store, P, 0));
        assertEquals(List.of("0:o-0", "1:o-0"), values(store, OTHER, 0), "other partitions are untouched");
    }

    @Test
    void aCutDropsTheBatchesFromItsOffsetAndSurvivesCleanAndUncleanRestartsAndARebuild() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            fill(store);
            long size = store.sizeInBytes(P);
            cutAndContinue(store);
            assertCutKept(store);
            assertTrue(store.sizeInBytes(P) < size);
        }
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            assertCutKept(store);
        }
        Files.writeString(dir.resolve(Store.ABORT_FILE), ""); // an unclean stop: recovery scans from the checkpoint
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            assertTrue(store.recoveredFromCrash());
            assertCutKept(store);
        }
        Files.delete(dir.resolve(Checkpoint.FILE)); // every queue rebuilt from the CommitLog, markers replayed in order
        try (Store store = TestBatches.open(dir, FlushMode.SYNC)) {
            assertCutKept(store);
        }
    }

    @Test
    void aCutAfterTheCheckpointIsReplayedByRecovery() throws Exception {
        StoreConfig quiet = TestBatches.smallConfig(dir, FlushMode.ASYNC, 3_600_000); // checkpoints only when asked
        try (Store store = Store.open(quiet, Clock.systemUTC())) {
            store.createPartitions(List.of(P, OTHER));
            store.appendReplica(P, at(0, "a", 3)).get();
        } // the clean close checkpoints after the first batch
        Path crashed = dir.resolveSibling(dir.getFileName() + "-crashed");
        try (Store store = Store.open(quiet, Clock.systemUTC())) {
            store.appendReplica(OTHER, at(0, "o", 1)).get();
            store.appendReplica(P, at(3, "b", 2)).get();
            store.appendReplica(OTHER, at(1, "o", 1)).get();
            store.appendReplica(P, at(5, "c", 3)).get();
            cutAndContinue(store);
            LiveTree.copy(dir, crashed); // as a kill leaves it: the marker lies after the checkpoint position
        }
        try (Store store = Store.open(TestBatches.smallConfig(crashed, FlushMode.ASYNC), Clock.systemUTC())) {
            assertTrue(store.recoveredFromCrash());
            assertEquals(List.of(), store.recoveryReport().rebuilt(), "the rewritten checkpoint holds the lower end");
            assertCutKept(store);
        }
    }

    @Test
    void aRebuiltQueueMeetsTheCutWhereItLiesAndOnlyARebuiltQueueIsCutBeforeTheCheckpoint() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            fill(store);
            cutAndContinue(store);
        }
        deleteIndexFiles(0); // P's
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            assertEquals(List.of(P), store.recoveryReport().rebuilt());
            assertCutKept(store);
        }
        // OTHER's rebuild scans the whole CommitLog, P's marker included: P keeps the batch appended after it.
        deleteIndexFiles(1);
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            assertEquals(List.of(OTHER), store.recoveryReport().rebuilt());
            assertCutKept(store);
        }
    }

    private void deleteIndexFiles(int partitionId) throws Exception {
        try (Stream<Path> s = Files.list(Partitions.queueDir(dir, partitionId))) {
            for (Path f : s.filter(f -> f.getFileName().toString().matches("\\d{20}")).toList()) {
                Files.delete(f);
            }
        }
    }

    @Test
    void aCutInsideABatchDropsItWholeAndACutAtTheEndChangesNothing() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            fill(store);
            assertEquals(8, store.truncate(P, 8));
            assertEquals(8, store.truncate(P, 20));
            assertEquals(3, store.truncate(P, 4), "the batch of offsets 3-4 goes whole");
            assertEquals(List.of("0:a-0", "1:a-1", "2:a-2"), values(store, P, 0));
            StoreException beyond = assertThrows(StoreException.class, () -> store.read(P, 5, 1 << 20));
            assertEquals(StoreException.Category.OFFSET_OUT_OF_RANGE, beyond.category());
        }
    }

    @Test
    void aCutBelowTheLogStartIsRefusedAndACutToItEmptiesThePartition() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            fill(store);
            store.advanceLogStart(P, 3);
            StoreException below = assertThrows(StoreException.class, () -> store.truncate(P, 2));
            assertEquals(StoreException.Category.OFFSET_OUT_OF_RANGE, below.category());
            assertEquals(8, store.logEndOffset(P));
            assertEquals(3, store.truncate(P, 3));
            assertEquals(3, store.logStartOffset(P));
            assertEquals(0, store.sizeInBytes(P));
            store.appendReplica(P, at(3, "new", 1)).get();
        }
        Files.writeString(dir.resolve(Store.ABORT_FILE), "");
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            assertEquals(3, store.logStartOffset(P));
            assertEquals(List.of("3:new-0"), values(store, P, 3));
        }
    }

    @Test
    void producerStateAndAbortedTransactionsGoBackToTheCut() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            store.createPartition(P);
            long pid = 7;
            store.appendReplica(P, TestBatches.idempotent(pid, (short) 0, 0, 2)).get(); // offsets 0-1, sequences 0-1
            ByteBuffer txn = MemoryRecords.withTransactionalRecords(2, Compression.NONE, 9L, (short) 0, 0, 0,
                    new SimpleRecord(1000, null, "t".getBytes(StandardCharsets.UTF_8))).buffer();
            store.appendReplica(P, txn).get(); // offset 2
            ByteBuffer abort = MemoryRecords.withEndTransactionMarker(3, 1000, 0, 9L, (short) 0,
                    new EndTransactionMarker(ControlRecordType.ABORT, 0)).buffer();
            store.appendReplica(P, abort).get(); // offset 3
            ByteBuffer more = TestBatches.idempotent(pid, (short) 0, 2, 2);
            more.putLong(0, 4); // offsets 4-5, sequences 2-3
            store.appendReplica(P, more).get();
            assertEquals(3, store.producerState(P, pid).lastSequence());
            assertEquals(List.of(new AbortedTransaction(9, 2, 3)), store.abortedTransactions(P, 0, 6));

            assertEquals(3, store.truncate(P, 3)); // the abort marker and the producer's second batch go
            assertEquals(1, store.producerState(P, pid).lastSequence());
            assertEquals(List.of(), store.abortedTransactions(P, 0, 6));
            assertEquals(2, store.openTransactions(P).get(9L), "the transaction is open again, as the leader's is");
            assertEquals(2, store.lastStableOffset(P));
        }
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            assertEquals(1, store.producerState(P, 7).lastSequence());
            assertEquals(List.of(), store.abortedTransactions(P, 0, 6));
        }
    }

    @Test
    void theMarkerIsInTheCommitLogAndTheReclaimerStepsOverIt() throws Exception {
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            fill(store);
            store.truncate(P, 3);
        }
        List<StoreFiles.LogEntry> seen = scan();
        List<StoreFiles.LogEntry> cuts = seen.stream().filter(e -> e.kind() == StoreFiles.Kind.TRUNCATION).toList();
        assertEquals(1, cuts.size());
        assertEquals(0, cuts.get(0).partitionId());
        assertEquals(3, cuts.get(0).cutAt());
        assertFalse(seen.stream().anyMatch(e -> e.kind() == StoreFiles.Kind.CORRUPT));
    }

    @Test
    void aCutBackAcrossIndexFilesLeavesNoFileAheadAndACrashCopyOpens() throws Exception {
        Path crashed = dir.resolveSibling(dir.getFileName() + "-crashed");
        try (Store store = TestBatches.open(dir, FlushMode.ASYNC)) {
            store.createPartition(P);
            for (int i = 0; i < 700; i++) { // 256 index entries a file: three files, and the fourth asked ahead
                store.appendReplica(P, at(i, "v" + i, 1)).get();
            }
            assertEquals(100, store.truncate(P, 100));
            long deadline = System.nanoTime() + 5_000_000_000L; // one made ahead goes once its making finishes
            while (!indexFiles().equals(List.of(indexFile(0))) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(List.of(indexFile(0)), indexFiles(), "the later files and the one made ahead are gone");
            for (int i = 100; i < 120; i++) {
                store.appendReplica(P, at(i, "w" + i, 1)).get();
            }
            LiveTree.copy(dir, crashed);
        }
        try (Store store = Store.open(TestBatches.smallConfig(crashed, FlushMode.ASYNC), Clock.systemUTC())) {
            assertEquals(120, store.logEndOffset(P));
            assertEquals(List.of("99:v99-0", "100:w100-0"), values(store, P, 99).subList(0, 2));
        }
    }

    @Test
    void theReclaimerKeepsAMarkerWhileItsPartitionExists() throws Exception {
        StoreConfig config = TestBatches.smallConfig(dir, FlushMode.ASYNC).toBuilder().reclaimDelayMs(0).build();
        try (Store store = Store.open(config, Clock.systemUTC())) {
            store.runRetention(); // the first view, which the store's own thread takes a while after it opens
            store.createPartitions(List.of(P, OTHER));
            store.append(OTHER, TestBatches.batch("o", 1, 1000), 0, false).get(); // keeps the first file
            for (int i = 0; i < 20; i++) {
                store.append(P, TestBatches.sized(1000, 1000 + i), 0, false).get();
            }
            store.truncate(P, 10);
            for (int i = 0; i < 20; i++) {
                store.append(P, TestBatches.sized(1000, 2000 + i), 0, false).get();
            }
            store.advanceLogStart(P, 29); // every batch before the last is dead, the marker's cut ones too
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!store.checkpointCoversLog() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            store.runRetention(); // finds the files where entries died
            store.runRetention(); // marks and punches them
        }
        List<StoreFiles.LogEntry> seen = scan();
        assertTrue(seen.stream().anyMatch(e -> e.kind() == StoreFiles.Kind.SKIPPED), "dead runs were reclaimed");
        assertEquals(1, seen.stream().filter(e -> e.kind() == StoreFiles.Kind.TRUNCATION).count());
        deleteIndexFiles(0);
        try (Store store = Store.open(config, Clock.systemUTC())) {
            assertEquals(List.of(P), store.recoveryReport().rebuilt());
            assertEquals(30, store.logEndOffset(P));
            assertEquals(1, values(store, P, 29).size());
        }
    }

    private List<StoreFiles.LogEntry> scan() throws Exception {
        List<StoreFiles.LogEntry> seen = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir.resolve("commitlog"))) {
            for (Path f : s.sorted().toList()) {
                StoreFiles.scanCommitLog(f, seen::add);
            }
        }
        return seen;
    }

    private List<String> indexFiles() throws Exception {
        try (Stream<Path> s = Files.list(Partitions.queueDir(dir, 0))) {
            return s.map(f -> f.getFileName().toString()).filter(n -> n.matches("\\d{20}")).sorted().toList();
        }
    }

    private static String indexFile(long entry) {
        return MappedFile.fileName(entry * ConsumeQueue.ENTRY_SIZE);
    }

    private static ByteBuffer at(long offset, String tag, int records) {
        SimpleRecord[] r = new SimpleRecord[records];
        for (int i = 0; i < records; i++) {
            r[i] = new SimpleRecord(1000, null, (tag + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(offset, Compression.NONE, r).buffer();
    }

    private static List<String> values(Store store, PartitionKey key, long from) {
        try (ReadResult r = store.read(key, from, 1 << 20)) {
            return TestBatches.values(r);
        }
    }
}
