package io.ferrite.quorum;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
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
import org.apache.ratis.util.MD5FileUtil;

/**
 * The quorum's state machine: applies each committed log entry to the {@link ClusterState} in log order, and
 * saves and loads that state as a snapshot, so a restarted or new member need not replay the whole log.
 *
 * <p>A snapshot is one file Ratis names by the term and index it covers, holding the state as Kafka records
 * ({@link ClusterState#toRecords}, framed by {@link QuorumCodec}), with an MD5 file beside it that is checked
 * before it is read.
 *
 * <p>Ratis calls {@link #applyTransaction} and {@link #takeSnapshot} on its one state-machine updater thread, so
 * a snapshot is of the state at exactly the index it names; readers take {@link #state()} from any thread.
 */
public final class MetadataStateMachine extends BaseStateMachine {
    private static final Logger LOG = LogManager.getLogger(MetadataStateMachine.class);

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private volatile ClusterState state = ClusterState.empty();
    private volatile Consumer<ClusterState> listener = s -> { };

    /** The state as of the last entry applied here. */
    public ClusterState state() {
        return state;
    }

    /** Told of each new state, on Ratis's updater thread: it must not block. */
    void onChange(Consumer<ClusterState> listener) {
        this.listener = listener;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        load(storage.loadLatestSnapshot());
    }

    @Override
    public void reinitialize() throws IOException {
        load(storage.loadLatestSnapshot()); // a snapshot installed from the leader
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
        }
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        if (outcome.error() == Errors.NONE) {
            listener.accept(state);
        }
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(QuorumCodec.encode(outcome))));
    }

    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return -1;
        }
        File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        File tmp = new File(file.getPath() + ".tmp");
        Files.write(tmp.toPath(), QuorumCodec.encode(state.toRecords()));
        Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE);
        MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
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
        LOG.info("loaded the metadata snapshot at index {}: {} brokers, {} topics", snapshot.getIndex(),
                state.brokers().size(), state.topics().size());
        listener.accept(state);
    }
}
