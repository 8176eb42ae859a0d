package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.Certificates;
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
 * Stock clients with SASL/SCRAM over TLS (a SASL_SSL listener), the broker configured with Kafka's keys and its
 * users made through the Admin API over the plaintext listener: kafka-clients with SCRAM-SHA-512 and
 * SCRAM-SHA-256, kcat (librdkafka) with SCRAM-SHA-256, and a wrong password refused. Under
 * {@code -Dreference=kafka} the same runs against Kafka 4.3.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("io.ferrite.compat.BrokerKind#selected")
@Timeout(180)
class ScramClientsTest {
    private static final String SCRAM_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule required";

    @Parameter
    BrokerKind kind;

    @TempDir
    static Path dir;
    private static Certificates ca;
    private static BrokerUnderTest broker;

    @BeforeParameterizedClassInvocation
    static void start(BrokerKind kind) throws Exception {
        if (ca == null) {
            ca = Certificates.authority(dir.resolve("certs"), "scram-ca");
            ca.keystore("broker", "CN=localhost,O=compat");
        }
        broker = kind.startSecure("ScramClientsTest", dir.resolve(kind.name()), "SASL_SSL", Map.of(
                "ssl.keystore.type", "PKCS12",
                "ssl.keystore.location", dir.resolve("certs").resolve("broker.p12").toString(),
                "ssl.keystore.password", Certificates.PASSWORD,
                "sasl.enabled.mechanisms", "SCRAM-SHA-256,SCRAM-SHA-512",
                "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config", SCRAM_MODULE + ";",
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", SCRAM_MODULE + ";"));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
            admin.alterUserScramCredentials(List.of(
                    new UserScramCredentialUpsertion("alice",
                            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), "alice-secret"),
                    new UserScramCredentialUpsertion("bob",
                            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "bob-secret")))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterParameterizedClassInvocation
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static Map<String, Object> scram(String mechanism, String user, String password) throws Exception {
        return new HashMap<>(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", mechanism,
                "sasl.jaas.config", SCRAM_MODULE + " username=\"" + user + "\" password=\"" + password + "\";",
                "ssl.truststore.type", "PKCS12",
                "ssl.truststore.location", ca.truststore().toString(),
                "ssl.truststore.password", Certificates.PASSWORD));
    }

    @Compat(family = Compat.JAVA, feature = "SASL/SCRAM over TLS")
    @Test
    void producerAndConsumerAsScramUsers() throws Exception {
        List<Clients.Sent> sent;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.secureBootstrap(),
                scram("SCRAM-SHA-512", "alice", "alice-secret"))) {
            sent = Clients.sendKeyed(producer, "scram-java", 300, "scram");
        }
        List<TopicPartition> partitions = sent.stream().map(s -> new TopicPartition("scram-java", s.partition()))
                .distinct().toList();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.secureBootstrap(),
                scram("SCRAM-SHA-256", "bob", "bob-secret"))) {
            Clients.assertReadBackInOrder(sent, Clients.readAll(consumer, partitions, 300, Duration.ofSeconds(60)));
        }
    }

    @Test
    void aWrongPasswordOrAnotherMechanismIsRefused() throws Exception {
        Clients.assertProduceRefused(broker.secureBootstrap(), scram("SCRAM-SHA-512", "alice", "not-it"),
                SaslAuthenticationException.class);
        Clients.assertProduceRefused(broker.secureBootstrap(), scram("SCRAM-SHA-256", "alice", "alice-secret"),
                SaslAuthenticationException.class);
    }

    @Compat(family = NodeRdkafkaTest.FAMILY, feature = "SASL/SCRAM over TLS")
    @Test
    void librdkafkaAsAScramUserOverTls() throws Exception {
        NodeRdkafka client = NodeRdkafka.installed("ScramClientsTest-" + kind);
        CompatVersions.record(NodeRdkafkaTest.FAMILY, client.version());
        Map<String, String> sasl = Map.of("security.protocol", "sasl_ssl", "ssl.ca.location", ca.caPem().toString(),
                "sasl.mechanisms", "SCRAM-SHA-256", "sasl.username", "bob", "sasl.password", "bob-secret");
        assertEquals(List.of(List.of("scram-rdk")), client.client("create", sasl, "create", broker.secureBootstrap(),
                "scram-rdk", "1").of("created"));
        List<List<String>> produced = client.client("produce", sasl, "produce", broker.secureBootstrap(), "scram-rdk",
                "20", "scram", "none", Long.toString(System.currentTimeMillis() / 1000 * 1000)).of("produced");
        assertEquals(20, produced.size());
        List<List<String>> consumed = client.client("assign", sasl, "assign", broker.secureBootstrap(), "scram-rdk",
                "1", "20").of("consumed");
        assertEquals(produced.stream().map(p -> p.subList(0, 4)).toList(),
                consumed.stream().map(c -> c.subList(0, 4)).toList());
    }

    @Compat(family = KafkaPythonTest.FAMILY, feature = "SASL/SCRAM over TLS")
    @Test
    void kafkaPythonAsAScramUserOverTls() throws Exception {
        PythonClient python = PythonClient.of("kafka_python_client.py", "python3-kafka", "ScramClientsTest-" + kind);
        CompatVersions.record(KafkaPythonTest.FAMILY, python.run("version", "version").of("version").get(0).get(1));
        Map<String, String> sasl = Map.of("security_protocol", "SASL_SSL", "ssl_cafile", ca.caPem().toString(),
                "sasl_mechanism", "SCRAM-SHA-512", "sasl_plain_username", "alice",
                "sasl_plain_password", "alice-secret");
        python.run("create", sasl, "create", broker.secureBootstrap(), "scram-py", "1");
        List<List<String>> produced = python.run("produce", sasl, "produce", broker.secureBootstrap(), "scram-py",
                "20", "py", "gzip", Long.toString(System.currentTimeMillis())).of("produced");
        assertEquals(20, produced.size());
        List<List<String>> consumed = python.run("assign", sasl, "assign", broker.secureBootstrap(), "scram-py", "1",
                "20").of("consumed");
        assertEquals(produced.stream().map(p -> p.subList(0, 4)).toList(),
                consumed.stream().map(c -> c.subList(0, 4)).toList());
    }

    @Compat(family = Compat.KAFKAJS, feature = "SASL/SCRAM over TLS")
    @Test
    void kafkajsAsAScramUserOverTls() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("scram-js", 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        }
        String config = "{\"ssl\": {\"caFile\": \"" + ca.caPem() + "\"}, \"sasl\": {\"mechanism\": \"scram-sha-256\", "
                + "\"username\": \"bob\", \"password\": \"bob-secret\"}}";
        KafkajsTest.Run run = KafkajsTest.groups("ScramClientsTest-kafkajs-" + kind, broker.secureBootstrap(), config,
                "scram-js", "scram-js-group", 10, 10, "js");
        assertEquals(10, run.produced().size());
        assertEquals(10, run.consumed().size());
    }

    /**
     * librdkafka before 2.6.1 (Debian's kcat is built on 2.0.2) sends a client-final nonce that repeats the client's
     * part; Kafka 4 refuses it (CVE-2024-56128), and so does this broker with Kafka's SCRAM server.
     */
    @Test
    void anOldLibrdkafkaWithTheRepeatedNonceIsRefused() throws Exception {
        List<String> sasl = List.of("-X", "security.protocol=sasl_ssl", "-X", "ssl.ca.location=" + ca.caPem(),
                "-X", "sasl.mechanisms=SCRAM-SHA-256", "-X", "sasl.username=bob", "-X", "sasl.password=bob-secret");
        List<String> command = new java.util.ArrayList<>(List.of(Programs.onPath("kcat", "apt-get install -y kcat"),
                "-b", broker.secureBootstrap()));
        command.addAll(sasl);
        command.addAll(List.of("-L", "-m", "10"));
        io.ferrite.launcher.Command.Result r = io.ferrite.launcher.Command.run("ScramClientsTest-kcat-" + kind,
                command, "", Duration.ofSeconds(60));
        org.junit.jupiter.api.Assertions.assertNotEquals(0, r.exit(), r.stdout());
        org.junit.jupiter.api.Assertions.assertTrue(r.stderr().contains("Authentication failed during authentication "
                + "due to invalid credentials with SASL mechanism SCRAM-SHA-256"), r.stderr());
    }
}
