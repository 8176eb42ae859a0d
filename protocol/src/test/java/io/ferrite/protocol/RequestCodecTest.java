package io.ferrite.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every API at every version kafka-clients knows, checked against kafka-clients' own serialization. */
class RequestCodecTest {

    static Stream<Arguments> everyApiAndVersion() {
        List<Arguments> out = new ArrayList<>();
        for (ApiKeys api : ApiKeys.values()) {
            ApiMessageType t = api.messageType;
            for (short v = t.lowestSupportedVersion(); v <= t.highestSupportedVersion(true); v++) {
                out.add(Arguments.of(api, v));
            }
        }
        return out.stream();
    }

    private static ByteBuffer kafkaBytes(org.apache.kafka.common.protocol.Message m, short version) {
        ByteBuffer b = MessageUtil.toByteBufferAccessor(m, version).buffer().duplicate();
        return b.position() == 0 ? b : b.flip(); // written and ready to read either way
    }

    private static ByteBuf requestFrame(ApiKeys api, short version, ApiMessage body) {
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version)
                .setCorrelationId(42).setClientId("client-1");
        short hv = api.messageType.requestHeaderVersion(version);
        return Unpooled.wrappedBuffer(kafkaBytes(header, hv), kafkaBytes(body, version));
    }

    @ParameterizedTest(name = "{0} v{1}")
    @MethodSource("everyApiAndVersion")
    void requestsKafkaWroteDecodeToEqualMessages(ApiKeys api, short version) {
        ApiMessage body = api.messageType.newRequest();
        RequestCodec.DecodedRequest r = RequestCodec.decode(requestFrame(api, version, body));
        assertEquals(api, r.apiKey());
        assertEquals(version, r.apiVersion());
        assertEquals(42, r.correlationId());
        assertEquals(body, r.body());
    }

    @ParameterizedTest(name = "{0} v{1}")
    @MethodSource("everyApiAndVersion")
    void responsesAreByteForByteWhatKafkaWrites(ApiKeys api, short version) {
        ApiMessage body = api.messageType.newResponse();
        ByteBuf ours = RequestCodec.encodeResponse(ByteBufAllocator.DEFAULT, api, version, 42, body);
        try {
            ByteBuf kafka = Unpooled.wrappedBuffer(
                    kafkaBytes(new ResponseHeaderData().setCorrelationId(42),
                            api.messageType.responseHeaderVersion(version)),
                    kafkaBytes(body, version));
            assertEquals(kafka.readableBytes(), ours.readInt(), "size prefix");
            byte[] expected = new byte[kafka.readableBytes()];
            kafka.readBytes(expected);
            byte[] actual = new byte[ours.readableBytes()];
            ours.readBytes(actual);
            assertArrayEquals(expected, actual);
        } finally {
            ours.release();
        }
    }

    @ParameterizedTest(name = "{0} v{1}")
    @MethodSource("everyApiAndVersion")
    void bytesAfterTheBodyAreSkippedAsKafkaSkipsThem(ApiKeys api, short version) {
        ApiMessage body = api.messageType.newRequest();
        ByteBuf frame = Unpooled.wrappedBuffer(requestFrame(api, version, body),
                Unpooled.wrappedBuffer(new byte[] {0, 1, 0}));
        RequestCodec.DecodedRequest r = RequestCodec.decode(frame);
        assertEquals(body, r.body());
        assertEquals(42, r.correlationId());
        assertEquals(0, frame.readableBytes());
    }

    @Test
    void librdkafkasMetadataV13WithThreeTrailingBytesDecodesToItsTopics() {
        ApiKeys api = ApiKeys.METADATA;
        MetadataRequestData body = new MetadataRequestData().setAllowAutoTopicCreation(true);
        body.topics().add(new MetadataRequestData.MetadataRequestTopic().setName("orders"));
        ByteBuf frame = Unpooled.wrappedBuffer(requestFrame(api, (short) 13, body),
                Unpooled.wrappedBuffer(new byte[] {0, 0, 0}));
        RequestCodec.DecodedRequest r = RequestCodec.decode(frame);
        assertEquals(body, r.body());
        assertEquals("orders", ((MetadataRequestData) r.body()).topics().get(0).name());
    }

    @ParameterizedTest(name = "{0} v{1}")
    @MethodSource("everyApiAndVersion")
    void everyRequestHasKafkasErrorResponseForAFailure(ApiKeys api, short version) {
        ApiMessage body = api.messageType.newRequest();
        if (body instanceof ProduceRequestData produce) {
            produce.setAcks((short) -1); // acks=0 has no response, error or not
        } else if (body instanceof DescribeAclsRequestData acls) {
            acls.setResourceTypeFilter((byte) 1).setPatternTypeFilter((byte) 1).setOperation((byte) 1)
                    .setPermissionType((byte) 1); // ANY for each: Kafka refuses to parse UNKNOWN filters
        }
        RequestCodec.DecodedRequest r = RequestCodec.decode(requestFrame(api, version, body));
        ApiMessage error = RequestCodec.errorResponse(r, new IllegalStateException("a bug"));
        assertEquals(api.messageType.newResponse().getClass(), error.getClass());
        RequestCodec.encodeResponse(ByteBufAllocator.DEFAULT, api, version, 42, error).release();
    }

    @Test
    void aProduceErrorResponseNamesEveryPartitionWithoutReadingTheRecords() {
        ProduceRequestData produce = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(1000);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName("t");
        for (int p = 0; p < 3; p++) {
            topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(p)
                    .setRecords(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes()))));
        }
        produce.topicData().add(topic);
        RequestCodec.DecodedRequest r = RequestCodec.decode(requestFrame(ApiKeys.PRODUCE, (short) 11, produce));
        ProduceResponseData error = (ProduceResponseData) RequestCodec.errorResponse(r,
                new org.apache.kafka.common.errors.NotLeaderOrFollowerException("moved"));
        List<Short> codes = new ArrayList<>();
        error.responses().forEach(t -> t.partitionResponses().forEach(p -> codes.add(p.errorCode())));
        assertEquals(List.of(Errors.NOT_LEADER_OR_FOLLOWER.code(), Errors.NOT_LEADER_OR_FOLLOWER.code(),
                Errors.NOT_LEADER_OR_FOLLOWER.code()), codes);
        assertNotNull(((ProduceRequestData) r.body()).topicData().iterator().next().partitionData().get(0).records(),
                "the decoded request keeps its records");
    }

    @Test
    void aTruncatedBodyIsRefused() {
        ByteBuf whole = requestFrame(ApiKeys.FETCH, (short) 12, ApiKeys.FETCH.messageType.newRequest());
        ByteBuf cut = whole.slice(0, whole.readableBytes() - 3);
        assertThrows(InvalidRequestException.class, () -> RequestCodec.decode(cut));
    }

    @Test
    void unknownKeysAndVersionsAreRefused() {
        assertThrows(InvalidRequestException.class,
                () -> RequestCodec.decode(Unpooled.buffer().writeShort(999).writeShort(0).writeInt(1)));
        assertThrows(InvalidRequestException.class,
                () -> RequestCodec.decode(Unpooled.buffer().writeShort(ApiKeys.METADATA.id).writeShort(99)
                        .writeInt(1)));
        assertThrows(InvalidRequestException.class, () -> RequestCodec.decode(Unpooled.buffer().writeShort(3)));
    }
}
