package io.ferrite.server.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.ferrite.server.metrics.PrometheusExport;
import io.ferrite.storage.StoreView;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The HTTP listener: {@code GET /metrics} (Prometheus text format) and {@code GET /health} (200 when the store
 * is open and every store service thread runs, 503 with the reason otherwise, for load balancers and
 * orchestrators). The JDK's HTTP server is enough for a scrape every few seconds and an operator's browser;
 * it runs on {@link #THREADS} threads named {@code ferrite-http-N}, owned here and stopped by {@link #close}, so
 * a slow scrape never touches the Kafka listeners' threads; the console's JSON (which may wait on the group
 * coordinator or read records) takes at most {@link #PAGE_PERMITS} of them at once (more get 503), so /health
 * answers while it works.
 */
public final class ManagementServer implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(ManagementServer.class);
    static final int THREADS = 6;
    /** Console pages served at once; the other threads stay free for /health and /metrics. */
    static final int PAGE_PERMITS = 4;

    private final HttpServer server;
    private final ExecutorService threads;

    private ManagementServer(HttpServer server, ExecutorService threads) {
        this.server = server;
        this.threads = threads;
    }

    /** Binds {@code address} and starts serving. */
    public static ManagementServer start(InetSocketAddress address, PrometheusExport prometheus,
                                         Supplier<StoreView> store) throws IOException {
        return start(address, prometheus, store, Map.of());
    }

    /** As above, serving also {@code pages} (the console's), by path prefix. */
    public static ManagementServer start(InetSocketAddress address, PrometheusExport prometheus,
                                         Supplier<StoreView> store, Map<String, HttpHandler> pages)
            throws IOException {
        HttpServer server = HttpServer.create(address, 0);
        AtomicInteger n = new AtomicInteger();
        ThreadFactory named = r -> {
            Thread t = new Thread(r, "ferrite-http-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        };
        ExecutorService threads = Executors.newFixedThreadPool(THREADS, named);
        server.setExecutor(threads);
        boolean loopback = address.getAddress() != null && address.getAddress().isLoopbackAddress();
        server.createContext("/metrics", exchange -> serve(exchange, loopback, () -> {
            // Rendered whole first, so a failure is a 500 rather than a 200 cut short.
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream(1 << 16);
            prometheus.write(body);
            exchange.getResponseHeaders().set("Content-Type", PrometheusExport.contentType());
            exchange.sendResponseHeaders(200, body.size());
            try (OutputStream out = exchange.getResponseBody()) {
                body.writeTo(out);
            }
        }));
        server.createContext("/health", exchange -> serve(exchange, loopback, () -> health(exchange, store.get())));
        java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(PAGE_PERMITS);
        pages.forEach((path, page) -> server.createContext(path, exchange -> serve(exchange, loopback,
                path.startsWith("/api"), () -> {
            if (!path.startsWith("/api")) { // a file from the jar: quick, and a page loads several at once
                page.handle(exchange);
                return;
            }
            if (!permits.tryAcquire()) {
                exchange.sendResponseHeaders(503, -1);
                return;
            }
            try {
                page.handle(exchange);
            } finally {
                permits.release();
            }
        })));
        server.start();
        LOG.info("HTTP listener on {}: /metrics, /health{}", server.getAddress(),
                pages.isEmpty() ? "" : " and the console at /");
        return new ManagementServer(server, threads);
    }

    private interface Handler {
        void handle() throws IOException;
    }

    /**
     * Only GET; a failure is logged and answered with 500 if nothing was sent yet. On a loopback address only
     * requests naming a loopback host are served: a web page cannot reach the console through a name of its own
     * that it rebinds to 127.0.0.1 (DNS rebinding).
     */
    private static void serve(HttpExchange exchange, boolean loopback, Handler handler) {
        serve(exchange, loopback, false, handler);
    }

    /** As above; {@code posts}: the path also takes POST (the console's changes). */
    private static void serve(HttpExchange exchange, boolean loopback, boolean posts, Handler handler) {
        try (exchange) {
            if (loopback && !loopbackHost(exchange.getRequestHeaders().getFirst("Host"))) {
                exchange.sendResponseHeaders(403, -1);
                return;
            }
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !(posts && method.equals("POST"))) {
                exchange.getResponseHeaders().set("Allow", posts ? "GET, POST" : "GET");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            handler.handle();
        } catch (IOException | RuntimeException e) {
            LOG.warn("HTTP {} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
            try {
                exchange.sendResponseHeaders(500, -1);
            } catch (IOException | RuntimeException ignored) { // headers were already sent: the client sees a cut body
            }
        }
    }

    /** {@code localhost}, a 127/8 address or {@code [::1]}, with or without a port; no Host header is HTTP/1.0. */
    static boolean loopbackHost(String host) {
        if (host == null) {
            return true;
        }
        String h = host.trim().toLowerCase(java.util.Locale.ROOT);
        if (h.startsWith("[")) {
            return h.startsWith("[::1]");
        }
        int colon = h.indexOf(':');
        if (colon >= 0) {
            h = h.substring(0, colon);
        }
        return h.equals("localhost") || h.matches("127(\\.\\d{1,3}){3}");
    }

    private static void health(HttpExchange exchange, StoreView view) throws IOException {
        StringBuilder down = new StringBuilder();
        if (view.failed()) {
            down.append("the store is offline; ");
        }
        for (StoreView.Service s : view.services()) {
            if (!s.running()) {
                down.append("store thread ").append(s.name()).append(" is not running; ");
            }
        }
        boolean ready = down.length() == 0;
        String body = ready ? "{\"status\":\"ready\"}\n"
                : "{\"status\":\"unavailable\",\"reason\":\"" + down.substring(0, down.length() - 2) + "\"}\n";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(ready ? 200 : 503, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** The bound port (the configured one, or the one taken for port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops accepting, gives exchanges under way a second, and stops the threads. */
    @Override
    public void close() {
        server.stop(1);
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
