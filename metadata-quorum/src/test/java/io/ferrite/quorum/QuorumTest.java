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
    private static final QuorumServer.Settings FAST = new QuorumServer.Settings(Duration.ofMillis(1000),
            Duration.ofMillis(2000), 20);

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
        members[id] = QuorumServer.start(id, voters, CLUSTER, dir.resolve("node-" + id), FAST);
    }

    @AfterEach
    void closeAll() throws IOException {
        if (client != null) {
            client.close();
        }
        for (QuorumServer m : members) {
            if (m != null) {
                m.close();
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

    @Test
    void aMemberRestartsFromItsSnapshotAndTheLogAfterIt() throws Exception {
        startAll();
        Uuid topic = Uuid.randomUuid();
        long[] epochs = brokersAndTopic(topic);
        for (int i = 0; i < 30; i++) { // past the snapshot threshold of 20 entries: each member takes one
            int isrSize = 3 - i % 2;
            PartitionState p = members[leader()].state().topics().get("t").partitions().get(0);
            List<Integer> isr = isrSize == 3 ? List.of(0, 1, 2) : List.of(0, 1);
            assertEquals(Errors.NONE, propose(Changes.alterIsr(0, epochs[0], topic, 0, p.leaderEpoch(),
                    p.partitionEpoch(), isr)).error());
            awaitSameState(0, 1, 2); // the next change reads the partition epoch the last one made
        }
        int follower = (leader() + 1) % 3;
        await(() -> hasSnapshot(follower), "member " + follower + " took a snapshot");
        ClusterState before = members[follower].state();
        members[follower].close();
        members[follower] = null;
        start(follower);
        await(() -> before.equals(members[follower].state()), "member " + follower + " came back to the same state");
        assertEquals(30, before.topics().get("t").partitions().get(0).partitionEpoch());
    }

    private boolean hasSnapshot(int id) {
        try (Stream<Path> s = Files.walk(dir.resolve("node-" + id))) {
            return s.anyMatch(f -> f.getFileName().toString().startsWith("snapshot.")
                    && !f.getFileName().toString().endsWith(".md5"));
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
