package io.ferrite.server.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.protocol.RequestBudget;
import io.ferrite.server.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** The dispatcher on an in-memory channel: what a failed handler, a failed acks=0 produce and extra bytes get. */
class RequestDispatcherTest {

    private static ByteBuf frame(ApiKeys api, short version, int correlationId, ApiMessage body, int extraBytes) {
        byte[] framed = Wire.frame(api, version, correlationId, body);
        // Wire.frame includes the size prefix; the dispatcher sees frames after the frame decoder took it off.
        return Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(framed, 4, framed.length - 4),
                Unpooled.wrappedBuffer(new byte[extraBytes]));
    }

    /** The next response written: its correlation id and body. */
    private static <T extends ApiMessage> T response(EmbeddedChannel ch, ApiKeys api, short version,
                                                     int correlationId, T body) {
        ByteBuf out = ch.readOutbound();
        try {
            assertEquals(out.readableBytes() - 4, out.readInt(), "size prefix");
            ByteBufferAccessor in = new ByteBufferAccessor(out.nioBuffer());
            ResponseHeaderData header = new ResponseHeaderData(in, api.messageType.responseHeaderVersion(version));
            assertEquals(correlationId, header.correlationId());
            body.read(in, version);
            return body;
        } finally {
            out.release();
        }
    }

    private static MetadataRequestData metadataFor(String... topics) {
        MetadataRequestData m = new MetadataRequestData();
        for (String t : topics) {
            m.topics().add(new MetadataRequestTopic().setName(t));
        }
        return m;
    }

    private static RequestDispatcher dispatcher(ApiRegistry apis) {
        return new RequestDispatcher(apis, RequestBudget.UNBOUNDED);
    }

    @Test
    void aFailedHandlerIsAnsweredWithKafkasErrorResponseAndTheConnectionStaysOpen() {
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<ApiMessage> later = new CompletableFuture<>();
        EmbeddedChannel ch = new EmbeddedChannel(dispatcher(new ApiRegistry()
                .register(ApiKeys.METADATA, 0, 13, (c, r) -> {
                    if (calls.incrementAndGet() == 1) {
                        throw new IllegalStateException("a bug");
                    }
                    return CompletableFuture.completedFuture(new MetadataResponseData().setClusterId("c"));
                })
                .register(ApiKeys.LIST_OFFSETS, 1, 11, (c, r) -> later)));

        // A pending ListOffsets first, so the failed Metadata must wait its turn; then it fails with an ApiException.
        ListOffsetsRequestData listOffsets = new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(
                new ListOffsetsTopic().setName("t").setPartitions(List.of(
                        new ListOffsetsPartition().setPartitionIndex(3).setTimestamp(-1)))));
        ch.writeInbound(frame(ApiKeys.LIST_OFFSETS, (short) 9, 1, listOffsets, 0));
        ch.writeInbound(frame(ApiKeys.METADATA, (short) 12, 2, metadataFor("a", "b"), 0));
        assertNull(ch.readOutbound(), "nothing may overtake the pending ListOffsets");
        later.completeExceptionally(new NotLeaderOrFollowerException("moved"));
        ch.runPendingTasks();

        ListOffsetsResponseData lo = response(ch, ApiKeys.LIST_OFFSETS, (short) 9, 1, new ListOffsetsResponseData());
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(),
                lo.topics().get(0).partitions().get(0).errorCode(), "an ApiException keeps its own code");
        assertEquals(3, lo.topics().get(0).partitions().get(0).partitionIndex());
        MetadataResponseData md = response(ch, ApiKeys.METADATA, (short) 12, 2, new MetadataResponseData());
        assertEquals(2, md.topics().size(), "every topic asked for is named");
        md.topics().forEach(t -> assertEquals(Errors.UNKNOWN_SERVER_ERROR.code(), t.errorCode(), t.name()));

        assertTrue(ch.isActive(), "the connection stays open");
        ch.writeInbound(frame(ApiKeys.METADATA, (short) 12, 3, metadataFor(), 0));
        assertEquals("c", response(ch, ApiKeys.METADATA, (short) 12, 3, new MetadataResponseData()).clusterId());
        ch.finishAndReleaseAll();
    }

    @Test
    void aFailedProduceWithAcksZeroClosesTheConnection() {
        EmbeddedChannel ch = new EmbeddedChannel(dispatcher(new ApiRegistry().register(ApiKeys.PRODUCE,
                3, 13, (c, r) -> CompletableFuture.failedFuture(new CloseConnection("acks=0 failed")))));
        ch.writeInbound(frame(ApiKeys.PRODUCE, (short) 9, 1, new ProduceRequestData().setAcks((short) 0), 0));
        ch.runPendingTasks();
        assertNull(ch.readOutbound(), "acks=0 has no response");
        assertFalse(ch.isActive(), "closed, as Kafka closes it");
    }

    @Test
    void bytesAfterARequestBodyAreSkippedAndTheRequestAnswered() {
        EmbeddedChannel ch = new EmbeddedChannel(dispatcher(new ApiRegistry().register(ApiKeys.METADATA,
                0, 13, (RequestContext c, MetadataRequestData r) -> CompletableFuture.completedFuture(
                        new MetadataResponseData().setClusterId(r.topics().get(0).name())))));
        // librdkafka 2.12's first request: Metadata v13 with three bytes after the body.
        ch.writeInbound(frame(ApiKeys.METADATA, (short) 13, 7, metadataFor("orders"), 3));
        assertEquals("orders", response(ch, ApiKeys.METADATA, (short) 13, 7, new MetadataResponseData()).clusterId());
        assertTrue(ch.isActive());
        ch.finishAndReleaseAll();
    }

    /**
     * Every path a request can take gives its bytes back to the budget exactly once: answered, answered after
     * its connection closed, pending when it closed, and read after a request that closed it.
     */
    @Test
    void everyRequestGivesItsBytesBackToTheBudgetOnce() {
        RequestBudget budget = new RequestBudget(1 << 20);
        CompletableFuture<ApiMessage> later = new CompletableFuture<>();
        ApiRegistry apis = new ApiRegistry()
                .register(ApiKeys.METADATA, 0, 13, (c, r) -> CompletableFuture.completedFuture(
                        new MetadataResponseData().setClusterId("c")))
                .register(ApiKeys.LIST_OFFSETS, 1, 11, (c, r) -> later);
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDispatcher(apis, budget));
        ByteBuf answered = frame(ApiKeys.METADATA, (short) 12, 1, metadataFor("a"), 0);
        ByteBuf pending = frame(ApiKeys.LIST_OFFSETS, (short) 9, 2, new ListOffsetsRequestData().setReplicaId(-1), 0);
        ByteBuf unknown = frame(ApiKeys.METADATA, (short) 99, 3, metadataFor(), 0);
        ByteBuf afterClose = frame(ApiKeys.METADATA, (short) 12, 4, metadataFor(), 0);
        int taken = answered.readableBytes() + pending.readableBytes() + unknown.readableBytes()
                + afterClose.readableBytes();
        assertTrue(budget.tryTake(taken)); // as the frame decoder takes each frame's size
        ch.writeInbound(answered);
        ((ByteBuf) ch.readOutbound()).release();
        ch.writeInbound(pending);
        // An unsupported version closes the connection; the next frame came in the same read.
        ch.writeInbound(unknown, afterClose);
        later.complete(new ListOffsetsResponseData());
        ch.runPendingTasks();
        ch.finishAndReleaseAll();
        assertEquals(budget.total(), budget.available());
    }

    /**
     * Fetches still waiting when their connection closes are cancelled: each gives its bytes back once, and a
     * cancelled fetch is not logged as a failed request or answered.
     */
    @Test
    void waitingFetchesOfAClosedConnectionGiveTheirBytesBackOnce() {
        RequestBudget budget = new RequestBudget(1 << 20);
        List<CompletableFuture<ApiMessage>> waiting = new java.util.ArrayList<>();
        ApiRegistry apis = new ApiRegistry().register(ApiKeys.FETCH, 4, 17, (c, r) -> {
            CompletableFuture<ApiMessage> f = new CompletableFuture<>();
            waiting.add(f);
            return f;
        });
        EmbeddedChannel ch = new EmbeddedChannel(new RequestDispatcher(apis, budget));
        int taken = 0;
        for (int i = 0; i < 3; i++) {
            ByteBuf fetch = frame(ApiKeys.FETCH, (short) 12, i,
                    new org.apache.kafka.common.message.FetchRequestData().setReplicaId(-1), 0);
            taken += fetch.readableBytes();
            assertTrue(budget.tryTake(fetch.readableBytes()));
            ch.writeInbound(fetch);
        }
        assertEquals(3, waiting.size());
        ch.close();
        ch.runPendingTasks();
        assertTrue(waiting.stream().allMatch(CompletableFuture::isCancelled));
        assertNull(ch.readOutbound());
        assertEquals(budget.total(), budget.available(), "given back " + taken + " bytes once each");
        ch.finishAndReleaseAll();
    }

    @Test
    void aClientNotTakingItsAnswersStopsBeingReadUntilItDoes() {
        EmbeddedChannel ch = new EmbeddedChannel(dispatcher(new ApiRegistry()));
        assertTrue(ch.config().isAutoRead());
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false); // as answers past the high-water mark do
        ch.runPendingTasks();
        assertFalse(ch.config().isAutoRead());
        ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        ch.runPendingTasks();
        assertTrue(ch.config().isAutoRead());
        ch.finishAndReleaseAll();
    }
}
