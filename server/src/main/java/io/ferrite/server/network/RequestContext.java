package io.ferrite.server.network;

import io.ferrite.protocol.RequestCodec.DecodedRequest;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * What a handler knows of a request besides its body: the API and version, who sent it and over which
 * listener. The principal is Kafka's anonymous one until authentication fills it in.
 *
 * @param clientHost the peer as Kafka shows it ("/127.0.0.1"), or "" when not known
 */
public record RequestContext(ApiKeys api, short apiVersion, int correlationId, String clientId, String clientHost,
                      String listener, KafkaPrincipal principal) {
    /** The plaintext listener every connection comes through, until listeners are configurable. */
    public static final String PLAINTEXT = "PLAINTEXT";

    public static RequestContext of(DecodedRequest request) {
        return new RequestContext(request.apiKey(), request.apiVersion(), request.correlationId(), request.clientId(),
                request.clientHost(), PLAINTEXT, KafkaPrincipal.ANONYMOUS);
    }

    /** A context for calling a handler directly, as tests do. */
    public static RequestContext of(ApiKeys api, int apiVersion) {
        return new RequestContext(api, (short) apiVersion, 0, "", "", PLAINTEXT, KafkaPrincipal.ANONYMOUS);
    }
}
