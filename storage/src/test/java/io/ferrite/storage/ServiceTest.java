package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The background services, each driven one step at a time by hand, and the runner that owns their threads. */
class ServiceTest {
    @TempDir
    Path dir;

    private CommitLog commitLog(Partitions[] partitionsOut) throws Exception {
        FileAllocator allocator = new FileAllocator(BlockAllocator.DEFAULT, null, 4096, 0);
        MappedFileQueue files = new MappedFileQueue(dir.resolve("commitlog"), allocator,
                new FileAllocator.Spec(64 * 1024, false, false, false, false));
        files.load();
        Partitions partitions = new Partitions(dir, allocator,
                new FileAllocator.Spec(256 * ConsumeQueue.ENTRY_SIZE, false, false, false, false));
        partitions.load(Checkpoint.EMPTY);
        partitionsOut[0] = partitions;
        return new CommitLog(files, new MutableClock(0));
    }

    @Test
    void oneGroupCommitStepServesEveryWaitingAppend() throws Exception {
        Partitions[] ps = new Partitions[1];
        CommitLog log = commitLog(ps);
        ps[0].create(List.of(new PartitionKey("t", 0)));
        PartitionLog p = ps[0].get(new PartitionKey("t", 0));
        GroupCommitService gc = new GroupCommitService(log, false, 0, e -> {
            throw new AssertionError(e);
        });
        CompletableFuture<?>[] futures = new CompletableFuture<?>[10];
        for (int i = 0; i < futures.length; i++) {
            AppendResult r = log.append(p, TestBatches.batch("g" + i, 1, 1), 0, false);
            futures[i] = gc.submit(r, log.confirmedPosition());
        }
        assertFalse(futures[0].isDone(), "nothing is acknowledged before an fsync");
        assertEquals(10, gc.doWork());
        for (CompletableFuture<?> f : futures) {
            assertTrue(f.isDone() && !f.isCompletedExceptionally());
        }
        assertEquals(log.confirmedPosition(), log.files().flushedPosition());
        assertEquals(0, gc.doWork());
        log.close();
    }

    @Test
    void groupCommitWaitsBrieflyForAsManyAppendsAsItsLastRoundServed() throws Exception {
        Partitions[] ps = new Partitions[1];
        CommitLog log = commitLog(ps);
        ps[0].create(List.of(new PartitionKey("t", 0)));
        PartitionLog p = ps[0].get(new PartitionKey("t", 0));
        GroupCommitService gc = new GroupCommitService(log, false, 5_000_000, e -> {
            throw new AssertionError(e);
        });
        for (int i = 0; i < 4; i++) {
            gc.submit(log.append(p, TestBatches.batch("a" + i, 1, 1), 0, false), log.confirmedPosition());
        }
        assertEquals(4, gc.doWork(), "first round: no history, no wait");
        for (int i = 0; i < 2; i++) {
            gc.submit(log.append(p, TestBatches.batch("b" + i, 1, 1), 0, false), log.confirmedPosition());
        }
        CompletableFuture<Integer> round = CompletableFuture.supplyAsync(gc::doWork);
        Thread.sleep(50);
        for (int i = 0; i < 2; i++) {
            gc.submit(log.append(p, TestBatches.batch("c" + i, 1, 1), 0, false), log.confirmedPosition());
        }
        long start = System.nanoTime();
        assertEquals(4, round.get(4, TimeUnit.SECONDS), "the late two joined the round");
        assertTrue(System.nanoTime() - start < 3_000_000_000L, "and it went as soon as the four were there");
        log.close();
    }

    @Test
    void flushStepWritesACheckpointCoveringFlushedEntries() throws Exception {
        Partitions[] ps = new Partitions[1];
        CommitLog log = commitLog(ps);
        ps[0].create(List.of(new PartitionKey("t", 0)));
        PartitionLog p = ps[0].get(new PartitionKey("t", 0));
        for (int i = 0; i < 5; i++) {
            log.append(p, TestBatches.batch("f" + i, 2, 1), 0, false);
        }
        FlushService flush = new FlushService(log, ps[0], true, e -> {
            throw new AssertionError(e);
        });
        flush.doWork();
        Checkpoint cp = Checkpoint.read(dir);
        assertEquals(log.confirmedPosition(), cp.commitLogPosition());
        assertEquals(List.of(new Checkpoint.PartitionRecord(0, p.key(), 0, 10)), cp.partitions());
        log.close();
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
}
