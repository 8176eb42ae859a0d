package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.server.security.AuthorizedOperations;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData.Cursor;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData.TopicRequest;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponsePartition;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** DescribeTopicPartitions through a stock AdminClient, and its pagination on the wire. */
@Timeout(60)
class DescribeTopicPartitionsTest {
    @TempDir
    Path dir;
    private Broker broker;
    private Admin admin;
    private CreateTopicsResult created;

    @BeforeEach
    void start() throws Exception {
        broker = Wire.startBroker(dir, Map.of());
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port()));
        created = admin.createTopics(List.of(new NewTopic("a", 3, (short) 1), new NewTopic("b", 2, (short) 1),
                new NewTopic("c", 1, (short) 1)));
        created.all().get(15, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        admin.close();
        broker.close();
    }

    private DescribeTopicPartitionsResponseData page(int limit, String cursorTopic, int cursorPartition,
                                                     String... names) throws Exception {
        DescribeTopicPartitionsRequestData req = new DescribeTopicPartitionsRequestData()
                .setResponsePartitionLimit(limit)
                .setCursor(cursorTopic == null ? null : new Cursor().setTopicName(cursorTopic)
                        .setPartitionIndex(cursorPartition));
        for (String n : names) {
            req.topics().add(new TopicRequest().setName(n));
        }
        return new DescribeTopicPartitionsResponseData(Wire.exchange(broker.port(),
                ApiKeys.DESCRIBE_TOPIC_PARTITIONS, (short) 0, req), (short) 0);
    }

    /** The page as "topic:partition,partition;..." then "-> topic:partition" for the next cursor. */
    private static String shape(DescribeTopicPartitionsResponseData r) {
        StringBuilder b = new StringBuilder();
        for (DescribeTopicPartitionsResponseTopic t : r.topics()) {
            b.append(t.name()).append(':');
            if (t.errorCode() != 0) {
                b.append(Errors.forCode(t.errorCode()).name());
            }
            b.append(String.join(",", t.partitions().stream().map(p -> "" + p.partitionIndex()).toList())).append(';');
        }
        if (r.nextCursor() != null) {
            b.append("-> ").append(r.nextCursor().topicName()).append(':').append(r.nextCursor().partitionIndex());
        }
        return b.toString();
    }

    @Test
    void aStockAdminClientDescribesPageByPage() throws Exception {
        Map<String, TopicDescription> d = admin.describeTopics(List.of("a", "b", "c"), new DescribeTopicsOptions()
                .partitionSizeLimitPerResponse(2).includeAuthorizedOperations(true)).allTopicNames()
                .get(15, TimeUnit.SECONDS);
        assertEquals(3, d.get("a").partitions().size());
        assertEquals(2, d.get("b").partitions().size());
        assertEquals(1, d.get("c").partitions().size());
        assertEquals(created.topicId("b").get(), d.get("b").topicId());
        assertEquals(1, d.get("a").partitions().get(2).leader().id());
        // Metadata carries no authorized operations here: these came from DescribeTopicPartitions.
        assertTrue(d.get("a").authorizedOperations().contains(AclOperation.ALTER_CONFIGS));
        assertInstanceOf(UnknownTopicOrPartitionException.class, assertThrows(ExecutionException.class,
                () -> admin.describeTopics(List.of("absent")).allTopicNames().get(15, TimeUnit.SECONDS)).getCause());
    }

    @Test
    void pagesFollowTheCursorAsKafkaDoes() throws Exception {
        assertEquals("a:0,1;-> a:2", shape(page(2, null, 0)));
        assertEquals("a:2;b:0;-> b:1", shape(page(2, "a", 2)));
        assertEquals("b:1;c:0;", shape(page(2, "b", 1)));
        assertEquals("a:0,1,2;-> b:0", shape(page(3, null, 0)), "a topic ending at the limit: the next one at 0");
        assertEquals("a:0;-> a:1", shape(page(0, null, 0)), "at least one partition");
        assertEquals("c:0;", shape(page(10, "bb", 0)), "every topic: the cursor's topic need not exist");
        assertEquals("a:;b:0,1;c:0;", shape(page(10, "a", 9)), "a cursor past a topic's end");
        assertEquals("a:0,1,2;bad/name:INVALID_TOPIC_EXCEPTION;c:0;zz:UNKNOWN_TOPIC_OR_PARTITION;",
                shape(page(10, null, 0, "zz", "c", "a", "bad/name", "a")), "named: sorted, once each");
        assertEquals("0a:UNKNOWN_TOPIC_OR_PARTITION;a:0;-> a:1", shape(page(1, null, 0, "a", "0a")),
                "unknown topics cost nothing against the limit");
        assertEquals("c:0;", shape(page(10, "c", 0, "a", "c")), "named topics before the cursor are skipped");
    }

    @Test
    void aBadCursorMakesTheWholeRequestInvalid() throws Exception {
        assertEquals("a:INVALID_REQUEST;c:INVALID_REQUEST;", shape(page(10, "b", 0, "a", "c")),
                "the cursor's topic must be among the named ones");
        assertEquals("a:INVALID_REQUEST;", shape(page(10, "a", -1, "a")));
        assertEquals("", shape(page(10, "a", -1)), "every topic: nothing named to answer");
    }

    @Test
    void partitionsCarryLeaderEpochReplicasAndTheTopicItsId() throws Exception {
        DescribeTopicPartitionsResponseTopic b = page(10, null, 0, "b").topics().find("b");
        assertEquals(created.topicId("b").get(), b.topicId());
        assertEquals(AuthorizedOperations.TOPIC, b.topicAuthorizedOperations());
        DescribeTopicPartitionsResponsePartition p = b.partitions().get(1);
        assertEquals(1, p.leaderId());
        assertEquals(0, p.leaderEpoch());
        assertEquals(List.of(1), p.replicaNodes());
        assertEquals(List.of(1), p.isrNodes());
        assertEquals(List.of(), p.eligibleLeaderReplicas());
        assertEquals(List.of(), p.offlineReplicas());
        assertNull(page(10, null, 0, "b").nextCursor());
    }
}
