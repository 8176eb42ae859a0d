package io.ferrite.quorum;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.common.metadata.FenceBrokerRecord;
import org.apache.kafka.common.metadata.UnfenceBrokerRecord;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * One member of the controller quorum: a Ratis server on this node's controller port, in the Raft group of every
 * voter, applying the metadata log to a {@link MetadataStateMachine}. Its log and snapshots live under
 * {@code dir}; a directory made before is recovered, an empty one formatted.
 *
 * <p>The Raft group's id is the cluster id, so two clusters' members never join each other's group. Ratis owns
 * its threads (gRPC, log worker, state-machine updater) and names them after this member's id; this member owns
 * one more, which checks brokers' sessions while it leads ({@link BrokerSessions}). {@link #close} stops them.
 */
public final class QuorumServer implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(QuorumServer.class);
    private final RaftServer server;
    private final RaftGroup group;
    private final MetadataStateMachine machine;
    /** Proposes what the leader decides on its own: fencing brokers whose session ran out, unfencing caught-up ones. */
    private final QuorumClient proposer;
    private final BrokerSessions sessions;
    /** Thread {@code ferrite-quorum-sessions-<id>}, owned by this member: checks brokers' sessions while it leads. */
    private final ScheduledExecutorService sessionChecks;

    /**
     * Election and snapshot settings. The log is purged up to each snapshot (as KRaft deletes its log behind a
     * snapshot), in segments of {@code logSegmentBytes}; a member behind the purged part is sent the snapshot.
     */
    public record Settings(Duration electionTimeoutMin, Duration electionTimeoutMax, long snapshotEveryEntries,
                           long logSegmentBytes, Duration brokerSessionTimeout) {
        /**
         * Elections after one to two seconds: on two cores shared by three members, Ratis's 150-300 ms default
         * elects new leaders under nothing worse than a garbage collection. A broker's session, Kafka's default
         * {@code broker.session.timeout.ms}, 9 s.
         */
        public static final Settings DEFAULT = new Settings(Duration.ofSeconds(1), Duration.ofSeconds(2), 10_000,
                8L << 20, Duration.ofSeconds(9));
    }

    /**
     * Starts member {@code nodeId} of the voters' group for cluster {@code clusterId}; brokers' sessions go by
     * {@code clock}.
     */
    public static QuorumServer start(int nodeId, List<Voter> voters, UUID clusterId, Path dir, Settings settings,
                                     Clock clock) throws IOException {
        RaftGroup group = group(voters, clusterId);
        Voter self = voters.stream().filter(v -> v.id() == nodeId).findFirst().orElseThrow(() ->
                new IllegalArgumentException("node " + nodeId + " is not one of the voters " + voters));
        RaftProperties props = properties(settings);
        GrpcConfigKeys.Server.setHost(props, self.host());
        GrpcConfigKeys.Server.setPort(props, self.port());
        RaftServerConfigKeys.setStorageDir(props, List.of(dir.toFile()));
        Files.createDirectories(dir);
        refuseOtherGroups(dir, group.getGroupId());
        boolean fresh = isEmpty(dir);
        MetadataStateMachine machine = new MetadataStateMachine();
        RaftServer server = RaftServer.newBuilder().setServerId(peerId(nodeId)).setGroup(group).setProperties(props)
                .setStateMachine(machine)
                .setOption(fresh ? RaftStorage.StartupOption.FORMAT : RaftStorage.StartupOption.RECOVER).build();
        QuorumServer member = new QuorumServer(nodeId, server, group, machine, new QuorumClient(voters, clusterId),
                new BrokerSessions(clock, settings.brokerSessionTimeout().toMillis()));
        try {
            server.start();
        } catch (IOException | RuntimeException e) { // a port taken, a directory unreadable: nothing left running
            try {
                member.close();
            } catch (IOException | RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        member.startSessions(settings.brokerSessionTimeout().toMillis());
        return member;
    }

    /** As {@link #start(int, List, UUID, Path, Settings)}, with the system clock for brokers' sessions. */
    public static QuorumServer start(int nodeId, List<Voter> voters, UUID clusterId, Path dir, Settings settings)
            throws IOException {
        return start(nodeId, voters, clusterId, dir, settings, Clock.systemUTC());
    }

    /**
     * Ratis starts every group whose directory it finds, each on the one state machine given: a directory of
     * another cluster's group (a reused data directory) would apply its log to this cluster's state.
     */
    private static void refuseOtherGroups(Path dir, RaftGroupId ours) throws IOException {
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String name = p.getFileName().toString();
                if (Files.isDirectory(p) && !name.equals(ours.getUuid().toString()) && isUuid(name)) {
                    throw new IllegalStateException(dir + " holds the metadata log of another cluster (" + name
                            + "), not of this one (" + ours.getUuid() + "): move it away or give this node another"
                            + " directory");
                }
            }
        }
    }

    private static boolean isUuid(String name) {
        try {
            return UUID.fromString(name).toString().equals(name);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private QuorumServer(int nodeId, RaftServer server, RaftGroup group, MetadataStateMachine machine,
                         QuorumClient proposer, BrokerSessions sessions) {
        this.server = server;
        this.group = group;
        this.machine = machine;
        this.proposer = proposer;
        this.sessions = sessions;
        this.sessionChecks = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ferrite-quorum-sessions-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        machine.onHeartbeat(this::heartbeat);
    }

    /**
     * A broker's heartbeat, answered on the leader (Ratis sends read-only queries there). An unfence or fence it
     * decides is proposed without waiting: the broker hears of it at a later heartbeat.
     */
    private BrokerHeartbeatResponseData heartbeat(BrokerHeartbeatRequestData req, ClusterState state) {
        BrokerSessions.Heartbeat h = sessions.heartbeat(req, state, term());
        if (h.unfence()) {
            propose(List.of(new UnfenceBrokerRecord().setId(req.brokerId()).setEpoch(req.brokerEpoch())));
        } else if (h.fence()) {
            propose(List.of(new FenceBrokerRecord().setId(req.brokerId()).setEpoch(req.brokerEpoch())));
        }
        return h.response();
    }

    /** Checks the sessions a few times a session timeout, on the leader only, and fences who missed theirs. */
    private void startSessions(long timeoutMs) {
        long period = Math.max(50, timeoutMs / 4);
        sessionChecks.scheduleWithFixedDelay(() -> {
            try {
                if (isLeader()) {
                    for (BrokerState b : sessions.expired(machine.state(), term())) {
                        LOG.info("broker {} missed its session of {} ms: fencing it", b.id(), timeoutMs);
                        propose(List.of(new FenceBrokerRecord().setId(b.id()).setEpoch(b.epoch())));
                    }
                }
            } catch (RuntimeException e) { // the next check tries again; the thread must not die of one
                LOG.warn("checking brokers' sessions failed: {}", e.toString());
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    private void propose(List<ApiMessage> change) {
        proposer.propose(change).whenComplete((o, e) -> {
            if (e != null) {
                LOG.warn("proposing {} failed: {}", change.get(0).getClass().getSimpleName(), e.toString());
            }
        });
    }

    private long term() {
        try {
            return server.getDivision(group.getGroupId()).getInfo().getCurrentTerm();
        } catch (IOException e) {
            return -1;
        }
    }

    static RaftProperties properties(Settings settings) {
        RaftProperties props = new RaftProperties();
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(settings.electionTimeoutMin().toMillis(),
                TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(settings.electionTimeoutMax().toMillis(),
                TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, settings.snapshotEveryEntries());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(props, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(props, true);
        RaftServerConfigKeys.Log.setPurgeGap(props, (int) Math.min(settings.snapshotEveryEntries(), 1024));
        RaftServerConfigKeys.Log.setSegmentSizeMax(props, SizeInBytes.valueOf(settings.logSegmentBytes()));
        return props;
    }

    static RaftGroup group(List<Voter> voters, UUID clusterId) {
        List<RaftPeer> peers = new ArrayList<>();
        for (Voter v : voters) {
            peers.add(RaftPeer.newBuilder().setId(peerId(v.id())).setAddress(v.address()).build());
        }
        return RaftGroup.valueOf(RaftGroupId.valueOf(clusterId), peers);
    }

    static RaftPeerId peerId(int nodeId) {
        return RaftPeerId.valueOf("node-" + nodeId);
    }

    private static boolean isEmpty(Path dir) throws IOException { // a directory made before: recovered
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /** The metadata as this member has applied it. */
    public ClusterState state() {
        return machine.state();
    }

    /** The index of the snapshot this member started from or was sent; -1 if none. */
    long snapshotLoaded() {
        return machine.snapshotLoaded();
    }

    /** Whether this member leads the quorum now. */
    public boolean isLeader() {
        try {
            return server.getDivision(group.getGroupId()).getInfo().isLeader();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        sessionChecks.shutdownNow();
        try {
            proposer.close();
        } finally {
            server.close();
        }
    }
}
