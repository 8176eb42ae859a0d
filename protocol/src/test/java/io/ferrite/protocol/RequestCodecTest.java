package io.ferrite.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.MessageUtil;
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

    @Test
    void bytesAfterTheBodyAreRefused() {
        ApiKeys api = ApiKeys.METADATA;
        ByteBuf frame = Unpooled.wrappedBuffer(requestFrame(api, (short) 12, api.messageType.newRequest()),
                Unpooled.wrappedBuffer(new byte[] {0}));
        assertThrows(InvalidRequestException.class, () -> RequestCodec.decode(frame));
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
