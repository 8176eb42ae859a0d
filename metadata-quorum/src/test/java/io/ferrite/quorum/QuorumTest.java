package io.ferrite.quorum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Three quorum members on loopback ports, each with its own directory, driven through a client. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QuorumTest {
    private static final UUID CLUSTER = UUID.randomUUID();
    /**
     * A snapshot every 20 entries, and the log in 4 KiB segments, so that it is purged behind each snapshot; brokers'
     * sessions that outlast each test, since most send no heartbeat.
     */
    private static final QuorumServer.Settings SMALL = new QuorumServer.Settings(Duration.ofMillis(1000),
            Duration.ofMillis(2000), 20, 4096, Duration.ofMinutes(10));
    /** Sessions of a second and a half. */
    private static final QuorumServer.Settings SHORT_SESSIONS = new QuorumServer.Settings(Duration.ofMillis(1000),
            Duration.ofMillis(2000), 10_000, 1 << 20, Duration.ofMillis(1500));
    private QuorumServer.Settings settings = SMALL;

    @TempDir
    Path dir;
    private List<Voter> voters;
    private final QuorumServer[] members = new QuorumServer[3];
    private QuorumClient client;

    private void startAll() throws IOException {
        voters = new ArrayList<>();
        for (int id = 0; id < 3; id++) {
            voters.add(new Voter(id, "127.0.0.1", freePort()));
        }
        for (int id = 0; id < 3; id++) {
            start(id);
        }
        client = new QuorumClient(voters, CLUSTER);
    }

    private void start(int id) throws IOException {
        members[id] = QuorumServer.start(id, voters, CLUSTER, dir.resolve("node-" + id), settings);
    }

    @AfterEach
    void closeAll() {
        List<AutoCloseable> open = new ArrayList<>(List.of(members).stream().filter(m -> m != null).toList());
        if (client != null) {
            open.add(0, client);
        }
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception e) { // the others are closed all the same
                e.printStackTrace();
            }
        }
    }

    private Outcome propose(List<ApiMessage> entry) throws Exception {
        return client.propose(entry).get(60, TimeUnit.SECONDS);
    }

    /** Three brokers and topic t (partition 0 on 0,1,2, partition 1 on 1,2,0); returns the brokers' epochs. */
    private long[] brokersAndTopic(Uuid topic) throws Exception {
        long[] epochs = new long[3];
        for (int id = 0; id < 3; id++) {
            epochs[id] = propose(Changes.register(id, Uuid.randomUuid())).value();
            assertEquals(Errors.NONE, propose(Changes.unfence(id, epochs[id])).error());
        }
        assertEquals(Errors.NONE, propose(Changes.createTopic("t", topic, List.of(List.of(0, 1, 2), List.of(1, 2, 0))))
                .error());
        return epochs;
    }

    @Test
    void everyMemberAppliesTheSameChangesAndANewLeaderGoesOnWhenTheOldOneStops() throws Exception {
        startAll();
        Uuid topic = Uuid.randomUuid();
        long[] epochs = brokersAndTopic(topic);
        awaitSameState(0, 1, 2);
        int leader = leader();
        members[leader].close(); // the quorum's leader goes
        members[leader] = null;
        int brokerToFence = 0;
        Outcome fenced = propose(Changes.fence(brokerToFence, epochs[brokerToFence]));
        assertEquals(Errors.NONE, fenced.error());
        int[] left = Stream.of(0, 1, 2).filter(i -> i != leader).mapToInt(Integer::intValue).toArray();
        awaitSameState(left);
        PartitionState p0 = members[left[0]].state().topics().get("t").partitions().get(0);
        assertEquals(new PartitionState(List.of(0, 1, 2), List.of(1, 2), 1, 1, 1), p0);

        start(leader); // back from its own log, and it catches up with what it missed
        awaitSameState(0, 1, 2);
        assertEquals(p0, members[leader].state().topics().get("t").partitions().get(0));
    }

    /** ISR changes of partition 0 by its leader, broker 0, each awaited on every running member. */
    private void isrChanges(Uuid topic, long epoch0, int count, int... running) throws Exception {
        awaitSameState(running); // a change completes once the leader applied it: the others may be behind
        for (int i = 0; i < count; i++) {
            PartitionState p = members[running[0]].state().topics().get("t").partitions().get(0);
            List<Integer> isr = p.isr().size() == 3 ? List.of(0, 1) : List.of(0, 1, 2);
            assertEquals(Errors.NONE, propose(Changes.alterIsr(0, epoch0, topic, 0, p.leaderEpoch(),
                    p.partitionEpoch(), isr)).error());
            awaitSameState(running); // the next change reads the partition epoch this one made
        }
    }

    @Test
    void aMemberRestartsFromItsSnapshotAndCatchesUpWithWhatItMissed() throws Exception {
        startAll();
        Uuid topic = Uuid.randomUuid();
        long[] epochs = brokersAndTopic(topic);
        isrChanges(topic, epochs[0], 30, 0, 1, 2); // past the snapshot threshold of 20 entries
        int follower = (leader() + 1) % 3;
        await(() -> hasSnapshot(follower), "member " + follower + " took a snapshot");
        members[follower].close();
        members[follower] = null;
        int[] running = Stream.of(0, 1, 2).filter(i -> i != follower).mapToInt(Integer::intValue).toArray();
        isrChanges(topic, epochs[0], 10, running); // missed while it is down
        start(follower);
        await(() -> members[follower].state().equals(members[running[0]].state()), "member " + follower
                + " caught up");
        assertTrue(members[follower].snapshotLoaded() > 0, "it started from its snapshot");
        assertEquals(40, members[follower].state().topics().get("t").partitions().get(0).partitionEpoch());
    }

    @Test
    void aMemberWithANewDiskIsSentTheLeadersSnapshot() throws Exception {
        startAll();
        Uuid topic = Uuid.randomUuid();
        long[] epochs = brokersAndTopic(topic);
        int follower = (leader() + 1) % 3;
        members[follower].close();
        members[follower] = null;
        deleteTree(dir.resolve("node-" + follower)); // a replaced disk
        int[] running = Stream.of(0, 1, 2).filter(i -> i != follower).mapToInt(Integer::intValue).toArray();
        isrChanges(topic, epochs[0], 60, running); // the leader's log is purged behind its snapshots meanwhile
        start(follower);
        await(() -> members[follower].state().equals(members[running[0]].state()), "member " + follower
                + " caught up from nothing");
        assertTrue(members[follower].snapshotLoaded() > 0, "it was sent a snapshot: the log it needed was purged");
    }

    @Test
    void aBrokerIsUnfencedByItsHeartbeatsAndFencedWhenTheyStop() throws Exception {
        settings = SHORT_SESSIONS;
        startAll();
        long[] epochs = new long[2];
        for (int id = 0; id < 2; id++) {
            epochs[id] = propose(Changes.register(id, Uuid.randomUuid())).value();
        }
        BrokerHeartbeatResponseData stale = client.heartbeat(heartbeat(0, epochs[0] - 1, epochs[1])).get(30,
                TimeUnit.SECONDS);
        assertEquals(Errors.STALE_BROKER_EPOCH.code(), stale.errorCode());
        BrokerHeartbeatResponseData behind = client.heartbeat(heartbeat(0, epochs[0], epochs[0] - 1)).get(30,
                TimeUnit.SECONDS);
        assertTrue(behind.isFenced());
        assertTrue(!behind.isCaughtUp(), "it has not applied its own registration yet");
        await(() -> beat(0, epochs[0]) && beat(1, epochs[1]) && !leaderState().brokers().get(0).fenced()
                && !leaderState().brokers().get(1).fenced(), "both brokers unfenced by their heartbeats");
        assertEquals(Errors.NONE, propose(Changes.createTopic("t", Uuid.randomUuid(), List.of(List.of(0, 1))))
                .error());
        // Broker 0 stops; broker 1 goes on. Within a session and a check, 0 is fenced and 1 leads.
        await(() -> beat(1, epochs[1]) && leaderState().brokers().get(0).fenced(), "broker 0 fenced");
        assertEquals(new PartitionState(List.of(0, 1), List.of(1), 1, 1, 1),
                leaderState().topics().get("t").partitions().get(0));
        assertTrue(!leaderState().brokers().get(1).fenced(), "a broker that beats keeps its session");
    }

    private static BrokerHeartbeatRequestData heartbeat(int id, long epoch, long applied) {
        return new BrokerHeartbeatRequestData().setBrokerId(id).setBrokerEpoch(epoch).setCurrentMetadataOffset(applied);
    }

    /** One heartbeat of broker {@code id}, which has applied the log up to its registration; true once answered. */
    private boolean beat(int id, long epoch) {
        try {
            return client.heartbeat(heartbeat(id, epoch, epoch)).get(30, TimeUnit.SECONDS).errorCode() == 0;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private ClusterState leaderState() {
        try {
            return members[leader()].state();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private boolean hasSnapshot(int id) {
        try (Stream<Path> s = Files.walk(dir.resolve("node-" + id))) {
            return s.map(f -> f.getFileName().toString())
                    .anyMatch(n -> n.startsWith("snapshot.") && !n.endsWith(".md5") && !n.endsWith(".tmp"));
        } catch (IOException e) {
            return false;
        }
    }

    private int leader() throws InterruptedException {
        int[] found = {-1};
        await(() -> {
            for (int i = 0; i < 3; i++) {
                if (members[i] != null && members[i].isLeader()) {
                    found[0] = i;
                    return true;
                }
            }
            return false;
        }, "a leader");
        return found[0];
    }

    private void awaitSameState(int... ids) throws InterruptedException {
        await(() -> {
            ClusterState first = members[ids[0]].state();
            for (int id : ids) {
                if (!members[id].state().equals(first)) {
                    return false;
                }
            }
            return true;
        }, "members " + java.util.Arrays.toString(ids) + " apply the same changes");
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
        assertTrue(condition.getAsBoolean());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
