package io.ferrite.server.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ferrite.server.Broker;
import io.ferrite.server.config.BrokerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client quotas through the Admin API, as kafka-configs sets them: per user, client id, both, IP and defaults,
 * described with Kafka's filters, kept across a restart, and refused with Kafka's messages when malformed.
 */
@Timeout(60)
class ClientQuotasTest {
    @TempDir
    Path dir;

    private static ClientQuotaEntity entity(String... typeAndName) {
        Map<String, String> e = new HashMap<>();
        for (int i = 0; i < typeAndName.length; i += 2) {
            e.put(typeAndName[i], typeAndName[i + 1]);
        }
        return new ClientQuotaEntity(e);
    }

    private static ClientQuotaAlteration set(ClientQuotaEntity entity, String key, Double value) {
        return new ClientQuotaAlteration(entity, List.of(new ClientQuotaAlteration.Op(key, value)));
    }

    @Test
    void quotasAreSetDescribedWithFiltersAndKeptAcrossARestart() throws Exception {
        BrokerConfig config = BrokerConfig.fromProperties(Map.of("listeners", "PLAINTEXT://127.0.0.1:0",
                "log.dirs", dir.resolve("data").toString(), "store.commitlog.file.bytes", "1048576"));
        ClientQuotaEntity alice = entity(ClientQuotaEntity.USER, "alice");
        ClientQuotaEntity aliceApp = entity(ClientQuotaEntity.USER, "alice", ClientQuotaEntity.CLIENT_ID, "app/1");
        ClientQuotaEntity defaultClient = entity(ClientQuotaEntity.CLIENT_ID, null);
        ClientQuotaEntity ip = entity(ClientQuotaEntity.IP, "127.0.0.1");
        try (Broker broker = Broker.start(config, Clock.systemUTC());
             Admin admin = Admin.create(Map.of("bootstrap.servers", "127.0.0.1:" + broker.port()))) {
            admin.alterClientQuotas(List.of(set(alice, "producer_byte_rate", 1048576.0),
                    set(aliceApp, "consumer_byte_rate", 2048.0), set(defaultClient, "request_percentage", 50.5),
                    set(ip, "connection_creation_rate", 10.0))).all().get(20, TimeUnit.SECONDS);
            assertEquals(4, admin.describeClientQuotas(ClientQuotaFilter.all()).entities().get().size());
            assertEquals(Map.of(alice, Map.of("producer_byte_rate", 1048576.0),
                            aliceApp, Map.of("consumer_byte_rate", 2048.0)),
                    admin.describeClientQuotas(ClientQuotaFilter.contains(List.of(
                            ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "alice")))).entities().get());
            assertEquals(Map.of(alice, Map.of("producer_byte_rate", 1048576.0)),
                    admin.describeClientQuotas(ClientQuotaFilter.containsOnly(List.of(
                            ClientQuotaFilterComponent.ofEntity(ClientQuotaEntity.USER, "alice")))).entities().get());
            assertEquals(Map.of(defaultClient, Map.of("request_percentage", 50.5)),
                    admin.describeClientQuotas(ClientQuotaFilter.containsOnly(List.of(
                            ClientQuotaFilterComponent.ofDefaultEntity(ClientQuotaEntity.CLIENT_ID)))).entities().get());
            admin.alterClientQuotas(List.of(set(alice, "producer_byte_rate", null))).all().get(20, TimeUnit.SECONDS);
        }
        try (Broker broker = Broker.start(config, Clock.systemUTC());
             Admin admin = Admin.create(Map.of("bootstrap.servers", "127.0.0.1:" + broker.port()))) {
            assertEquals(Map.of(aliceApp, Map.of("consumer_byte_rate", 2048.0),
                            defaultClient, Map.of("request_percentage", 50.5),
                            ip, Map.of("connection_creation_rate", 10.0)),
                    admin.describeClientQuotas(ClientQuotaFilter.all()).entities().get(), "kept, the removed one gone");

            Map<String, ClientQuotaAlteration> bad = Map.of(
                    "Invalid configuration key producer_byte_rate", set(ip, "producer_byte_rate", 1.0),
                    "Quota consumer_byte_rate must be greater than 0", set(alice, "consumer_byte_rate", -1.0),
                    "producer_byte_rate cannot be a fractional value.", set(alice, "producer_byte_rate", 1.5),
                    "Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId",
                    set(entity(ClientQuotaEntity.IP, "127.0.0.1", ClientQuotaEntity.USER, "bob"),
                            "connection_creation_rate", 1.0),
                    "Unhandled client quota entity type: group", set(entity("group", "g"), "producer_byte_rate", 1.0));
            for (Map.Entry<String, ClientQuotaAlteration> b : bad.entrySet()) {
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> admin.alterClientQuotas(List.of(b.getValue())).all().get(20, TimeUnit.SECONDS));
                assertInstanceOf(InvalidRequestException.class, e.getCause(), b.getKey());
                assertEquals(b.getKey(), e.getCause().getMessage());
            }
        }
    }
}
