package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.config.Listener;
import io.ferrite.storage.FlushMode;
import io.ferrite.storage.StoreConfig;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.DescribeDelegationTokenRequestData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real broker on a loopback port, spoken to over a real socket in bytes kafka-clients writes. */
class BrokerTest {
    @TempDir
    Path dir;
    private Broker broker;

    @BeforeEach
    void start() throws Exception {
        broker = Broker.start(config(), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private BrokerConfig config() {
        return BrokerConfig.fromProperties(Map.of("listeners", "PLAINTEXT://127.0.0.1:0",
                "log.dirs", dir.resolve("data").toString(), "store.commitlog.file.bytes", "1048576"));
    }

    private Socket connect() throws IOException {
        return Wire.connect(broker.port());
    }

    private static byte[] frame(ApiKeys api, short version, int correlationId, ApiMessage body) {
        return Wire.frame(api, version, correlationId, body);
    }

    private static ByteBuffer readFrame(Socket s) throws IOException {
        return Wire.readFrame(s);
    }

    /** Reads an ApiVersions response (its header is always v0) and checks the correlation id. */
    private static ApiVersionsResponseData apiVersions(ByteBuffer frame, short version, int correlationId) {
        ByteBufferAccessor in = new ByteBufferAccessor(frame);
        ResponseHeaderData h = new ResponseHeaderData(in, (short) 0);
        assertEquals(correlationId, h.correlationId());
        return new ApiVersionsResponseData(in, version);
    }

    private static boolean closedByPeer(Socket s) throws IOException {
        try {
            return s.getInputStream().read() == -1;
        } catch (EOFException e) {
            return true;
        }
    }

    @Test
    void apiVersionsAdvertisesExactlyWhatIsImplemented() throws Exception {
        try (Socket s = connect()) {
            ApiVersionsRequestData req = new ApiVersionsRequestData().setClientSoftwareName("test")
                    .setClientSoftwareVersion("1");
            s.getOutputStream().write(frame(ApiKeys.API_VERSIONS, (short) 3, 7, req));
            ApiVersionsResponseData r = apiVersions(readFrame(s), (short) 3, 7);
            assertEquals(Errors.NONE.code(), r.errorCode());
            java.util.Set<ApiKeys> implemented = java.util.EnumSet.of(ApiKeys.API_VERSIONS, ApiKeys.METADATA,
                    ApiKeys.PRODUCE, ApiKeys.LIST_OFFSETS, ApiKeys.FETCH, ApiKeys.OFFSET_FOR_LEADER_EPOCH,
                    ApiKeys.INIT_PRODUCER_ID, ApiKeys.CREATE_TOPICS, ApiKeys.DELETE_TOPICS, ApiKeys.CREATE_PARTITIONS,
                    ApiKeys.DELETE_RECORDS, ApiKeys.DESCRIBE_CLUSTER, ApiKeys.DESCRIBE_TOPIC_PARTITIONS,
                    ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, ApiKeys.ALTER_USER_SCRAM_CREDENTIALS,
                    ApiKeys.DESCRIBE_ACLS, ApiKeys.CREATE_ACLS, ApiKeys.DELETE_ACLS,
                    ApiKeys.DESCRIBE_CLIENT_QUOTAS, ApiKeys.ALTER_CLIENT_QUOTAS,
                    ApiKeys.DESCRIBE_LOG_DIRS, ApiKeys.DESCRIBE_CONFIGS, ApiKeys.ALTER_CONFIGS,
                    ApiKeys.INCREMENTAL_ALTER_CONFIGS, ApiKeys.FIND_COORDINATOR, ApiKeys.JOIN_GROUP,
                    ApiKeys.SYNC_GROUP, ApiKeys.HEARTBEAT, ApiKeys.LEAVE_GROUP, ApiKeys.OFFSET_COMMIT,
                    ApiKeys.OFFSET_FETCH, ApiKeys.OFFSET_DELETE, ApiKeys.LIST_GROUPS, ApiKeys.DESCRIBE_GROUPS,
                    ApiKeys.DELETE_GROUPS, ApiKeys.CONSUMER_GROUP_HEARTBEAT, ApiKeys.CONSUMER_GROUP_DESCRIBE,
                    ApiKeys.SHARE_GROUP_HEARTBEAT, ApiKeys.SHARE_GROUP_DESCRIBE, ApiKeys.SHARE_FETCH,
                    ApiKeys.SHARE_ACKNOWLEDGE, ApiKeys.DESCRIBE_SHARE_GROUP_OFFSETS,
                    ApiKeys.ALTER_SHARE_GROUP_OFFSETS, ApiKeys.DELETE_SHARE_GROUP_OFFSETS,
                    ApiKeys.ADD_PARTITIONS_TO_TXN, ApiKeys.ADD_OFFSETS_TO_TXN, ApiKeys.END_TXN,
                    ApiKeys.TXN_OFFSET_COMMIT, ApiKeys.WRITE_TXN_MARKERS, ApiKeys.DESCRIBE_TRANSACTIONS,
                    ApiKeys.LIST_TRANSACTIONS, ApiKeys.DESCRIBE_PRODUCERS, ApiKeys.SASL_HANDSHAKE,
                    ApiKeys.SASL_AUTHENTICATE);
            assertEquals(implemented, r.apiKeys().stream().map(k -> ApiKeys.forId(k.apiKey()))
                    .collect(java.util.stream.Collectors.toSet()), "the implemented APIs, nothing more");
            for (ApiVersionsResponseData.ApiVersion k : r.apiKeys()) {
                ApiKeys api = ApiKeys.forId(k.apiKey());
                // Kafka 4.3's ranges; Produce 0-2 are advertised though no longer parsed, as Kafka 4 does.
                assertEquals(api == ApiKeys.PRODUCE ? 0 : api.oldestVersion(), k.minVersion(), api + " oldest");
                // Kafka leaves out versions marked unstable (unstable.api.versions.enable is off by default).
                assertEquals(api.latestVersion(false), k.maxVersion(),
                        api + " latest");
            }
            assertEquals(5, r.apiKeys().find(ApiKeys.INIT_PRODUCER_ID.id).maxVersion());
            ApiVersionsResponseData.FinalizedFeatureKey txVersion = r.finalizedFeatures().find("transaction.version");
            assertEquals(2, txVersion.maxVersionLevel(), "transaction protocol 2, as Kafka 4.3 finalizes it");
            assertEquals(1, r.finalizedFeatures().find("share.version").maxVersionLevel(), "share groups on");
            assertEquals(4, r.apiKeys().find(ApiKeys.FETCH.id).minVersion());
            assertEquals(18, r.apiKeys().find(ApiKeys.FETCH.id).maxVersion());
            assertEquals(11, r.apiKeys().find(ApiKeys.LIST_OFFSETS.id).maxVersion());
            assertEquals(0, r.apiKeys().find(ApiKeys.PRODUCE.id).minVersion());
            assertEquals(13, r.apiKeys().find(ApiKeys.PRODUCE.id).maxVersion());
            ApiVersionsResponseData.ApiVersion v = r.apiKeys().find(ApiKeys.API_VERSIONS.id);
            assertEquals(0, v.minVersion());
            assertEquals(4, v.maxVersion());
            assertEquals(13, r.apiKeys().find(ApiKeys.METADATA.id).maxVersion());
        }
    }

    @Test
    void aTooNewApiVersionsRequestGetsAV0AnswerSoTheClientCanDowngrade() throws Exception {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            // A version this broker has never heard of, with a body it cannot parse: only the header's first
            // fields are read.
            ByteBuffer f = ByteBuffer.allocate(4 + 12).putInt(12).putShort(ApiKeys.API_VERSIONS.id)
                    .putShort((short) 99).putInt(11).putInt(0xCAFEBABE);
            out.write(f.array());
            ApiVersionsResponseData r = apiVersions(readFrame(s), (short) 0, 11);
            assertEquals(Errors.UNSUPPORTED_VERSION.code(), r.errorCode());
            assertEquals(4, r.apiKeys().find(ApiKeys.API_VERSIONS.id).maxVersion());
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (Socket s = connect()) {
            ByteBuffer all = ByteBuffer.allocate(4096);
            for (int id = 1; id <= 3; id++) {
                all.put(frame(ApiKeys.API_VERSIONS, (short) (id - 1), id, new ApiVersionsRequestData()));
            }
            s.getOutputStream().write(all.array(), 0, all.position());
            for (int id = 1; id <= 3; id++) {
                assertEquals(Errors.NONE.code(), apiVersions(readFrame(s), (short) (id - 1), id).errorCode());
            }
        }
    }

    @Test
    void anApiThatIsNotImplementedClosesTheConnectionAndTheBrokerCarriesOn() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write(frame(ApiKeys.DESCRIBE_DELEGATION_TOKEN, (short) 3, 1,
                    new DescribeDelegationTokenRequestData()));
            assertTrue(closedByPeer(s));
        }
        try (Socket s = connect()) {
            s.getOutputStream().write(ByteBuffer.allocate(12).putInt(8).putShort((short) 999).putShort((short) 0)
                    .putInt(3).array());
            assertTrue(closedByPeer(s), "unknown API key");
        }
        try (Socket s = connect()) {
            s.getOutputStream().write(ByteBuffer.allocate(4).putInt(200 * 1024 * 1024).array());
            assertTrue(closedByPeer(s), "frame over socket.request.max.bytes");
        }
        try (Socket s = connect()) {
            s.getOutputStream().write(frame(ApiKeys.API_VERSIONS, (short) 2, 5, new ApiVersionsRequestData()));
            assertEquals(Errors.NONE.code(), apiVersions(readFrame(s), (short) 2, 5).errorCode());
        }
    }

    @Test
    void aStockClientReadsTheApiVersionsAndRefusesWhatIsNotAdvertised() throws Exception {
        Map<String, Object> conf = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        try (Admin admin = Admin.create(conf)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeDelegationToken().delegationTokens().get(20, TimeUnit.SECONDS));
            // The client negotiated with our ApiVersions answer, saw no DescribeDelegationToken in it, and says so.
            assertTrue(e.getCause() instanceof UnsupportedVersionException,
                    String.valueOf(e.getCause()));
        }
    }

    @Test
    @Timeout(30)
    void aPortInUseFailsTheStartInsteadOfHanging() {
        BrokerConfig taken = BrokerConfig.fromProperties(Map.of("listeners", "PLAINTEXT://127.0.0.1:" + broker.port(),
                "log.dirs", dir.resolve("other").toString(), "store.commitlog.file.bytes", "1048576"));
        assertThrows(BindException.class, () -> Broker.start(taken, Clock.systemUTC()));
        assertFalse(Files.exists(dir.resolve("other").resolve("abort")), "its store was closed again");
    }

    @Test
    void aCleanStopLeavesNoAbortFileBehind() throws Exception {
        broker.close();
        assertFalse(Files.exists(dir.resolve("data").resolve("abort")));
        broker = Broker.start(config(), Clock.systemUTC());
        assertTrue(broker.port() > 0);
    }

    @Test
    void configReadsKafkasKeys() {
        BrokerConfig c = BrokerConfig.fromProperties(Map.of("listeners", "PLAINTEXT://0.0.0.0:19092",
                "advertised.listeners", "PLAINTEXT://broker1:29092", "node.id", "3", "log.dirs", "/a,/b",
                "store.flush.mode", "sync"));
        Listener l = c.listeners().get(0);
        assertEquals("0.0.0.0", l.host());
        assertEquals(19092, l.port());
        assertEquals("broker1", l.advertisedHost());
        assertEquals(29092, l.advertisedPort());
        assertEquals(3, c.nodeId());
        assertEquals(Path.of("/a"), c.store().dataDir());
        assertEquals(FlushMode.SYNC, c.store().flushMode());
        BrokerConfig d = BrokerConfig.fromProperties(Map.of());
        assertEquals(9092, d.listeners().get(0).port());
        assertEquals(Path.of("data"), d.store().dataDir());
        assertEquals(StoreConfig.defaults(Path.of("data")), d.store());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BrokerConfig.fromProperties(Map.of("listeners", "nonsense")));
        assertTrue(e.getMessage().contains("listeners"));
        assertEquals("10.1.2.3", BrokerConfig.fromProperties(Map.of("listeners", "PLAINTEXT://10.1.2.3:9092"))
                .listeners().get(0).advertisedHost(), "clients are told the listener's host by default");
        assertFalse(d.listeners().get(0).advertisedHost().isEmpty(),
                "a wildcard listener advertises this machine's name");
        assertThrows(IllegalArgumentException.class, () -> BrokerConfig.fromProperties(
                Map.of("advertised.listeners", "PLAINTEXT://0.0.0.0:9092")));
    }
}
