package io.ferrite.server.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.server.quota.ClientQuotaManager.QuotaType;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which rate a quota bounds, by KIP-55's levels: a quota set on a default entity bounds each user or client id
 * on its own (Kafka's default callback), one set on a named entity bounds that entity, and a change of the
 * quotas is seen by the next request.
 */
class ClientQuotaManagerTest {
    private static final long NOW = 1_000_000L;
    private static final KafkaPrincipal ALICE = new KafkaPrincipal("User", "alice");
    private static final KafkaPrincipal BOB = new KafkaPrincipal("User", "bob");

    @TempDir
    Path dir;

    private static Map<ClientQuotaEntity, Map<String, Double>> quota(String key, double value, String... entity) {
        Map<String, String> e = new HashMap<>();
        for (int i = 0; i < entity.length; i += 2) {
            e.put(entity[i], entity[i + 1]);
        }
        Map<String, Double> keys = new HashMap<>();
        keys.put(key, value);
        return Map.of(new ClientQuotaEntity(e), keys);
    }

    @Test
    void aDefaultQuotaBoundsEachUserOnItsOwnAndANamedOneItsEntity() {
        ClientQuotas quotas = ClientQuotas.load(dir);
        try (ClientQuotaManager manager = new ClientQuotaManager(quotas, 11, 1, 11, 1)) {
            assertEquals(0, manager.record(QuotaType.PRODUCE, ALICE, "a", 1_000_000, NOW), "no quota, no limit");

            quotas.alter(quota("producer_byte_rate", 1000, ClientQuotaEntity.USER, null));
            assertTrue(manager.record(QuotaType.PRODUCE, ALICE, "a", 50_000, NOW) > 0, "alice over the default");
            assertEquals(0, manager.record(QuotaType.PRODUCE, BOB, "b", 500, NOW),
                    "bob has a rate of his own under the same default");
            assertTrue(manager.record(QuotaType.PRODUCE, ALICE, "another-client", 10, NOW) > 0,
                    "a user quota spans the user's client ids");

            // A client-id default: each client id its own rate, whoever the user.
            quotas.alter(quota("consumer_byte_rate", 1000, ClientQuotaEntity.CLIENT_ID, null));
            assertTrue(manager.record(QuotaType.FETCH, ALICE, "c1", 50_000, NOW) > 0);
            assertEquals(0, manager.record(QuotaType.FETCH, ALICE, "c2", 500, NOW));

            // A named client id shares one rate across its users.
            quotas.alter(quota("consumer_byte_rate", 1000, ClientQuotaEntity.CLIENT_ID, "shared"));
            assertEquals(0, manager.record(QuotaType.FETCH, ALICE, "shared", 900, NOW));
            assertTrue(manager.record(QuotaType.FETCH, BOB, "shared", 50_000, NOW) > 0);
            assertTrue(manager.record(QuotaType.FETCH, ALICE, "shared", 10, NOW) > 0, "alice feels bob's bytes");

            // Removing the default is seen at once.
            Map<ClientQuotaEntity, Map<String, Double>> removal = new HashMap<>();
            Map<String, Double> gone = new HashMap<>();
            gone.put("producer_byte_rate", null);
            removal.put(new ClientQuotaEntity(java.util.Collections.singletonMap(ClientQuotaEntity.USER, null)), gone);
            quotas.alter(removal);
            assertEquals(0, manager.record(QuotaType.PRODUCE, ALICE, "a", 1_000_000, NOW));
        }
    }
}
