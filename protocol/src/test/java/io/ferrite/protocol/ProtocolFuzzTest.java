package io.ferrite.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.record.TimestampType;

/**
 * Fuzzing of what a client's bytes reach first: the frame decoder, request decoding and produce-batch
 * validation. Each may refuse its input only in its own way (closing the connection, InvalidRequestException,
 * InvalidBatchException); any other exception, or request budget not given back, is a finding.
 *
 * <p>One fuzz test feeds all three (the first byte picks which), since Jazzer fuzzes one test per run. In a
 * normal build it runs its kept inputs ({@code ProtocolFuzzTestInputs/}, findings included) as regression
 * cases; the build's {@code fuzz} execution fuzzes it for a fixed time with {@code JAZZER_FUZZ=1}.
 */
class ProtocolFuzzTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final BatchValidator.Rules RULES = new BatchValidator.Rules(1 << 20, TimestampType.CREATE_TIME,
            Long.MAX_VALUE, Long.MAX_VALUE, true, 1 << 20);

    @FuzzTest(maxDuration = "60s")
    void decodeAnything(FuzzedDataProvider data) {
        switch (data.consumeInt(0, 2)) {
            case 0 -> frames(data);
            case 1 -> request(data.consumeRemainingAsBytes());
            default -> batch(data.consumeRemainingAsBytes());
        }
    }

    /** Bytes cut into reads at fuzzed points; every frame's size goes back to the budget once taken. */
    private static void frames(FuzzedDataProvider data) {
        RequestBudget budget = new RequestBudget(data.consumeInt(1, 4096));
        EmbeddedChannel ch = new EmbeddedChannel(new KafkaFrameDecoder(1024, budget),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf frame = (ByteBuf) msg;
                        budget.giveBack(frame.readableBytes()); // answered at once
                        frame.release();
                    }
                });
        while (data.remainingBytes() > 0 && ch.isOpen()) {
            ch.writeInbound(Unpooled.wrappedBuffer(data.consumeBytes(data.consumeInt(1, 64))));
            ch.runPendingTasks();
        }
        ch.finishAndReleaseAll();
        assertEquals(budget.total(), budget.available(), "request budget not given back");
    }

    private static void request(byte[] bytes) {
        try {
            RequestCodec.decode(Unpooled.wrappedBuffer(bytes));
        } catch (InvalidRequestException e) {
            // refused, as a malformed request must be
        }
    }

    private static void batch(byte[] bytes) {
        try {
            BatchValidator.validate(ByteBuffer.wrap(bytes), RULES, NOW);
        } catch (BatchValidator.InvalidBatchException e) {
            // refused, with a Kafka error
        }
    }
}
