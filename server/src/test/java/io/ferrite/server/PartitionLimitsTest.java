package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests that would create a great many partitions: Kafka's bound per request, the broker's bound in all
 * ({@code store.max.partitions}), and topics that take no index file (disk, descriptor) until written to.
 */
@Timeout(120)
class PartitionLimitsTest {
    private static final short METADATA_V12 = 12;
    private static final short CREATE_TOPICS_V7 = 7;

    @TempDir
    Path dir;
    private Handlers handlers;

    @AfterEach
    void stop() {
        if (handlers != null) {
            handlers.close();
        }
    }

    private MetadataResponseData metadata(List<String> names) throws Exception {
        MetadataRequestData req = new MetadataRequestData().setAllowAutoTopicCreation(true)
                .setTopics(new ArrayList<>());
        names.forEach(n -> req.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(n)));
        return new MetadataResponseData(handlers.exchange(ApiKeys.METADATA, METADATA_V12, req), METADATA_V12);
    }

    private CreateTopicsResponseData createTopics(CreatableTopic... topics) throws Exception {
        CreateTopicsRequestData req = new CreateTopicsRequestData().setTimeoutMs(30_000);
        for (CreatableTopic t : topics) {
            req.topics().add(t);
        }
        return new CreateTopicsResponseData(handlers.exchange(ApiKeys.CREATE_TOPICS, CREATE_TOPICS_V7, req),
                CREATE_TOPICS_V7);
    }

    private static CreatableTopic topic(String name, int partitions) {
        return new CreatableTopic().setName(name).setNumPartitions(partitions).setReplicationFactor((short) -1);
    }

    private static List<String> names(String prefix, int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    private long queueFiles() throws Exception {
        Path queues = dir.resolve("data").resolve("consumequeue");
        if (!Files.isDirectory(queues)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(queues)) {
            return s.filter(f -> f.getFileName().toString().matches("\\d{20}")).count(); // index files only
        }
    }

    @Test
    void aMetadataRequestForTwentyThousandNewTopicsCreatesNoneAndTheBrokerStaysWell() throws Exception {
        handlers = Handlers.open(dir, Map.of());
        MetadataResponseData resp = metadata(names("flood-", 20_000));
        assertEquals(20_000, resp.topics().size());
        resp.topics().forEach(t -> assertEquals(Errors.LEADER_NOT_AVAILABLE.code(), t.errorCode(), t.name()));
        assertEquals(0, handlers.topicCount());

        // The broker goes on: a normal auto-creation and a produce to it work.
        MetadataResponseData ok = metadata(List.of("after-flood"));
        assertEquals(Errors.NONE.code(), ok.topics().find("after-flood").errorCode());
        assertEquals(Errors.NONE, handlers.produce("after-flood", 0, "v"));
    }

    @Test
    void fiveThousandTopicsAreCreatedTogetherWithoutIndexFilesUntilWritten() throws Exception {
        handlers = Handlers.open(dir, Map.of());
        MetadataResponseData resp = metadata(names("many-", 5_000));
        resp.topics().forEach(t -> assertEquals(Errors.NONE.code(), t.errorCode(), t.name()));
        assertEquals(5_000, handlers.topicCount());
        long before = queueFiles();
        assertEquals(Errors.NONE, handlers.produce("many-17", 0, "v"));
        assertTrue(queueFiles() > before, "the first append makes the partition's index file");
        assertTrue(before < 100, "5,000 idle partitions hold " + before + " index files");
    }

    @Test
    void createTopicsAskingForMoreThanTenThousandPartitionsIsRefusedWhole() throws Exception {
        handlers = Handlers.open(dir, Map.of());
        CreateTopicsResponseData resp = createTopics(topic("a", 5_000), topic("b", 5_000), topic("c", 1));
        for (String name : List.of("a", "b", "c")) {
            CreateTopicsResponseData.CreatableTopicResult r = resp.topics().find(name);
            assertEquals(Errors.POLICY_VIOLATION.code(), r.errorCode(), name);
            assertEquals("Excessively large number of partitions per request.", r.errorMessage());
        }
        assertEquals(0, handlers.topicCount());
        CreateTopicsResponseData fits = createTopics(topic("a", 5_000), topic("b", 5_000));
        fits.topics().forEach(r -> assertEquals(Errors.NONE.code(), r.errorCode(), r.name()));
    }

    @Test
    void theBrokersBoundInAllRefusesCreationsAndGrowthPastIt() throws Exception {
        handlers = Handlers.open(dir, Map.of("store.max.partitions", "10"));
        CreateTopicsResponseData resp = createTopics(topic("six", 6), topic("five", 5), topic("four", 4));
        assertEquals(Errors.NONE.code(), resp.topics().find("six").errorCode());
        assertEquals(Errors.POLICY_VIOLATION.code(), resp.topics().find("five").errorCode());
        assertTrue(resp.topics().find("five").errorMessage().contains("store.max.partitions"));
        assertEquals(Errors.NONE.code(), resp.topics().find("four").errorCode());

        CreatePartitionsRequestData grow = new CreatePartitionsRequestData().setTimeoutMs(30_000);
        grow.topics().add(new CreatePartitionsRequestData.CreatePartitionsTopic().setName("four").setCount(5)
                .setAssignments(null));
        CreatePartitionsResponseData grown = new CreatePartitionsResponseData(
                handlers.exchange(ApiKeys.CREATE_PARTITIONS, (short) 3, grow), (short) 3);
        assertEquals(Errors.POLICY_VIOLATION.code(), grown.results().get(0).errorCode());

        MetadataResponseData auto = metadata(List.of("one-more"));
        assertEquals(Errors.POLICY_VIOLATION.code(), auto.topics().find("one-more").errorCode());
    }

    @Test
    void createTopicsMakesFirstIndexFilesAheadAndMetadataAutoCreationDoesNot() throws Exception {
        handlers = Handlers.open(dir, Map.of());
        metadata(names("auto-", 10));
        createTopics(topic("explicit", 10));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (queueFiles() < 10 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(10, queueFiles(), "the explicit topic's ten partitions, made ahead; none for the auto-created");
    }
}
