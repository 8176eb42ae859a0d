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
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An older kafka-clients with SASL/SCRAM-SHA-512 over TLS, as the build runs each older version: its Admin client
 * makes the user (AlterUserScramCredentials, which clients have had since 2.7), its producer and consumer
 * authenticate as it.
 */
@Timeout(180)
class LegacyScramTest {
    private static final String SCRAM = "org.apache.kafka.common.security.scram.ScramLoginModule required";

    @TempDir
    static Path dir;
    private static Certificates ca;
    private static FerriteProcess broker;

    @BeforeAll
    static void start() throws Exception {
        String version = System.getProperty("compat.kafka.clients.version", "unknown");
        ca = Certificates.authority(dir.resolve("certs"), "legacy-scram-ca");
        Path server = ca.keystore("broker", "CN=localhost,O=legacy");
        broker = FerriteProcess.startSecure("LegacyScramTest-" + version, dir.resolve("data"), "SASL_SSL", Map.of(
                "ssl.keystore.type", "PKCS12", "ssl.keystore.location", server.toString(),
                "ssl.keystore.password", Certificates.PASSWORD,
                "sasl.enabled.mechanisms", "SCRAM-SHA-512",
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", SCRAM + ";"));
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", broker.bootstrap()))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("legacy",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "legacy-secret")))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Compat(family = Compat.JAVA, feature = "SASL/SCRAM over TLS")
    @Test
    void producerAndConsumerAsAScramUserOverTls() throws Exception {
        Map<String, Object> scram = new HashMap<>(Map.of("security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", SCRAM + " username=\"legacy\" password=\"legacy-secret\";",
                "ssl.truststore.type", "PKCS12", "ssl.truststore.location", ca.truststore().toString(),
                "ssl.truststore.password", Certificates.PASSWORD));
        List<Clients.Sent> sent;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.secureBootstrap(), scram)) {
            sent = Clients.sendKeyed(producer, "legacy-scram", 300, "scram");
        }
        List<TopicPartition> partitions = sent.stream().map(s -> new TopicPartition("legacy-scram", s.partition()))
                .distinct().toList();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.secureBootstrap(), scram)) {
            Clients.assertReadBackInOrder(sent, Clients.readAll(consumer, partitions, 300, Duration.ofSeconds(60)));
        }
    }
}
