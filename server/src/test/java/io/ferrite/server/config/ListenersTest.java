package io.ferrite.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;

/** listeners, advertised.listeners, listener.security.protocol.map and per-listener TLS keys, as Kafka reads them. */
class ListenersTest {

    private static List<Listener> listeners(String... kv) {
        Map<String, String> props = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            props.put(kv[i], kv[i + 1]);
        }
        return BrokerConfig.fromProperties(props).listeners();
    }

    private static String refused(String... kv) {
        return assertThrows(IllegalArgumentException.class, () -> listeners(kv)).getMessage();
    }

    @Test
    void namedListenersTakeTheirProtocolsAndAdvertisedAddresses() {
        List<Listener> ls = listeners(
                "listeners", "CLIENTS://127.0.0.1:9092,secure://[::1]:9093,INTERNAL://:9094",
                "listener.security.protocol.map", "CLIENTS:PLAINTEXT,SECURE:SSL,INTERNAL:PLAINTEXT",
                "advertised.listeners", "CLIENTS://broker.example:19092,SECURE://broker.example:19093",
                "ssl.keystore.location", "/etc/ferrite/broker.p12");
        assertEquals(3, ls.size());
        Listener clients = ls.get(0);
        assertEquals("CLIENTS", clients.name());
        assertEquals(SecurityProtocol.PLAINTEXT, clients.protocol());
        assertEquals("127.0.0.1", clients.host());
        assertEquals("broker.example", clients.advertisedHost());
        assertEquals(19092, clients.advertisedPort());
        Listener secure = ls.get(1);
        assertEquals("SECURE", secure.name(), "names are upper case, as Kafka normalises them");
        assertEquals(SecurityProtocol.SSL, secure.protocol());
        assertEquals("::1", secure.host());
        assertTrue(secure.tls());
        Listener internal = ls.get(2);
        assertEquals("", internal.host());
        assertEquals(0, internal.advertisedPort(), "not advertised: the bound port");
        assertTrue(!internal.advertisedHost().isEmpty(), "a wildcard listener advertises this machine's name");
    }

    @Test
    void aControllerListenerIsNotOpened() {
        List<Listener> ls = listeners("listeners", "PLAINTEXT://:9092,CONTROLLER://:9093",
                "controller.listener.names", "CONTROLLER",
                "listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        assertEquals(List.of("PLAINTEXT"), ls.stream().map(Listener::name).toList());
    }

    @Test
    void perListenerKeysOverTheBrokerWideOnes() {
        List<Listener> ls = listeners("listeners", "A://:9093,B://:9094", "listener.security.protocol.map", "A:SSL,B:SSL",
                "ssl.keystore.location", "/k/broker.p12", "ssl.keystore.password", "secret",
                "listener.name.b.ssl.keystore.location", "/k/b.pem", "listener.name.b.ssl.keystore.type", "PEM",
                "listener.name.b.ssl.client.auth", "required");
        Map<String, Object> a = ls.get(0).security();
        Map<String, Object> b = ls.get(1).security();
        assertEquals("/k/broker.p12", a.get("ssl.keystore.location"));
        assertEquals("JKS", a.get("ssl.keystore.type"), "Kafka's default");
        assertEquals("none", a.get("ssl.client.auth"));
        assertEquals(new Password("secret"), a.get("ssl.keystore.password"));
        assertEquals("/k/b.pem", b.get("ssl.keystore.location"));
        assertEquals("PEM", b.get("ssl.keystore.type"));
        assertEquals("required", b.get("ssl.client.auth"));
        assertEquals(new Password("secret"), b.get("ssl.keystore.password"), "not overridden: the broker-wide value");
        assertNull(ls.get(0).security().get("ssl.truststore.location"));
    }

    @Test
    void whatCannotBeServedAsConfiguredFailsTheStartWithOneLine() {
        assertTrue(refused("listeners", "PLAINTEXT://:9092,PLAINTEXT://:9093").contains("name of its own"));
        assertTrue(refused("listeners", "A://:9092,B://:9092", "listener.security.protocol.map",
                "A:PLAINTEXT,B:PLAINTEXT").contains("port of its own"));
        assertTrue(refused("listeners", "CLIENTS://:9092").contains("no security protocol"));
        assertTrue(refused("listeners", "A://:9092", "listener.security.protocol.map", "A:TLS")
                .contains("listener.security.protocol.map"));
        assertTrue(refused("listeners", "PLAINTEXT://:9092", "advertised.listeners", "OTHER://h:9092")
                .contains("OTHER"));
        assertTrue(refused("listeners", "PLAINTEXT://:99999").contains("99999"));
        assertTrue(refused("listeners", "PLAINTEXT//:9092").contains("NAME://host:port"));
        assertTrue(refused("listeners", "SSL://:9093").contains("no key store"));
        assertTrue(refused("listeners", "SSL://:9093", "ssl.keystore.location", "/k", "ssl.client.auth", "maybe")
                .contains("ssl.client.auth"));
        String gssapi = refused("listeners", "SASL_PLAINTEXT://:9094");
        assertTrue(gssapi.contains("GSSAPI") && gssapi.contains("sasl.enabled.mechanisms"), gssapi);
        String kerberos = refused("listeners", "SASL_PLAINTEXT://:9094", "sasl.enabled.mechanisms", "PLAIN,GSSAPI");
        assertTrue(kerberos.contains("[PLAIN, GSSAPI]") && kerberos.contains("not Kerberos"), kerberos);
        String reauth = refused("listeners", "SASL_PLAINTEXT://:9094", "sasl.enabled.mechanisms", "PLAIN",
                "listener.name.sasl_plaintext.plain.connections.max.reauth.ms", "soon");
        assertTrue(reauth.contains("plain.connections.max.reauth.ms"), reauth);
    }
}
