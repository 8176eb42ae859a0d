package io.ferrite.server.security;

import io.ferrite.server.config.Listener;
import java.net.InetAddress;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.network.ChannelBuilders;
import org.apache.kafka.common.network.ConnectionMode;
import org.apache.kafka.common.security.auth.AuthenticationContext;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.KafkaPrincipalBuilder;
import org.apache.kafka.common.security.auth.PlaintextAuthenticationContext;
import org.apache.kafka.common.security.auth.SslAuthenticationContext;
import org.apache.kafka.common.security.ssl.SslFactory;
import org.apache.kafka.common.security.ssl.SslPrincipalMapper;
import org.apache.kafka.common.utils.Utils;

/**
 * What one listener does to secure its connections: on a TLS listener, the engine each connection's handshake
 * runs in, and for every listener the principal a connection acts as.
 *
 * <p>Both are kafka-clients' own parts, configured with the listener's keys as Kafka's broker configures them:
 * {@link SslFactory} loads key and trust stores (JKS, PKCS12 or PEM, from files or inline) and makes server
 * engines with {@code ssl.client.auth}, {@code ssl.enabled.protocols} and {@code ssl.cipher.suites} applied; the
 * principal builder ({@code principal.builder.class}, Kafka's default one unless set) maps a client
 * certificate's name through {@code ssl.principal.mapping.rules}. So a principal here is what Kafka's broker
 * would make of the same connection, which ACLs written for Kafka rely on.
 *
 * <p>Made once per listener at start; engines and principals are made on the network threads, which both parts
 * allow.
 */
public final class ListenerSecurity implements AutoCloseable {
    private final Listener listener;
    private final SslFactory ssl;
    private final KafkaPrincipalBuilder principals;

    private ListenerSecurity(Listener listener, SslFactory ssl, KafkaPrincipalBuilder principals) {
        this.listener = listener;
        this.ssl = ssl;
        this.principals = principals;
    }

    /**
     * Loads the listener's stores. A store that cannot be read, a wrong password or a key that does not match
     * its certificate fails here, at start, with an {@link IllegalArgumentException} naming the listener.
     */
    public static ListenerSecurity configure(Listener listener) {
        Map<String, Object> configs = listener.security();
        SslFactory ssl = null;
        try {
            if (listener.tls()) {
                ssl = new SslFactory(ConnectionMode.SERVER);
                ssl.configure(configs);
            }
            String rules = (String) configs.get(BrokerSecurityConfigs.SSL_PRINCIPAL_MAPPING_RULES_CONFIG);
            KafkaPrincipalBuilder principals = ChannelBuilders.createPrincipalBuilder(configs, null,
                    SslPrincipalMapper.fromRules(rules));
            return new ListenerSecurity(listener, ssl, principals);
        } catch (KafkaException | IllegalArgumentException e) {
            if (ssl != null) {
                ssl.close();
            }
            throw new IllegalArgumentException("listener " + listener.name() + ": " + rootMessage(e), e);
        }
    }

    public Listener listener() {
        return listener;
    }

    /**
     * Checks that this listener's TLS keys after a change ({@code security}, all of them) can be taken: the
     * stores load and the key store's certificate keeps its subject and alternative names (unless
     * {@code ssl.allow.dn.changes} / {@code ssl.allow.san.changes}), as Kafka checks. Throws an
     * IllegalArgumentException saying why not.
     */
    public void validateReconfiguration(Map<String, Object> security) {
        if (ssl == null) {
            return;
        }
        try {
            ssl.validateReconfiguration(security);
        } catch (KafkaException e) {
            throw new IllegalArgumentException("listener " + listener.name() + ": " + rootMessage(e), e);
        }
    }

    /** Takes a checked change: connections made from now on use the new stores; open ones keep theirs. */
    public void reconfigure(Map<String, Object> security) {
        if (ssl != null) {
            ssl.reconfigure(security);
        }
    }

    /** Whether connections through this listener start with a TLS handshake. */
    public boolean tls() {
        return ssl != null;
    }

    /** A server engine for one connection, for a TLS listener only. */
    public SSLEngine newEngine(String peerHost, int peerPort) {
        if (ssl == null) {
            throw new IllegalStateException("listener " + listener.name() + " is not a TLS listener");
        }
        return ssl.createSslEngine(peerHost, peerPort);
    }

    /**
     * Who a connection acts as: for a TLS connection, its session (Kafka's default builder names a client that
     * showed a certificate by its mapped subject, and one that did not ANONYMOUS); otherwise what the builder
     * makes of a plaintext connection (ANONYMOUS by default).
     */
    public KafkaPrincipal principal(SSLSession session, InetAddress client) {
        AuthenticationContext context = session != null
                ? new SslAuthenticationContext(session, client, listener.name())
                : new PlaintextAuthenticationContext(client, listener.name());
        return principals.build(context);
    }

    @Override
    public void close() {
        if (ssl != null) {
            ssl.close();
        }
        if (principals instanceof AutoCloseable c) {
            Utils.closeQuietly(c, "principal builder");
        }
    }

    private static String rootMessage(Throwable e) {
        StringBuilder m = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable c = e.getCause(); c != null && c != e; c = c.getCause()) {
            if (c.getMessage() != null && !m.toString().contains(c.getMessage())) {
                m.append(": ").append(c.getMessage());
            }
        }
        return m.toString();
    }
}
