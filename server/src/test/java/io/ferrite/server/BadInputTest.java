package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage on the wire: each bad connection is answered or closed, other clients keep being served, and
 * memory (heap and Netty's direct buffers) does not grow with the number of bad connections.
 */
@Timeout(180)
class BadInputTest {
    /** APIs whose random bodies cannot change broker state (no topic creation: auto-create is off). */
    private static final List<ApiKeys> FUZZED = List.of(ApiKeys.API_VERSIONS, ApiKeys.METADATA, ApiKeys.PRODUCE,
            ApiKeys.FETCH, ApiKeys.LIST_OFFSETS, ApiKeys.OFFSET_FOR_LEADER_EPOCH, ApiKeys.INIT_PRODUCER_ID);

    @TempDir
    Path dir;
    private Broker broker;

    @BeforeEach
    void start() throws Exception {
        broker = Wire.startBroker(dir, Map.of("auto.create.topics.enable", "false",
                "socket.request.max.bytes", "1048576"));
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    /** Sends the bytes, then reads until the broker closes the connection or stays silent for a moment. */
    private void sendAndDrain(byte[] bytes, boolean halfClose) throws IOException {
        try (Socket s = Wire.connect(broker.port())) {
            s.setSoTimeout(300);
            OutputStream out = s.getOutputStream();
            try {
                out.write(bytes);
                out.flush();
                if (halfClose) {
                    s.shutdownOutput(); // a frame cut short: the rest never comes
                }
            } catch (SocketException e) {
                return; // closed on us mid-write: that is an answer too
            }
            InputStream in = s.getInputStream();
            byte[] sink = new byte[8192];
            try {
                while (in.read(sink) >= 0) {
                    // answered; keep reading until closed or quiet
                }
            } catch (SocketTimeoutException | SocketException e) {
                // quiet or reset: either way the broker has dealt with it
            }
        }
    }

    private static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    /** A correct header for a supported API and version, then a random body of a size that matches the frame. */
    private static byte[] headerThenGarbage(Random r) {
        ApiKeys api = FUZZED.get(r.nextInt(FUZZED.size()));
        short version = (short) (api.oldestVersion() + r.nextInt(api.latestVersion() - api.oldestVersion() + 1));
        RequestHeaderData h = new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version)
                .setCorrelationId(r.nextInt()).setClientId("fuzz");
        ByteBuffer header = Wire.bytes(h, api.messageType.requestHeaderVersion(version));
        byte[] body = randomBytes(r, r.nextInt(512));
        ByteBuffer out = ByteBuffer.allocate(4 + header.remaining() + body.length);
        out.putInt(header.remaining() + body.length).put(header).put(body);
        return out.array();
    }

    private void oneRound(Random r, int connections) throws IOException {
        for (int i = 0; i < connections; i++) {
            switch (i % 6) {
                case 0 -> sendAndDrain(randomBytes(r, 1 + r.nextInt(4096)), false); // pure noise
                case 1 -> sendAndDrain(ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array(), false);
                case 2 -> sendAndDrain(ByteBuffer.allocate(4).putInt(-5).array(), false);
                case 3 -> { // declares 64 KiB, sends a little, gives up
                    ByteBuffer b = ByteBuffer.allocate(4 + 100).putInt(65536);
                    b.put(randomBytes(r, 100));
                    sendAndDrain(b.array(), true);
                }
                case 4 -> { // an API key nobody has
                    RequestHeaderData h = new RequestHeaderData().setRequestApiKey((short) 9999)
                            .setRequestApiVersion((short) 0).setCorrelationId(1).setClientId("x");
                    ByteBuffer header = Wire.bytes(h, (short) 1);
                    ByteBuffer b = ByteBuffer.allocate(4 + header.remaining()).putInt(header.remaining()).put(header);
                    sendAndDrain(b.array(), false);
                }
                default -> sendAndDrain(headerThenGarbage(r), false);
            }
        }
    }

    private void assertStillServing() throws IOException {
        try (Socket s = Wire.connect(broker.port())) {
            s.getOutputStream().write(Wire.frame(ApiKeys.API_VERSIONS, (short) 3, 42, new ApiVersionsRequestData()));
            ByteBuffer f = Wire.readFrame(s);
            assertEquals(42, f.getInt(0));
            assertEquals(0, new ApiVersionsResponseData(new org.apache.kafka.common.protocol.ByteBufferAccessor(
                    f.position(4)), (short) 3).errorCode());
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void garbageIsRefusedOtherClientsAreServedAndMemoryStaysFlat() throws Exception {
        Random r = new Random(20261122);
        oneRound(r, 300); // warms pools and JIT
        assertStillServing();
        long heapBefore = usedHeapAfterGc();
        long directBefore = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        for (int round = 0; round < 4; round++) {
            oneRound(r, 300);
            assertStillServing();
        }
        long heapGrowth = usedHeapAfterGc() - heapBefore;
        long directGrowth = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory() - directBefore;
        assertTrue(heapGrowth < 24 << 20, "heap grew by " + heapGrowth + " bytes over 1,200 bad connections");
        assertTrue(directGrowth <= 16 << 20, "Netty direct memory grew by " + directGrowth + " bytes");
    }
}
