package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The background services, each driven one step at a time by hand, and the runner that owns their threads. */
class ServiceTest {
    @TempDir
    Path dir;

    private CommitLog log;
    private Partitions partitions;
    private PartitionLog partition;
    /** The appends each group commit round reported to its observer. */
    private final List<Integer> rounds = new ArrayList<>();

    /** A CommitLog and one partition, with no service threads: each test steps its service by hand. */
    private void open() throws Exception {
        open(null);
    }

    private void open(TransientStorePool pool) throws Exception {
        FileAllocator allocator = new FileAllocator(BlockAllocator.DEFAULT, pool, 4096, 0);
        MappedFileQueue files = new MappedFileQueue(dir.resolve("commitlog"), allocator,
                new FileAllocator.Spec(64 * 1024, false, false, pool != null, false, true));
        files.load();
        partitions = new Partitions(dir, allocator,
                new FileAllocator.Spec(256 * ConsumeQueue.ENTRY_SIZE, false, false, false, false, false));
        partitions.load(Checkpoint.EMPTY);
        PartitionKey key = new PartitionKey("t", 0);
        partitions.create(List.of(key));
        partition = partitions.get(key);
        log = new CommitLog(files, new MutableClock(0), false);
    }

    private GroupCommitService groupCommit(long gatherMicros) {
        StoreObserver observer = new StoreObserver() {
            @Override
            public void appended(long nanos, int bytes) {
            }

            @Override
            public void groupCommitted(int appends, long nanos) {
                rounds.add(appends);
            }

            @Override
            public void flushed(long nanos) {
            }
        };
        return new GroupCommitService(log, false, gatherMicros, e -> {
            throw new AssertionError(e);
        }, () -> observer);
    }

    private CompletableFuture<AppendResult> append(GroupCommitService gc, String tag) {
        return gc.submit(log.append(partition, TestBatches.batch(tag, 1, 1), 0, false), log.confirmedPosition());
    }

    @Test
    void oneGroupCommitStepServesEveryWaitingAppend() throws Exception {
        open();
        GroupCommitService gc = groupCommit(0);
        List<CompletableFuture<AppendResult>> futures = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            futures.add(append(gc, "g" + i));
        }
        assertFalse(futures.get(0).isDone(), "nothing is acknowledged before an fsync");
        assertEquals(10, gc.doWork());
        for (CompletableFuture<AppendResult> f : futures) {
            assertTrue(f.isDone() && !f.isCompletedExceptionally());
        }
        assertEquals(log.confirmedPosition(), log.files().flushedPosition());
        assertEquals(List.of(10), rounds, "one round of ten appends reported");
        assertEquals(0, gc.doWork());
        log.close();
    }

    @Test
    void groupCommitWaitsBrieflyForAsManyAppendsAsItsLastRoundServed() throws Exception {
        open();
        GroupCommitService gc = groupCommit(5_000_000);
        for (int i = 0; i < 4; i++) {
            append(gc, "a" + i);
        }
        assertEquals(4, gc.doWork(), "first round: no history, no wait");
        append(gc, "b0");
        append(gc, "b1");
        CompletableFuture<Integer> round = CompletableFuture.supplyAsync(gc::doWork);
        Thread.sleep(50);
        append(gc, "c0");
        append(gc, "c1");
        long start = System.nanoTime();
        assertEquals(4, round.get(4, TimeUnit.SECONDS), "the late two joined the round");
        assertTrue(System.nanoTime() - start < 3_000_000_000L, "and it went as soon as the four were there");
        log.close();
    }

    @Test
    void anAppendRacingTheStopIsAnsweredNotLeftWaiting() throws Exception {
        open();
        GroupCommitService gc = groupCommit(0);
        CompletableFuture<AppendResult> before = append(gc, "before");
        gc.onClose();
        assertTrue(before.isDone() && !before.isCompletedExceptionally(), "flushed on the way out");
        CompletableFuture<AppendResult> late = append(gc, "late");
        assertTrue(late.isCompletedExceptionally(), "no fsync will come for it: it fails at once");
        log.close();
    }

    @Test
    void commitStepMovesPooledBytesIntoTheFileForReaders() throws Exception {
        try (TransientStorePool pool = new TransientStorePool(2, 64 * 1024, false)) {
            open(pool);
            CommitService commit = new CommitService(log);
            log.append(partition, TestBatches.batch("p", 2, 1), 0, false);
            LogReader reader = new LogReader(log.files(), true);
            try (ReadResult before = reader.read(partition, 0, 1 << 20)) {
                assertTrue(before.batches().isEmpty(), "still in the pooled buffer");
            }
            assertEquals(1, commit.doWork());
            assertEquals(0, commit.doWork(), "nothing new to move");
            try (ReadResult after = reader.read(partition, 0, 1 << 20)) {
                assertEquals(List.of("0:p-0", "1:p-1"), TestBatches.values(after));
            }
            log.close();
        }
    }

    @Test
    void flushStepWritesACheckpointCoveringFlushedEntries() throws Exception {
        open();
        for (int i = 0; i < 5; i++) {
            log.append(partition, TestBatches.batch("f" + i, 2, 1), 0, false);
        }
        FlushService flush = new FlushService(log, partitions, true, false, e -> {
            throw new AssertionError(e);
        }, () -> StoreObserver.NONE);
        flush.doWork();
        Checkpoint cp = Checkpoint.read(dir);
        assertEquals(log.confirmedPosition(), cp.commitLogPosition());
        assertEquals(List.of(new Checkpoint.PartitionRecord(0, partition.key(), 0, 10)), cp.partitions());
        log.close();
    }

    @Test
    void flushStepDropsTheMappingsOfFlushedPagesAndReadsStillSeeTheirBytes() throws Exception {
        open();
        for (int i = 0; i < 20; i++) {
            log.append(partition, TestBatches.batch("r" + i, 50, 1), 0, false); // about 20 KiB in all
        }
        Path file = log.files().first().path();
        LogReader reader = new LogReader(log.files(), true);
        try (ReadResult r = reader.read(partition, 0, 1 << 20)) {
            assertEquals(1000, TestBatches.values(r).size()); // reading (CRCs included) maps every page
        }
        long before = residentKb(file);
        assertTrue(before >= 16, "the read pages are mapped: " + before + " KiB");
        new FlushService(log, partitions, true, true, e -> {
            throw new AssertionError(e);
        }, () -> StoreObserver.NONE).doWork();
        long after = residentKb(file);
        assertTrue(after <= 4, "only the page holding the end stays mapped: " + after + " KiB");

        try (ReadResult r = reader.read(partition, 0, 1 << 20)) {
            assertEquals(1000, TestBatches.values(r).size());
            assertEquals("0:r0-0", TestBatches.values(r).get(0));
        }
        log.close();
    }

    @Test
    void flushStepFlushesTheWrittenQueuesOneByOneOrManyWithOneSyncfs() throws Exception {
        open();
        List<PartitionKey> keys = new ArrayList<>();
        for (int i = 1; i <= FlushService.PER_QUEUE_LIMIT + 6; i++) {
            keys.add(new PartitionKey("many", i));
        }
        partitions.create(keys);
        FlushService flush = new FlushService(log, partitions, true, false, e -> {
            throw new AssertionError(e);
        }, () -> StoreObserver.NONE);
        // A few queues written: each is flushed on its own.
        log.append(partition, TestBatches.batch("a", 1, 1), 0, false);
        log.append(partitions.get(keys.get(0)), TestBatches.batch("b", 1, 1), 0, false);
        assertTrue(partition.queue().hasUnflushed());
        flush.doWork();
        assertFalse(partition.queue().hasUnflushed());
        assertFalse(partitions.get(keys.get(0)).queue().hasUnflushed());
        // More queues than the limit: one syncfs, and every one of them counts as flushed after it.
        for (PartitionKey k : keys) {
            log.append(partitions.get(k), TestBatches.batch("c" + k.partition(), 1, 1), 0, false);
        }
        flush.doWork();
        for (PartitionKey k : keys) {
            assertFalse(partitions.get(k).queue().hasUnflushed(), k + " still counts as unflushed");
        }
        Checkpoint cp = Checkpoint.read(dir);
        assertEquals(log.confirmedPosition(), cp.commitLogPosition());
        log.close();
    }

    /** Resident KiB of this process's mapping of {@code file}, from /proc/self/smaps. */
    private static long residentKb(Path file) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        String name = file.toAbsolutePath().toString();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).endsWith(" " + name)) {
                for (int j = i + 1; j < lines.size(); j++) {
                    if (lines.get(j).startsWith("Rss:")) {
                        return Long.parseLong(lines.get(j).replaceAll("\\D", ""));
                    }
                }
            }
        }
        throw new AssertionError("no mapping of " + name);
    }

    @Test
    void runnerNamesItsThreadWakesOnRequestAndClosesTheAgent() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch second = new CountDownLatch(2);
        CountDownLatch closed = new CountDownLatch(1);
        String[] threadName = new String[1];
        Agent agent = new Agent() {
            @Override
            public String roleName() {
                return "ferrite-test-agent";
            }

            @Override
            public int doWork() {
                threadName[0] = Thread.currentThread().getName();
                calls.incrementAndGet();
                second.countDown();
                return 0;
            }

            @Override
            public void onClose() {
                closed.countDown();
            }
        };
        ServiceRunner runner = new ServiceRunner(agent, 60_000).start();
        assertTrue(runner.isRunning());
        runner.wakeUp(); // without this the second call would wait a minute
        assertTrue(second.await(10, TimeUnit.SECONDS));
        assertEquals("ferrite-test-agent", threadName[0]);
        runner.close();
        assertTrue(closed.await(0, TimeUnit.SECONDS));
        assertFalse(runner.isRunning());
        runner.close(); // idempotent
    }

    @Test
    void runnerSurvivesAFailingStep() throws Exception {
        CountDownLatch again = new CountDownLatch(2);
        Agent agent = new Agent() {
            @Override
            public String roleName() {
                return "ferrite-failing-agent";
            }

            @Override
            public int doWork() throws Exception {
                again.countDown();
                throw new java.io.IOException("disk on fire");
            }
        };
        try (ServiceRunner runner = new ServiceRunner(agent, 1).start()) {
            assertTrue(again.await(10, TimeUnit.SECONDS));
            assertTrue(runner.isRunning());
        }
    }

    @Test
    void anErrorEndsTheRunnerAndIsHandedToItsOwner() throws Exception {
        CompletableFuture<Throwable> death = new CompletableFuture<>();
        AtomicInteger calls = new AtomicInteger();
        AtomicBoolean closed = new AtomicBoolean();
        Agent agent = new Agent() {
            @Override
            public String roleName() {
                return "ferrite-dying-agent";
            }

            @Override
            public int doWork() {
                calls.incrementAndGet();
                throw new OutOfMemoryError("simulated");
            }

            @Override
            public void onClose() {
                closed.set(true);
            }
        };
        try (ServiceRunner runner = new ServiceRunner(agent, 1, death::complete).start()) {
            assertInstanceOf(OutOfMemoryError.class, death.get(10, TimeUnit.SECONDS));
            for (int i = 0; i < 100 && runner.isRunning(); i++) {
                Thread.sleep(10);
            }
            assertFalse(runner.isRunning());
            assertEquals(1, calls.get(), "a dead service is not run again");
            assertFalse(closed.get(), "nor closed as if it had stopped cleanly");
        }
    }
}
