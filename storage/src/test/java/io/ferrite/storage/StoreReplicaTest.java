package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A follower's append: batches copied from a leader's store keep their offsets, epochs and bytes. */
class StoreReplicaTest {
    private static final PartitionKey P = new PartitionKey("t", 0);

    @TempDir
    Path dir;

    /** The batches of a leader's partition, as stored there: see {@link #fillLeader}. */
    private List<byte[]> leaderBatches() throws Exception {
        try (Store leader = TestBatches.open(dir.resolve("leader"), FlushMode.ASYNC)) {
            fillLeader(leader);
            return batches(leader);
        }
    }

    /** A leader's partition holding plain, idempotent and LogAppendTime batches under two leader epochs. */
    private static void fillLeader(Store leader) throws Exception {
        leader.createPartition(P);
        leader.append(P, TestBatches.batch("a", 3, 1000), 0, false).get();
        leader.append(P, TestBatches.idempotent(7, (short) 0, 0, 2), 0, false).get();
        leader.append(P, TestBatches.batch("b", 1, 1001), 4, true).get();
        leader.append(P, TestBatches.idempotent(7, (short) 0, 2, 4), 4, false).get();
    }

    /** Every stored batch of the partition, as bytes, read from offset 0. */
    private static List<byte[]> batches(Store store) {
        List<byte[]> out = new ArrayList<>();
        long next = 0;
        while (next < store.logEndOffset(P)) {
            try (ReadResult r = store.read(P, next, 1 << 20)) {
                for (Slice s : r.batches()) {
                    ByteBuffer b = s.buffer();
                    byte[] bytes = new byte[b.remaining()];
                    b.duplicate().get(bytes);
                    out.add(bytes);
                    for (MutableRecordBatch batch : TestBatches.parse(b)) {
                        next = batch.lastOffset() + 1;
                    }
                }
            }
        }
        return out;
    }

    /** Copies the leader's batches into the follower one at a time, as a replica fetcher would. */
    private static void copy(List<byte[]> from, Store follower) throws Exception {
        for (byte[] batch : from) {
            follower.appendReplica(P, ByteBuffer.wrap(batch)).get();
        }
    }

    @Test
    void copiedBatchesAreStoredByteForByteAtTheLeadersOffsetsAndSurviveRecovery() throws Exception {
        List<byte[]> leaderBatches = leaderBatches();
        assertEquals(4, leaderBatches.size());
        MutableRecordBatch appendTime = TestBatches.parse(ByteBuffer.wrap(leaderBatches.get(2))).get(0);
        assertEquals(TimestampType.LOG_APPEND_TIME, appendTime.timestampType());
        assertEquals(4, appendTime.partitionLeaderEpoch());

        Path followerDir = dir.resolve("follower");
        try (Store follower = TestBatches.open(followerDir, FlushMode.SYNC)) {
            follower.createPartition(P);
            copy(leaderBatches, follower);
            assertEquals(10, follower.logEndOffset(P));
            assertBytesEqual(leaderBatches, batches(follower));
        }
        try (Store follower = TestBatches.open(followerDir, FlushMode.SYNC)) { // a clean restart
            assertBytesEqual(leaderBatches, batches(follower));
        }
        Files.delete(followerDir.resolve(Checkpoint.FILE)); // recovery from the CommitLog alone
        try (Store follower = TestBatches.open(followerDir, FlushMode.SYNC)) {
            assertBytesEqual(leaderBatches, batches(follower));
            assertEquals(10, follower.logEndOffset(P));
        }
    }

    @Test
    void aBatchStartingBeforeTheLogEndIsRefusedAndNothingIsWritten() throws Exception {
        List<byte[]> leaderBatches = leaderBatches();
        try (Store follower = TestBatches.open(dir.resolve("follower"), FlushMode.ASYNC)) {
            follower.createPartition(P);
            copy(leaderBatches.subList(0, 2), follower);
            StoreException again = assertThrows(StoreException.class,
                    () -> follower.appendReplica(P, ByteBuffer.wrap(leaderBatches.get(1))));
            assertEquals(StoreException.Category.UNEXPECTED_OFFSET, again.category());
            assertTrue(again.getMessage().contains("starts at offset 3, before the log end 5"), again.getMessage());
            assertEquals(5, follower.logEndOffset(P));
            assertBytesEqual(leaderBatches.subList(0, 2), batches(follower));
        }
    }

    @Test
    void aGapInTheLeadersLogIsKeptAndReadsInItFindTheNextBatch() throws Exception {
        Path followerDir = dir.resolve("follower");
        ByteBuffer atTen = MemoryRecords.withRecords(10, Compression.NONE,
                new SimpleRecord(1000, null, "ten".getBytes(StandardCharsets.UTF_8)),
                new SimpleRecord(1000, null, "eleven".getBytes(StandardCharsets.UTF_8))).buffer();
        try (Store follower = TestBatches.open(followerDir, FlushMode.ASYNC)) {
            follower.createPartition(P);
            follower.appendReplica(P, TestBatches.batch("a", 3, 1000)).get();
            follower.appendReplica(P, atTen).get(); // offsets 3-9 were compacted away on the leader
            assertEquals(12, follower.logEndOffset(P));
            try (ReadResult inTheGap = follower.read(P, 5, 1 << 20)) {
                assertEquals(List.of("10:ten", "11:eleven"), TestBatches.values(inTheGap));
            }
        }
        Files.delete(followerDir.resolve(Checkpoint.FILE)); // recovery from the CommitLog alone keeps the gap
        try (Store follower = TestBatches.open(followerDir, FlushMode.ASYNC)) {
            assertEquals(12, follower.logEndOffset(P));
            try (ReadResult all = follower.read(P, 0, 1 << 20)) {
                assertEquals(List.of("0:a-0", "1:a-1", "2:a-2", "10:ten", "11:eleven"), TestBatches.values(all));
            }
        }
    }

    @Test
    void aFollowerKeepsProducerStateSoAsLeaderItRecognisesARetriedBatch() throws Exception {
        List<byte[]> leaderBatches = leaderBatches();
        try (Store follower = TestBatches.open(dir.resolve("follower"), FlushMode.ASYNC)) {
            follower.createPartition(P);
            copy(leaderBatches, follower);
            assertEquals(5, follower.producerState(P, 7).lastSequence());
            // The producer's retry of its last batch reaches the follower once it leads: acknowledged, not stored.
            AppendResult retry = follower.append(P, TestBatches.idempotent(7, (short) 0, 2, 4), 5, false).get();
            assertTrue(retry.duplicate());
            assertEquals(6, retry.baseOffset());
            AppendResult next = follower.append(P, TestBatches.idempotent(7, (short) 0, 6, 1), 5, false).get();
            assertEquals(10, next.baseOffset());
        }
    }

    @Test
    void anEmptyPartitionStartsAtTheLeadersLogStartAndKeepsItAcrossRestarts() throws Exception {
        try (Store follower = TestBatches.open(dir, FlushMode.ASYNC)) {
            follower.createPartition(P);
            follower.startAt(P, 100);
            assertEquals(100, follower.logStartOffset(P));
            assertEquals(100, follower.logEndOffset(P));
            follower.appendReplica(P, at(100, "hundred")).get();
            StoreException holds = assertThrows(StoreException.class, () -> follower.startAt(P, 200));
            assertEquals(StoreException.Category.UNEXPECTED_OFFSET, holds.category());
            StoreException below = assertThrows(StoreException.class, () -> follower.read(P, 50, 1 << 20));
            assertEquals(StoreException.Category.OFFSET_OUT_OF_RANGE, below.category());
        }
        try (Store follower = TestBatches.open(dir, FlushMode.ASYNC)) {
            assertEquals(100, follower.logStartOffset(P));
            assertEquals(101, follower.logEndOffset(P));
            try (ReadResult r = follower.read(P, 100, 1 << 20)) {
                assertEquals(List.of("100:hundred"), TestBatches.values(r));
            }
            PartitionKey other = new PartitionKey("t", 1);
            follower.createPartition(other);
            follower.startAt(other, 7);
        }
        Files.writeString(dir.resolve(Store.ABORT_FILE), ""); // as an unclean stop leaves it: recovery runs
        try (Store follower = TestBatches.open(dir, FlushMode.ASYNC)) {
            assertTrue(follower.recoveredFromCrash());
            assertEquals(7, follower.logStartOffset(new PartitionKey("t", 1)));
            assertEquals(7, follower.logEndOffset(new PartitionKey("t", 1)));
            assertEquals(101, follower.logEndOffset(P));
        }
    }

    @Test
    void aFirstBatchPastTheLogEndMovesTheLogStartToIt() throws Exception {
        try (Store follower = TestBatches.open(dir, FlushMode.ASYNC)) {
            follower.createPartition(P);
            follower.startAt(P, 100);
            follower.appendReplica(P, at(105, "first kept")).get(); // 100-104 were compacted away on the leader
            assertEquals(105, follower.logStartOffset(P));
            try (ReadResult fromStart = follower.read(P, follower.logStartOffset(P), 1 << 20)) {
                assertEquals(List.of("105:first kept"), TestBatches.values(fromStart));
            }
        }
    }

    @Test
    void aGapAcrossTheCheckpointPositionDoesNotMakeRecoveryRebuildThePartition() throws Exception {
        StoreConfig quiet = TestBatches.smallConfig(dir, FlushMode.ASYNC, 3_600_000); // checkpoints only when asked
        try (Store follower = Store.open(quiet, java.time.Clock.systemUTC())) {
            follower.createPartition(P);
            follower.appendReplica(P, TestBatches.batch("a", 3, 1000)).get();
        } // the clean close checkpoints after offset 2
        Path crashed = dir.resolveSibling(dir.getFileName() + "-crashed");
        try (Store follower = Store.open(quiet, java.time.Clock.systemUTC())) {
            follower.appendReplica(P, at(10, "ten")).get();
            follower.persistLogStarts(); // rewrites the checkpoint at its position, between the two batches
            LiveTree.copy(dir, crashed); // the directory as a kill would leave it, abort marker included
        }
        try (Store recovered = Store.open(TestBatches.smallConfig(crashed, FlushMode.ASYNC), java.time.Clock.systemUTC())) {
            assertTrue(recovered.recoveredFromCrash());
            assertEquals(List.of(), recovered.recoveryReport().rebuilt());
            assertEquals(11, recovered.logEndOffset(P));
            try (ReadResult all = recovered.read(P, 0, 1 << 20)) {
                assertEquals(List.of("0:a-0", "1:a-1", "2:a-2", "10:ten"), TestBatches.values(all));
            }
        }
    }

    @Test
    void aLogStartMovedIntoAGapBeginsAtTheBatchAfterIt() throws Exception {
        try (Store follower = TestBatches.open(dir, FlushMode.ASYNC)) {
            follower.createPartition(P);
            follower.appendReplica(P, TestBatches.batch("a", 3, 1000)).get();
            follower.appendReplica(P, at(10, "ten")).get();
            assertEquals(5, follower.advanceLogStart(P, 5)); // DeleteRecords to an offset the leader compacted away
            try (ReadResult first = follower.batchForTimestamp(P, 0)) {
                assertEquals(List.of("10:ten"), TestBatches.values(first));
            }
            try (ReadResult fromStart = follower.read(P, 5, 1 << 20)) {
                assertEquals(List.of("10:ten"), TestBatches.values(fromStart));
            }
        }
    }

    private static ByteBuffer at(long offset, String value) {
        return MemoryRecords.withRecords(offset, Compression.NONE,
                new SimpleRecord(1000, null, value.getBytes(StandardCharsets.UTF_8))).buffer();
    }

    private static void assertBytesEqual(List<byte[]> expected, List<byte[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "batch " + i);
        }
    }
}
