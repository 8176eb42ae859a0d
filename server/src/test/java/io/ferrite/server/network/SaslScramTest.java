package io.ferrite.server.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.server.Broker;
import io.ferrite.server.Wire;
import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.security.ScramCredentials;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.DuplicateResourceException;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.UnacceptableCredentialException;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SASL/SCRAM with stock kafka-clients: credentials set and described through the Admin API (as
 * {@code kafka-configs --entity-type users} does), kept across a restart in an owner-only file, used by SCRAM-SHA-256
 * and SCRAM-SHA-512 clients; wrong passwords, unknown users, deleted credentials and a tampered client nonce
 * refused; Kafka's errors for bad alterations; and sessions bounded by connections.max.reauth.ms, which clients
 * that can re-authenticate outlive and others are closed at.
 */
@Timeout(120)
class SaslScramTest {
    private static final String SCRAM = "org.apache.kafka.common.security.scram.ScramLoginModule required;";

    @TempDir
    Path dir;

    private Map<String, String> brokerProps(String... extra) {
        Map<String, String> props = new HashMap<>(Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
                "log.dirs", dir.resolve("data").toString(), "store.commitlog.file.bytes", "1048576",
                "sasl.enabled.mechanisms", "SCRAM-SHA-256,SCRAM-SHA-512,PLAIN",
                "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config", SCRAM,
                "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config", SCRAM,
                "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_plain=\"plain-secret\";"));
        for (int i = 0; i < extra.length; i += 2) {
            props.put(extra[i], extra[i + 1]);
        }
        return props;
    }

    private static Properties client(int port, String mechanism, String user, String password) {
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:" + port);
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", mechanism);
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + user + "\" password=\"" + password + "\";");
        p.put("request.timeout.ms", "10000");
        p.put("default.api.timeout.ms", "15000");
        return p;
    }

    private static Admin plaintextAdmin(Broker broker) {
        return Admin.create(Map.of("bootstrap.servers", "127.0.0.1:" + broker.port("PLAINTEXT")));
    }

    private static void upsert(Admin admin, String user, ScramMechanism m, int iterations, String password)
            throws Exception {
        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                new ScramCredentialInfo(m, iterations), password))).all().get(20, TimeUnit.SECONDS);
    }

    private static void assertRefused(Properties client) {
        try (Admin admin = Admin.create(client)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS));
            assertInstanceOf(SaslAuthenticationException.class, e.getCause(), e.toString());
        }
    }

    @Test
    void credentialsSetThroughTheAdminApiAuthenticateBothMechanismsAndSurviveARestart() throws Exception {
        BrokerConfig config = BrokerConfig.fromProperties(brokerProps());
        try (Broker broker = Broker.start(config, Clock.systemUTC()); Admin admin = plaintextAdmin(broker)) {
            upsert(admin, "alice", ScramMechanism.SCRAM_SHA_256, 8192, "alice-secret");
            upsert(admin, "bob", ScramMechanism.SCRAM_SHA_512, 4096, "bob-secret");
            Map<String, UserScramCredentialsDescription> described =
                    admin.describeUserScramCredentials().all().get(20, TimeUnit.SECONDS);
            assertEquals(List.of(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192)),
                    described.get("alice").credentialInfos());
            assertEquals(List.of(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096)),
                    described.get("bob").credentialInfos());
            int port = broker.port("SASL_PLAINTEXT");
            List<String> values = StockClients.produceAndReadBack(client(port, "SCRAM-SHA-256", "alice", "alice-secret"),
                    client(port, "SCRAM-SHA-512", "bob", "bob-secret"), "scram", 20);
            assertEquals(20, values.size());
        }
        Path file = dir.resolve("data").resolve(ScramCredentials.FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String stored = Files.readString(file);
        assertTrue(!stored.contains("alice-secret") && stored.contains("SCRAM-SHA-256\\:alice="), stored);
        try (Broker broker = Broker.start(config, Clock.systemUTC());
             Admin admin = Admin.create(client(broker.port("SASL_PLAINTEXT"), "SCRAM-SHA-512", "bob", "bob-secret"))) {
            assertEquals(1, admin.describeCluster().nodes().get(20, TimeUnit.SECONDS).size(), "kept over a restart");
        }
    }

    @Test
    void wrongPasswordsUnknownUsersAndDeletedCredentialsAreRefused() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(brokerProps()), Clock.systemUTC());
             Admin admin = plaintextAdmin(broker)) {
            upsert(admin, "alice", ScramMechanism.SCRAM_SHA_256, 4096, "alice-secret");
            int port = broker.port("SASL_PLAINTEXT");
            assertRefused(client(port, "SCRAM-SHA-256", "alice", "not-it"));
            assertRefused(client(port, "SCRAM-SHA-256", "mallory", "alice-secret"));
            assertRefused(client(port, "SCRAM-SHA-512", "alice", "alice-secret")); // no SHA-512 credential
            try (Admin alice = Admin.create(client(port, "SCRAM-SHA-256", "alice", "alice-secret"))) {
                assertEquals(1, alice.describeCluster().nodes().get(20, TimeUnit.SECONDS).size());
            }
            admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("alice",
                    ScramMechanism.SCRAM_SHA_256))).all().get(20, TimeUnit.SECONDS);
            assertRefused(client(port, "SCRAM-SHA-256", "alice", "alice-secret"));
        }
    }

    @Test
    void badAlterationsAndDescriptionsGetKafkasErrors() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(brokerProps()), Clock.systemUTC());
             Admin admin = plaintextAdmin(broker)) {
            upsert(admin, "alice", ScramMechanism.SCRAM_SHA_256, 4096, "alice-secret");
            Map<String, Class<? extends Exception>> expected = Map.of(
                    "few", UnacceptableCredentialException.class, "many", UnacceptableCredentialException.class,
                    "nobody", ResourceNotFoundException.class, "twice", DuplicateResourceException.class);
            List<UserScramCredentialAlteration> alterations = List.of(
                    new UserScramCredentialUpsertion("few", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4095), "p"),
                    new UserScramCredentialUpsertion("many", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 16385), "p"),
                    new UserScramCredentialDeletion("nobody", ScramMechanism.SCRAM_SHA_256),
                    new UserScramCredentialUpsertion("twice", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "p"),
                    new UserScramCredentialUpsertion("twice", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "p"),
                    new UserScramCredentialUpsertion("carol", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "p"));
            var results = admin.alterUserScramCredentials(alterations).values();
            for (var e : expected.entrySet()) {
                ExecutionException x = assertThrows(ExecutionException.class, () -> results.get(e.getKey()).get());
                assertInstanceOf(e.getValue(), x.getCause(), e.getKey() + ": " + x);
            }
            results.get("carol").get(20, TimeUnit.SECONDS); // the rest of the request is done
            ExecutionException x = assertThrows(ExecutionException.class,
                    () -> admin.describeUserScramCredentials(List.of("alice", "nobody")).description("nobody").get());
            assertInstanceOf(ResourceNotFoundException.class, x.getCause());
            assertEquals(List.of("alice", "carol"), admin.describeUserScramCredentials().users().get().stream()
                    .sorted().toList());
        }
    }

    /** RFC 5802: the client-final message must carry the nonce the server answered with; another is refused. */
    @Test
    void aClientFinalMessageWithAnotherNonceIsRefused() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(brokerProps()), Clock.systemUTC())) {
            try (Admin admin = plaintextAdmin(broker)) {
                upsert(admin, "alice", ScramMechanism.SCRAM_SHA_256, 4096, "alice-secret");
            }
            try (Socket s = Wire.connect(broker.port("SASL_PLAINTEXT"))) {
                s.getOutputStream().write(Wire.frame(ApiKeys.SASL_HANDSHAKE, (short) 1, 1,
                        new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-256")));
                Wire.receive(s, ApiKeys.SASL_HANDSHAKE, (short) 1, 1);
                SaslAuthenticateResponseData first = authenticate(s, 2, "n,,n=alice,r=clientnonce1");
                assertEquals(Errors.NONE.code(), first.errorCode());
                String serverFirst = new String(first.authBytes(), StandardCharsets.US_ASCII);
                assertTrue(serverFirst.startsWith("r=clientnonce1"), serverFirst);
                String proof = Base64.getEncoder().encodeToString(new byte[32]);
                SaslAuthenticateResponseData last = authenticate(s, 3, "c=biws,r=clientnonce1-not-the-servers,p=" + proof);
                assertEquals(Errors.SASL_AUTHENTICATION_FAILED.code(), last.errorCode());
                assertEquals(-1, s.getInputStream().read(), "closed after the answer");
            }
        }
    }

    private static SaslAuthenticateResponseData authenticate(Socket s, int correlationId, String message)
            throws Exception {
        s.getOutputStream().write(Wire.frame(ApiKeys.SASL_AUTHENTICATE, (short) 2, correlationId,
                new SaslAuthenticateRequestData().setAuthBytes(message.getBytes(StandardCharsets.US_ASCII))));
        return new SaslAuthenticateResponseData(Wire.receive(s, ApiKeys.SASL_AUTHENTICATE, (short) 2, correlationId),
                (short) 2);
    }

    /**
     * KIP-368: with connections.max.reauth.ms, a producer re-authenticates on its connection and goes on; once its
     * credential is deleted, its next re-authentication fails and so do its sends.
     */
    @Test
    void clientsReauthenticateWhenTheirSessionEndsAndADeletedUserIsCutOff() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(brokerProps("connections.max.reauth.ms", "1000")),
                Clock.systemUTC()); Admin admin = plaintextAdmin(broker)) {
            upsert(admin, "alice", ScramMechanism.SCRAM_SHA_512, 4096, "alice-secret");
            Properties p = client(broker.port("SASL_PLAINTEXT"), "SCRAM-SHA-512", "alice", "alice-secret");
            p.put("key.serializer", StringSerializer.class.getName());
            p.put("value.serializer", StringSerializer.class.getName());
            p.put("max.block.ms", "10000");
            p.put("delivery.timeout.ms", "12000");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
                for (int i = 0; i < 8; i++) { // over about 4 sessions
                    producer.send(new ProducerRecord<>("reauth", "k", "v" + i)).get(20, TimeUnit.SECONDS);
                    Thread.sleep(500);
                }
                admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("alice",
                        ScramMechanism.SCRAM_SHA_512))).all().get(20, TimeUnit.SECONDS);
                Thread.sleep(1500);
                // The producer hears of it as its batch expiring (kafka-clients' way): it delivers nothing more.
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> producer.send(new ProducerRecord<>("reauth", "k", "late")).get(30, TimeUnit.SECONDS));
                assertTrue(e.getCause() instanceof SaslAuthenticationException
                        || e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException, e.toString());
            }
        }
    }

    /**
     * Re-authenticating on one connection: as the same user it goes on; as another user, or with another
     * mechanism, it is refused with Kafka's message and the connection closes.
     */
    @Test
    void reauthenticationKeepsThePrincipalAndTheMechanism() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(brokerProps(
                "listener.name.sasl_plaintext.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain."
                        + "PlainLoginModule required user_plain=\"plain-secret\" user_other=\"other-secret\";")),
                Clock.systemUTC())) {
            try (Admin admin = plaintextAdmin(broker)) {
                upsert(admin, "plain", ScramMechanism.SCRAM_SHA_256, 4096, "scram-secret");
            }
            String[][] cases = {{"PLAIN", "\0plain\0plain-secret", ""},
                    {"PLAIN", "\0other\0other-secret", "Cannot change principals during re-authentication from "
                            + "User.plain: User.other"},
                    {"SCRAM-SHA-256", "n,,n=plain,r=abc", "SASL mechanism 'SCRAM-SHA-256' requested by client is not "
                            + "supported for re-authentication of mechanism 'PLAIN'"}};
            for (String[] c : cases) {
                try (Socket s = Wire.connect(broker.port("SASL_PLAINTEXT"))) {
                    s.setSoTimeout(15_000);
                    int id = 1;
                    String[][] rounds = {{"PLAIN", "\0plain\0plain-secret"}, {c[0], c[1]}};
                    for (int i = 0; i < rounds.length; i++) {
                        s.getOutputStream().write(Wire.frame(ApiKeys.SASL_HANDSHAKE, (short) 1, id,
                                new SaslHandshakeRequestData().setMechanism(rounds[i][0])));
                        Wire.receive(s, ApiKeys.SASL_HANDSHAKE, (short) 1, id++);
                        SaslAuthenticateResponseData r = authenticate(s, id++, rounds[i][1]);
                        if (i == 0 || c[2].isEmpty()) {
                            assertEquals(Errors.NONE.code(), r.errorCode(), r.toString());
                        } else {
                            assertEquals(Errors.SASL_AUTHENTICATION_FAILED.code(), r.errorCode());
                            assertEquals(c[2], r.errorMessage());
                            assertEquals(-1, s.getInputStream().read(), "closed after the answer");
                        }
                    }
                    if (c[2].isEmpty()) {
                        s.getOutputStream().write(Wire.frame(ApiKeys.METADATA, (short) 12, id, new MetadataRequestData()));
                        Wire.receive(s, ApiKeys.METADATA, (short) 12, id); // served after re-authenticating
                    }
                }
            }
        }
    }

    /**
     * A client that authenticated with SaslAuthenticate v0 cannot re-authenticate: once its session ends, its next
     * request closes the connection, as Kafka's broker does. A v1 client is told the session's lifetime.
     */
    @Test
    void aSessionEndsAtConnectionsMaxReauthMs() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(brokerProps(
                "listener.name.sasl_plaintext.plain.connections.max.reauth.ms", "700")), Clock.systemUTC())) {
            byte[] plain = "\0plain\0plain-secret".getBytes(StandardCharsets.UTF_8);
            try (Socket v1 = Wire.connect(broker.port("SASL_PLAINTEXT"))) {
                v1.getOutputStream().write(Wire.frame(ApiKeys.SASL_HANDSHAKE, (short) 1, 1,
                        new SaslHandshakeRequestData().setMechanism("PLAIN")));
                Wire.receive(v1, ApiKeys.SASL_HANDSHAKE, (short) 1, 1);
                v1.getOutputStream().write(Wire.frame(ApiKeys.SASL_AUTHENTICATE, (short) 1, 2,
                        new SaslAuthenticateRequestData().setAuthBytes(plain)));
                SaslAuthenticateResponseData r = new SaslAuthenticateResponseData(
                        Wire.receive(v1, ApiKeys.SASL_AUTHENTICATE, (short) 1, 2), (short) 1);
                assertEquals(Errors.NONE.code(), r.errorCode());
                assertEquals(700, r.sessionLifetimeMs());
            }
            try (Socket v0 = Wire.connect(broker.port("SASL_PLAINTEXT"))) {
                v0.setSoTimeout(15_000);
                v0.getOutputStream().write(Wire.frame(ApiKeys.SASL_HANDSHAKE, (short) 1, 1,
                        new SaslHandshakeRequestData().setMechanism("PLAIN")));
                Wire.receive(v0, ApiKeys.SASL_HANDSHAKE, (short) 1, 1);
                v0.getOutputStream().write(Wire.frame(ApiKeys.SASL_AUTHENTICATE, (short) 0, 2,
                        new SaslAuthenticateRequestData().setAuthBytes(plain)));
                Wire.receive(v0, ApiKeys.SASL_AUTHENTICATE, (short) 0, 2);
                v0.getOutputStream().write(Wire.frame(ApiKeys.METADATA, (short) 12, 3, new MetadataRequestData()));
                Wire.receive(v0, ApiKeys.METADATA, (short) 12, 3); // within its session: served
                Thread.sleep(1000);
                v0.getOutputStream().write(Wire.frame(ApiKeys.METADATA, (short) 12, 4, new MetadataRequestData()));
                assertEquals(-1, v0.getInputStream().read(), "closed once its session ended");
            }
        }
    }
}
