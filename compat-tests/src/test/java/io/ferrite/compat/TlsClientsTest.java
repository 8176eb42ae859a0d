package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.Certificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stock clients over TLS with client certificates required, configured as one would configure them for Kafka:
 * the broker with Kafka's ssl.* keys on an SSL listener beside a plaintext one, kafka-clients with its own
 * keys, kcat (librdkafka) with PEM files. Under {@code -Dreference=kafka} the same runs against Kafka 4.3.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(180)
class TlsClientsTest {
    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static Certificates ca;
    private static Path client;
    private static BrokerUnderTest broker;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        if (ca == null) {
            ca = Certificates.authority(dir.resolve("certs"), "compat-ca");
            ca.keystore("broker", "CN=localhost,O=compat");
            client = ca.keystore("client", "CN=client,O=compat");
        }
        Path certs = dir.resolve("certs");
        broker = kind.startSecure("TlsClientsTest", dir.resolve(kind.name()), "SSL", Map.of(
                "ssl.keystore.type", "PKCS12",
                "ssl.keystore.location", certs.resolve("broker.p12").toString(),
                "ssl.keystore.password", Certificates.PASSWORD,
                "ssl.truststore.type", "PKCS12",
                "ssl.truststore.location", ca.truststore().toString(),
                "ssl.truststore.password", Certificates.PASSWORD,
                "ssl.client.auth", "required"));
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static Map<String, Object> tls(Path keystore) throws Exception {
        Map<String, Object> p = new HashMap<>(Map.of(
                "security.protocol", "SSL",
                "ssl.truststore.type", "PKCS12",
                "ssl.truststore.location", ca.truststore().toString(),
                "ssl.truststore.password", Certificates.PASSWORD));
        if (keystore != null) {
            p.putAll(Map.of("ssl.keystore.type", "PKCS12", "ssl.keystore.location", keystore.toString(),
                    "ssl.keystore.password", Certificates.PASSWORD));
        }
        return p;
    }

    @Compat(family = Compat.JAVA, feature = "TLS with client certificates")
    @Test
    void producerAndConsumerWithCertificatesOverTls() throws Exception {
        List<Clients.Sent> sent;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.secureBootstrap(), tls(client))) {
            sent = Clients.sendKeyed(producer, "tls-java", 500, "tls");
        }
        List<TopicPartition> partitions = sent.stream().map(s -> new TopicPartition("tls-java", s.partition()))
                .distinct().toList();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.secureBootstrap(), tls(client))) {
            Clients.assertReadBackInOrder(sent, Clients.readAll(consumer, partitions, 500, Duration.ofSeconds(60)));
        }
    }

    @Test
    void aClientWithoutACertificateFailsAuthentication() throws Exception {
        Clients.assertProduceRefused(broker.secureBootstrap(), tls(null), SslAuthenticationException.class);
    }

    @Compat(family = Compat.KCAT, feature = "TLS with client certificates")
    @Test
    void kcatWithPemFilesOverTls() throws Exception {
        Path pem = Certificates.pem(client, "client", dir.resolve("client-" + kind + ".pem"));
        List<String> ssl = List.of("-X", "security.protocol=ssl", "-X", "ssl.ca.location=" + ca.caPem(),
                "-X", "ssl.certificate.location=" + pem, "-X", "ssl.key.location=" + pem);
        StringBuilder input = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            input.append("k").append(i).append(":v").append(i).append('\n');
        }
        Programs.kcat("TlsClientsTest-produce", broker.secureBootstrap(), input.toString(), ssl,
                "-P", "-t", "tls-kcat", "-p", "0", "-K:");
        List<String> lines = Programs.kcat("TlsClientsTest-consume", broker.secureBootstrap(), "", ssl, "-C", "-t",
                "tls-kcat", "-p", "0", "-o", "beginning", "-e", "-f", "%o|%k|%s\\n").lines();
        assertEquals(20, lines.size(), lines.toString());
        for (int i = 0; i < 20; i++) {
            assertEquals(i + "|k" + i + "|v" + i, lines.get(i));
        }
    }
}
