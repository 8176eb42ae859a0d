package io.ferrite.server.network;

import io.ferrite.protocol.RequestCodec.DecodedRequest;
import io.ferrite.server.security.ListenerSecurity;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import javax.net.ssl.SSLSession;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.authenticator.SaslInternalConfigs;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * Who one connection is, and how far it got proving it. Every request's {@link RequestContext} carries its
 * listener and principal. Event loop only.
 *
 * <pre>
 *   connected ──(TLS listener: handshake)──► established
 *   established, no SASL ─────────────────────────────────────────────► AUTHENTICATED
 *   established, SASL ─► HANDSHAKE ─(SaslHandshake, a mechanism enabled)─► AUTHENTICATE
 *                        AUTHENTICATE ─(SaslAuthenticate rounds, credentials good)─► AUTHENTICATED
 *                        AUTHENTICATE ─(credentials refused)─► FAILED: answered, then closed
 *   AUTHENTICATED ─(SaslHandshake from a client that re-authenticates, KIP-368)─► HANDSHAKE
 * </pre>
 *
 * Before AUTHENTICATED only ApiVersions, SaslHandshake and SaslAuthenticate are taken (anything else closes
 * the connection, as Kafka's broker does), and frames are bounded by {@code sasl.server.max.receive.size}.
 * The principal is ANONYMOUS until established; then what the listener's principal builder makes of the TLS
 * session or the SASL server, as Kafka's would.
 *
 * <p>A SASL session lasts {@code connections.max.reauth.ms}, or less if its credential expires sooner (an
 * OAUTHBEARER token); SaslAuthenticate v1 and later tell the client so. Before then a client that used v1 may
 * authenticate again on the same connection, with the same mechanism as the same principal; once the session has
 * expired, any other request closes the connection, as Kafka's broker does.
 */
final class ClientSession {
    /** How far a SASL client got. */
    enum Stage { HANDSHAKE, AUTHENTICATE, AUTHENTICATED, FAILED }

    private final ListenerSecurity security;
    private final Clock clock;
    private KafkaPrincipal principal = KafkaPrincipal.ANONYMOUS;
    private Stage stage;
    private SSLSession tls;
    private InetAddress client;
    private SaslServer sasl;
    /** SaslHandshake v0 was used: the exchange goes on in bare SASL tokens, each framed by its size alone. */
    private boolean bareTokens;
    /** The mechanism the session authenticated with; null before. */
    private String mechanism;
    /** Set while authenticating again: the mechanism asked for differs from the session's (the exchange fails). */
    private String badReauthentication;
    /** The client sent SaslAuthenticate v1 or later, so it knows session lifetimes and re-authenticates. */
    private boolean reauthenticates;
    /** When the session ends, in the clock's milliseconds; Long.MAX_VALUE for never. */
    private long expiresAtMs = Long.MAX_VALUE;

    /** {@code security} null: a plaintext connection on the default listener, acting as ANONYMOUS (tests). */
    ClientSession(ListenerSecurity security, Clock clock) {
        this.security = security;
        this.clock = clock;
        this.stage = security != null && security.listener().sasl() ? Stage.HANDSHAKE : Stage.AUTHENTICATED;
    }

    String listener() {
        return security == null ? RequestContext.PLAINTEXT : security.listener().name();
    }

    /** The connection is up; {@code tls} is its TLS session, null on a plaintext listener. */
    void established(SSLSession tls, SocketAddress peer) {
        this.tls = tls;
        this.client = peer instanceof InetSocketAddress a ? a.getAddress() : null;
        if (security != null && stage == Stage.AUTHENTICATED) {
            principal = security.principal(tls, client);
        }
    }

    boolean authenticated() {
        return stage == Stage.AUTHENTICATED;
    }

    /** Whether the connection must close once its last answer is written. */
    boolean failed() {
        return stage == Stage.FAILED;
    }

    /** Whether the session has outlived its lifetime: the connection is to close instead of serving more. */
    boolean expired() {
        return stage == Stage.AUTHENTICATED && expiresAtMs != Long.MAX_VALUE && clock.millis() >= expiresAtMs;
    }

    /**
     * Whether {@code api}, asked on an authenticated connection, starts authenticating again (KIP-368): a
     * SaslHandshake from a client that re-authenticates. The session then takes the SASL requests again.
     */
    boolean startsReauthentication(ApiKeys api) {
        if (stage != Stage.AUTHENTICATED || mechanism == null || !reauthenticates || api != ApiKeys.SASL_HANDSHAKE) {
            return false;
        }
        stage = Stage.HANDSHAKE;
        return true;
    }

    /** Whether {@code api} may be asked now. */
    boolean allows(ApiKeys api) {
        return stage == Stage.AUTHENTICATED || api == ApiKeys.API_VERSIONS && mechanism == null
                || api == ApiKeys.SASL_HANDSHAKE || api == ApiKeys.SASL_AUTHENTICATE;
    }
    /** Whether a SASL request is this session's to answer (else the registry's: authenticated, or no SASL here). */
    boolean takesSasl() {
        return stage == Stage.HANDSHAKE || stage == Stage.AUTHENTICATE;
    }

    /** {@code sasl.server.max.receive.size} while authenticating, else 0 (no bound of its own). */
    int maxReceiveBeforeAuthentication() {
        return takesSasl() ? security.saslMaxReceiveSize() : 0;
    }

    KafkaPrincipal principal() {
        return principal;
    }

    /** {@code throttle}: stops reading this connection for so many milliseconds. */
    RequestContext context(DecodedRequest request, java.util.function.LongConsumer throttle) {
        return new RequestContext(request.apiKey(), request.apiVersion(), request.correlationId(), request.clientId(),
                request.clientHost(), listener(), security == null ? SecurityProtocol.PLAINTEXT
                : security.listener().protocol(), client != null ? client : InetAddress.getLoopbackAddress(),
                principal, throttle);
    }

    /** Whether the next frame is a bare SASL token (after SaslHandshake v0), not a request. */
    boolean expectsBareToken() {
        return bareTokens && stage == Stage.AUTHENTICATE;
    }

    /**
     * A bare token after SaslHandshake v0 (Kafka clients before 1.0 and some others): the server's answer, also bare;
     * null when the credentials are refused, and the connection is to close without one, as Kafka's broker does.
     */
    byte[] authenticateBare(byte[] token) {
        SaslAuthenticateResponseData r = authenticate(new SaslAuthenticateRequestData().setAuthBytes(token), (short) 0);
        return r.errorCode() == Errors.NONE.code() ? r.authBytes() : null;
    }

    /**
     * SaslHandshake: the client names its mechanism; an unknown one is answered with those enabled, then closed.
     * After v0 the exchange goes on in bare tokens ({@link #authenticateBare}), after v1 in SaslAuthenticate.
     */
    SaslHandshakeResponseData handshake(SaslHandshakeRequestData request, short version) {
        bareTokens = version == 0;
        SaslHandshakeResponseData response = new SaslHandshakeResponseData()
                .setMechanisms(security.saslMechanisms());
        if (stage != Stage.HANDSHAKE) {
            stage = Stage.FAILED;
            return response.setErrorCode(Errors.ILLEGAL_SASL_STATE.code());
        }
        if (!security.saslMechanisms().contains(request.mechanism())) {
            stage = Stage.FAILED;
            return response.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code());
        }
        if (mechanism != null && !mechanism.equals(request.mechanism())) { // Kafka fails it at the first token
            badReauthentication = "SASL mechanism '" + request.mechanism() + "' requested by client is not "
                    + "supported for re-authentication of mechanism '" + mechanism + "'";
        }
        sasl = security.newSaslServer(request.mechanism());
        stage = Stage.AUTHENTICATE;
        return response;
    }

    /** SaslAuthenticate: one round of the mechanism's exchange (PLAIN takes one, SCRAM two, OAUTHBEARER one). */
    SaslAuthenticateResponseData authenticate(SaslAuthenticateRequestData request, short version) {
        reauthenticates |= version >= 1;
        SaslAuthenticateResponseData response = new SaslAuthenticateResponseData();
        if (stage != Stage.AUTHENTICATE) {
            stage = Stage.FAILED;
            return response.setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
                    .setErrorMessage("SaslAuthenticate before SaslHandshake");
        }
        String what = mechanism == null ? "authentication" : "re-authentication";
        try {
            if (badReauthentication != null) {
                throw new SaslAuthenticationException(badReauthentication);
            }
            byte[] challenge = sasl.evaluateResponse(request.authBytes());
            response.setAuthBytes(challenge == null ? new byte[0] : challenge);
            if (sasl.isComplete()) {
                KafkaPrincipal authenticated = security.principal(sasl, tls, client);
                if (mechanism != null && !authenticated.equals(principal)) {
                    throw new SaslAuthenticationException("Cannot change principals during re-authentication from "
                            + principal.getPrincipalType() + "." + principal.getName() + ": "
                            + authenticated.getPrincipalType() + "." + authenticated.getName());
                }
                principal = authenticated;
                mechanism = sasl.getMechanismName();
                response.setSessionLifetimeMs(startSession());
                stage = Stage.AUTHENTICATED;
            }
            return response;
        } catch (SaslAuthenticationException e) { // says what failed without saying whether the user exists
            stage = Stage.FAILED;
            return response.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code()).setErrorMessage(e.getMessage());
        } catch (SaslException | RuntimeException e) { // may name the user or the part that failed: not told
            stage = Stage.FAILED;
            return response.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code())
                    .setErrorMessage("Authentication failed during " + what + " due to invalid credentials with "
                            + "SASL mechanism " + sasl.getMechanismName());
        }
    }

    /**
     * Starts the session just authenticated: it lasts {@code connections.max.reauth.ms} for its mechanism, or until
     * its credential expires if sooner, as Kafka computes it. Returns its lifetime in ms, 0 for unbounded.
     */
    private long startSession() {
        long now = clock.millis();
        long max = security.maxReauthMs(sasl.getMechanismName());
        Long credentialExpiresAt = (Long) sasl.getNegotiatedProperty(
                SaslInternalConfigs.CREDENTIAL_LIFETIME_MS_SASL_NEGOTIATED_PROPERTY_KEY);
        if (credentialExpiresAt == null && max <= 0) {
            expiresAtMs = Long.MAX_VALUE;
            return 0;
        }
        long lifetime = credentialExpiresAt == null ? max
                : max <= 0 ? credentialExpiresAt - now : Math.min(credentialExpiresAt - now, max);
        lifetime = Math.max(0, lifetime);
        expiresAtMs = now + lifetime;
        return lifetime;
    }
}
