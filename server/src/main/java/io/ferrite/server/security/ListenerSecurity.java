package io.ferrite.server.security;

import io.ferrite.server.config.Listener;
import java.net.InetAddress;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.security.sasl.SaslServer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.network.ChannelBuilders;
import org.apache.kafka.common.network.ConnectionMode;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.auth.AuthenticationContext;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.KafkaPrincipalBuilder;
import org.apache.kafka.common.security.auth.PlaintextAuthenticationContext;
import org.apache.kafka.common.security.auth.SaslAuthenticationContext;
import org.apache.kafka.common.security.auth.SslAuthenticationContext;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule;
import org.apache.kafka.common.security.oauthbearer.internals.OAuthBearerSaslServer;
import org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredValidatorCallbackHandler;
import org.apache.kafka.common.security.plain.internals.PlainSaslServer;
import org.apache.kafka.common.security.plain.internals.PlainServerCallbackHandler;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramSaslServer;
import org.apache.kafka.common.security.scram.internals.ScramServerCallbackHandler;
import org.apache.kafka.common.security.token.delegation.internals.DelegationTokenCache;
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
 * <p>On a SASL listener, each enabled mechanism is served by Kafka's own SASL server and the callback handler
 * Kafka would choose: PLAIN's users from its JAAS configuration ({@code user_<name>="<password>"} options of
 * {@code PlainLoginModule}), SCRAM's from the stored credentials, OAUTHBEARER's tokens checked by Kafka's
 * validators; any of them replaced by a {@code sasl.server.callback.handler.class}.
 *
 * <p>Made once per listener at start; engines, SASL servers and principals are made on the network threads,
 * which all these parts allow.
 */
public final class ListenerSecurity implements AutoCloseable {
    /** This broker issues no delegation tokens, so a SCRAM client presenting one is refused as an unknown user. */
    private static final DelegationTokenCache NO_DELEGATION_TOKENS =
            new DelegationTokenCache(ScramMechanism.mechanismNames());

    private final Listener listener;
    private final SslFactory ssl;
    private final KafkaPrincipalBuilder principals;
    /** Per enabled SASL mechanism, the callback handler its servers check credentials with; empty if not SASL. */
    private final Map<String, AuthenticateCallbackHandler> sasl;

    private ListenerSecurity(Listener listener, SslFactory ssl, KafkaPrincipalBuilder principals,
                             Map<String, AuthenticateCallbackHandler> sasl) {
        this.listener = listener;
        this.ssl = ssl;
        this.principals = principals;
        this.sasl = sasl;
    }

    /**
     * Loads the listener's stores. A store that cannot be read, a wrong password or a key that does not match
     * its certificate fails here, at start, with an {@link IllegalArgumentException} naming the listener.
     */
    public static ListenerSecurity configure(Listener listener, ScramCredentials scram) {
        Map<String, Object> configs = listener.security();
        SslFactory ssl = null;
        Map<String, AuthenticateCallbackHandler> sasl = new LinkedHashMap<>();
        try {
            if (listener.tls()) {
                ssl = new SslFactory(ConnectionMode.SERVER);
                ssl.configure(configs);
            }
            String rules = (String) configs.get(BrokerSecurityConfigs.SSL_PRINCIPAL_MAPPING_RULES_CONFIG);
            KafkaPrincipalBuilder principals = ChannelBuilders.createPrincipalBuilder(configs, null,
                    SslPrincipalMapper.fromRules(rules));
            if (listener.sasl()) {
                @SuppressWarnings("unchecked")
                List<String> mechanisms = (List<String>) configs.get(
                        BrokerSecurityConfigs.SASL_ENABLED_MECHANISMS_CONFIG);
                for (String mechanism : mechanisms) {
                    // JAAS as Kafka reads it: listener.name.<l>.<mechanism>.sasl.jaas.config, then sasl.jaas.config,
                    // then the java.security.auth.login.config file's entry for the listener.
                    JaasContext jaas = JaasContext.loadServerContext(listener.listenerName(), mechanism, configs);
                    AuthenticateCallbackHandler handler = callbackHandler(mechanism, configs, scram);
                    sasl.put(mechanism, handler); // closed with the listener, even if configure fails
                    handler.configure(configs, mechanism, jaas.configurationEntries());
                }
            }
            return new ListenerSecurity(listener, ssl, principals, Map.copyOf(sasl));
        } catch (KafkaException | IllegalArgumentException e) {
            if (ssl != null) {
                ssl.close();
            }
            sasl.values().forEach(h -> Utils.closeQuietly(h::close, "SASL callback handler"));
            throw new IllegalArgumentException("listener " + listener.name() + ": " + rootMessage(e), e);
        }
    }

    /**
     * The handler a mechanism's servers check credentials with, as Kafka chooses it: the listener's
     * {@code <mechanism>.sasl.server.callback.handler.class} if set; else for PLAIN the JAAS config's users, for
     * SCRAM the stored credentials ({@link ScramCredentials}), for OAUTHBEARER Kafka's validator of unsecured
     * tokens (for signed ones, set Kafka's {@code OAuthBearerValidatorCallbackHandler} with a JWKS endpoint).
     */
    private static AuthenticateCallbackHandler callbackHandler(String mechanism, Map<String, Object> configs,
                                                               ScramCredentials scram) {
        Object configured = configs.get(ListenerName.saslMechanismPrefix(mechanism)
                + BrokerSecurityConfigs.SASL_SERVER_CALLBACK_HANDLER_CLASS_CONFIG);
        if (configured instanceof Class<?> c) {
            if (!AuthenticateCallbackHandler.class.isAssignableFrom(c)) {
                throw new IllegalArgumentException(c.getName() + " is not an " + AuthenticateCallbackHandler.class.getName());
            }
            return (AuthenticateCallbackHandler) Utils.newInstance(c);
        }
        if (ScramMechanism.isScram(mechanism)) {
            return new ScramServerCallbackHandler(scram.cache(mechanism), NO_DELEGATION_TOKENS);
        }
        return mechanism.equals(OAuthBearerLoginModule.OAUTHBEARER_MECHANISM)
                ? new OAuthBearerUnsecuredValidatorCallbackHandler() : new PlainServerCallbackHandler();
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

    /** The SASL mechanisms a client may choose here, in the configured order; empty on a listener without SASL. */
    public List<String> saslMechanisms() {
        @SuppressWarnings("unchecked")
        List<String> enabled = listener.sasl()
                ? (List<String>) listener.security().get(BrokerSecurityConfigs.SASL_ENABLED_MECHANISMS_CONFIG)
                : List.of();
        return enabled;
    }

    /** {@code sasl.server.max.receive.size}: the largest frame a client may send before it has authenticated. */
    public int saslMaxReceiveSize() {
        return (Integer) listener.security().get(BrokerSecurityConfigs.SASL_SERVER_MAX_RECEIVE_SIZE_CONFIG);
    }

    /** A server for one connection's authentication with {@code mechanism}, one of {@link #saslMechanisms}. */
    public SaslServer newSaslServer(String mechanism) {
        AuthenticateCallbackHandler handler = sasl.get(mechanism);
        if (handler == null) {
            throw new IllegalArgumentException(mechanism + " is not enabled on listener " + listener.name());
        }
        if (ScramMechanism.isScram(mechanism)) {
            try {
                return new ScramSaslServer(ScramMechanism.forMechanismName(mechanism), listener.security(), handler);
            } catch (NoSuchAlgorithmException e) { // SHA-256 and SHA-512 are in every JDK
                throw new IllegalStateException(e);
            }
        }
        return mechanism.equals(OAuthBearerLoginModule.OAUTHBEARER_MECHANISM)
                ? new OAuthBearerSaslServer(handler) : new PlainSaslServer(handler);
    }

    /**
     * {@code connections.max.reauth.ms} for {@code mechanism} ({@code <mechanism>.connections.max.reauth.ms} over
     * the listener's): how long a session may last before the client must authenticate again; 0 for ever.
     */
    public long maxReauthMs(String mechanism) {
        Object forMechanism = listener.security().get(ListenerName.saslMechanismPrefix(mechanism)
                + BrokerSecurityConfigs.CONNECTIONS_MAX_REAUTH_MS_CONFIG);
        return (Long) (forMechanism != null ? forMechanism
                : listener.security().get(BrokerSecurityConfigs.CONNECTIONS_MAX_REAUTH_MS_CONFIG));
    }

    /** Who a connection that authenticated with {@code server} acts as; {@code tls} its TLS session, if any. */
    public KafkaPrincipal principal(SaslServer server, SSLSession tls, InetAddress client) {
        return principals.build(new SaslAuthenticationContext(server, listener.protocol(), client, listener.name(),
                Optional.ofNullable(tls)));
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
        sasl.values().forEach(h -> Utils.closeQuietly(h::close, "SASL callback handler"));
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
