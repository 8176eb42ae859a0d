package io.ferrite.compat.legacy;

import io.ferrite.compat.Clients;
import io.ferrite.compat.Compat;
import io.ferrite.launcher.Certificates;
import io.ferrite.launcher.FerriteProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** An older kafka-clients over TLS with a client certificate required, as the build runs each older version. */
@Timeout(180)
class LegacyTlsTest {
    @TempDir
    static Path dir;
    private static Certificates ca;
    private static Path client;
    private static FerriteProcess broker;

    @BeforeAll
    static void start() throws Exception {
        String version = System.getProperty("compat.kafka.clients.version", "unknown");
        ca = Certificates.authority(dir.resolve("certs"), "legacy-ca");
        Path server = ca.keystore("broker", "CN=localhost,O=legacy");
        client = ca.keystore("client", "CN=client,O=legacy");
        broker = FerriteProcess.startWithTls("LegacyTlsTest-" + version, dir.resolve("data"), Map.of(
                "ssl.keystore.type", "PKCS12", "ssl.keystore.location", server.toString(),
                "ssl.keystore.password", Certificates.PASSWORD,
                "ssl.truststore.type", "PKCS12", "ssl.truststore.location", ca.truststore().toString(),
                "ssl.truststore.password", Certificates.PASSWORD, "ssl.client.auth", "required"));
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Compat(family = Compat.JAVA, feature = "TLS with client certificates")
    @Test
    void producerAndConsumerWithCertificatesOverTls() throws Exception {
        Map<String, Object> tls = new HashMap<>(Map.of("security.protocol", "SSL",
                "ssl.truststore.type", "PKCS12", "ssl.truststore.location", ca.truststore().toString(),
                "ssl.truststore.password", Certificates.PASSWORD,
                "ssl.keystore.type", "PKCS12", "ssl.keystore.location", client.toString(),
                "ssl.keystore.password", Certificates.PASSWORD));
        List<Clients.Sent> sent;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.secureBootstrap(), tls)) {
            sent = Clients.sendKeyed(producer, "legacy-tls", 500, "tls");
        }
        List<TopicPartition> partitions = sent.stream().map(s -> new TopicPartition("legacy-tls", s.partition()))
                .distinct().toList();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.secureBootstrap(), tls)) {
            Clients.assertReadBackInOrder(sent, Clients.readAll(consumer, partitions, 500, Duration.ofSeconds(60)));
        }
    }
}
