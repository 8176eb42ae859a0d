package io.ferrite.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.storage.PartitionKey;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FetchWaitersTest {
    private static final PartitionKey A = new PartitionKey("a", 0);
    private static final PartitionKey B = new PartitionKey("b", 0);

    @Test
    void anAppendReleasesTheWaiterOnceAndOnlyOnItsPartitions() throws Exception {
        try (FetchWaiters waiters = new FetchWaiters()) {
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch ran = new CountDownLatch(1);
            FetchWaiters.Waiter w = new FetchWaiters.Waiter(() -> {
                runs.incrementAndGet();
                ran.countDown();
            });
            waiters.await(w, List.of(A), 60_000);
            waiters.appended(B);
            assertEquals(1, waiters.waiting(), "an append elsewhere does not wake it");
            waiters.appended(A);
            assertTrue(ran.await(5, TimeUnit.SECONDS));
            waiters.appended(A);
            assertEquals(false, w.fire(), "a waiter runs once");
            assertEquals(1, runs.get());
        }
    }

    @Test
    void theDeadlineReleasesAWaiterNobodyWakes() throws Exception {
        try (FetchWaiters waiters = new FetchWaiters()) {
            CountDownLatch ran = new CountDownLatch(1);
            long t0 = System.nanoTime();
            waiters.await(new FetchWaiters.Waiter(ran::countDown), List.of(A, B), 100);
            assertTrue(ran.await(5, TimeUnit.SECONDS));
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) >= 90);
            for (int i = 0; i < 50 && waiters.waiting() > 0; i++) {
                Thread.sleep(10);
            }
            assertEquals(0, waiters.waiting(), "released from every partition");
        }
    }

    @Test
    void aForgottenWaiterStopsWaitingAndNeverRuns() throws Exception {
        try (FetchWaiters waiters = new FetchWaiters()) {
            AtomicInteger runs = new AtomicInteger();
            FetchWaiters.Waiter w = new FetchWaiters.Waiter(runs::incrementAndGet);
            waiters.await(w, List.of(A, B), 100);
            waiters.forget(w);
            assertEquals(0, waiters.waiting());
            waiters.appended(A);
            Thread.sleep(300); // past its deadline too
            assertEquals(0, runs.get());
        }
    }
}
