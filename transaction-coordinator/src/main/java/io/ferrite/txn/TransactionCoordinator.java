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
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The transaction coordinator: every transactional id of this broker (which coordinates all of them), its
 * producer id and epoch, and where its transaction stands. Each call runs on the thread
 * {@code ferrite-transaction-coordinator} ({@link CoordinatorRuntime}) and answers once what it changed is
 * durable in the coordinator's log, from which the state is rebuilt on start.
 *
 * <p>So far it serves InitProducerId for transactional ids (epoch bumps, fencing of an older producer, a new
 * producer id when the epoch is exhausted, KIP-360 recovery with the producer's own id and epoch, and the abort
 * of a transaction the previous producer left open) and the completion of a transaction once its markers are
 * written. Its timers abort transactions open longer than their timeout and remove transactional ids unused for
 * {@code transactional.id.expiration.ms}. It is not yet wired to the network: transactions are advertised when partitions, offsets, markers
 * and the read side are in.
 */
public final class TransactionCoordinator implements AutoCloseable {
    /** The pinned store partition holding the coordinator's log ({@link TransactionRecordSerde}); not a topic. */
    public static final PartitionKey LOG_PARTITION = new PartitionKey("__ferrite_transactions", 0);
    /** From this epoch on a producer gets a new producer id rather than another bump, as in Kafka. */
    static final short EXHAUSTED_EPOCH = Short.MAX_VALUE - 1;

    private final CoordinatorRuntime<TransactionRecord> runtime;
    private final TransactionalIds ids = new TransactionalIds();
    private final TransactionConfig config;
    private final ProducerIdSource producerIds;

    private TransactionCoordinator(CoordinatorLog<TransactionRecord> log, Clock clock, TransactionConfig config,
                                   ProducerIdSource producerIds) {
        this.runtime = new CoordinatorRuntime<>("transaction-coordinator", log, clock, config.compactAfterBytes());
        this.config = config;
        this.producerIds = producerIds;
    }

    /** Loads the coordinator's state from its log in {@code store} (open it with {@link #LOG_PARTITION} pinned). */
    public static TransactionCoordinator start(Store store, Clock clock, TransactionConfig config,
                                               ProducerIdSource producerIds) {
        return start(new StoreCoordinatorLog<>(store, LOG_PARTITION, TransactionRecordSerde.INSTANCE, clock), clock,
                config, producerIds);
    }

    static TransactionCoordinator start(CoordinatorLog<TransactionRecord> log, Clock clock, TransactionConfig config,
                                        ProducerIdSource producerIds) {
        TransactionCoordinator c = new TransactionCoordinator(log, clock, config, producerIds);
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
                Errors error = r.error == Errors.PRODUCER_FENCED && version < 4 ? Errors.INVALID_PRODUCER_EPOCH
                        : r.error;
                return CompletableFuture.completedFuture(error(error));
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
        return write(fenceAndAbort(m, now), error(Errors.CONCURRENT_TRANSACTIONS))
                .exceptionally(e -> error(Errors.COORDINATOR_NOT_AVAILABLE));
    }

    /** The open transaction's abort, prepared under an epoch one above its producer's, which fences it. */
    private static Metadata fenceAndAbort(Metadata m, long now) {
        short fenced = m.producerEpoch() == Short.MAX_VALUE ? m.producerEpoch() : (short) (m.producerEpoch() + 1);
        return m.withProducer(m.producerId(), m.previousProducerId(), fenced, (short) -1)
                .transitionTo(TransactionState.PREPARE_ABORT, now);
    }

    /**
     * Every marker of the transaction is written: it is complete (CompleteCommit or CompleteAbort), with no
     * partitions, and a producer id set aside for an exhausted epoch takes over.
     */
    public CompletableFuture<Void> completeTransaction(String transactionalId) {
        return runtime.call(() -> {
            Metadata m = ids.get(transactionalId);
            if (m == null || !m.state().isPreparing()) {
                return CompletableFuture.failedFuture(new IllegalStateException(transactionalId
                        + " has no transaction being completed"));
            }
            TransactionState done = m.state() == TransactionState.PREPARE_COMMIT ? TransactionState.COMPLETE_COMMIT
                    : TransactionState.COMPLETE_ABORT;
            Metadata next = m.transitionTo(done, runtime.now()).cleared();
            if (m.nextProducerId() != -1) {
                next = next.withProducer(m.nextProducerId(), m.producerId(), (short) 0, (short) -1);
            }
            return write(next, null);
        });
    }

    /** The timers, armed whenever the state is (re)loaded; they hold no state of their own. */
    private CoordinatorState<TransactionRecord> timers() {
        return new CoordinatorState<>() {
            @Override
            public void replay(TransactionRecord record) {
            }

            @Override
            public void loaded() {
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
                records.add(fenceAndAbort(m, now));
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

    /** The state of a transactional id, if it has one. */
    public CompletableFuture<Optional<Metadata>> describe(String transactionalId) {
        return runtime.call(() -> CompletableFuture.completedFuture(Optional.ofNullable(ids.get(transactionalId))));
    }

    /** Applies the record and answers once it is durable; if the write fails, the runtime rolls the state back. */
    private <T> CompletableFuture<T> write(Metadata record, T response) {
        ids.apply(record);
        return runtime.write(new CoordinatorResult<TransactionRecord, T>(List.of(record), response));
    }

    private void write(List<TransactionRecord> records) {
        records.forEach(ids::apply);
        runtime.write(records);
    }

    private static InitProducerIdResponseData answer(Metadata m) {
        return new InitProducerIdResponseData().setProducerId(m.producerId()).setProducerEpoch(m.producerEpoch());
    }

    private static InitProducerIdResponseData error(Errors error) {
        return new InitProducerIdResponseData().setErrorCode(error.code()).setProducerId(-1).setProducerEpoch((short) -1);
    }

    /** A request refused with a Kafka error before anything changed. */
    private static final class Refused extends RuntimeException {
        final Errors error;

        Refused(Errors error) {
            super(error.name(), null, false, false);
            this.error = error;
        }
    }

    @Override
    public void close() {
        runtime.close();
    }
}
