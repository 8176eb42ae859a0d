package io.ferrite.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.storage.FlushMode;
import io.ferrite.storage.MutableClock;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime's contract on a small key-value coordinator over a real store: a write applies its records and
 * answers once they are durable; a failed append rolls every state back to the log, answering what waits; the
 * roll-back waits for appends still in flight; the log is replayed on start; timers follow the clock.
 */
class CoordinatorRuntimeTest {
    private static final PartitionKey PARTITION = new PartitionKey("__test_coordinator", 0);

    /** The test coordinator's record: a key set to a value, or removed (null value). */
    record Put(String key, String value) {
    }

    static final class PutSerde implements CoordinatorSerde<Put> {
        @Override
        public Encoded encode(Put r) {
            return new Encoded(r.key().getBytes(StandardCharsets.UTF_8),
                    r.value() == null ? null : r.value().getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public Put decode(ByteBuffer key, ByteBuffer value) {
            return new Put(StandardCharsets.UTF_8.decode(key).toString(),
                    value == null ? null : StandardCharsets.UTF_8.decode(value).toString());
        }
    }

    /** The state: a map, and requests that wait on a key until it is set. */
    final class Values implements CoordinatorState<Put> {
        final Map<String, String> map = new HashMap<>();
        final List<CompletableFuture<String>> waiting = new ArrayList<>();
        int loads;

        /** The write operation: applies the record as replay would, then hands it to the runtime. */
        CompletableFuture<String> put(String key, String value) {
            Put r = new Put(key, value);
            replay(r);
            return runtime.write(new CoordinatorResult<>(List.of(r), "ok " + key));
        }

        @Override
        public void replay(Put r) {
            if (r.value() == null) {
                map.remove(r.key());
            } else {
                map.put(r.key(), r.value());
            }
        }

        @Override
        public void loaded() {
            loads++;
            runtime.schedule("tick", 1_000, () -> map.put("ticked", "yes"));
        }

        @Override
        public void unload() {
            map.clear();
            waiting.forEach(w -> w.completeExceptionally(new IllegalStateException("unloaded")));
            waiting.clear();
        }

        @Override
        public void snapshot(List<Put> out) {
            map.forEach((k, v) -> out.add(new Put(k, v)));
        }
    }

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private Store store;
    private FaultyLog<Put> log;
    private CoordinatorRuntime<Put> runtime;
    private Values values;

    @BeforeEach
    void open() {
        store = Store.open(StoreConfig.builder(dir, FlushMode.ASYNC).commitLogFileSize(1 << 20).build(), clock,
                List.of(PARTITION));
        log = new FaultyLog<>(new StoreCoordinatorLog<>(store, PARTITION, new PutSerde(), clock));
        runtime = new CoordinatorRuntime<>("test-coordinator", log, clock, 64L << 20);
        values = new Values();
        runtime.start(List.of(values));
    }

    @AfterEach
    void close() {
        runtime.close();
        store.close();
    }

    private <T> T onThread(Supplier<T> op) {
        return runtime.call(() -> CompletableFuture.completedFuture(op.get())).join();
    }

    private CompletableFuture<String> put(String key, String value) {
        return runtime.call(() -> values.put(key, value));
    }

    private Map<String, String> state() {
        return onThread(() -> Map.copyOf(values.map));
    }

    @Test
    void aWriteAnswersOnceDurableAndIsReplayedOnStart() throws Exception {
        assertEquals("ok a", put("a", "1").get(10, TimeUnit.SECONDS));
        assertEquals("ok b", put("b", "2").get(10, TimeUnit.SECONDS));
        put("a", null).get(10, TimeUnit.SECONDS);
        assertEquals(Map.of("b", "2"), state());

        close();
        open();
        assertEquals(Map.of("b", "2"), state());
        assertEquals(1, onThread(() -> values.loads));
    }

    @Test
    void aFailedAppendRollsTheStateBackToTheLog() throws Exception {
        put("a", "1").get(10, TimeUnit.SECONDS);
        CompletableFuture<String> waiter = onThread(() -> {
            CompletableFuture<String> w = new CompletableFuture<>();
            values.waiting.add(w);
            return w;
        });

        log.fail = true;
        CompletableFuture<String> failed = put("a", "2");
        CompletionException e = assertThrows(CompletionException.class, failed::join);
        assertInstanceOf(IOException.class, e.getCause());
        // What the failed write applied is gone; what was durable before is back; what waited is answered.
        assertEquals(Map.of("a", "1"), state());
        assertTrue(waiter.isCompletedExceptionally());
        assertEquals(2, onThread(() -> values.loads));

        log.fail = false;
        put("c", "3").get(10, TimeUnit.SECONDS);
        assertEquals(Map.of("a", "1", "c", "3"), state());
    }

    @Test
    void theRollBackWaitsForAppendsStillInFlight() throws Exception {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        log.hold = gate;
        CompletableFuture<String> held = onThread(() -> values.put("a", "1")); // appended, not yet durable
        log.hold = null;
        log.fail = true;
        assertThrows(CompletionException.class, put("b", "2")::join);
        // Not rolled back yet: "a" is in the log but not durable, so its fate is not known.
        assertEquals(Map.of("a", "1", "b", "2"), state());
        assertFalse(held.isDone());

        log.fail = false;
        gate.complete(null);
        assertEquals("ok a", held.get(10, TimeUnit.SECONDS));
        assertEquals(Map.of("a", "1"), state()); // rolled back to the log, which holds "a" and not "b"
        assertEquals(2, onThread(() -> values.loads));
    }

    @Test
    void timersFollowTheClockAndStartAgainAfterARollBack() throws Exception {
        clock.advance(999);
        onThread(() -> {
            runtime.runDueTimers();
            return null;
        });
        assertFalse(state().containsKey("ticked"));
        clock.advance(1);
        onThread(() -> {
            runtime.runDueTimers();
            return null;
        });
        assertEquals("yes", state().get("ticked"));

        log.fail = true;
        assertThrows(CompletionException.class, put("x", "1")::join);
        assertTrue(onThread(() -> runtime.hasTimer("tick"))); // armed again by loaded() after the roll-back
        assertFalse(state().containsKey("ticked")); // the timer's change was never written
    }
}
