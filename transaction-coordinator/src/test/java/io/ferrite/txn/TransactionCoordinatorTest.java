package io.ferrite.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.coordinator.FaultyLog;
import io.ferrite.coordinator.StoreCoordinatorLog;
import io.ferrite.storage.FlushMode;
import io.ferrite.storage.MutableClock;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreConfig;
import io.ferrite.txn.TransactionRecord.Metadata;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** InitProducerId for transactional ids, on a real log: epochs, fencing, recovery, restarts and refusals. */
class TransactionCoordinatorTest {
    private static final short V = 5;

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final AtomicLong nextProducerId = new AtomicLong(1000);
    private Store store;
    private FaultyLog<TransactionRecord> log;
    private TransactionCoordinator coordinator;

    @BeforeEach
    void open() {
        store = Store.open(StoreConfig.builder(dir, FlushMode.ASYNC).commitLogFileSize(1 << 20).build(), clock,
                List.of(TransactionCoordinator.LOG_PARTITION));
        log = new FaultyLog<>(new StoreCoordinatorLog<>(store, TransactionCoordinator.LOG_PARTITION,
                TransactionRecordSerde.INSTANCE, clock));
    }

    /** Markers as the coordinator asks for them; each is written when the test says so. */
    static final class Markers implements TransactionMarkers {
        record Sent(Metadata prepared, CompletableFuture<Void> done) {
        }

        final BlockingQueue<Sent> sent = new LinkedBlockingQueue<>();

        @Override
        public CompletableFuture<Void> write(Metadata prepared) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            sent.add(new Sent(prepared, done));
            return done;
        }

        Sent next() throws InterruptedException {
            Sent s = sent.poll(10, TimeUnit.SECONDS);
            assertNotNull(s, "no markers were asked for");
            return s;
        }
    }

    private Markers markers;

    private void start() {
        markers = new Markers();
        coordinator = TransactionCoordinator.start(log, clock,
                TransactionConfig.fromProperties(Map.of(), 64L << 20), nextProducerId::getAndIncrement, markers);
    }

    /** Waits (bounded) until the id reaches {@code state}: completion follows the markers asynchronously. */
    private Metadata awaitState(String id, TransactionState state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Optional<Metadata> m;
        while ((m = state(id)).isEmpty() || m.get().state() != state) {
            assertTrue(System.nanoTime() < deadline, id + " is " + m.map(x -> x.state().name()).orElse("gone"));
            Thread.sleep(5);
        }
        return m.get();
    }

    private void restart() {
        coordinator.close();
        store.close();
        open();
        start();
    }

    @AfterEach
    void close() {
        if (coordinator != null) {
            coordinator.close();
        }
        store.close();
    }

    /** Writes records to the log as an earlier run of the coordinator would have, before it starts. */
    private void earlier(Metadata... records) throws Exception {
        log.append(List.of(records)).get(10, TimeUnit.SECONDS);
    }

    private static Metadata held(String id, long producerId, int epoch, TransactionState state,
                                 TopicPartition... partitions) {
        return new Metadata(id, producerId, -1, -1, (short) epoch, (short) -1, 60_000, state, Set.of(partitions),
                partitions.length == 0 ? -1 : 1_600_000_000_000L, 1_600_000_000_000L, (short) 0);
    }

    private InitProducerIdResponseData init(String id, long producerId, int epoch, short version) throws Exception {
        return coordinator.initProducerId(new InitProducerIdRequestData().setTransactionalId(id)
                .setTransactionTimeoutMs(60_000).setProducerId(producerId).setProducerEpoch((short) epoch), version)
                .get(10, TimeUnit.SECONDS);
    }

    private InitProducerIdResponseData init(String id) throws Exception {
        return init(id, -1, -1, V);
    }

    private Optional<Metadata> state(String id) throws Exception {
        return coordinator.describe(id).get(10, TimeUnit.SECONDS);
    }

    private Errors end(String id, long producerId, short epoch, boolean commit, short version) throws Exception {
        return Errors.forCode(coordinator.endTransaction(id, producerId, epoch, commit, version)
                .get(10, TimeUnit.SECONDS).errorCode());
    }

    private static void assertProducer(long producerId, int epoch, InitProducerIdResponseData r) {
        assertEquals(Errors.NONE.code(), r.errorCode(), Errors.forCode(r.errorCode()).name());
        assertEquals(producerId, r.producerId());
        assertEquals(epoch, r.producerEpoch());
    }

    private static void assertError(Errors error, InitProducerIdResponseData r) {
        assertEquals(error, Errors.forCode(r.errorCode()));
        assertEquals(-1, r.producerId());
        assertEquals(-1, r.producerEpoch());
    }

    @Test
    void aNewIdGetsAProducerIdAtEpochZeroAndEachNewProducerTheNextEpochAcrossRestarts() throws Exception {
        start();
        assertProducer(1000, 0, init("tx"));
        assertProducer(1000, 1, init("tx"));
        assertProducer(1001, 0, init("other"));
        restart();
        assertProducer(1000, 2, init("tx"));
        Metadata m = state("tx").orElseThrow();
        assertEquals(TransactionState.EMPTY, m.state());
        assertEquals(60_000, m.timeoutMs());
        assertEquals(clock.millis(), m.lastUpdateTimestamp());
    }

    @Test
    void anOlderProducerIsFencedAndToldSoInItsVersionsWords() throws Exception {
        start();
        assertProducer(1000, 0, init("tx"));
        assertProducer(1000, 1, init("tx")); // a second producer took the id over
        assertError(Errors.PRODUCER_FENCED, init("tx", 1000, 0, V));
        assertError(Errors.INVALID_PRODUCER_EPOCH, init("tx", 1000, 0, (short) 3));
        assertError(Errors.PRODUCER_FENCED, init("tx", 4242, 1, V)); // not even this id's producer id
        assertEquals(1, state("tx").orElseThrow().producerEpoch()); // the refusals changed nothing
        assertProducer(1000, 2, init("tx", 1000, 1, V)); // the current producer still bumps its own epoch
    }

    @Test
    void aProducerBumpsItsOwnEpochAndARetriedBumpGetsTheSameAnswer() throws Exception {
        start();
        assertProducer(1000, 0, init("tx"));
        assertProducer(1000, 1, init("tx", 1000, 0, V)); // KIP-360: after an abortable error
        assertProducer(1000, 1, init("tx", 1000, 0, V)); // the answer was lost; the retry gets it again
        assertProducer(1000, 2, init("tx", 1000, 1, V));
    }

    @Test
    void anExhaustedEpochMovesToANewProducerId() throws Exception {
        earlier(held("tx", 7, TransactionCoordinator.EXHAUSTED_EPOCH, TransactionState.COMPLETE_COMMIT));
        start();
        assertProducer(1000, 0, init("tx", 7, TransactionCoordinator.EXHAUSTED_EPOCH, V));
        Metadata m = state("tx").orElseThrow();
        assertEquals(7, m.previousProducerId());
        // The answer was lost: the producer asks again with its old id and epoch, and gets the same new one.
        assertProducer(1000, 0, init("tx", 7, TransactionCoordinator.EXHAUSTED_EPOCH, V));
    }

    @Test
    void aTransactionThePreviousProducerLeftOpenIsAbortedBeforeTheNewOneGetsItsEpoch() throws Exception {
        TopicPartition t0 = new TopicPartition("t", 0);
        earlier(held("tx", 7, 3, TransactionState.ONGOING, t0));
        start();
        assertError(Errors.CONCURRENT_TRANSACTIONS, init("tx"));
        Metadata aborting = state("tx").orElseThrow();
        assertEquals(TransactionState.PREPARE_ABORT, aborting.state());
        assertEquals(4, aborting.producerEpoch()); // the old producer is fenced by the markers' epoch
        assertEquals(Set.of(t0), aborting.partitions());
        assertError(Errors.CONCURRENT_TRANSACTIONS, init("tx")); // until the markers are written

        Markers.Sent abort = markers.next();
        assertEquals(TransactionState.PREPARE_ABORT, abort.prepared().state());
        assertEquals(4, abort.prepared().producerEpoch());
        assertEquals(Set.of(t0), abort.prepared().partitions());

        restart(); // the decision is durable, and its markers are asked for again
        assertEquals(TransactionState.PREPARE_ABORT, state("tx").orElseThrow().state());
        markers.next().done().complete(null);
        Metadata done = awaitState("tx", TransactionState.COMPLETE_ABORT);
        assertEquals(Set.of(), done.partitions());
        assertProducer(7, 5, init("tx"));
    }

    @Test
    void badRequestsAreRefusedWithKafkasErrorsAndChangeNothing() throws Exception {
        start();
        assertError(Errors.INVALID_REQUEST, init(""));
        assertError(Errors.INVALID_REQUEST, init("tx", 1000, -1, V)); // a producer id without its epoch
        for (int timeout : new int[] {0, -1, 900_001}) {
            assertError(Errors.INVALID_TRANSACTION_TIMEOUT, coordinator.initProducerId(new InitProducerIdRequestData()
                    .setTransactionalId("tx").setTransactionTimeoutMs(timeout), V).get(10, TimeUnit.SECONDS));
        }
        assertEquals(Optional.empty(), state("tx"));
        assertEquals(Optional.empty(), state(""));
    }

    @Test
    void aFailedWriteIsAnsweredCoordinatorNotAvailableAndLeavesTheIdAsTheLogHasIt() throws Exception {
        start();
        assertProducer(1000, 0, init("tx"));
        log.fail = true;
        assertError(Errors.COORDINATOR_NOT_AVAILABLE, init("tx"));
        assertError(Errors.COORDINATOR_NOT_AVAILABLE, init("new"));
        assertEquals(0, state("tx").orElseThrow().producerEpoch());
        assertEquals(Optional.empty(), state("new"));
        log.fail = false;
        assertProducer(1000, 1, init("tx"));
        assertNotEquals(1000, init("new").producerId());
    }

    /** Moves the clock and runs what fell due. */
    private void advance(long ms) throws Exception {
        clock.advance(ms);
        coordinator.runDueTimers().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aTransactionOpenPastItsTimeoutIsAbortedAndItsProducerFenced() throws Exception {
        TopicPartition t0 = new TopicPartition("t", 0);
        Metadata open = new Metadata("slow", 7, -1, -1, (short) 2, (short) -1, 60_000, TransactionState.ONGOING,
                Set.of(t0), clock.millis(), clock.millis(), (short) 0);
        Metadata young = new Metadata("quick", 8, -1, -1, (short) 0, (short) -1, 60_000, TransactionState.ONGOING,
                Set.of(t0), clock.millis() + 30_000, clock.millis(), (short) 0);
        earlier(open, young);
        start();
        advance(10_000);
        assertEquals(TransactionState.ONGOING, state("slow").orElseThrow().state());
        advance(55_000); // 65 s after it started: past its 60 s
        Metadata aborting = state("slow").orElseThrow();
        assertEquals(TransactionState.PREPARE_ABORT, aborting.state());
        assertEquals(3, aborting.producerEpoch());
        assertEquals(TransactionState.ONGOING, state("quick").orElseThrow().state());
        restart();
        assertEquals(TransactionState.PREPARE_ABORT, state("slow").orElseThrow().state());
    }

    @Test
    void anIdUnusedForItsExpirationIsRemovedButNotOneWithATransactionOpen() throws Exception {
        start();
        assertProducer(1000, 0, init("idle"));
        assertProducer(1001, 0, init("busy"));
        advance(6 * 24 * 3_600_000L); // six days: kept
        assertTrue(state("idle").isPresent());
        assertProducer(1001, 1, init("busy")); // used again: its seven days start over
        advance(24 * 3_600_000L + 3_600_000L);
        assertEquals(Optional.empty(), state("idle"));
        assertTrue(state("busy").isPresent());
        restart();
        assertEquals(Optional.empty(), state("idle"));
        assertProducer(1002, 0, init("idle")); // a removed id starts over with a new producer id
    }

    @Test
    void aTransactionAddsPartitionsAndOffsetsCommitsOnceItsMarkersAreWrittenAndAnswersRetries() throws Exception {
        start();
        assertProducer(1000, 0, init("tx"));
        TopicPartition t0 = new TopicPartition("t", 0);
        TopicPartition t1 = new TopicPartition("t", 1);
        clock.advance(1_000);
        assertEquals(Errors.NONE, coordinator.addPartitions("tx", 1000, (short) 0, Set.of(t0, t1), (short) 3).get());
        Metadata open = state("tx").orElseThrow();
        assertEquals(TransactionState.ONGOING, open.state());
        assertEquals(clock.millis(), open.startTimestamp());
        clock.advance(1_000);
        assertEquals(Errors.NONE, coordinator.addPartitions("tx", 1000, (short) 0, Set.of(t1), (short) 3).get());
        assertEquals(Errors.NONE, coordinator.addOffsets("tx", 1000, (short) 0, (short) 3).get());
        assertEquals(Set.of(t0, t1, TransactionCoordinator.GROUP_OFFSETS), state("tx").orElseThrow().partitions());
        assertEquals(open.startTimestamp(), state("tx").orElseThrow().startTimestamp());

        assertEquals(Errors.NONE, end("tx", 1000, (short) 0, true, (short) 3));
        Markers.Sent commit = markers.next();
        assertEquals(TransactionState.PREPARE_COMMIT, commit.prepared().state());
        assertEquals(Set.of(t0, t1, TransactionCoordinator.GROUP_OFFSETS), commit.prepared().partitions());
        // Until the markers are written, the producer waits.
        assertEquals(Errors.CONCURRENT_TRANSACTIONS,
                end("tx", 1000, (short) 0, true, (short) 3));
        assertEquals(Errors.CONCURRENT_TRANSACTIONS,
                coordinator.addPartitions("tx", 1000, (short) 0, Set.of(t0), (short) 3).get());
        assertEquals(Errors.INVALID_TXN_STATE,
                end("tx", 1000, (short) 0, false, (short) 3));
        commit.done().complete(null);
        assertEquals(Set.of(), awaitState("tx", TransactionState.COMPLETE_COMMIT).partitions());
        // A retried EndTxn of the same result is answered NONE; the other result is refused.
        assertEquals(Errors.NONE, end("tx", 1000, (short) 0, true, (short) 3));
        assertEquals(Errors.INVALID_TXN_STATE,
                end("tx", 1000, (short) 0, false, (short) 3));
        // The next transaction starts from the completed one.
        assertEquals(Errors.NONE, coordinator.addPartitions("tx", 1000, (short) 0, Set.of(t1), (short) 3).get());
        assertEquals(Set.of(t1), state("tx").orElseThrow().partitions());
        assertEquals(Errors.NONE, end("tx", 1000, (short) 0, false, (short) 3));
        assertEquals(TransactionState.PREPARE_ABORT, markers.next().prepared().state());
    }

    @Test
    void transactionRequestsFromTheWrongProducerOrInTheWrongStateAreRefused() throws Exception {
        start();
        TopicPartition t0 = new TopicPartition("t", 0);
        assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING,
                coordinator.addPartitions("unknown", 1000, (short) 0, Set.of(t0), (short) 3).get());
        assertProducer(1000, 0, init("tx"));
        assertProducer(1000, 1, init("tx"));
        assertEquals(Errors.INVALID_REQUEST, coordinator.addPartitions("", 1000, (short) 1, Set.of(t0), (short) 3).get());
        assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING,
                coordinator.addPartitions("tx", 999, (short) 1, Set.of(t0), (short) 3).get());
        assertEquals(Errors.PRODUCER_FENCED, coordinator.addPartitions("tx", 1000, (short) 0, Set.of(t0), (short) 3).get());
        assertEquals(Errors.INVALID_PRODUCER_EPOCH,
                coordinator.addPartitions("tx", 1000, (short) 0, Set.of(t0), (short) 1).get());
        assertEquals(Errors.PRODUCER_FENCED, end("tx", 1000, (short) 0, true, (short) 3));
        assertEquals(Errors.INVALID_TXN_STATE, end("tx", 1000, (short) 1, true, (short) 3));
        assertEquals(Errors.INVALID_TXN_STATE, end("tx", 1000, (short) 1, false, (short) 3));
        Metadata m = state("tx").orElseThrow();
        assertEquals(TransactionState.EMPTY, m.state());
        assertEquals(Set.of(), m.partitions());
        assertTrue(markers.sent.isEmpty());
    }

    @Test
    void markersThatFailAreAskedForAgain() throws Exception {
        start();
        assertProducer(1000, 0, init("tx"));
        assertEquals(Errors.NONE, coordinator.addPartitions("tx", 1000, (short) 0,
                Set.of(new TopicPartition("t", 0)), (short) 3).get());
        assertEquals(Errors.NONE, end("tx", 1000, (short) 0, true, (short) 3));
        markers.next().done().completeExceptionally(new IllegalStateException("disk full"));
        // The coordinator thread takes the failure before this look (its queue is in order) and sets a retry.
        assertEquals(TransactionState.PREPARE_COMMIT, state("tx").orElseThrow().state());
        assertTrue(markers.sent.isEmpty());
        advance(1_000);
        markers.next().done().complete(null);
        awaitState("tx", TransactionState.COMPLETE_COMMIT);
    }

    private Errors verified(String id, long producerId, int epoch, TopicPartition... partitions) throws Exception {
        AtomicLong ran = new AtomicLong();
        try {
            coordinator.inTransaction(id, producerId, (short) epoch, Set.of(partitions), () -> {
                ran.incrementAndGet();
                return CompletableFuture.completedFuture(null);
            }).get(10, TimeUnit.SECONDS);
            assertEquals(1, ran.get());
            return Errors.NONE;
        } catch (java.util.concurrent.ExecutionException e) {
            assertEquals(0, ran.get(), "a refused action does not run");
            return Errors.forException(e.getCause());
        }
    }

    @Test
    void anActionRunsOnlyInsideTheProducersOpenTransactionOnItsPartitions() throws Exception {
        start();
        TopicPartition t0 = new TopicPartition("t", 0);
        TopicPartition t1 = new TopicPartition("t", 1);
        assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING, verified("tx", 1000, 0, t0), "no InitProducerId yet");
        assertProducer(1000, 0, init("tx"));
        assertEquals(Errors.INVALID_TXN_STATE, verified("tx", 1000, 0, t0), "no transaction open");
        assertEquals(Errors.NONE, coordinator.addPartitions("tx", 1000, (short) 0, Set.of(t0), (short) 3).get());
        assertEquals(Errors.NONE, verified("tx", 1000, 0, t0));
        assertEquals(Errors.INVALID_TXN_STATE, verified("tx", 1000, 0, t0, t1), "t1 was not added");
        assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING, verified("tx", 999, 0, t0));
        assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING, verified(null, 1000, 0, t0));
        assertEquals(Errors.NONE, end("tx", 1000, (short) 0, true, (short) 3));
        Markers.Sent commit = markers.next();
        assertEquals(Errors.CONCURRENT_TRANSACTIONS, verified("tx", 1000, 0, t0), "being completed");
        commit.done().complete(null);
        awaitState("tx", TransactionState.COMPLETE_COMMIT);
        assertEquals(Errors.INVALID_TXN_STATE, verified("tx", 1000, 0, t0), "completed");
        assertProducer(1000, 1, init("tx"));
        assertEquals(Errors.PRODUCER_FENCED, verified("tx", 1000, 0, t0), "an older epoch");
    }

    private EndTxnResponseData endV5(String id, long producerId, int epoch, boolean commit) throws Exception {
        return coordinator.endTransaction(id, producerId, (short) epoch, commit, (short) 5).get(10, TimeUnit.SECONDS);
    }

    private Errors addByWrite(String id, long producerId, int epoch, TopicPartition tp) throws Exception {
        try {
            coordinator.inTransaction(id, producerId, (short) epoch, Set.of(tp), true,
                    () -> CompletableFuture.completedFuture(null)).get(10, TimeUnit.SECONDS);
            return Errors.NONE;
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause() instanceof java.util.concurrent.CompletionException ? e.getCause().getCause()
                    : e.getCause();
            return Errors.forException(c);
        }
    }

    /**
     * Transaction protocol 2: a write adds its partition (opening the transaction), every EndTxn prepares the
     * decision under the next epoch and answers it, a retry with the epoch before the bump gets the same answer,
     * an abort with nothing open is taken, and the ended epoch is fenced.
     */
    @Test
    void protocolTwoAddsPartitionsByWritingAndBumpsTheEpochAtEveryEnd() throws Exception {
        start();
        assertProducer(1000, 0, init("tx"));
        TopicPartition t0 = new TopicPartition("t", 0);
        assertEquals(Errors.NONE, addByWrite("tx", 1000, 0, t0));
        Metadata open = state("tx").orElseThrow();
        assertEquals(TransactionState.ONGOING, open.state());
        assertEquals(Set.of(t0), open.partitions());
        assertEquals(2, open.clientVersion());
        assertEquals(Errors.NONE, addByWrite("tx", 1000, 0, t0), "held already");

        EndTxnResponseData committed = endV5("tx", 1000, 0, true);
        assertEquals(Errors.NONE.code(), committed.errorCode());
        assertEquals(1000, committed.producerId());
        assertEquals(1, committed.producerEpoch(), "the next epoch");
        Markers.Sent commit = markers.next();
        assertEquals(1, commit.prepared().producerEpoch(), "the markers carry it, fencing epoch 0");
        assertEquals(Errors.CONCURRENT_TRANSACTIONS.code(), endV5("tx", 1000, 0, true).errorCode(),
                "a retry while the markers are written");
        assertEquals(Errors.CONCURRENT_TRANSACTIONS, addByWrite("tx", 1000, 1, t0), "the next transaction waits");
        commit.done().complete(null);
        awaitState("tx", TransactionState.COMPLETE_COMMIT);
        EndTxnResponseData retried = endV5("tx", 1000, 0, true);
        assertEquals(Errors.NONE.code(), retried.errorCode(), "a retry once complete");
        assertEquals(1, retried.producerEpoch());
        assertEquals(Errors.INVALID_TXN_STATE.code(), endV5("tx", 1000, 0, false).errorCode(), "the other result");
        assertEquals(Errors.PRODUCER_FENCED, addByWrite("tx", 1000, 0, t0), "the ended epoch");

        assertEquals(Errors.INVALID_TXN_STATE.code(), endV5("tx", 1000, 1, true).errorCode(), "a commit of nothing");
        EndTxnResponseData abortedNothing = endV5("tx", 1000, 1, false);
        assertEquals(Errors.NONE.code(), abortedNothing.errorCode(), "an abort of nothing is taken");
        assertEquals(2, abortedNothing.producerEpoch());
        Markers.Sent none = markers.next();
        assertEquals(Set.of(), none.prepared().partitions());
        none.done().complete(null);
        awaitState("tx", TransactionState.COMPLETE_ABORT);
    }

    @Test
    void protocolTwoMovesToANewProducerIdWhenTheEpochRunsOut() throws Exception {
        TopicPartition t0 = new TopicPartition("t", 0);
        earlier(held("tx", 500, TransactionCoordinator.EXHAUSTED_EPOCH - 1, TransactionState.ONGOING, t0));
        start();
        EndTxnResponseData r = endV5("tx", 500, TransactionCoordinator.EXHAUSTED_EPOCH - 1, true);
        assertEquals(Errors.NONE.code(), r.errorCode());
        assertEquals(1000, r.producerId(), "a new producer id");
        assertEquals(0, r.producerEpoch());
        assertEquals(TransactionCoordinator.EXHAUSTED_EPOCH, state("tx").orElseThrow().producerEpoch(),
                "the markers carry the bumped epoch of the old id");
        markers.next().done().complete(null);
        Metadata done = awaitState("tx", TransactionState.COMPLETE_COMMIT);
        assertEquals(r.producerId(), done.producerId());
        assertEquals(0, done.producerEpoch());
        assertEquals(Errors.NONE, addByWrite("tx", r.producerId(), 0, t0), "the new producer id goes on");
    }

    /**
     * Protocol 2: a write whose partition is still being added to the transaction is not overtaken by a later
     * write of the same producer that needs no addition (their batches must land in sequence order).
     */
    @Test
    void protocolTwoActionsRunInTheOrderTheyCameWhileAnAdditionIsStored() throws Exception {
        start();
        assertProducer(1000, 0, init("tx"));
        TopicPartition t0 = new TopicPartition("t", 0);
        List<Integer> order = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Void> gate = new CompletableFuture<>();
        log.hold = gate;
        CompletableFuture<Object> first = coordinator.inTransaction("tx", 1000, (short) 0, Set.of(t0), true, () -> {
            order.add(1);
            return CompletableFuture.completedFuture(null);
        });
        CompletableFuture<Object> second = coordinator.inTransaction("tx", 1000, (short) 0, Set.of(t0), true, () -> {
            order.add(2);
            return CompletableFuture.completedFuture(null);
        });
        state("tx"); // both calls have run on the coordinator's thread
        assertEquals(List.of(), order, "the addition is not durable yet: neither may act");
        log.hold = null;
        gate.complete(null);
        first.get(10, TimeUnit.SECONDS);
        second.get(10, TimeUnit.SECONDS);
        assertEquals(List.of(1, 2), order);
        assertEquals(Errors.NONE, addByWrite("tx", 1000, 0, t0), "nothing waits any more");
    }
}
