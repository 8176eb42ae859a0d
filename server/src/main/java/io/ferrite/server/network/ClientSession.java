package io.ferrite.server.network;

import io.ferrite.protocol.RequestCodec.DecodedRequest;
import io.ferrite.server.security.ListenerSecurity;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import javax.net.ssl.SSLSession;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * Who one connection is: the listener it came through and the principal it acts as, which every request's
 * {@link RequestContext} carries. The principal is set once the connection is established: at once on a
 * plaintext listener, after the handshake on a TLS one (no request is read before that). Event loop only.
 */
final class ClientSession {
    private final ListenerSecurity security;
    private KafkaPrincipal principal = KafkaPrincipal.ANONYMOUS;

    /** {@code security} null: a plaintext connection on the default listener, acting as ANONYMOUS (tests). */
    ClientSession(ListenerSecurity security) {
        this.security = security;
    }

    String listener() {
        return security == null ? RequestContext.PLAINTEXT : security.listener().name();
    }

    /** The connection is up; {@code tls} is its TLS session, null on a plaintext listener. */
    void established(SSLSession tls, SocketAddress peer) {
        if (security != null) {
            InetAddress client = peer instanceof InetSocketAddress a ? a.getAddress() : null;
            principal = security.principal(tls, client);
        }
    }

    KafkaPrincipal principal() {
        return principal;
    }

    RequestContext context(DecodedRequest request) {
        return new RequestContext(request.apiKey(), request.apiVersion(), request.correlationId(), request.clientId(),
                request.clientHost(), listener(), principal);
    }
}
