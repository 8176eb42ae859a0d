package io.ferrite.bench.brokers;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.Certificates;
import io.ferrite.launcher.FerriteProcess;
import io.ferrite.launcher.KafkaProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * One broker for {@code bin/bench-rdkafka}, which drives it with librdkafka's rdkafka_performance: Ferrite or
 * Kafka 4.3, each with a plaintext and an SSL listener, started as the other benchmarks start them. Prints one
 * line, {@code PID <pid> TLS <host:port> PLAIN <host:port> CA <pem>}, then holds the broker until its standard
 * input closes, and stops it.
 *
 * <pre>ChildBroker ferrite|kafka DATA_DIR CERTS_DIR [jdk]</pre>
 *
 * {@code jdk}: Ferrite's TLS listener uses the JDK's engine instead of its default, BoringSSL. The certificate
 * authority and the broker's key store are made under CERTS_DIR once, with keytool.
 */
public final class ChildBroker {
    private ChildBroker() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: ChildBroker ferrite|kafka DATA_DIR CERTS_DIR [jdk]");
            System.exit(2);
        }
        Path certs = Path.of(args[2]);
        Path keystore = certs.resolve("broker.p12");
        Path ca = certs.resolve("bench-ca-ca.pem");
        if (!Files.exists(keystore)) {
            Certificates.authority(certs, "bench-ca").keystore("broker", "CN=localhost,O=bench");
        }
        Map<String, String> tls = new HashMap<>(Map.of("ssl.keystore.type", "PKCS12",
                "ssl.keystore.location", keystore.toString(), "ssl.keystore.password", Certificates.PASSWORD));
        BrokerUnderTest broker;
        if (args[0].equals("kafka")) {
            broker = KafkaProcess.startWithTls("rdkafka-kafka", Path.of(args[1]), tls);
        } else {
            if (args.length > 3 && args[3].equals("jdk")) {
                tls.put("ssl.engine.factory.class", "org.apache.kafka.common.security.ssl.DefaultSslEngineFactory");
            }
            tls.put("store.commitlog.file.bytes", Integer.toString(1 << 30)); // the default, not the tests' 32 MiB
            broker = FerriteProcess.startWithTls("rdkafka-ferrite", Path.of(args[1]), tls);
        }
        try {
            System.out.println("PID " + broker.pid() + " TLS " + broker.secureBootstrap() + " PLAIN " + broker.bootstrap()
                    + " CA " + ca);
            System.out.flush();
            while (System.in.read() >= 0) {
                // held until the script closes our input
            }
        } finally {
            broker.close();
        }
    }
}
