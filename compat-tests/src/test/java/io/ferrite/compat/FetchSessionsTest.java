package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.BrokerUnderTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Incremental fetch sessions (KIP-227) at Fetch v17, by topic id, as a consumer drives them: a full fetch opens
 * a session, later fetches name only what changed and are answered only with partitions that have something new,
 * a repeated or unknown epoch is refused with Kafka's error, a forgotten partition is no longer answered, and
 * epoch -1 closes the session. The same exchanges on Ferrite and on Kafka 4.3 give the same answers.
 */
@Compat(family = Compat.JAVA, feature = "incremental fetch sessions")
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(120)
class FetchSessionsTest {
    private static final short VERSION = 17;

    @Parameter
    BrokerKind kind;

    @TempDir
    Path dir;

    private static List<Integer> partitionsIn(FetchResponseData r) {
        List<Integer> out = new ArrayList<>();
        r.responses().forEach(t -> t.partitions().forEach(p -> out.add(p.partitionIndex())));
        return out;
    }

    private static FetchRequestData request(int session, int epoch) {
        return new FetchRequestData().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20).setSessionId(session)
                .setSessionEpoch(epoch);
    }

    private static FetchRequestData.FetchPartition partition(int p, long offset) {
        return new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(offset)
                .setPartitionMaxBytes(1 << 20);
    }

    @Test
    void aSessionAnswersOnlyWhatChangedAndKeepsItsEpochs() throws Exception {
        try (BrokerUnderTest broker = kind.start("FetchSessionsTest", dir, Map.of());
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()));
                KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(), Map.of())) {
            admin.createTopics(List.of(new NewTopic("sessions", 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
            Uuid id = admin.describeTopics(List.of("sessions")).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get("sessions").topicId();
            producer.send(new ProducerRecord<>("sessions", 0, null, Clients.bytes("a"))).get(30, TimeUnit.SECONDS);
            try (RawConnection c = RawConnection.open(broker.bootstrap())) {
                FetchRequestData full = request(0, 0);
                full.topics().add(new FetchRequestData.FetchTopic().setTopicId(id)
                        .setPartitions(List.of(partition(0, 0), partition(1, 0), partition(2, 0))));
                FetchResponseData first = c.exchange(ApiKeys.FETCH, VERSION, full);
                int session = first.sessionId();
                assertNotEquals(0, session, "a full fetch at epoch 0 opens a session");
                assertEquals(List.of(0, 1, 2), partitionsIn(first));

                FetchRequestData moved = request(session, 1);
                moved.topics().add(new FetchRequestData.FetchTopic().setTopicId(id)
                        .setPartitions(List.of(partition(0, 1))));
                FetchResponseData quiet = c.exchange(ApiKeys.FETCH, VERSION, moved);
                assertEquals(session, quiet.sessionId());
                assertEquals(List.of(), partitionsIn(quiet), "nothing new anywhere");

                producer.send(new ProducerRecord<>("sessions", 2, null, Clients.bytes("b"))).get(30, TimeUnit.SECONDS);
                FetchResponseData news = c.exchange(ApiKeys.FETCH, VERSION, request(session, 2));
                assertEquals(List.of(2), partitionsIn(news), "only the partition written to");
                FetchResponseData.PartitionData p2 = news.responses().get(0).partitions().get(0);
                assertEquals(1, p2.highWatermark());
                assertTrue(p2.records().sizeInBytes() > 0);

                assertEquals(Errors.INVALID_FETCH_SESSION_EPOCH.code(),
                        c.<FetchResponseData>exchange(ApiKeys.FETCH, VERSION, request(session, 2)).errorCode());
                assertEquals(Errors.FETCH_SESSION_ID_NOT_FOUND.code(),
                        c.<FetchResponseData>exchange(ApiKeys.FETCH, VERSION, request(session + 1, 3)).errorCode());

                FetchRequestData forget = request(session, 3);
                forget.topics().add(new FetchRequestData.FetchTopic().setTopicId(id)
                        .setPartitions(List.of(partition(2, 1))));
                forget.forgottenTopicsData().add(new FetchRequestData.ForgottenTopic().setTopicId(id)
                        .setPartitions(List.of(2)));
                c.exchange(ApiKeys.FETCH, VERSION, forget);
                producer.send(new ProducerRecord<>("sessions", 2, null, Clients.bytes("c"))).get(30, TimeUnit.SECONDS);
                producer.send(new ProducerRecord<>("sessions", 1, null, Clients.bytes("d"))).get(30, TimeUnit.SECONDS);
                assertEquals(List.of(1), partitionsIn(c.exchange(ApiKeys.FETCH, VERSION, request(session, 4))),
                        "the forgotten partition is no longer answered");

                FetchRequestData closing = full.duplicate().setSessionId(session).setSessionEpoch(-1);
                FetchResponseData closed = c.exchange(ApiKeys.FETCH, VERSION, closing);
                assertEquals(0, closed.sessionId(), "epoch -1: answered without a session");
                assertEquals(List.of(0, 1, 2), partitionsIn(closed));
                assertEquals(Errors.FETCH_SESSION_ID_NOT_FOUND.code(),
                        c.<FetchResponseData>exchange(ApiKeys.FETCH, VERSION, request(session, 5)).errorCode());
            }
        }
    }
}
