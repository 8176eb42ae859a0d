package io.ferrite.protocol;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.network.TransferableChannel;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.RecordsSend;

/**
 * Record batches that stay where the store keeps them (views of mapped files) until the response carrying
 * them has gone out. {@link RequestCodec#encodeResponse} gathers the views into the frame without copying
 * and hands the frame ownership; the frame's release runs {@code release}. A response that is never encoded
 * must be given to {@link #releaseAll}.
 */
public final class HeldRecords implements BaseRecords, AutoCloseable {
    private final List<ByteBuffer> batches;
    private final AutoCloseable release;
    private final int size;
    private final AtomicBoolean released = new AtomicBoolean();

    /** {@code batches}: whole batches in offset order, each read from position to limit. */
    public HeldRecords(List<ByteBuffer> batches, AutoCloseable release) {
        this.batches = List.copyOf(batches);
        this.release = release;
        int n = 0;
        for (ByteBuffer b : this.batches) {
            n += b.remaining();
        }
        this.size = n;
    }

    List<ByteBuffer> batches() {
        return batches;
    }

    @Override
    public int sizeInBytes() {
        return size;
    }

    /** Writes the views with gathering writes, for Kafka's own network layer; this broker's goes through Netty. */
    @Override
    public RecordsSend<HeldRecords> toSend() {
        return new RecordsSend<>(this, size) {
            @Override
            protected int writeTo(TransferableChannel channel, int previouslyWritten, int remaining)
                    throws IOException {
                ByteBuffer[] rest = new ByteBuffer[batches.size()];
                int skip = previouslyWritten;
                for (int i = 0; i < rest.length; i++) {
                    ByteBuffer b = batches.get(i).duplicate();
                    int drop = Math.min(skip, b.remaining());
                    b.position(b.position() + drop);
                    skip -= drop;
                    rest[i] = b;
                }
                return (int) channel.write(rest);
            }
        };
    }

    /** Lets the store's files go; idempotent. */
    @Override
    public void close() {
        if (released.compareAndSet(false, true)) {
            try {
                release.close();
            } catch (Exception e) {
                throw new IllegalStateException("releasing held records failed", e);
            }
        }
    }

    /** Releases whatever a response that will not be encoded still holds. */
    public static void releaseAll(ApiMessage body) {
        forEach(body, HeldRecords::close);
    }

    /** How many of the response's bytes are held batches. */
    static int heldBytes(ApiMessage body) {
        int[] n = {0};
        forEach(body, h -> n[0] += h.sizeInBytes());
        return n[0];
    }

    /** Only Fetch responses carry held batches. */
    private static void forEach(ApiMessage body, Consumer<HeldRecords> action) {
        if (body instanceof FetchResponseData fetch) {
            for (FetchResponseData.FetchableTopicResponse t : fetch.responses()) {
                for (FetchResponseData.PartitionData p : t.partitions()) {
                    if (p.records() instanceof HeldRecords h) {
                        action.accept(h);
                    }
                }
            }
        }
    }
}
