package io.ferrite.server.network;

import io.ferrite.protocol.RequestCodec.DecodedRequest;
import io.ferrite.server.security.ListenerSecurity;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import javax.net.ssl.SSLSession;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * Who one connection is, and how far it got proving it. Every request's {@link RequestContext} carries its
 * listener and principal. Event loop only.
 *
 * <pre>
 *   connected ──(TLS listener: handshake)──► established
 *   established, no SASL ─────────────────────────────────────────────► AUTHENTICATED
 *   established, SASL ─► HANDSHAKE ─(SaslHandshake, a mechanism enabled)─► AUTHENTICATE
 *                        AUTHENTICATE ─(SaslAuthenticate, credentials good)─► AUTHENTICATED
 *                        AUTHENTICATE ─(credentials refused)─► FAILED: answered, then closed
 * </pre>
 *
 * Before AUTHENTICATED only ApiVersions, SaslHandshake and SaslAuthenticate are taken (anything else closes
 * the connection, as Kafka's broker does), and frames are bounded by {@code sasl.server.max.receive.size}.
 * The principal is ANONYMOUS until established; then what the listener's principal builder makes of the TLS
 * session or the SASL server, as Kafka's would.
 */
final class ClientSession {
    /** How far a SASL client got. */
    enum Stage { HANDSHAKE, AUTHENTICATE, AUTHENTICATED, FAILED }

    private final ListenerSecurity security;
    private KafkaPrincipal principal = KafkaPrincipal.ANONYMOUS;
    private Stage stage;
    private SSLSession tls;
    private InetAddress client;
    private SaslServer sasl;
    /** SaslHandshake v0 was used: the exchange goes on in bare SASL tokens, each framed by its size alone. */
    private boolean bareTokens;

    /** {@code security} null: a plaintext connection on the default listener, acting as ANONYMOUS (tests). */
    ClientSession(ListenerSecurity security) {
        this.security = security;
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

    /** Whether {@code api} may be asked now. */
    boolean allows(ApiKeys api) {
        return stage == Stage.AUTHENTICATED || api == ApiKeys.API_VERSIONS || api == ApiKeys.SASL_HANDSHAKE
                || api == ApiKeys.SASL_AUTHENTICATE;
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

    RequestContext context(DecodedRequest request) {
        return new RequestContext(request.apiKey(), request.apiVersion(), request.correlationId(), request.clientId(),
                request.clientHost(), listener(), principal);
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
        SaslAuthenticateResponseData r = authenticate(new SaslAuthenticateRequestData().setAuthBytes(token));
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
        sasl = security.newSaslServer(request.mechanism());
        stage = Stage.AUTHENTICATE;
        return response;
    }

    /** SaslAuthenticate: one round of the mechanism's exchange (PLAIN takes one). */
    SaslAuthenticateResponseData authenticate(SaslAuthenticateRequestData request) {
        SaslAuthenticateResponseData response = new SaslAuthenticateResponseData();
        if (stage != Stage.AUTHENTICATE) {
            stage = Stage.FAILED;
            return response.setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
                    .setErrorMessage("SaslAuthenticate before SaslHandshake");
        }
        try {
            byte[] challenge = sasl.evaluateResponse(request.authBytes());
            response.setAuthBytes(challenge == null ? new byte[0] : challenge);
            if (sasl.isComplete()) {
                principal = security.principal(sasl, tls, client);
                stage = Stage.AUTHENTICATED;
            }
            return response;
        } catch (SaslException | RuntimeException e) { // Kafka's PLAIN server says what failed, not which part
            stage = Stage.FAILED;
            return response.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code())
                    .setErrorMessage("Authentication failed during authentication due to invalid credentials with "
                            + "SASL mechanism " + sasl.getMechanismName());
        }
    }
}
