package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.ferrite.server.config.TopicConfigs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The config APIs on the wire: every version, and the edge cases a stock AdminClient never sends. */
@Timeout(60)
class ConfigsWireTest {
    private static final byte TOPIC = ConfigResource.Type.TOPIC.id();
    private static final byte BROKER = ConfigResource.Type.BROKER.id();
    private static final byte BROKER_LOGGER = ConfigResource.Type.BROKER_LOGGER.id();

    @TempDir
    Path dir;
    private Handlers handlers;

    @BeforeEach
    void start() throws Exception {
        handlers = Handlers.open(dir, Map.of());
        new GroupWire(handlers).createTopic("t", 1);
    }

    @AfterEach
    void stop() {
        handlers.close();
    }

    private ByteBufferAccessor call(ApiKeys api, short version, ApiMessage body) throws Exception {
        return handlers.exchange(api, version, body);
    }

    private DescribeConfigsResponseData describe(short v, DescribeConfigsRequestData req) throws Exception {
        return new DescribeConfigsResponseData(call(ApiKeys.DESCRIBE_CONFIGS, v, req), v);
    }

    private DescribeConfigsResult describeOne(short v, byte type, String name, List<String> keys) throws Exception {
        DescribeConfigsRequestData req = new DescribeConfigsRequestData().setIncludeSynonyms(true)
                .setIncludeDocumentation(v >= 3);
        req.resources().add(new DescribeConfigsResource().setResourceType(type).setResourceName(name)
                .setConfigurationKeys(keys));
        return describe(v, req).results().get(0);
    }

    private List<AlterConfigsResourceResponse> alter(short v, boolean validateOnly, Object[]... resources)
            throws Exception {
        AlterConfigsRequestData req = new AlterConfigsRequestData().setValidateOnly(validateOnly);
        for (Object[] r : resources) {
            AlterConfigsRequestData.AlterConfigsResource res = new AlterConfigsRequestData.AlterConfigsResource()
                    .setResourceType((Byte) r[0]).setResourceName((String) r[1]);
            for (int i = 2; i < r.length; i += 2) {
                res.configs().add(new AlterConfigsRequestData.AlterableConfig().setName((String) r[i])
                        .setValue((String) r[i + 1]));
            }
            req.resources().add(res);
        }
        return new ArrayList<>(new AlterConfigsResponseData(call(ApiKeys.ALTER_CONFIGS, v, req), v).responses());
    }

    private List<IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse> incremental(
            short v, IncrementalAlterConfigsRequestData req) throws Exception {
        return new ArrayList<>(new IncrementalAlterConfigsResponseData(
                call(ApiKeys.INCREMENTAL_ALTER_CONFIGS, v, req), v).responses());
    }

    private static IncrementalAlterConfigsRequestData.AlterConfigsResource incResource(byte type, String name,
                                                                                        Object... ops) {
        IncrementalAlterConfigsRequestData.AlterConfigsResource r =
                new IncrementalAlterConfigsRequestData.AlterConfigsResource().setResourceType(type)
                        .setResourceName(name);
        for (int i = 0; i < ops.length; i += 3) {
            r.configs().add(new IncrementalAlterConfigsRequestData.AlterableConfig().setName((String) ops[i])
                    .setConfigOperation(((OpType) ops[i + 1]).id()).setValue((String) ops[i + 2]));
        }
        return r;
    }

    private String topicValue(String key) throws Exception {
        return describeOne((short) 4, TOPIC, "t", List.of(key)).configs().get(0).value();
    }

    @Test
    void everyDescribeConfigsVersionAnswersWithTheKeysAsked() throws Exception {
        for (short v = 1; v <= 4; v++) {
            DescribeConfigsResult r = describeOne(v, TOPIC, "t", List.of("retention.ms", "max.message.bytes"));
            assertEquals(Errors.NONE.code(), r.errorCode(), "v" + v);
            assertEquals(List.of("max.message.bytes", "retention.ms"),
                    r.configs().stream().map(DescribeConfigsResourceResult::name).toList(), "v" + v);
            DescribeConfigsResourceResult max = r.configs().get(0);
            assertEquals("1048588", max.value());
            assertEquals(ConfigSource.DEFAULT_CONFIG.id(), max.configSource());
            assertEquals(1, max.synonyms().size(), "v" + v);
            if (v >= 3) {
                assertEquals(ConfigType.INT.id(), max.configType());
                assertNotNull(max.documentation());
            }
        }
        assertEquals(TopicConfigs.all().size(), describeOne((short) 4, TOPIC, "t", null).configs().size());
        assertEquals(TopicConfigs.all().size(), describeOne((short) 4, TOPIC, "t", List.of()).configs().size());
    }

    @Test
    void describeErrorsArePerResource() throws Exception {
        DescribeConfigsRequestData req = new DescribeConfigsRequestData();
        Object[][] resources = {{TOPIC, "t"}, {TOPIC, "missing"}, {TOPIC, "bad name"}, {BROKER, "7"},
                {BROKER, "one"}, {BROKER_LOGGER, "1"}, {(byte) 99, "x"}, {BROKER, "1"}};
        for (Object[] r : resources) {
            req.resources().add(new DescribeConfigsResource().setResourceType((Byte) r[0])
                    .setResourceName((String) r[1]).setConfigurationKeys(null));
        }
        List<Short> codes = describe((short) 4, req).results().stream().map(DescribeConfigsResult::errorCode)
                .toList();
        assertEquals(List.of(Errors.NONE.code(), Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                Errors.INVALID_TOPIC_EXCEPTION.code(), Errors.INVALID_REQUEST.code(), Errors.INVALID_REQUEST.code(),
                Errors.INVALID_REQUEST.code(), Errors.INVALID_REQUEST.code(), Errors.NONE.code()), codes);
    }

    @Test
    void everyAlterConfigsVersionReplacesTheWholeSet() throws Exception {
        for (short v = 0; v <= 2; v++) {
            String ms = Long.toString(1000 + v);
            List<AlterConfigsResourceResponse> r = alter(v, false,
                    new Object[] {TOPIC, "t", "retention.ms", ms, "segment.bytes", "2097152"});
            assertEquals(Errors.NONE.code(), r.get(0).errorCode(), "v" + v);
            assertEquals(ms, topicValue("retention.ms"));
        }
        alter((short) 2, false, new Object[] {TOPIC, "t", "retention.bytes", "5"});
        assertEquals("604800000", topicValue("retention.ms"), "left out means deleted");
        assertEquals("5", topicValue("retention.bytes"));

        List<AlterConfigsResourceResponse> dry = alter((short) 2, true, new Object[] {TOPIC, "t", "retention.bytes",
                "6"});
        assertEquals(Errors.NONE.code(), dry.get(0).errorCode());
        assertEquals("5", topicValue("retention.bytes"), "validateOnly changes nothing");
    }

    @Test
    void alterConfigsRefusesRepeatsNullsBrokersAndBadValues() throws Exception {
        List<AlterConfigsResourceResponse> twice = alter((short) 2, false,
                new Object[] {TOPIC, "t", "retention.ms", "1000"}, new Object[] {BROKER, "1"},
                new Object[] {TOPIC, "t", "retention.ms", "2000"});
        assertEquals(List.of(Errors.INVALID_REQUEST.code(), Errors.NONE.code(), Errors.INVALID_REQUEST.code()),
                twice.stream().map(AlterConfigsResourceResponse::errorCode).toList());
        assertEquals("604800000", topicValue("retention.ms"));

        List<Object[]> cases = List.of(
                new Object[] {Errors.INVALID_REQUEST, TOPIC, "t", "retention.ms", "1", "retention.ms", "2"},
                new Object[] {Errors.INVALID_REQUEST, TOPIC, "t", "retention.ms", null},
                new Object[] {Errors.INVALID_CONFIG, TOPIC, "t", "retention.ms", "soon"},
                new Object[] {Errors.INVALID_CONFIG, TOPIC, "t", "message.format.version", "3.0"},
                new Object[] {Errors.UNKNOWN_TOPIC_OR_PARTITION, TOPIC, "missing", "retention.ms", "1"},
                new Object[] {Errors.INVALID_REQUEST, BROKER, "1", "log.dirs", "/elsewhere"},
                new Object[] {Errors.INVALID_CONFIG, BROKER, "1", "message.max.bytes", "many"},
                new Object[] {Errors.INVALID_REQUEST, BROKER, "7"},
                new Object[] {Errors.INVALID_REQUEST, BROKER_LOGGER, "1", "root", "DEBUG"});
        for (Object[] c : cases) {
            Object[] resource = Arrays.copyOfRange(c, 1, c.length);
            AlterConfigsResourceResponse r = alter((short) 2, false, resource).get(0);
            assertEquals(((Errors) c[0]).code(), r.errorCode(), Arrays.toString(c) + ": " + r.errorMessage());
        }
    }

    @Test
    void everyIncrementalVersionAppliesOperationsAndRefusesRepeats() throws Exception {
        for (short v = 0; v <= 1; v++) {
            IncrementalAlterConfigsRequestData req = new IncrementalAlterConfigsRequestData();
            req.resources().add(incResource(TOPIC, "t", "retention.ms", OpType.SET, Long.toString(5000 + v),
                    "cleanup.policy", OpType.APPEND, "compact"));
            assertEquals(Errors.NONE.code(), incremental(v, req).get(0).errorCode(), "v" + v);
            assertEquals(Long.toString(5000 + v), topicValue("retention.ms"));
            assertEquals("delete,compact", topicValue("cleanup.policy"));
        }

        IncrementalAlterConfigsRequestData twice = new IncrementalAlterConfigsRequestData();
        twice.resources().add(incResource(TOPIC, "t", "retention.ms", OpType.SET, "1"));
        twice.resources().add(incResource(TOPIC, "t", "retention.ms", OpType.SET, "2"));
        assertEquals(List.of(Errors.INVALID_REQUEST.code(), Errors.INVALID_REQUEST.code()), incremental((short) 1,
                twice).stream().map(IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse::errorCode)
                .toList());

        List<Object[]> cases = List.of(
                new Object[] {Errors.INVALID_REQUEST, TOPIC, "t", "retention.ms", OpType.SET, "1",
                        "retention.ms", OpType.DELETE, null},
                new Object[] {Errors.INVALID_REQUEST, TOPIC, "t", "retention.ms", OpType.SET, null},
                new Object[] {Errors.INVALID_CONFIG, TOPIC, "t", "retention.ms", OpType.SUBTRACT, "1"},
                new Object[] {Errors.INVALID_CONFIG, TOPIC, "t", "cleanup.policy", OpType.APPEND, "shred"},
                new Object[] {Errors.INVALID_REQUEST, BROKER, "1", "log.dirs", OpType.SET, "/elsewhere"},
                new Object[] {Errors.INVALID_CONFIG, BROKER, "1", "message.max.bytes", OpType.SET, "many"},
                new Object[] {Errors.INVALID_REQUEST, BROKER, "7", "message.max.bytes", OpType.DELETE, null},
                new Object[] {Errors.INVALID_REQUEST, BROKER_LOGGER, "1", "root", OpType.SET, "DEBUG"});
        for (Object[] c : cases) {
            IncrementalAlterConfigsRequestData req = new IncrementalAlterConfigsRequestData();
            req.resources().add(incResource((Byte) c[1], (String) c[2], Arrays.copyOfRange(c, 3, c.length)));
            IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse r = incremental((short) 1, req).get(0);
            assertEquals(((Errors) c[0]).code(), r.errorCode(), Arrays.toString(c) + ": " + r.errorMessage());
        }
        assertEquals("5001", topicValue("retention.ms"), "no refused change changed anything");
    }
}
