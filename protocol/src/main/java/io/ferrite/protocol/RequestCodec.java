package io.ferrite.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageSizeAccumulator;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Request and response bodies through kafka-clients' generated message classes: never a hand-written
 * parser. Decoding reads the header at the version its API and version call for, then the body. Bytes
 * after the body are skipped, as Kafka skips them: some clients send them (librdkafka 2.12 puts three
 * after a Metadata v13 body), and they can do no harm, since the frame was bounded before it was read.
 * Encoding sizes header and body first, then writes both into one buffer of exactly that size, sharing
 * one serialization cache between the two passes.
 */
public final class RequestCodec {
    private static final Logger LOG = LogManager.getLogger(RequestCodec.class);

    private RequestCodec() {
    }

    /**
     * A decoded request; {@code body} may hold views of {@code frame}, which the caller keeps retained.
     * {@code clientHost} is the peer's address as Kafka shows it ("/127.0.0.1"), or "" when not known.
     */
    public record DecodedRequest(RequestHeaderData header, ApiKeys apiKey, short headerVersion, ApiMessage body,
                                 String clientHost) {
        public DecodedRequest withClientHost(String host) {
            return new DecodedRequest(header, apiKey, headerVersion, body, host);
        }

        public String clientId() {
            return header.clientId() == null ? "" : header.clientId();
        }

        public short apiVersion() {
            return header.requestApiVersion();
        }

        public int correlationId() {
            return header.correlationId();
        }
    }

    /**
     * Decodes one frame (without its size prefix).
     *
     * @throws InvalidRequestException for an unknown API key, a version outside what kafka-clients can parse,
     *                                 or a malformed or truncated header or body
     */
    public static DecodedRequest decode(ByteBuf frame) {
        if (frame.readableBytes() < 4) {
            throw new InvalidRequestException("frame of " + frame.readableBytes() + " bytes has no request header");
        }
        short key = frame.getShort(frame.readerIndex());
        short version = frame.getShort(frame.readerIndex() + 2);
        if (!ApiKeys.hasId(key)) {
            throw new InvalidRequestException("unknown API key " + key);
        }
        ApiKeys api = ApiKeys.forId(key);
        ApiMessageType type = api.messageType;
        if (version < type.lowestSupportedVersion() || version > type.highestSupportedVersion(true)) {
            throw new InvalidRequestException(api + " version " + version + " is outside ["
                    + type.lowestSupportedVersion() + ", " + type.highestSupportedVersion(true) + "]");
        }
        ByteBufAccessor in = new ByteBufAccessor(frame);
        short headerVersion = type.requestHeaderVersion(version);
        try {
            RequestHeaderData header = new RequestHeaderData();
            header.read(in, headerVersion);
            ApiMessage body = type.newRequest();
            body.read(in, version);
            if (frame.isReadable()) {
                LOG.debug("{} v{} request from client {} has {} bytes after its body; skipped", api, version,
                        header.clientId(), frame.readableBytes());
                frame.skipBytes(frame.readableBytes());
            }
            return new DecodedRequest(header, api, headerVersion, body, "");
        } catch (InvalidRequestException e) {
            throw e;
        } catch (RuntimeException e) { // the generated readers throw plain runtime exceptions on bad input
            throw new InvalidRequestException("malformed " + api + " v" + version + " request: " + e, e);
        }
    }

    /**
     * The response Kafka gives a request whose handling failed with {@code cause}: kafka-clients' own
     * {@code getErrorResponse} for the API, which maps an {@code ApiException} to its code and anything else to
     * UNKNOWN_SERVER_ERROR, and names every topic, partition or resource the request did. Null for a request
     * that gets no response. kafka-clients' request classes re-read the body from a copy written here, with
     * any produce records left out: they may be views of a frame already released, and no error needs them.
     */
    public static ApiMessage errorResponse(DecodedRequest request, Throwable cause) {
        ApiMessage body = request.body();
        if (body instanceof ProduceRequestData produce) {
            body = withoutRecords(produce);
        }
        ByteBuffer written = MessageUtil.toByteBufferAccessor(body, request.apiVersion()).buffer();
        if (written.position() != 0) {
            written.flip(); // still in writing position: read what was written
        }
        AbstractRequest parsed = AbstractRequest.parseRequest(request.apiKey(), request.apiVersion(),
                new ByteBufferAccessor(written)).request;
        AbstractResponse response = parsed.getErrorResponse(0, cause);
        return response == null ? null : response.data();
    }

    /** A copy of a produce request with no records in its partitions, which stay named. */
    private static ProduceRequestData withoutRecords(ProduceRequestData produce) {
        ProduceRequestData bare = new ProduceRequestData().setAcks(produce.acks()).setTimeoutMs(produce.timeoutMs())
                .setTransactionalId(produce.transactionalId());
        for (ProduceRequestData.TopicProduceData t : produce.topicData()) {
            ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName(t.name())
                    .setTopicId(t.topicId());
            t.partitionData().forEach(p -> topic.partitionData().add(new ProduceRequestData.PartitionProduceData()
                    .setIndex(p.index()).setRecords(MemoryRecords.EMPTY)));
            bare.topicData().add(topic);
        }
        return bare;
    }

    /** Encodes a response frame, size prefix included, for a request of {@code apiKey} at {@code version}. */
    public static ByteBuf encodeResponse(ByteBufAllocator alloc, ApiKeys apiKey, short version, int correlationId,
                                         ApiMessage body) {
        short headerVersion = apiKey.messageType.responseHeaderVersion(version);
        ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
        ObjectSerializationCache cache = new ObjectSerializationCache();
        MessageSizeAccumulator size = new MessageSizeAccumulator();
        header.addSize(size, cache, headerVersion);
        body.addSize(size, cache, version);
        int total = size.totalSize();
        // Held record batches are gathered as views, so the buffer needs room only for the rest.
        GatheringWriter w = new GatheringWriter(alloc, alloc.buffer(4 + total - HeldRecords.heldBytes(body)));
        try {
            w.writeInt(total);
            header.write(w, cache, headerVersion);
            body.write(w, cache, version);
            ByteBuf out = w.finish();
            if (out.readableBytes() != 4 + total) {
                throw new IllegalStateException(apiKey + " v" + version + " response sized " + total
                        + " bytes but wrote " + (out.readableBytes() - 4));
            }
            return out;
        } catch (RuntimeException e) {
            w.discard();
            HeldRecords.releaseAll(body);
            throw e;
        }
    }
}
