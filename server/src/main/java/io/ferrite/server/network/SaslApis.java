package io.ferrite.server.network;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * SaslHandshake (v0-1) and SaslAuthenticate (v0-2) as the registry serves them: advertised in ApiVersions, and
 * answered here only when no authentication is under way (a connection already authenticated, or a listener
 * without SASL), with ILLEGAL_SASL_STATE as Kafka answers. While a client authenticates, its
 * {@link ClientSession} takes them (after SaslHandshake v0, bare SASL tokens instead of SaslAuthenticate).
 */
public final class SaslApis {
    private SaslApis() {
    }

    public static void register(ApiRegistry apis) {
        apis.register(ApiKeys.SASL_HANDSHAKE, 0, 1, (RequestContext c, SaslHandshakeRequestData r) ->
                        CompletableFuture.completedFuture(new SaslHandshakeResponseData()
                                .setErrorCode(Errors.ILLEGAL_SASL_STATE.code())), Access.open())
                .register(ApiKeys.SASL_AUTHENTICATE, 0, 2, (RequestContext c, SaslAuthenticateRequestData r) ->
                        CompletableFuture.completedFuture(new SaslAuthenticateResponseData()
                                .setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
                                .setErrorMessage("SaslAuthenticate when no SASL authentication is under way")),
                        Access.open());
    }
}
