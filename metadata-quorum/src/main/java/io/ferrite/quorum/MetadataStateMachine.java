package io.ferrite.quorum;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;

/**
 * The quorum's state machine: applies each committed log entry to the {@link ClusterState} in log order, and
 * saves and loads that state as a snapshot, so a restarted or new member need not replay the whole log.
 *
 * <p>A snapshot is one file Ratis names by the term and index it covers, holding the state as Kafka records
 * ({@link ClusterState#toRecords}, framed by {@link QuorumCodec}), with an MD5 file beside it that is checked
 * before it is read. A member far behind (or with a new disk) is sent the leader's snapshot, and this machine is
 * paused and reinitialized from it.
 *
 * <p>Ratis calls {@link #applyTransaction} and {@link #takeSnapshot} on its one state-machine updater thread, so
 * a snapshot is of the state at exactly the index it names; readers take {@link #state()} from any thread.
 */
public final class MetadataStateMachine extends BaseStateMachine {
    private static final Logger LOG = LogManager.getLogger(MetadataStateMachine.class);

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private volatile ClusterState state = ClusterState.empty();
    private volatile Consumer<ClusterState> listener = s -> { };
    private volatile long snapshotLoaded = -1;

    /** The state as of the last entry applied here. */
    public ClusterState state() {
        return state;
    }

    /** Answers a broker's heartbeat from the state as this member has it: the quorum's leader sets it. */
    private volatile BiFunction<BrokerHeartbeatRequestData, ClusterState, BrokerHeartbeatResponseData> heartbeats;

    void onHeartbeat(BiFunction<BrokerHeartbeatRequestData, ClusterState, BrokerHeartbeatResponseData> handler) {
        this.heartbeats = handler;
    }

    /**
     * A read-only query, which Ratis serves on the leader: a broker's heartbeat. It changes no replicated state;
     * what it decides (fence, unfence) is proposed to the log.
     */
    @Override
    public CompletableFuture<Message> query(Message request) {
        try {
            List<ApiMessage> messages = QuorumCodec.decode(request.getContent().asReadOnlyByteBuffer());
            var handler = heartbeats;
            if (messages.size() != 1 || !(messages.get(0) instanceof BrokerHeartbeatRequestData req)
                    || handler == null) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("not a broker heartbeat"));
            }
            BrokerHeartbeatResponseData answer = handler.apply(req, state);
            return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(
                    QuorumCodec.encode(List.of(answer)))));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Told of each new state, on Ratis's updater thread: it must not block. */
    void onChange(Consumer<ClusterState> listener) {
        this.listener = listener;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        // The lifecycle moves as Ratis expects it to: a snapshot installed from the leader pauses the machine,
        // then reinitializes it, and Ratis stops a member whose machine is not in the state it looks for.
        getLifeCycle().startAndTransition(() -> {
            super.initialize(server, groupId, raftStorage);
            storage.init(raftStorage);
            load(storage.loadLatestSnapshot());
        });
    }

    @Override
    public synchronized void pause() {
        if (getLifeCycle().getCurrentState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    @Override
    public synchronized void reinitialize() throws IOException {
        if (getLifeCycle().getCurrentState() == LifeCycle.State.PAUSED) { // a snapshot installed from the leader
            getLifeCycle().transition(LifeCycle.State.STARTING);
            load(storage.loadLatestSnapshot());
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    /** The index of the snapshot this member started from or was given; -1 if none. */
    long snapshotLoaded() {
        return snapshotLoaded;
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        ByteBuffer data = entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer();
        Outcome outcome;
        try {
            List<ApiMessage> messages = QuorumCodec.decode(data);
            ClusterState.Applied applied = state.apply(messages, entry.getIndex());
            state = applied.state();
            outcome = applied.outcome();
        } catch (IllegalArgumentException e) {
            // Every member reads the same bytes the same way, so every one refuses them and stays in step.
            outcome = Outcome.refused(Errors.INVALID_REQUEST, e.getMessage());
        } catch (RuntimeException e) {
            // A bug in a rule: thrown alike on every member, so refused alike, rather than stopping each member
            // at this entry every time it replays the log.
            LOG.error("entry {} of the metadata log could not be applied; it is refused", entry.getIndex(), e);
            outcome = Outcome.refused(Errors.UNKNOWN_SERVER_ERROR, e.toString());
        }
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        if (outcome.error() == Errors.NONE) {
            tell(state);
        }
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(QuorumCodec.encode(outcome))));
    }

    /**
     * Writes the state as of the last entry applied. The file is complete and forced, and its MD5 saved, before it
     * takes its name, so a crash leaves the previous snapshot the latest, never one without a checksum.
     */
    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return -1;
        }
        File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        Path tmp = file.toPath().resolveSibling(file.getName() + ".tmp");
        byte[] bytes = QuorumCodec.encode(state.toRecords());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        MD5Hash md5 = MD5Hash.digest(bytes);
        MD5FileUtil.saveMD5File(file, md5);
        Files.move(tmp, file.toPath(), StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel dir = FileChannel.open(file.toPath().getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last));
        return last.getIndex();
    }

    private void load(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) {
            return;
        }
        File file = snapshot.getFile().getPath().toFile();
        MD5FileUtil.verifySavedMD5(file, MD5FileUtil.computeMd5ForFile(file));
        state = ClusterState.fromRecords(QuorumCodec.decode(ByteBuffer.wrap(Files.readAllBytes(file.toPath()))));
        setLastAppliedTermIndex(snapshot.getTermIndex());
        snapshotLoaded = snapshot.getIndex();
        LOG.info("loaded the metadata snapshot at index {}: {} brokers, {} topics", snapshot.getIndex(),
                state.brokers().size(), state.topics().size());
        tell(state);
    }

    /** The listener hears of a new state; what it throws is its own failure, never the log's. */
    private void tell(ClusterState now) {
        try {
            listener.accept(now);
        } catch (RuntimeException e) {
            LOG.warn("a metadata listener failed: {}", e.toString());
        }
    }
}
