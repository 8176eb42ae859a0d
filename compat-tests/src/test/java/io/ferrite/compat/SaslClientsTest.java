package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ferrite.launcher.BrokerUnderTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stock clients with SASL/PLAIN on a SASL_PLAINTEXT listener, the broker configured with Kafka's keys (users in
 * the listener's JAAS config): kafka-clients and kcat (librdkafka) as a user, and a wrong password refused.
 * Under {@code -Dreference=kafka} the same runs against Kafka 4.3.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(180)
class SaslClientsTest {
    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static BrokerUnderTest broker;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        broker = kind.startSecure("SaslClientsTest", dir.resolve(kind.name()), "SASL_PLAINTEXT", Map.of(
                "sasl.enabled.mechanisms", "PLAIN",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + "user_alice=\"alice-secret\" user_bob=\"bob-secret\";"));
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static Map<String, Object> plain(String user, String password) {
        return new HashMap<>(Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                        + user + "\" password=\"" + password + "\";"));
    }

    @Compat(family = Compat.JAVA, feature = "SASL/PLAIN")
    @Test
    void producerAndConsumerAsUsers() throws Exception {
        List<Clients.Sent> sent;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.secureBootstrap(),
                plain("alice", "alice-secret"))) {
            sent = Clients.sendKeyed(producer, "sasl-java", 300, "sasl");
        }
        List<TopicPartition> partitions = sent.stream().map(s -> new TopicPartition("sasl-java", s.partition()))
                .distinct().toList();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.secureBootstrap(),
                plain("bob", "bob-secret"))) {
            Clients.assertReadBackInOrder(sent, Clients.readAll(consumer, partitions, 300, Duration.ofSeconds(60)));
        }
    }

    @Test
    void aWrongPasswordIsRefused() throws Exception {
        Clients.assertProduceRefused(broker.secureBootstrap(), plain("alice", "not-it"), SaslAuthenticationException.class);
    }

    @Compat(family = Compat.KCAT, feature = "SASL/PLAIN")
    @Test
    void kcatAsAUser() throws Exception {
        List<String> sasl = List.of("-X", "security.protocol=sasl_plaintext", "-X", "sasl.mechanisms=PLAIN",
                "-X", "sasl.username=alice", "-X", "sasl.password=alice-secret");
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            input.append("k").append(i).append(":v").append(i).append('\n');
        }
        Programs.kcat("SaslClientsTest-produce", broker.secureBootstrap(), input.toString(), sasl,
                "-P", "-t", "sasl-kcat", "-p", "0", "-K:");
        List<String> lines = Programs.kcat("SaslClientsTest-consume", broker.secureBootstrap(), "", sasl, "-C", "-t",
                "sasl-kcat", "-p", "0", "-o", "beginning", "-e", "-f", "%o|%k|%s\\n").lines();
        assertEquals(20, lines.size(), lines.toString());
        for (int i = 0; i < 20; i++) {
            assertEquals(i + "|k" + i + "|v" + i, lines.get(i));
        }
    }
}
