package io.ferrite.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.server.metrics.BrokerMetrics;
import io.ferrite.server.metrics.PrometheusExport;
import io.ferrite.storage.FlushMode;
import io.ferrite.storage.StoreView;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** /health follows the store: ready while it serves, 503 with the reason once it is offline or a thread stopped. */
class ManagementServerTest {
    private static StoreView view(boolean failed, boolean flushRunning) {
        return new StoreView(FlushMode.ASYNC, 100, 100, 100, 100, 1 << 20, List.of(), 2, 0, 0,
                List.of(new StoreView.Service("ferrite-flush", flushRunning),
                        new StoreView.Service("ferrite-allocate", true)), failed,
                new StoreView.Retention(-1, 0, 0));
    }

    /** The status line of a GET /health sent with {@code host} as its Host header, over a raw socket. */
    private static String statusLine(int port, String host) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(("GET /health HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    @Test
    void onlyLoopbackNamesReachALoopbackListener() {
        for (String ok : new String[] {"localhost", "localhost:9180", "127.0.0.1:9180", "127.1.2.3", "[::1]:9180",
                "LOCALHOST", null}) {
            assertTrue(ManagementServer.loopbackHost(ok), ok);
        }
        for (String bad : new String[] {"evil.example", "127.0.0.1.evil.example", "10.0.0.1:9180", "[::2]",
                "localhost.evil.example"}) {
            assertFalse(ManagementServer.loopbackHost(bad), bad);
        }
    }

    @Test
    void healthTellsWhyTheBrokerIsNotReady() throws Exception {
        AtomicReference<StoreView> now = new AtomicReference<>(view(false, true));
        HttpClient http = HttpClient.newHttpClient();
        try (BrokerMetrics metrics = new BrokerMetrics();
             ManagementServer server = ManagementServer.start(new InetSocketAddress("127.0.0.1", 0),
                     new PrometheusExport(metrics), now::get)) {
            URI health = URI.create("http://127.0.0.1:" + server.port() + "/health");
            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(health).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode());

            now.set(view(false, false));
            HttpResponse<String> stopped = http.send(HttpRequest.newBuilder(health).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, stopped.statusCode());
            assertTrue(stopped.body().contains("store thread ferrite-flush is not running"), stopped.body());

            now.set(view(true, true));
            HttpResponse<String> offline = http.send(HttpRequest.newBuilder(health).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, offline.statusCode());
            assertTrue(offline.body().contains("the store is offline"), offline.body());

            HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + server.port() + "/nothing")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, unknown.statusCode());

            // A page elsewhere that rebinds its own name to 127.0.0.1 sends that name as the Host: refused.
            assertEquals("HTTP/1.1 403 Forbidden", statusLine(server.port(), "evil.example:" + server.port()));
            assertTrue(statusLine(server.port(), "localhost:" + server.port()).startsWith("HTTP/1.1 503"),
                    "loopback names are served (the store is offline here)");
        }
    }
}
