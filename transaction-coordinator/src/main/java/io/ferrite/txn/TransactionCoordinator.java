package io.ferrite.txn;

import io.ferrite.coordinator.CoordinatorLog;
import io.ferrite.coordinator.CoordinatorResult;
import io.ferrite.coordinator.CoordinatorRuntime;
import io.ferrite.coordinator.CoordinatorState;
import io.ferrite.coordinator.StoreCoordinatorLog;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.Store;
import io.ferrite.txn.TransactionRecord.Metadata;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The transaction coordinator: every transactional id of this broker (which coordinates all of them), its
 * producer id and epoch, and where its transaction stands. Each call runs on the thread
 * {@code ferrite-transaction-coordinator} ({@link CoordinatorRuntime}) and answers once what it changed is
 * durable in the coordinator's log, from which the state is rebuilt on start.
 *
 * <p>It serves both versions of Kafka's transaction protocol: InitProducerId for transactional ids
 * (epoch bumps, fencing of an older producer, a new producer id when the epoch is exhausted, KIP-360 recovery
 * with the producer's own id and epoch, and the abort of a transaction the previous producer left open),
 * AddPartitionsToTxn, AddOffsetsToTxn and EndTxn, and in protocol 2 partitions added by their first write
 * ({@link #inTransaction} with {@code add}) and an epoch bump at every EndTxn. A decision, once durable, has
 * its markers written through {@link TransactionMarkers} (again after a failure or a restart) and then
 * completes the transaction. Its
 * timers abort transactions open longer than their timeout and remove transactional ids unused for
 * {@code transactional.id.expiration.ms}.
 */
public final class TransactionCoordinator implements AutoCloseable {
    /** The pinned store partition holding the coordinator's log ({@link TransactionRecordSerde}); not a topic. */
    public static final PartitionKey LOG_PARTITION = new PartitionKey("__ferrite_transactions", 0);
    /**
     * Stands for a transaction's group offsets among its partitions: their marker commits or drops the offsets
     * the producer committed in the transaction (Kafka writes it to the group's offsets partition).
     */
    public static final TopicPartition GROUP_OFFSETS = new TopicPartition("__consumer_offsets", 0);
    /** The coordinator epoch its markers carry: one node, one coordinator, never moved. */
    public static final int COORDINATOR_EPOCH = 0;
    /** From this epoch on a producer gets a new producer id rather than another bump, as in Kafka. */
    static final short EXHAUSTED_EPOCH = Short.MAX_VALUE - 1;
    private static final Logger LOG = LogManager.getLogger(TransactionCoordinator.class);
    private static final long MARKER_RETRY_MS = 1_000;

    private final CoordinatorRuntime<TransactionRecord> runtime;
    private final TransactionalIds ids = new TransactionalIds();
    /**
     * Per transactional id, the last action of protocol 2 not yet run, which the id's next actions wait for.
     * Coordinator thread only; empty whenever no addition is being stored.
     */
    private final Map<String, CompletableFuture<Void>> waitingActions = new HashMap<>();
    private final TransactionConfig config;
    private final ProducerIdSource producerIds;
    private final TransactionMarkers markers;

    private TransactionCoordinator(CoordinatorLog<TransactionRecord> log, Clock clock, TransactionConfig config,
                                   ProducerIdSource producerIds, TransactionMarkers markers) {
        this.runtime = new CoordinatorRuntime<>("transaction-coordinator", log, clock, config.compactAfterBytes());
        this.config = config;
        this.producerIds = producerIds;
        this.markers = markers;
    }

    /** Loads the coordinator's state from its log in {@code store} (open it with {@link #LOG_PARTITION} pinned). */
    public static TransactionCoordinator start(Store store, Clock clock, TransactionConfig config,
                                               ProducerIdSource producerIds, TransactionMarkers markers) {
        return start(new StoreCoordinatorLog<>(store, LOG_PARTITION, TransactionRecordSerde.INSTANCE, clock), clock,
                config, producerIds, markers);
    }

    static TransactionCoordinator start(CoordinatorLog<TransactionRecord> log, Clock clock, TransactionConfig config,
                                        ProducerIdSource producerIds, TransactionMarkers markers) {
        TransactionCoordinator c = new TransactionCoordinator(log, clock, config, producerIds, markers);
        c.runtime.start(List.of(c.ids, c.timers()));
        return c;
    }

    /**
     * InitProducerId with a transactional id (a request without one is an idempotent producer's and never comes
     * here). Before v4 a fenced producer is told INVALID_PRODUCER_EPOCH, as Kafka tells it.
     */
    public CompletableFuture<InitProducerIdResponseData> initProducerId(InitProducerIdRequestData req,
                                                                        short version) {
        return runtime.call(() -> {
            try {
                return init(req);
            } catch (Refused r) {
                return CompletableFuture.completedFuture(error(r.forVersion(version, 4)));
            }
        });
    }

    private CompletableFuture<InitProducerIdResponseData> init(InitProducerIdRequestData req) {
        String id = req.transactionalId();
        if (id == null) {
            throw new IllegalArgumentException("InitProducerId without a transactional id is not the coordinator's");
        }
        if (id.isEmpty()) {
            throw new Refused(Errors.INVALID_REQUEST);
        }
        if (req.transactionTimeoutMs() <= 0 || req.transactionTimeoutMs() > config.maxTimeoutMs()) {
            throw new Refused(Errors.INVALID_TRANSACTION_TIMEOUT);
        }
        long expectedId = req.producerId();
        short expectedEpoch = req.producerEpoch();
        boolean expects = expectedId != -1 || expectedEpoch != -1;
        if (expects && (expectedId == -1 || expectedEpoch == -1)) {
            throw new Refused(Errors.INVALID_REQUEST); // a producer id without its epoch, or the other way round
        }
        long now = runtime.now();
        Metadata m = ids.get(id);
        if (m == null) { // first seen: an id now, epoch 0 by the bump below
            m = new Metadata(id, producerIds.nextProducerId(), -1, -1, (short) -1, (short) -1,
                    req.transactionTimeoutMs(), TransactionState.EMPTY, Set.of(), -1, now, (short) 0);
        }
        // KIP-360: the producer names the id and epoch it holds; another producer's are fenced.
        if (expects && m.producerEpoch() != -1 && expectedId != m.producerId()
                && !(expectedId == m.previousProducerId() && expectedEpoch >= EXHAUSTED_EPOCH)) {
            throw new Refused(Errors.PRODUCER_FENCED);
        }
        return switch (m.state()) {
            case PREPARE_COMMIT, PREPARE_ABORT -> throw new Refused(Errors.CONCURRENT_TRANSACTIONS);
            case ONGOING -> abortForNewProducer(m, now);
            case EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT -> bump(m, expects, expectedEpoch, req.transactionTimeoutMs(),
                    now);
            case DEAD, PREPARE_EPOCH_FENCE -> throw new IllegalStateException(id + " is held as " + m.state());
        };
    }

    /** A new epoch (or a new producer id once the epoch is exhausted), with no transaction open. */
    private CompletableFuture<InitProducerIdResponseData> bump(Metadata m, boolean expects, short expectedEpoch,
                                                               int timeoutMs, long now) {
        short epoch = m.producerEpoch();
        Metadata next;
        if (epoch >= EXHAUSTED_EPOCH && (!expects || expectedEpoch == epoch)) {
            next = m.withProducer(producerIds.nextProducerId(), m.producerId(), (short) 0,
                    expects ? epoch : (short) -1);
        } else if (!expects) {
            next = m.withProducer(m.producerId(), m.previousProducerId(), (short) (epoch + 1), (short) -1);
        } else if (expectedEpoch == epoch || epoch == -1) {
            next = m.withProducer(m.producerId(), m.previousProducerId(), (short) (epoch + 1), epoch);
        } else if (expectedEpoch == m.lastProducerEpoch()) {
            return CompletableFuture.completedFuture(answer(m)); // a retry of the bump that already happened
        } else {
            throw new Refused(Errors.PRODUCER_FENCED);
        }
        Metadata written = next.transitionTo(TransactionState.EMPTY, now).cleared().withTimeout(timeoutMs);
        return write(written, answer(written)).exceptionally(e -> error(Errors.COORDINATOR_NOT_AVAILABLE));
    }

    /**
     * The id's previous producer left a transaction open: fence it (one epoch up) and abort the transaction.
     * The new producer is told CONCURRENT_TRANSACTIONS and retries once the abort is complete, as in Kafka.
     */
    private CompletableFuture<InitProducerIdResponseData> abortForNewProducer(Metadata m, long now) {
        return write(Transitions.fenceAndAbort(m, now), error(Errors.CONCURRENT_TRANSACTIONS))
                .exceptionally(e -> error(Errors.COORDINATOR_NOT_AVAILABLE));
    }

    /** AddPartitionsToTxn from a client (v0-3): one error for all the partitions. */
    public CompletableFuture<Errors> addPartitions(String transactionalId, long producerId, short epoch,
                                                   Set<TopicPartition> partitions, short version) {
        return change(transactionalId, version, 2, m -> Transitions.addPartitions(m, producerId, epoch, partitions,
                (short) 0, runtime.now()));
    }

    /** AddOffsetsToTxn: the transaction will commit offsets of a group (v0-4). */
    public CompletableFuture<Errors> addOffsets(String transactionalId, long producerId, short epoch, short version) {
        return change(transactionalId, version, 2, m -> Transitions.addPartitions(m, producerId, epoch,
                Set.of(GROUP_OFFSETS), (short) 0, runtime.now()));
    }

    /**
     * EndTxn: answered once the decision is durable, as in Kafka; the markers are written after it, and until
     * they are the producer's next requests are told CONCURRENT_TRANSACTIONS. From v5 (transaction protocol 2)
     * the decision bumps the epoch ({@link Transitions#endBumping}) and the answer carries the producer id and
     * epoch the producer goes on with.
     */
    public CompletableFuture<EndTxnResponseData> endTransaction(String transactionalId, long producerId, short epoch,
                                                                boolean commit, short version) {
        if (version < 5) {
            return change(transactionalId, version, 2, m -> Transitions.end(m, producerId, epoch, commit,
                    runtime.now())).thenApply(e -> new EndTxnResponseData().setErrorCode(e.code()));
        }
        return runtime.call(() -> {
            EndTxnResponseData refused = new EndTxnResponseData().setProducerId(-1).setProducerEpoch((short) -1);
            if (transactionalId == null || transactionalId.isEmpty()) {
                return CompletableFuture.completedFuture(refused.setErrorCode(Errors.INVALID_REQUEST.code()));
            }
            Metadata m = ids.get(transactionalId);
            Metadata next;
            try {
                next = Transitions.endBumping(m, producerId, epoch, commit, producerIds::nextProducerId,
                        runtime.now());
            } catch (Refused r) {
                return CompletableFuture.completedFuture(refused.setErrorCode(r.error.code()));
            }
            if (next == null) { // a retry of the decision: the producer id and epoch it already moved to
                return CompletableFuture.completedFuture(goOnWith(m));
            }
            return write(next, goOnWith(next)).exceptionally(e -> refused.setErrorCode(
                    Errors.COORDINATOR_NOT_AVAILABLE.code()));
        });
    }

    /** The producer id and epoch a producer of protocol 2 goes on with after a decision on {@code m}. */
    private static EndTxnResponseData goOnWith(Metadata m) {
        return m.nextProducerId() != -1
                ? new EndTxnResponseData().setProducerId(m.nextProducerId()).setProducerEpoch((short) 0)
                : new EndTxnResponseData().setProducerId(m.producerId()).setProducerEpoch(m.producerEpoch());
    }

    /**
     * Runs {@code action} on the coordinator's thread once it has checked that the producer's transaction is open
     * and holds every one of {@code partitions} (KIP-890's verification, for a transactional batch that would
     * open the transaction in a partition, or offsets committed in it). Markers are started from this thread
     * too, so whatever the action starts there (an append, a call queued to another coordinator) comes before
     * the markers of any decision taken after the check. Otherwise the future fails with Kafka's exception for
     * INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED, CONCURRENT_TRANSACTIONS or INVALID_TXN_STATE.
     */
    public <T> CompletableFuture<T> inTransaction(String transactionalId, long producerId, short epoch,
                                                  Set<TopicPartition> partitions,
                                                  Supplier<CompletableFuture<T>> action) {
        return inTransaction(transactionalId, producerId, epoch, partitions, false, action);
    }

    /**
     * As above; with {@code add} (transaction protocol 2: Produce v12+, TxnOffsetCommit v5), partitions the
     * transaction does not hold yet are added to it first, opening it if none is, as AddPartitionsToTxn would.
     * The action then runs on the coordinator's thread once the addition is durable and checked once more, so
     * that nothing it writes can belong to a transaction the coordinator might forget. Actions of one
     * transactional id run in the order they came, even when an earlier one waits for its addition and a later
     * one needs none (a producer's batches to a partition must be appended in their sequence order).
     */
    public <T> CompletableFuture<T> inTransaction(String transactionalId, long producerId, short epoch,
                                                  Set<TopicPartition> partitions, boolean add,
                                                  Supplier<CompletableFuture<T>> action) {
        if (!add) {
            return verifiedThen(transactionalId, producerId, epoch, partitions, action);
        }
        return runtime.call(() -> {
            Metadata next;
            try {
                Metadata m = transactionalId == null ? null : ids.get(transactionalId);
                next = Transitions.addPartitions(m, producerId, epoch, partitions, (short) 2, runtime.now());
            } catch (Refused r) {
                return CompletableFuture.failedFuture(r.error.exception());
            }
            CompletableFuture<Void> before = waitingActions.get(transactionalId);
            if (next == null && before == null) {
                return action.get(); // held already, nothing ahead of it: act now, on this thread
            }
            CompletableFuture<?> ready = before;
            if (next != null) {
                CompletableFuture<Boolean> stored = write(next, Boolean.TRUE).exceptionally(e -> {
                    throw Errors.COORDINATOR_NOT_AVAILABLE.exception("the transaction's partitions could not be stored");
                });
                ready = before == null ? stored : before.thenCombine(stored, (a, b) -> b);
            }
            CompletableFuture<Void> ran = new CompletableFuture<>();
            waitingActions.put(transactionalId, ran);
            CompletableFuture<T> result = ready.thenCompose(v -> verifiedThen(transactionalId, producerId, epoch,
                    partitions, () -> {
                        try {
                            return action.get();
                        } finally {
                            ran(transactionalId, ran);
                        }
                    }));
            result.whenComplete((r, e) -> {
                if (!ran.isDone()) { // refused, or the addition failed: the next action need not wait
                    runtime.call(() -> {
                        ran(transactionalId, ran);
                        return CompletableFuture.completedFuture(null);
                    });
                }
            });
            return result;
        });
    }

    /** An action of protocol 2 has run (or never will): those after it may go. Coordinator thread only. */
    private void ran(String transactionalId, CompletableFuture<Void> ran) {
        waitingActions.remove(transactionalId, ran);
        ran.complete(null);
    }

    private <T> CompletableFuture<T> verifiedThen(String transactionalId, long producerId, short epoch,
                                                  Set<TopicPartition> partitions,
                                                  Supplier<CompletableFuture<T>> action) {
        return runtime.call(() -> {
            try {
                Metadata m = transactionalId == null ? null : ids.get(transactionalId);
                Transitions.verify(m, producerId, epoch, partitions);
            } catch (Refused r) {
                return CompletableFuture.failedFuture(r.error.exception());
            }
            return action.get();
        });
    }

    /**
     * Runs a transition on the coordinator thread and writes what it returns; its refusal is the answer, and a
     * failed write is answered COORDINATOR_NOT_AVAILABLE (the runtime rolls the state back).
     */
    private CompletableFuture<Errors> change(String transactionalId, short version, int fencedSince,
                                             Function<Metadata, Metadata> transition) {
        return runtime.call(() -> {
            if (transactionalId == null || transactionalId.isEmpty()) {
                return CompletableFuture.completedFuture(Errors.INVALID_REQUEST);
            }
            Metadata next;
            try {
                next = transition.apply(ids.get(transactionalId));
            } catch (Refused r) {
                return CompletableFuture.completedFuture(r.forVersion(version, fencedSince));
            }
            if (next == null) {
                return CompletableFuture.completedFuture(Errors.NONE);
            }
            return write(next, Errors.NONE).exceptionally(e -> Errors.COORDINATOR_NOT_AVAILABLE);
        });
    }

    /**
     * Writes the decided transaction's markers, then completes it; a failure is retried a second later, as long
     * as the transaction is still waiting for these markers.
     */
    private void sendMarkers(Metadata prepared) {
        String key = "markers-" + prepared.transactionalId();
        runtime.cancel(key);
        markers.write(prepared).whenComplete((v, e) -> runtime.call(() -> {
            Metadata now = ids.get(prepared.transactionalId());
            if (now == null || !now.state().isPreparing() || now.producerEpoch() != prepared.producerEpoch()) {
                return CompletableFuture.completedFuture(null); // completed meanwhile, or rolled back
            }
            if (e != null) {
                LOG.warn("the markers of transaction {} could not be written; trying again", prepared.transactionalId(),
                        e);
                runtime.schedule(key, MARKER_RETRY_MS, () -> sendMarkers(now));
                return CompletableFuture.completedFuture(null);
            }
            return write(Transitions.complete(now, runtime.now()), null);
        }));
    }

    /** The timers, armed whenever the state is (re)loaded; they hold no state of their own. */
    private CoordinatorState<TransactionRecord> timers() {
        return new CoordinatorState<>() {
            @Override
            public void replay(TransactionRecord record) {
            }

            @Override
            public void loaded() {
                // A decision durable before a restart (or a roll-back) still needs its markers.
                ids.all().stream().filter(m -> m.state().isPreparing()).forEach(m -> {
                    LOG.info("transaction of {} was decided ({}) but not completed; writing its markers",
                            m.transactionalId(), m.state());
                    sendMarkers(m);
                });
                every("abort-timed-out", config.abortCheckIntervalMs(), TransactionCoordinator.this::abortTimedOut);
                every("expire-ids", config.expiryCheckIntervalMs(), TransactionCoordinator.this::expireIds);
            }

            @Override
            public void unload() {
            }

            @Override
            public void snapshot(List<TransactionRecord> out) {
            }
        };
    }

    private void every(String key, long intervalMs, Runnable task) {
        runtime.schedule(key, intervalMs, () -> {
            task.run();
            every(key, intervalMs, task);
        });
    }

    /**
     * Transactions open longer than their producer's transaction.timeout.ms are aborted: their producer is fenced
     * (one epoch up) and the abort prepared, as Kafka's coordinator does; the producer's next request is refused.
     */
    private void abortTimedOut() {
        long now = runtime.now();
        List<TransactionRecord> records = new ArrayList<>();
        for (Metadata m : ids.all()) {
            if (m.state() == TransactionState.ONGOING && m.startTimestamp() + m.timeoutMs() < now) {
                records.add(Transitions.fenceAndAbort(m, now));
            }
        }
        write(records);
    }

    /** Ids with no transaction open, unused for transactional.id.expiration.ms, are removed (a tombstone each). */
    private void expireIds() {
        long now = runtime.now();
        List<TransactionRecord> records = new ArrayList<>();
        for (Metadata m : ids.all()) {
            if (m.state().isIdle() && m.lastUpdateTimestamp() <= now - config.idExpirationMs()) {
                records.add(new TransactionRecord.Tombstone(m.transactionalId()));
            }
        }
        write(records);
    }

    /**
     * Runs the timers due by the coordinator's clock now. The coordinator wakes itself up for them; this is for a
     * clock that is moved by hand.
     */
    public CompletableFuture<Void> runDueTimers() {
        return runtime.call(() -> {
            runtime.runDueTimers();
            return CompletableFuture.completedFuture(null);
        });
    }

    /** Every transactional id's state, as ListTransactions sees them. */
    public CompletableFuture<List<Metadata>> all() {
        return runtime.call(() -> CompletableFuture.completedFuture(ids.all()));
    }

    /** The state of a transactional id, if it has one. */
    public CompletableFuture<Optional<Metadata>> describe(String transactionalId) {
        return runtime.call(() -> CompletableFuture.completedFuture(Optional.ofNullable(ids.get(transactionalId))));
    }

    /** Applies the record and answers once it is durable; if the write fails, the runtime rolls the state back. */
    private <T> CompletableFuture<T> write(Metadata record, T response) {
        ids.replay(record); // applied now, as replay would; rolled back if the write fails
        return runtime.write(new CoordinatorResult<TransactionRecord, T>(List.of(record), response))
                .thenApply(r -> {
                    markersIfDecided(record);
                    return r;
                });
    }

    private void write(List<TransactionRecord> records) {
        records.forEach(ids::replay);
        runtime.write(records).thenRun(() -> records.forEach(this::markersIfDecided));
    }

    /** A decision just made durable: its markers go out. */
    private void markersIfDecided(TransactionRecord r) {
        if (r instanceof Metadata m && m.state().isPreparing()) {
            sendMarkers(m);
        }
    }

    private static InitProducerIdResponseData answer(Metadata m) {
        return new InitProducerIdResponseData().setProducerId(m.producerId()).setProducerEpoch(m.producerEpoch());
    }

    private static InitProducerIdResponseData error(Errors error) {
        return new InitProducerIdResponseData().setErrorCode(error.code()).setProducerId(-1).setProducerEpoch((short) -1);
    }

    @Override
    public void close() {
        runtime.close();
    }
}
