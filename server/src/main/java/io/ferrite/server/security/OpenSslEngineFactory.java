package io.ferrite.server.security;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.SslClientAuth;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.auth.SslEngineFactory;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;

/**
 * Server TLS engines from BoringSSL (netty-tcnative) instead of the JDK: the default of Kafka's
 * {@code ssl.engine.factory.class} here, chosen by measurement (docs/PERFORMANCE.md);
 * {@code org.apache.kafka.common.security.ssl.DefaultSslEngineFactory} selects the JDK's. The key and trust stores
 * are loaded by Kafka's {@link DefaultSslEngineFactory}, so every store type and key it takes (JKS, PKCS12, PEM,
 * inline PEM) works the same; only the engine differs. {@code ssl.client.auth}, {@code ssl.enabled.protocols}
 * and {@code ssl.cipher.suites} (OpenSSL's names or the JDK's, which Netty maps) apply as with the JDK's engine.
 * A broker only accepts, so client engines are refused.
 */
public final class OpenSslEngineFactory implements SslEngineFactory {
    private final DefaultSslEngineFactory stores = new DefaultSslEngineFactory();
    private SslContext context;

    @Override
    public void configure(Map<String, ?> configs) {
        if (!OpenSsl.isAvailable()) {
            throw new KafkaException("OpenSSL (netty-tcnative) cannot be loaded on this machine ("
                    + OpenSsl.unavailabilityCause() + "); set ssl.engine.factory.class="
                    + DefaultSslEngineFactory.class.getName() + " for the JDK's TLS engine");
        }
        stores.configure(configs);
        try {
            KeyStore keystore = stores.keystore();
            if (keystore == null) {
                throw new KafkaException("a TLS listener needs a key store");
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(
                    (String) configs.get(SslConfigs.SSL_KEYMANAGER_ALGORITHM_CONFIG));
            kmf.init(keystore, keyPassword(configs));
            SslContextBuilder b = SslContextBuilder.forServer(kmf).sslProvider(SslProvider.OPENSSL)
                    .clientAuth(clientAuth((String) configs.get(BrokerSecurityConfigs.SSL_CLIENT_AUTH_CONFIG)));
            KeyStore truststore = stores.truststore();
            if (truststore != null) {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(
                        (String) configs.get(SslConfigs.SSL_TRUSTMANAGER_ALGORITHM_CONFIG));
                tmf.init(truststore);
                b.trustManager(tmf);
            }
            @SuppressWarnings("unchecked")
            List<String> protocols = (List<String>) configs.get(SslConfigs.SSL_ENABLED_PROTOCOLS_CONFIG);
            if (protocols != null && !protocols.isEmpty()) {
                b.protocols(protocols);
            }
            @SuppressWarnings("unchecked")
            List<String> ciphers = (List<String>) configs.get(SslConfigs.SSL_CIPHER_SUITES_CONFIG);
            if (ciphers != null && !ciphers.isEmpty()) {
                b.ciphers(ciphers);
            }
            context = b.build();
        } catch (GeneralSecurityException | SSLException e) {
            throw new KafkaException("cannot build the OpenSSL context: " + e.getMessage(), e);
        }
    }

    /**
     * The password of the key entry as the stores were loaded: {@code ssl.key.password}, else the store's password
     * (JKS and PKCS12 use it for the key too), else none (an unencrypted PEM key).
     */
    private static char[] keyPassword(Map<String, ?> configs) {
        for (String key : new String[] {SslConfigs.SSL_KEY_PASSWORD_CONFIG, SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG}) {
            if (configs.get(key) instanceof Password p) {
                return p.value().toCharArray();
            }
        }
        return new char[0];
    }

    private static ClientAuth clientAuth(String value) {
        SslClientAuth auth = SslClientAuth.forConfig(value);
        return auth == SslClientAuth.REQUIRED ? ClientAuth.REQUIRE
                : auth == SslClientAuth.REQUESTED ? ClientAuth.OPTIONAL : ClientAuth.NONE;
    }

    /**
     * An engine made as Netty makes one for its own handler, outside the JDK's compatibility mode: an
     * {@code SslHandler} around it then decrypts every TLS record a read brings in one call into one buffer,
     * instead of one record (16 KiB at most) per call.
     */
    @Override
    public SSLEngine createServerSslEngine(String peerHost, int peerPort) {
        return context.newHandler(ByteBufAllocator.DEFAULT, peerHost, peerPort).engine();
    }

    @Override
    public SSLEngine createClientSslEngine(String peerHost, int peerPort, String endpointIdentification) {
        throw new UnsupportedOperationException("the broker makes no TLS connections of its own");
    }

    @Override
    public boolean shouldBeRebuilt(Map<String, Object> nextConfigs) {
        return stores.shouldBeRebuilt(nextConfigs);
    }

    @Override
    public Set<String> reconfigurableConfigs() {
        return stores.reconfigurableConfigs();
    }

    @Override
    public KeyStore keystore() {
        return stores.keystore();
    }

    @Override
    public KeyStore truststore() {
        return stores.truststore();
    }

    @Override
    public void close() {
        stores.close();
        context = null;
    }
}
