package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dead CommitLog entries beside live ones give their disk space back, and the log stays whole around them. */
class ReclaimerTest {
    private static final PartitionKey SHORT = new PartitionKey("short", 0); // id 0: its start is moved
    private static final PartitionKey LONG = new PartitionKey("long", 0); // id 1: kept whole
    private static final PartitionKey GONE = new PartitionKey("gone", 0); // id 2: deleted
    private static final int ROUNDS = 24;

    @TempDir
    Path dir;

    private StoreConfig config(long delayMs) {
        return TestBatches.smallConfig(dir, FlushMode.ASYNC).toBuilder().reclaimDelayMs(delayMs).build();
    }

    /** Rounds of six 1 KiB batches of SHORT, six of GONE, then one of LONG: runs of 12 KiB dead beside 1 KiB live. */
    private static List<String> fill(Store store) throws Exception {
        for (PartitionKey k : List.of(SHORT, LONG, GONE)) {
            store.createPartition(k);
        }
        List<String> kept = new ArrayList<>();
        for (int r = 0; r < ROUNDS; r++) {
            for (int i = 0; i < 6; i++) {
                store.append(SHORT, TestBatches.sized(1000, 1000 + r), 0, false).get();
                store.append(GONE, TestBatches.sized(1000, 1000 + r), 0, false).get();
            }
            store.append(LONG, TestBatches.batch("long" + r, 1, 1000 + r), 0, false).get();
            kept.add(r + ":long" + r + "-0");
        }
        return kept;
    }

    /** What the CommitLog files take on disk, in bytes: allocated blocks, not their length. */
    private long commitLogDiskBytes() throws Exception {
        Process du = new ProcessBuilder("du", "-s", "-B1", dir.resolve("commitlog").toString())
                .redirectErrorStream(true).start();
        String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, du.waitFor(), out);
        return Long.parseLong(out.split("\\s+")[0]);
    }

    private static List<String> readAll(Store store, PartitionKey key) {
        try (ReadResult r = store.read(key, store.logStartOffset(key), Integer.MAX_VALUE)) {
            return TestBatches.values(r);
        }
    }

    /** Waits for the flush (every 20 ms) to checkpoint past every entry: only entries before it are punched. */
    private static void awaitCheckpoint(Store store) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!store.checkpointCoversLog() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(store.checkpointCoversLog());
    }

    @Test
    void deadEntriesBesideLiveOnesGiveBackTheirDiskAndEveryReadStepsOverThem() throws Exception {
        List<String> kept;
        long before;
        try (Store store = Store.open(config(0), java.time.Clock.systemUTC())) {
            store.runRetention(); // the first pass, which the store's own thread makes a while after it opens
            kept = fill(store);
            store.advanceLogStart(SHORT, store.logEndOffset(SHORT) - 1);
            store.deletePartition(GONE);
            awaitCheckpoint(store);
            before = commitLogDiskBytes();
            Path oldest;
            try (Stream<Path> s = Files.list(dir.resolve("commitlog"))) {
                oldest = s.sorted().findFirst().orElseThrow();
            }
            java.nio.file.attribute.FileTime modified = Files.getLastModifiedTime(oldest);
            store.runRetention(); // finds the files where entries died
            assertEquals(before, commitLogDiskBytes(), "a file is walked only if it is still there a pass later");
            store.runRetention();
            long after = commitLogDiskBytes();
            // 24 runs of 12 KiB, each with at least two whole pages after its marker.
            assertTrue(after <= before - ROUNDS * 2 * 4096, "disk " + before + " -> " + after);
            assertEquals(modified, Files.getLastModifiedTime(oldest), "store.file.max.age.ms goes by it");
            assertEquals(kept, readAll(store, LONG));
            assertEquals(1, readAll(store, SHORT).size(), "the batch at the new log start is live");
            store.append(LONG, TestBatches.batch("after", 1, 2000), 0, false).get();
            kept.add(ROUNDS + ":after-0");
        }
        try (Store store = Store.open(config(0), java.time.Clock.systemUTC())) {
            assertEquals(kept, readAll(store, LONG), "a clean reopen");
        }
        // Losing LONG's index makes recovery rebuild it from the CommitLog's first file, stepping over the markers.
        try (Stream<Path> s = Files.list(dir.resolve("consumequeue").resolve("1"))) {
            for (Path p : s.filter(f -> f.getFileName().toString().matches("\\d{20}")).toList()) {
                Files.delete(p);
            }
        }
        try (Store store = Store.open(config(0), java.time.Clock.systemUTC())) {
            assertEquals(List.of(LONG), store.recoveryReport().rebuilt());
            assertEquals(-1, store.recoveryReport().corruptAt());
            assertEquals(kept, readAll(store, LONG), "rebuilt across the holes");
            assertEquals(1, readAll(store, SHORT).size());
        }
    }

    @Test
    void entriesKeepTheirDiskUntilTheyHaveBeenDeadForTheDelay() throws Exception {
        MutableClock clock = new MutableClock(1_000_000);
        try (Store store = Store.open(config(60_000), clock)) {
            store.runRetention(); // the first pass, which the store's own thread makes a while after it opens
            List<String> kept = fill(store);
            store.advanceLogStart(SHORT, store.logEndOffset(SHORT));
            store.deletePartition(GONE);
            awaitCheckpoint(store);
            long before = commitLogDiskBytes();
            clock.advance(10_000); // past the view the pass at open took, of an empty log
            store.runRetention(); // the view it takes is not old enough yet
            clock.advance(59_000);
            store.runRetention();
            assertEquals(before, commitLogDiskBytes(), "nothing goes before the delay");
            clock.advance(2_000);
            store.runRetention(); // the first view is now over a minute old: the files where entries died by it...
            store.runRetention(); // ...are walked a pass later
            long after = commitLogDiskBytes();
            assertTrue(after <= before - ROUNDS * 2 * 4096, "disk " + before + " -> " + after);
            assertEquals(kept, readAll(store, LONG));
        }
    }

    @Test
    void aNegativeDelayNeverPunches() throws Exception {
        try (Store store = Store.open(config(-1), java.time.Clock.systemUTC())) {
            fill(store);
            store.deletePartition(GONE);
            awaitCheckpoint(store);
            long before = commitLogDiskBytes();
            store.runRetention();
            store.runRetention();
            assertEquals(before, commitLogDiskBytes());
        }
    }
}
