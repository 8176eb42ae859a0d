package io.ferrite.server.network;

import io.ferrite.protocol.RequestCodec.DecodedRequest;
import java.net.InetAddress;
import java.util.function.LongConsumer;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.server.authorizer.AuthorizableRequestContext;

/**
 * What a handler knows of a request besides its body: the API and version, who sent it and over which
 * listener. The principal is Kafka's anonymous one until authentication fills it in. It is also what an
 * authorizer is asked about ({@link AuthorizableRequestContext}), as Kafka's request context is.
 *
 * @param clientHost    the peer as Kafka shows it ("/127.0.0.1"), or "" when not known
 * @param clientAddress the peer's address; the loopback address when not known (tests)
 * @param throttle      stops reading the connection for the given milliseconds: the client went over a quota and
 *                      was told so (KIP-219); callable from any thread
 */
public record RequestContext(ApiKeys api, short apiVersion, int correlationId, String clientId, String clientHost,
                             String listener, SecurityProtocol protocol, InetAddress clientAddress,
                             KafkaPrincipal principal, LongConsumer throttle) implements AuthorizableRequestContext {
    private static final LongConsumer NO_CONNECTION = ms -> { };

    /** The plaintext listener every connection comes through, until listeners are configurable. */
    public static final String PLAINTEXT = "PLAINTEXT";

    public static RequestContext of(DecodedRequest request) {
        return new RequestContext(request.apiKey(), request.apiVersion(), request.correlationId(), request.clientId(),
                request.clientHost(), PLAINTEXT, SecurityProtocol.PLAINTEXT, InetAddress.getLoopbackAddress(),
                KafkaPrincipal.ANONYMOUS, NO_CONNECTION);
    }

    /** A context for calling a handler directly, as tests do. */
    public static RequestContext of(ApiKeys api, int apiVersion) {
        return new RequestContext(api, (short) apiVersion, 0, "", "", PLAINTEXT, SecurityProtocol.PLAINTEXT,
                InetAddress.getLoopbackAddress(), KafkaPrincipal.ANONYMOUS, NO_CONNECTION);
    }

    /** This context as another principal would have it (tests). */
    public RequestContext as(KafkaPrincipal other) {
        return new RequestContext(api, apiVersion, correlationId, clientId, clientHost, listener, protocol,
                clientAddress, other, throttle);
    }

    @Override
    public String listenerName() {
        return listener;
    }

    @Override
    public SecurityProtocol securityProtocol() {
        return protocol;
    }

    @Override
    public int requestType() {
        return api.id;
    }

    @Override
    public int requestVersion() {
        return apiVersion;
    }
}
