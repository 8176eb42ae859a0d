package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Socket;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** ListOffsets on the wire at every version the broker advertises, as older clients and librdkafka send it. */
@Timeout(60)
class ListOffsetsTest {
    @TempDir
    Path dir;
    private Broker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static ListOffsetsRequestData request(long timestamp) {
        ListOffsetsRequestData req = new ListOffsetsRequestData().setReplicaId(-1);
        ListOffsetsRequestData.ListOffsetsTopic t = new ListOffsetsRequestData.ListOffsetsTopic().setName("t");
        t.partitions().add(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0)
                .setTimestamp(timestamp));
        req.topics().add(t);
        return req;
    }

    @Test
    void everyVersionIsAnsweredAndTheLeaderEpochOnlyFromV4() throws Exception {
        broker = Wire.startBroker(dir, Map.of());
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>("t", 0, null, "r" + i)).get(15, TimeUnit.SECONDS);
            }
        }
        try (Socket s = Wire.connect(broker.port())) {
            int correlationId = 0;
            for (short v = 1; v <= 11; v++) {
                for (long spec : new long[] {-1, -2}) {
                    s.getOutputStream().write(Wire.frame(ApiKeys.LIST_OFFSETS, v, ++correlationId, request(spec)));
                    ListOffsetsResponseData.ListOffsetsPartitionResponse r = new ListOffsetsResponseData(
                            Wire.receive(s, ApiKeys.LIST_OFFSETS, v, correlationId), v)
                            .topics().get(0).partitions().get(0);
                    String at = "v" + v + " spec " + spec;
                    assertEquals(Errors.NONE.code(), r.errorCode(), at);
                    assertEquals(spec == -1 ? 3 : 0, r.offset(), at);
                    assertEquals(v >= 4 ? 0 : -1, r.leaderEpoch(), at + ": leader epoch (absent before v4)");
                }
            }
        }
    }
}
