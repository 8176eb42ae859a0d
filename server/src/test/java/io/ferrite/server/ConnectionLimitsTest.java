package io.ferrite.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's connection limits on real sockets, in the manner of Kafka's SocketServerTest: each limit is met,
 * the broker refuses or waits as Kafka does, and goes on serving once the cause is gone.
 */
@Timeout(60)
class ConnectionLimitsTest {
    private static final short API_VERSIONS_V3 = 3;

    @TempDir
    Path dir;
    private Broker broker;
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private Socket connect() throws IOException {
        Socket s = Wire.connect(broker.port());
        sockets.add(s);
        return s;
    }

    private static void ask(Socket s, int correlationId) throws IOException {
        s.getOutputStream().write(Wire.frame(ApiKeys.API_VERSIONS, API_VERSIONS_V3, correlationId,
                new ApiVersionsRequestData().setClientSoftwareName("test").setClientSoftwareVersion("1")));
    }

    /** An ApiVersions exchange on {@code s}, answered within the socket's timeout. */
    private static void answered(Socket s, int correlationId) throws IOException {
        ask(s, correlationId);
        ApiVersionsResponseData r = new ApiVersionsResponseData(
                Wire.receive(s, ApiKeys.API_VERSIONS, API_VERSIONS_V3, correlationId), API_VERSIONS_V3);
        assertEquals(Errors.NONE.code(), r.errorCode());
    }

    /** The broker closed {@code s}: a read sees the end of the stream (or a reset). */
    private static void closedByBroker(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        try {
            assertEquals(-1, in.read());
        } catch (java.net.SocketException reset) {
            // a reset is a close too
        }
    }

    @Test
    void aConnectionPastMaxConnectionsPerIpIsClosedAndAnOverrideRaisesIt() throws Exception {
        broker = Wire.startBroker(dir, Map.of("max.connections.per.ip", "2"));
        Socket a = connect();
        Socket b = connect();
        answered(a, 1);
        answered(b, 1);
        closedByBroker(connect());
        b.close();
        Thread.sleep(200); // the close reaches the acceptor's count
        answered(connect(), 2);
        broker.close();

        broker = Wire.startBroker(dir, Map.of("max.connections.per.ip", "1",
                "max.connections.per.ip.overrides", "127.0.0.1:3"));
        for (int i = 0; i < 3; i++) {
            answered(connect(), i);
        }
        closedByBroker(connect());
    }

    @Test
    void atMaxConnectionsTheBrokerStopsAcceptingUntilOneCloses() throws Exception {
        broker = Wire.startBroker(dir, Map.of("max.connections", "2"));
        Socket a = connect();
        answered(a, 1);
        answered(connect(), 1);
        Socket waiting = connect(); // taken by the kernel's backlog, not by the broker
        waiting.setSoTimeout(1000);
        ask(waiting, 7);
        assertThrows(SocketTimeoutException.class, () -> waiting.getInputStream().read());
        a.close();
        waiting.setSoTimeout(10_000);
        Wire.receive(waiting, ApiKeys.API_VERSIONS, API_VERSIONS_V3, 7); // accepted now, and answered
    }

    @Test
    void anIdleConnectionIsClosedAfterConnectionsMaxIdleMs() throws Exception {
        broker = Wire.startBroker(dir, Map.of("connections.max.idle.ms", "300"));
        Socket s = connect();
        answered(s, 1);
        long start = System.nanoTime();
        closedByBroker(s);
        assertTrue(System.nanoTime() - start >= 200_000_000L, "closed only once idle");
    }

    @Test
    void aPartialFrameHoldsTheRequestBudgetAndOthersWaitUntilItGoes() throws Exception {
        int max = 1 << 20;
        broker = Wire.startBroker(dir, Map.of("socket.request.max.bytes", Integer.toString(max),
                "queued.max.request.bytes", Integer.toString(max)));
        Socket hog = connect();
        // A frame as large as the whole budget, of which only the size and a few bytes ever come.
        hog.getOutputStream().write(ByteBuffer.allocate(4 + 10).putInt(max).array());
        Thread.sleep(200);
        Socket other = connect();
        other.setSoTimeout(1000);
        ask(other, 3);
        assertThrows(SocketTimeoutException.class, () -> other.getInputStream().read(),
                "nothing is read while the budget is spent");
        hog.close(); // its partial frame goes, and its bytes back to the budget
        other.setSoTimeout(10_000);
        Wire.receive(other, ApiKeys.API_VERSIONS, API_VERSIONS_V3, 3);
        answered(connect(), 4);
    }
}
