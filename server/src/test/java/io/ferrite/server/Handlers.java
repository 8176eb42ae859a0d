package io.ferrite.server;

import io.ferrite.group.GroupCoordinator;
import io.ferrite.protocol.RequestCodec.DecodedRequest;
import io.ferrite.protocol.RequestCodec;
import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.metadata.DynamicBrokerConfigs;
import io.ferrite.server.security.ScramCredentials;
import io.ferrite.server.network.RequestContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.ferrite.storage.Store;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/**
 * The broker's APIs without a network: the same parts a broker runs ({@link BrokerParts}: store, registry,
 * coordinator, every API registered by its package), with requests handed straight to the API registry. Each
 * request goes through the codec as on the wire (framed by kafka-clients, decoded by {@link RequestCodec}) and
 * each response is encoded at the request's version and read back, so a field a version cannot carry fails
 * here as it would on a connection. A failed handler is answered with Kafka's error response, as the
 * dispatcher answers it. What only a connection does (answering in order, closing) is the wire tests' part.
 */
final class Handlers implements AutoCloseable {
    /** The port the broker advertises (FindCoordinator, Metadata): nothing listens on it. */
    static final int PORT = 9092;

    private final BrokerParts parts;

    private Handlers(BrokerParts parts) {
        this.parts = parts;
    }

    /** The broker's parts with data under {@code dir}, small files, and the given overrides. */
    static Handlers open(Path dir, Map<String, String> overrides) {
        return open(dir, overrides, Clock.systemUTC());
    }

    static Handlers open(Path dir, Map<String, String> overrides, Clock clock) {
        Map<String, String> props = new HashMap<>(Map.of("listeners", "PLAINTEXT://127.0.0.1:" + PORT,
                "log.dirs", dir.resolve("data").toString(), "store.commitlog.file.bytes", "1048576"));
        props.putAll(overrides);
        return new Handlers(BrokerParts.open(BrokerConfig.fromProperties(props), clock, listener -> PORT,
                DynamicBrokerConfigs.load(dir.resolve("data")), ScramCredentials.load(dir.resolve("data"))));
    }

    /** The registry the parts registered their APIs in. */
    io.ferrite.server.network.ApiRegistry registry() {
        return parts.apis;
    }

    /** Sends a request; the future completes with the response's accessor, left at its body. */
    CompletableFuture<ByteBufferAccessor> send(ApiKeys api, short version, ApiMessage body) {
        byte[] framed = Wire.frame(api, version, 7, body);
        ByteBuf frame = Unpooled.wrappedBuffer(framed, 4, framed.length - 4); // the size prefix, as the decoder takes it
        DecodedRequest request = RequestCodec.decode(frame).withClientHost("/127.0.0.1");
        CompletableFuture<? extends ApiMessage> response;
        try {
            response = parts.apis.handle(RequestContext.of(request), request.body());
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        return response.handle((r, e) -> r != null ? r : RequestCodec.errorResponse(request, unwrap(e)))
                .thenApply(r -> read(api, version, r));
    }

    /** One request and its response, waited for (at most 30 s). */
    ByteBufferAccessor exchange(ApiKeys api, short version, ApiMessage body) throws IOException {
        return await(send(api, version, body));
    }

    /** The response of a request sent earlier, waited for (at most 30 s). */
    static ByteBufferAccessor await(CompletableFuture<ByteBufferAccessor> response) throws IOException {
        try {
            return response.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException("the request failed", e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("no response in 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private static ByteBufferAccessor read(ApiKeys api, short version, ApiMessage response) {
        ByteBuf out = RequestCodec.encodeResponse(UnpooledByteBufAllocator.DEFAULT, api, version, 7, response);
        try {
            ByteBuffer bytes = ByteBuffer.allocate(out.readableBytes() - 4);
            out.skipBytes(4).readBytes(bytes);
            ByteBufferAccessor in = new ByteBufferAccessor(bytes.flip());
            new ResponseHeaderData(in, api.messageType.responseHeaderVersion(version));
            return in;
        } finally {
            out.release();
        }
    }

    /** Produces one record (acks=-1, produce v9) and returns the partition's error. */
    Errors produce(String topic, int partition, String value) throws IOException {
        ProduceRequestData req = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
        ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData().setName(topic);
        td.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(
                MemoryRecords.withRecords(Compression.NONE,
                        new SimpleRecord(value.getBytes(StandardCharsets.UTF_8)))));
        req.topicData().add(td);
        ProduceResponseData resp = new ProduceResponseData(exchange(ApiKeys.PRODUCE, (short) 9, req), (short) 9);
        return Errors.forCode(resp.responses().iterator().next().partitionResponses().get(0).errorCode());
    }

    /** How many topics the broker has. */
    int topicCount() {
        return parts.topics.all().size();
    }

    int port() {
        return PORT;
    }

    Store store() {
        return parts.store;
    }

    GroupCoordinator groupCoordinator() {
        return parts.groupCoordinator();
    }

    @Override
    public void close() {
        parts.close();
    }
}
