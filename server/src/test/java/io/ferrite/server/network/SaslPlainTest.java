package io.ferrite.server.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.Certificates;
import io.ferrite.server.Broker;
import io.ferrite.server.Wire;
import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.security.ListenerSecurity;
import io.ferrite.server.security.ScramCredentials;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SASL/PLAIN with stock kafka-clients, configured with Kafka's keys: users from the listener's JAAS config, the
 * principal they authenticate as, a wrong password refused, nothing but ApiVersions and SASL taken before
 * authentication nor a frame over sasl.server.max.receive.size, and SASL over TLS.
 */
@Timeout(120)
class SaslPlainTest {
    private static final String USERS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "user_alice=\"alice-secret\" user_bob=\"bob-secret\";";

    @TempDir
    Path dir;

    private Map<String, String> brokerProps(String... extra) {
        Map<String, String> props = new HashMap<>(Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
                "log.dirs", dir.resolve("data").toString(), "store.commitlog.file.bytes", "1048576",
                "sasl.enabled.mechanisms", "PLAIN",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config", USERS));
        for (int i = 0; i < extra.length; i += 2) {
            props.put(extra[i], extra[i + 1]);
        }
        return props;
    }

    private static Properties client(int port, String user, String password) {
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:" + port);
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", "PLAIN");
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + user + "\" password=\"" + password + "\";");
        p.put("request.timeout.ms", "10000");
        p.put("default.api.timeout.ms", "15000");
        return p;
    }

    @Test
    void aUserWithItsPasswordProducesAndConsumes() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(brokerProps()), Clock.systemUTC())) {
            int port = broker.port("SASL_PLAINTEXT");
            List<String> values = StockClients.produceAndReadBack(client(port, "alice", "alice-secret"),
                    client(port, "bob", "bob-secret"), "plain", 50);
            assertEquals(50, values.size());
            assertEquals("v49", values.get(49));
        }
    }

    @Test
    void aWrongPasswordOrUnknownUserIsRefusedAndOthersAreServed() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(brokerProps()), Clock.systemUTC())) {
            int port = broker.port("SASL_PLAINTEXT");
            for (String[] wrong : new String[][] {{"alice", "not-it"}, {"mallory", "alice-secret"}}) {
                try (Admin admin = Admin.create(client(port, wrong[0], wrong[1]))) {
                    ExecutionException e = assertThrows(ExecutionException.class,
                            () -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS));
                    assertInstanceOf(SaslAuthenticationException.class, e.getCause(), e.toString());
                }
            }
            try (Admin admin = Admin.create(client(port, "alice", "alice-secret"))) {
                assertEquals(port, admin.describeCluster().nodes().get().iterator().next().port());
            }
        }
    }

    @Test
    void aConnectionActsAsTheUserItAuthenticatedAs() throws Exception {
        BrokerConfig config = BrokerConfig.fromProperties(brokerProps("listeners", "SASL_PLAINTEXT://127.0.0.1:0"));
        try (ListenerSecurity security = ListenerSecurity.configure(config.listeners().get(0),
                ScramCredentials.load(dir))) {
            KafkaServer server = StockClients.principalEcho(security, config);
            try (Admin admin = Admin.create(client(server.port(), "bob", "bob-secret"))) {
                assertEquals("User:bob", admin.describeCluster().clusterId().get(20, TimeUnit.SECONDS));
            } finally {
                server.close();
            }
        }
    }

    /** Writes a frame and reads until the broker closes the connection, or fails after 15 s. */
    private static void assertClosedAfter(int port, int sizeField, byte[] body) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(15_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(sizeField);
            out.write(body);
            out.flush();
            InputStream in = s.getInputStream();
            assertEquals(-1, in.read(), "closed");
        }
    }

    @Test
    void beforeAuthenticationOnlyApiVersionsAndSaslAreTakenAndFramesAreSmall() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(brokerProps()), Clock.systemUTC())) {
            int port = broker.port("SASL_PLAINTEXT");
            // Metadata v12: key 3, version 12, correlation id 1, client id "x", no tagged fields; then the body.
            byte[] metadata = {0, 3, 0, 12, 0, 0, 0, 1, 0, 1, 'x', 0, 1, 1, 0};
            assertClosedAfter(port, metadata.length, metadata);
            assertClosedAfter(port, 524_289, new byte[0]); // one byte over sasl.server.max.receive.size
            try (Admin admin = Admin.create(client(port, "alice", "alice-secret"))) {
                assertEquals(1, admin.describeCluster().nodes().get().size(), "others are served");
            }
        }
    }

    /** Kafka clients before 1.0 (and some others) send SaslHandshake v0, then the bare PLAIN token. */
    @Test
    void saslHandshakeV0ThenABareToken() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(brokerProps()), Clock.systemUTC());
             Socket s = Wire.connect(broker.port("SASL_PLAINTEXT"))) {
            s.getOutputStream().write(Wire.frame(ApiKeys.SASL_HANDSHAKE, (short) 0, 1,
                    new SaslHandshakeRequestData().setMechanism("PLAIN")));
            SaslHandshakeResponseData h = new SaslHandshakeResponseData(
                    Wire.receive(s, ApiKeys.SASL_HANDSHAKE, (short) 0, 1), (short) 0);
            assertEquals(Errors.NONE.code(), h.errorCode());
            assertEquals(List.of("PLAIN"), h.mechanisms());
            byte[] token = "\0alice\0alice-secret".getBytes(StandardCharsets.UTF_8);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(token.length);
            out.write(token);
            out.flush();
            assertEquals(0, Wire.readFrame(s).remaining(), "PLAIN's empty answer, bare");
            s.getOutputStream().write(Wire.frame(ApiKeys.METADATA, (short) 12, 2, new MetadataRequestData()));
            MetadataResponseData m = new MetadataResponseData(Wire.receive(s, ApiKeys.METADATA, (short) 12, 2),
                    (short) 12);
            assertEquals(1, m.brokers().size(), "authenticated: other requests are taken");
        }
    }

    @Test
    void saslOverTls() throws Exception {
        Certificates ca = Certificates.authority(dir.resolve("certs"), "sasl-ca");
        Path keystore = ca.keystore("server", "CN=localhost,O=ferrite");
        Map<String, String> props = brokerProps("listeners", "SASL_SSL://127.0.0.1:0",
                "ssl.keystore.type", "PKCS12", "ssl.keystore.location", keystore.toString(),
                "ssl.keystore.password", Certificates.PASSWORD);
        props.remove("listener.name.sasl_plaintext.plain.sasl.jaas.config");
        props.put("plain.sasl.jaas.config", USERS); // for every listener's PLAIN this time
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(props), Clock.systemUTC())) {
            Properties p = client(broker.port(), "alice", "alice-secret");
            p.put("security.protocol", "SASL_SSL");
            p.put("ssl.truststore.type", "PKCS12");
            p.put("ssl.truststore.location", ca.truststore().toString());
            p.put("ssl.truststore.password", Certificates.PASSWORD);
            try (Admin admin = Admin.create(p)) {
                assertEquals(broker.port(), admin.describeCluster().nodes().get().iterator().next().port());
            }
        }
    }

    @Test
    void aSaslListenerWithoutUsersFailsTheStart() {
        Map<String, String> props = brokerProps();
        props.remove("listener.name.sasl_plaintext.plain.sasl.jaas.config");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Broker.start(BrokerConfig.fromProperties(props), Clock.systemUTC()));
        assertTrue(e.getMessage().startsWith("listener SASL_PLAINTEXT: "), e.getMessage());
    }
}
