package io.ferrite.server.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.server.Broker;
import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.security.ListenerSecurity;
import io.ferrite.server.security.ScramCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SASL/OAUTHBEARER with stock kafka-clients: unsecured tokens checked by Kafka's default validator, and signed
 * tokens checked by Kafka's OAuthBearerValidatorCallbackHandler against a JWKS key set (from a file here, as a
 * JWKS endpoint is given), with tokens signed by another key, expired, or for another audience refused.
 */
@Timeout(120)
class SaslOAuthBearerTest {
    /** Kafka 4 reads key sets and tokens only from URLs named in this JVM property. */
    private static final String ALLOWED_URLS = "org.apache.kafka.sasl.oauthbearer.allowed.urls";

    @TempDir
    static Path keys;
    @TempDir
    Path dir;

    private static RsaJsonWebKey issuer;
    private static RsaJsonWebKey stranger;

    @BeforeAll
    static void keys() throws Exception {
        issuer = RsaJwkGenerator.generateJwk(2048);
        issuer.setKeyId("issuer-1");
        stranger = RsaJwkGenerator.generateJwk(2048);
        stranger.setKeyId("issuer-1"); // the same id, another key: only the signature tells them apart
        Files.writeString(keys.resolve("jwks.json"), new JsonWebKeySet(issuer).toJson());
        System.setProperty(ALLOWED_URLS, String.join(",", java.util.stream.Stream.of("jwks.json", "good.jwt",
                "stranger.jwt", "audience.jwt").map(f -> keys.resolve(f).toUri().toString()).toList()));
    }

    @AfterAll
    static void forget() {
        System.clearProperty(ALLOWED_URLS);
    }

    private Map<String, String> brokerProps(String... extra) {
        Map<String, String> props = new HashMap<>(Map.of(
                "listeners", "SASL_PLAINTEXT://127.0.0.1:0",
                "log.dirs", dir.resolve("data").toString(), "store.commitlog.file.bytes", "1048576",
                "sasl.enabled.mechanisms", "OAUTHBEARER",
                "listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;"));
        for (int i = 0; i < extra.length; i += 2) {
            props.put(extra[i], extra[i + 1]);
        }
        return props;
    }

    private static Properties client(int port) {
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:" + port);
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", "OAUTHBEARER");
        p.put("request.timeout.ms", "10000");
        p.put("default.api.timeout.ms", "15000");
        return p;
    }

    @Test
    void unsecuredTokensNameTheirSubject() throws Exception {
        BrokerConfig config = BrokerConfig.fromProperties(brokerProps());
        try (ListenerSecurity security = ListenerSecurity.configure(config.listeners().get(0),
                ScramCredentials.load(dir))) {
            KafkaServer server = StockClients.principalEcho(security, config);
            Properties p = client(server.port());
            p.put("sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule "
                    + "required unsecuredLoginStringClaim_sub=\"alice\";");
            try (Admin admin = Admin.create(p)) {
                assertEquals("User:alice", admin.describeCluster().clusterId().get(20, TimeUnit.SECONDS));
            } finally {
                server.close();
            }
        }
    }

    /** A token signed with {@code key}, for {@code audience}, expiring {@code expiresIn} seconds from now. */
    private Path token(RsaJsonWebKey key, String audience, long expiresIn, String name) throws Exception {
        JwtClaims claims = new JwtClaims();
        claims.setSubject("alice");
        claims.setAudience(audience);
        claims.setIssuer("https://issuer.example");
        claims.setIssuedAt(NumericDate.fromSeconds(System.currentTimeMillis() / 1000 - 600));
        claims.setExpirationTime(NumericDate.fromSeconds(System.currentTimeMillis() / 1000 + expiresIn));
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        Path file = keys.resolve(name);
        Files.writeString(file, jws.getCompactSerialization());
        return file;
    }

    private static Properties signedClient(int port, Path token) {
        Properties p = client(port);
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;");
        p.put("sasl.login.callback.handler.class",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler");
        p.put("sasl.oauthbearer.token.endpoint.url", token.toUri().toString());
        return p;
    }

    @Test
    void signedTokensAreCheckedAgainstTheKeySet() throws Exception {
        Map<String, String> props = brokerProps(
                "listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler",
                "sasl.oauthbearer.jwks.endpoint.url", keys.resolve("jwks.json").toUri().toString(),
                "sasl.oauthbearer.expected.audience", "ferrite",
                "sasl.oauthbearer.expected.issuer", "https://issuer.example");
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(props), Clock.systemUTC())) {
            int port = broker.port();
            Properties good = signedClient(port, token(issuer, "ferrite", 3600, "good.jwt"));
            List<String> values = StockClients.produceAndReadBack(good, good, "oauth", 10);
            assertEquals(10, values.size());
            for (Path bad : new Path[] {token(stranger, "ferrite", 3600, "stranger.jwt"),
                    token(issuer, "someone-else", 3600, "audience.jwt")}) {
                try (Admin admin = Admin.create(signedClient(port, bad))) {
                    ExecutionException e = assertThrows(ExecutionException.class,
                            () -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS));
                    assertInstanceOf(SaslAuthenticationException.class, e.getCause(), bad + ": " + e);
                }
            }
        }
    }

    @Test
    void aSessionEndsNoLaterThanItsToken() throws Exception {
        BrokerConfig config = BrokerConfig.fromProperties(brokerProps("connections.max.reauth.ms", "3600000"));
        try (ListenerSecurity security = ListenerSecurity.configure(config.listeners().get(0),
                ScramCredentials.load(dir))) {
            javax.security.sasl.SaslServer server = security.newSaslServer("OAUTHBEARER");
            String unsecured = "eyJhbGciOiJub25lIn0." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                    ("{\"sub\":\"alice\",\"iat\":" + (System.currentTimeMillis() / 1000) + ",\"exp\":"
                            + (System.currentTimeMillis() / 1000 + 60) + "}").getBytes()) + ".";
            server.evaluateResponse(("n,,\u0001auth=Bearer " + unsecured + "\u0001\u0001").getBytes());
            assertTrue(server.isComplete());
            assertEquals(3_600_000L, security.maxReauthMs("OAUTHBEARER"));
            long expiry = (Long) server.getNegotiatedProperty("CREDENTIAL.LIFETIME.MS");
            assertTrue(expiry <= System.currentTimeMillis() + 60_000, "the token's expiry bounds the session");
        }
    }
}
