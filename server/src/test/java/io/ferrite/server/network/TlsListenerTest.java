package io.ferrite.server.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.launcher.Certificates;
import io.ferrite.server.Broker;
import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.security.ListenerSecurity;
import io.ferrite.server.security.ScramCredentials;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import java.io.InputStream;
import java.net.Socket;
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
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TLS listeners with stock kafka-clients: encryption beside a plaintext listener, each sent back to its own
 * port; client certificates required, named through {@code ssl.principal.mapping.rules}, and refused when
 * missing, untrusted or expired; PEM key stores; a plaintext client on the TLS port; a key store that cannot
 * be read. Each with the JDK's engine and with BoringSSL's.
 */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"jdk", "openssl"})
@Timeout(120)
class TlsListenerTest {
    /** The engine: the JDK's (Kafka's default factory), or BoringSSL (this broker's default). */
    @Parameter
    String engine;

    @TempDir
    static Path certs;
    @TempDir
    Path dir;

    static Certificates ca;
    static Path server;
    static Path alice;
    static Path expired;
    static Path rogue;

    @BeforeAll
    static void makeCertificates() throws Exception {
        ca = Certificates.authority(certs, "ferrite-test-ca");
        server = ca.keystore("server", "CN=localhost,O=ferrite");
        alice = ca.keystore("alice", "CN=alice,O=clients");
        expired = ca.keystore("expired", "CN=bob,O=clients", Duration.ofDays(-10), 2);
        rogue = Certificates.authority(certs.resolve("rogue"), "rogue-ca").keystore("mallory", "CN=mallory,O=clients");
    }

    private Map<String, String> brokerProps(String... extra) {
        Map<String, String> props = new HashMap<>(Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0",
                "log.dirs", dir.resolve("data").toString(), "store.commitlog.file.bytes", "1048576",
                "ssl.keystore.location", server.toString(), "ssl.keystore.password", Certificates.PASSWORD,
                "ssl.keystore.type", "PKCS12"));
        if (engine.equals("jdk")) { // BoringSSL is the default
            props.put("ssl.engine.factory.class", DefaultSslEngineFactory.class.getName());
        }
        for (int i = 0; i < extra.length; i += 2) {
            props.put(extra[i], extra[i + 1]);
        }
        return props;
    }

    private static Properties tlsClient(int port, Path keystore) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:" + port);
        p.put("security.protocol", "SSL");
        p.put("ssl.truststore.location", ca.truststore().toString());
        p.put("ssl.truststore.password", Certificates.PASSWORD);
        p.put("ssl.truststore.type", "PKCS12");
        if (keystore != null) {
            p.put("ssl.keystore.location", keystore.toString());
            p.put("ssl.keystore.password", Certificates.PASSWORD);
            p.put("ssl.keystore.type", "PKCS12");
        }
        p.put("request.timeout.ms", "10000");
        p.put("default.api.timeout.ms", "15000");
        return p;
    }

    @Test
    void stockClientsProduceAndConsumeOverTlsBesidePlaintext() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(brokerProps()), Clock.systemUTC())) {
            int tls = broker.port("SSL");
            List<String> values = StockClients.produceAndReadBack(tlsClient(tls, null), tlsClient(tls, null),
                    "secret", 100);
            assertEquals(100, values.size());
            assertEquals("v0", values.get(0));
            assertEquals("v99", values.get(99));
            // Each listener sends its clients back to itself.
            try (Admin admin = Admin.create(tlsClient(tls, null))) {
                assertEquals(tls, admin.describeCluster().nodes().get().iterator().next().port());
            }
            Properties plain = new Properties();
            plain.put("bootstrap.servers", "127.0.0.1:" + broker.port("PLAINTEXT"));
            try (Admin admin = Admin.create(plain)) {
                assertEquals(broker.port("PLAINTEXT"), admin.describeCluster().nodes().get().iterator().next().port());
                assertEquals(1, admin.listTopics().names().get().size());
            }
        }
    }

    private static String clusterIdAs(int port, Path keystore) throws Exception {
        try (Admin admin = Admin.create(tlsClient(port, keystore))) {
            return admin.describeCluster().clusterId().get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void requiredClientCertificatesNameTheClientAndRefuseOthers() throws Exception {
        BrokerConfig config = BrokerConfig.fromProperties(brokerProps("listeners", "SSL://127.0.0.1:0",
                "ssl.client.auth", "required", "ssl.truststore.location", ca.truststore().toString(),
                "ssl.truststore.password", Certificates.PASSWORD, "ssl.truststore.type", "PKCS12",
                "ssl.principal.mapping.rules", "RULE:^CN=(.*?),O=(.*)$/$1@$2/L,DEFAULT"));
        try (ListenerSecurity security = ListenerSecurity.configure(config.listeners().get(0),
                ScramCredentials.load(dir))) {
            KafkaServer server = StockClients.principalEcho(security, config);
            try {
                assertEquals("User:alice@clients", clusterIdAs(server.port(), alice));
                for (Path refused : new Path[] {null, expired, rogue}) {
                    ExecutionException e = assertThrows(ExecutionException.class,
                            () -> clusterIdAs(server.port(), refused), "refused: " + refused);
                    assertTrue(e.getCause() instanceof SslAuthenticationException, e.toString());
                }
                assertEquals("User:alice@clients", clusterIdAs(server.port(), alice), "still serving");
            } finally {
                server.close();
            }
        }
    }

    @Test
    void withoutClientAuthenticationATlsClientIsAnonymous() throws Exception {
        BrokerConfig config = BrokerConfig.fromProperties(brokerProps("listeners", "SSL://127.0.0.1:0"));
        try (ListenerSecurity security = ListenerSecurity.configure(config.listeners().get(0),
                ScramCredentials.load(dir))) {
            assertEquals(engine.equals("openssl"), security.newEngine("localhost", 1)
                    instanceof io.netty.handler.ssl.ReferenceCountedOpenSslEngine, "the engine is the one chosen");
            KafkaServer server = StockClients.principalEcho(security, config);
            try {
                assertEquals("User:ANONYMOUS", clusterIdAs(server.port(), alice));
            } finally {
                server.close();
            }
        }
    }

    @Test
    void pemKeyAndTrustStores() throws Exception {
        Path pem = Certificates.pem(server, "server", certs.resolve("server-key.pem"));
        Map<String, String> props = brokerProps("listeners", "SSL://127.0.0.1:0", "ssl.keystore.type", "PEM",
                "ssl.keystore.location", pem.toString());
        props.remove("ssl.keystore.password"); // an unencrypted PEM key takes none
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(props), Clock.systemUTC())) {
            Properties p = tlsClient(broker.port(), null);
            p.put("ssl.truststore.type", "PEM");
            p.put("ssl.truststore.location", ca.caPem().toString());
            p.remove("ssl.truststore.password");
            try (Admin admin = Admin.create(p)) {
                assertEquals(broker.port(), admin.describeCluster().nodes().get().iterator().next().port());
            }
        }
    }

    @Test
    void aPlaintextClientOnTheTlsPortIsClosedAndOthersAreServed() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(brokerProps()), Clock.systemUTC());
             Socket s = new Socket("127.0.0.1", broker.port("SSL"))) {
            s.setSoTimeout(15_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            byte[] apiVersions = {0, 18, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0}; // key, version, correlation id, no client id...
            out.writeInt(apiVersions.length);
            out.write(apiVersions);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) > 0) { // a TLS alert, maybe; then the close
                assertTrue(n < buf.length);
            }
            assertEquals(-1, n, "closed");
            try (Admin admin = Admin.create(tlsClient(broker.port("SSL"), null))) {
                assertEquals(1, admin.describeCluster().nodes().get().size());
            }
        }
    }

    /** The certificate a TLS client is shown on {@code port}. */
    private static X509Certificate serverCertificate(int port) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ca.truststore())) {
            trust.load(in, Certificates.PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    private static void alterBroker(Admin admin, String key, String value) throws Exception {
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.BROKER, "1"), List.of(
                new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aKeyStoreRotatedThroughIncrementalAlterConfigsServesNewConnectionsAndOutlivesARestart() throws Exception {
        Path rotated = ca.keystore("server-" + engine + "-2", "CN=localhost,O=ferrite");
        Path renamed = ca.keystore("server-" + engine + "-elsewhere", "CN=elsewhere,O=ferrite");
        BrokerConfig config = BrokerConfig.fromProperties(brokerProps());
        X509Certificate after;
        try (Broker broker = Broker.start(config, Clock.systemUTC())) {
            X509Certificate before = serverCertificate(broker.port("SSL"));
            Properties plain = new Properties();
            plain.put("bootstrap.servers", "127.0.0.1:" + broker.port("PLAINTEXT"));
            try (Admin admin = Admin.create(plain)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> alterBroker(admin,
                        "listener.name.ssl.ssl.keystore.location", renamed.toString()));
                assertInstanceOf(InvalidConfigurationException.class, e.getCause(), "a new subject is refused");
                e = assertThrows(ExecutionException.class, () -> alterBroker(admin, "ssl.keystore.location",
                        rotated.toString()));
                assertInstanceOf(InvalidRequestException.class, e.getCause(), "one listener at a time");
                e = assertThrows(ExecutionException.class, () -> alterBroker(admin, "num.partitions", "3"));
                assertInstanceOf(InvalidRequestException.class, e.getCause(), "not dynamic here");
                assertEquals(before, serverCertificate(broker.port("SSL")), "nothing changed");

                alterBroker(admin, "listener.name.ssl.ssl.keystore.location", rotated.toString());
                after = serverCertificate(broker.port("SSL"));
                assertNotEquals(before, after, "new connections get the new certificate");
                ConfigEntry entry = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.BROKER,
                        "1"))).all().get(30, TimeUnit.SECONDS).values().iterator().next()
                        .get("listener.name.ssl.ssl.keystore.location");
                assertEquals(ConfigEntry.ConfigSource.DYNAMIC_BROKER_CONFIG, entry.source());
                assertEquals(rotated.toString(), entry.value());
            }
        }
        try (Broker broker = Broker.start(config, Clock.systemUTC())) {
            assertEquals(after, serverCertificate(broker.port("SSL")), "kept across a restart");
        }
    }

    @Test
    void aKeyStoreThatCannotBeReadFailsTheStartNamingTheListener() {
        BrokerConfig wrongPassword = BrokerConfig.fromProperties(brokerProps("ssl.keystore.password", "not-it"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Broker.start(wrongPassword, Clock.systemUTC()));
        assertTrue(e.getMessage().startsWith("listener SSL: "), e.getMessage());
        BrokerConfig missing = BrokerConfig.fromProperties(brokerProps("ssl.keystore.location",
                dir.resolve("nowhere.p12").toString()));
        e = assertThrows(IllegalArgumentException.class, () -> Broker.start(missing, Clock.systemUTC()));
        assertTrue(e.getMessage().startsWith("listener SSL: "), e.getMessage());
    }
}
