package io.ferrite.server.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** What the registry advertises is what it has handlers for, each range given once with its handler. */
class ApiRegistryTest {
    private static final ApiHandler<ApiMessage> ANSWER =
            (context, request) -> CompletableFuture.completedFuture(new MetadataResponseData());

    private static Map<Short, String> advertised(ApiRegistry apis) {
        Map<Short, String> out = new TreeMap<>();
        ApiVersionsResponseData r = apis.versions().response(Errors.NONE);
        r.apiKeys().forEach(k -> out.put(k.apiKey(), k.minVersion() + "-" + k.maxVersion()));
        return out;
    }

    @Test
    void anApiIsAdvertisedExactlyWhenItHasAHandler() {
        ApiRegistry apis = new ApiRegistry();
        assertEquals(Map.of(ApiKeys.API_VERSIONS.id, "0-4"), advertised(apis), "ApiVersions is always served");
        assertTrue(apis.serves(ApiKeys.API_VERSIONS));
        assertFalse(apis.serves(ApiKeys.METADATA));

        apis.register(ApiKeys.METADATA, 0, 13, ANSWER).register(ApiKeys.HEARTBEAT, ANSWER);
        assertEquals(Map.of(ApiKeys.API_VERSIONS.id, "0-4", ApiKeys.METADATA.id, "0-13", ApiKeys.HEARTBEAT.id,
                ApiKeys.HEARTBEAT.oldestVersion() + "-" + ApiKeys.HEARTBEAT.latestVersion()), advertised(apis));
        assertTrue(apis.serves(ApiKeys.METADATA));
    }

    @Test
    void aSecondRegistrationOrAnUnservableRangeIsRefused() {
        ApiRegistry apis = new ApiRegistry().register(ApiKeys.METADATA, 0, 13, ANSWER);
        assertThrows(IllegalArgumentException.class, () -> apis.register(ApiKeys.METADATA, 0, 12, ANSWER));
        assertThrows(IllegalArgumentException.class, () -> apis.register(ApiKeys.FETCH, 4, 99, ANSWER),
                "past what kafka-clients parses");
        assertThrows(IllegalArgumentException.class, () -> apis.register(ApiKeys.FETCH, 5, 4, ANSWER));
        assertFalse(apis.serves(ApiKeys.FETCH), "a refused registration leaves nothing behind");
    }
}
