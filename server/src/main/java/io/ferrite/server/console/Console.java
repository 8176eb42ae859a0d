package io.ferrite.server.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.ferrite.group.GroupCoordinator;
import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.config.Listener;
import io.ferrite.server.metadata.ClusterIdentity;
import io.ferrite.server.metadata.Topic;
import io.ferrite.server.metadata.TopicRegistry;
import io.ferrite.server.metrics.BrokerTopicMetrics;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreConfig;
import io.ferrite.storage.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/**
 * The web console: the page and its assets at {@code /} and {@code /assets/}, and its JSON under {@code /api/}:
 * <ul>
 *   <li>{@code overview}: version, cluster, uptime, counts and the throughput now; {@code throughput}: the last
 *       hour's, a point every ten seconds;</li>
 *   <li>{@code topics}, {@code topics/<name>} (partitions with offsets and sizes, configs set on it) and
 *       {@code topics/<name>/records?partition=P&offset=O|timestamp=T&limit=N};</li>
 *   <li>{@code groups}, {@code groups/<id>} (members, assignment, committed offsets and lag);</li>
 *   <li>{@code store}: the CommitLog's files and positions, the flush mode, the write-buffer pool, retention.</li>
 * </ul>
 * Besides reading, it creates topics and sets their configs ({@code POST topics}, {@code POST
 * topics/<name>/configs}), through the checks CreateTopics and IncrementalAlterConfigs make. The listener
 * authenticates nobody, so while an authorizer enforces ACLs it shows no topics, records or groups and changes
 * nothing (403): a broker that authorizes is changed by clients with a principal. Every answer is computed
 * when asked, on the HTTP listener's threads.
 */
public final class Console implements AutoCloseable {
    /** The page's files, by the path they are served at: nothing else on the classpath is reachable. */
    private static final Map<String, String[]> ASSETS = Map.of(
            "/", new String[] {"/io/ferrite/server/console/index.html", "text/html; charset=utf-8"},
            "/assets/console.js", new String[] {"/io/ferrite/server/console/console.js",
                    "text/javascript; charset=utf-8"},
            "/assets/console.css", new String[] {"/io/ferrite/server/console/console.css", "text/css; charset=utf-8"},
            "/assets/uPlot.iife.min.js", new String[] {"/META-INF/resources/webjars/uplot/" + uplotVersion()
                    + "/dist/uPlot.iife.min.js", "text/javascript; charset=utf-8"},
            "/assets/uPlot.min.css", new String[] {"/META-INF/resources/webjars/uplot/" + uplotVersion()
                    + "/dist/uPlot.min.css", "text/css; charset=utf-8"});

    private final ObjectMapper json = new ObjectMapper();
    private final TopicRegistry topics;
    private final Store store;
    private final BrokerConfig config;
    private final ClusterIdentity identity;
    private final BrokerTopicMetrics topicMetrics;
    private final Clock clock;
    private final long startedAt;
    private final String version;
    private final GroupsView groups;
    private final RecordBrowser records;
    private final ThroughputHistory throughput;
    private final ToIntFunction<String> boundPort;
    private final TopicChanges changes;
    /** The header the console's page sends with a change (see {@link #change}). */
    static final String WRITE_HEADER = "X-Ferrite-Console";
    private static final int MAX_BODY_BYTES = 64 * 1024;

    /** {@code boundPort}: the port a Kafka listener bound, by its name (its configured one may be 0). */
    public Console(BrokerConfig config, ClusterIdentity identity, TopicRegistry topics, Store store,
                   GroupCoordinator groups, BrokerTopicMetrics topicMetrics, ToIntFunction<String> boundPort,
                   Clock clock) {
        this.config = config;
        this.boundPort = boundPort;
        this.identity = identity;
        this.topics = topics;
        this.store = store;
        this.topicMetrics = topicMetrics;
        this.clock = clock;
        this.startedAt = clock.millis();
        this.version = property("/io/ferrite/server/console/version.properties", "version", "unknown");
        this.groups = new GroupsView(groups, store);
        this.records = new RecordBrowser(store);
        this.throughput = new ThroughputHistory(topicMetrics, clock);
        this.changes = new TopicChanges(topics);
    }

    private static String uplotVersion() {
        return property("/META-INF/maven/org.webjars.npm/uplot/pom.properties", "version", "1.6.30");
    }

    private static String property(String resource, String key, String otherwise) {
        try (InputStream in = Console.class.getResourceAsStream(resource)) {
            if (in == null) {
                return otherwise;
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty(key, otherwise);
        } catch (IOException e) {
            return otherwise;
        }
    }

    /** The handlers, by the path prefix each serves; the caller admits only GET and answers failures. */
    public Map<String, HttpHandler> handlers() {
        return Map.of("/", this::asset, "/api/", this::api);
    }

    private void asset(HttpExchange exchange) throws IOException {
        String[] asset = ASSETS.get(exchange.getRequestURI().getPath());
        InputStream in = asset == null ? null : Console.class.getResourceAsStream(asset[0]);
        if (in == null) {
            send(exchange, 404, "text/plain; charset=utf-8", "not found\n".getBytes(StandardCharsets.UTF_8));
            return;
        }
        try (in) {
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            send(exchange, 200, asset[1], in.readAllBytes());
        }
    }

    private void api(HttpExchange exchange) throws IOException {
        List<String> path = new ArrayList<>();
        for (String segment : exchange.getRequestURI().getRawPath().substring("/api/".length()).split("/")) {
            if (!segment.isEmpty()) {
                path.add(URLDecoder.decode(segment, StandardCharsets.UTF_8));
            }
        }
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        Object body;
        try {
            body = exchange.getRequestMethod().equals("POST") ? change(path, exchange) : route(path, query);
        } catch (TopicChanges.Refused e) {
            sendJson(exchange, e.status, Map.of("error", e.getMessage()));
            return;
        } catch (NotFound e) {
            sendJson(exchange, 404, Map.of("error", e.getMessage()));
            return;
        } catch (Forbidden e) {
            sendJson(exchange, 403, Map.of("error", e.getMessage()));
            return;
        } catch (IllegalArgumentException e) {
            sendJson(exchange, 400, Map.of("error", e.getMessage()));
            return;
        } catch (Exception e) {
            sendJson(exchange, 503, Map.of("error", "the broker could not answer: " + e));
            return;
        }
        sendJson(exchange, 200, body);
    }

    private static final class Forbidden extends RuntimeException {
        Forbidden(String message) {
            super(message, null, false, false);
        }
    }

    private static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * A write: {@code POST topics} creates a topic, {@code POST topics/<name>/configs} sets and deletes its
     * configs. Only from the console's own page: a JSON body and the {@link #WRITE_HEADER} header, which a form
     * or a page of another site cannot send without the browser asking this listener first (and it answers no
     * such question), so no other page can make an operator's browser change the broker.
     */
    private Object change(List<String> path, HttpExchange exchange) throws IOException {
        if (config.authorizerClassName() != null) {
            throw new Forbidden("changes are off while an authorizer enforces ACLs: the HTTP listener does not "
                    + "authenticate anyone; use a Kafka client with a principal allowed to make them");
        }
        String host = exchange.getRequestHeaders().getFirst("Host");
        String origin = exchange.getRequestHeaders().getFirst("Origin");
        if (!trustedHost(host) || (origin != null && !origin.equalsIgnoreCase("http://" + host))) {
            // A name of another site's, rebound to this address, is neither an address nor this machine's name.
            throw new Forbidden("changes are taken from the console's page reached by an IP address, localhost or "
                    + "this machine's name");
        }
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (!"1".equals(exchange.getRequestHeaders().getFirst(WRITE_HEADER)) || type == null
                || !type.startsWith("application/json")) {
            throw new Forbidden("a change comes from the console's page: JSON with the " + WRITE_HEADER + " header");
        }
        byte[] raw = exchange.getRequestBody().readNBytes(MAX_BODY_BYTES + 1);
        if (raw.length > MAX_BODY_BYTES) {
            throw new IllegalArgumentException("the request is larger than " + MAX_BODY_BYTES + " bytes");
        }
        com.fasterxml.jackson.databind.JsonNode body;
        try {
            body = json.readTree(raw);
        } catch (IOException e) {
            throw new IllegalArgumentException("the request is not JSON: " + e.getMessage());
        }
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException("the request must be a JSON object");
        }
        if (path.size() == 1 && path.get(0).equals("topics")) {
            return Map.of("created", changes.create(body));
        }
        if (path.size() == 3 && path.get(0).equals("topics") && path.get(2).equals("configs")) {
            changes.alter(path.get(1), body);
            return topic(topic(path.get(1)));
        }
        throw new NotFound("nothing to change at /api/" + String.join("/", path));
    }

    /** An IP address, {@code localhost} or this machine's own name, with or without a port. */
    static boolean trustedHost(String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        String h = host.trim().toLowerCase(java.util.Locale.ROOT);
        if (h.startsWith("[")) {
            return h.indexOf(']') > 0; // an IPv6 literal
        }
        int colon = h.indexOf(':');
        String name = colon >= 0 ? h.substring(0, colon) : h;
        if (name.equals("localhost") || name.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return true;
        }
        try {
            java.net.InetAddress self = java.net.InetAddress.getLocalHost();
            return name.equalsIgnoreCase(self.getHostName()) || name.equalsIgnoreCase(self.getCanonicalHostName());
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private Object route(List<String> path, Map<String, String> query) throws Exception {
        String first = path.isEmpty() ? "" : path.get(0);
        if (config.authorizerClassName() != null && (first.equals("topics") || first.equals("groups"))) {
            // ACLs say who may describe which topic and group, and nobody on this listener has authenticated.
            throw new Forbidden("topics and groups are not shown while an authorizer enforces ACLs: the HTTP "
                    + "listener does not authenticate anyone");
        }
        return switch (first) {
            case "overview" -> overview();
            case "throughput" -> Map.of("intervalMs", ThroughputHistory.INTERVAL_MS, "points", throughput.points());
            case "topics" -> path.size() == 1 ? topicList()
                    : path.size() == 2 ? topic(topic(path.get(1)))
                    : path.size() == 3 && path.get(2).equals("records") ? records(topic(path.get(1)), query)
                    : notFound(path);
            case "groups" -> {
                if (path.size() == 1) {
                    yield groups.list();
                }
                Map<String, Object> g = path.size() == 2 ? groups.describe(path.get(1)) : null;
                if (g == null) {
                    throw new NotFound("no group " + (path.size() == 2 ? path.get(1) : String.join("/", path)));
                }
                yield g;
            }
            case "store" -> storeView();
            default -> notFound(path);
        };
    }

    private static Object notFound(List<String> path) {
        throw new NotFound("no such page: /api/" + String.join("/", path));
    }

    private Topic topic(String name) {
        Topic t = topics.get(name);
        if (t == null) {
            throw new NotFound("no topic " + name);
        }
        return t;
    }

    private Map<String, Object> overview() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", version);
        m.put("clusterId", identity.clusterId());
        m.put("nodeId", identity.nodeId());
        m.put("rack", config.rack());
        m.put("startedAt", startedAt);
        m.put("uptimeMs", clock.millis() - startedAt);
        List<Map<String, Object>> listeners = new ArrayList<>();
        for (Listener l : config.listeners()) {
            listeners.add(Map.of("name", l.name(), "protocol", l.protocol().name, "host", l.host(),
                    "port", boundPort.applyAsInt(l.name())));
        }
        m.put("listeners", listeners);
        int partitions = 0;
        for (Topic t : topics.all()) {
            partitions += t.partitions();
        }
        m.put("topics", topics.all().size());
        m.put("partitions", partitions);
        m.put("groups", groups.list().size());
        m.put("totals", topicMetrics.totals());
        List<ThroughputHistory.Point> points = throughput.points();
        m.put("now", points.isEmpty() ? null : points.get(points.size() - 1));
        m.put("flushMode", store.config().flushMode().name());
        m.put("writable", config.authorizerClassName() == null); // whether the console may create and alter topics
        m.put("healthy", store.view().healthy());
        return m;
    }

    private List<Map<String, Object>> topicList() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Topic t : topics.all().stream().sorted(java.util.Comparator.comparing(Topic::name)).toList()) {
            long size = 0;
            long messages = 0;
            for (int p = 0; p < t.partitions(); p++) {
                PartitionKey k = new PartitionKey(t.name(), p);
                try {
                    size += store.sizeInBytes(k);
                    messages += store.logEndOffset(k) - store.logStartOffset(k);
                } catch (StoreException e) { // deleted while listed
                    // counted as empty
                }
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", t.name());
            m.put("id", t.id().toString());
            m.put("partitions", t.partitions());
            m.put("sizeBytes", size);
            m.put("offsets", messages);
            m.put("configs", t.configs().size());
            out.add(m);
        }
        return out;
    }

    private Map<String, Object> topic(Topic t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", t.name());
        m.put("id", t.id().toString());
        List<Map<String, Object>> parts = new ArrayList<>();
        for (int p = 0; p < t.partitions(); p++) {
            PartitionKey k = new PartitionKey(t.name(), p);
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("partition", p);
            pm.put("logStartOffset", store.logStartOffset(k));
            pm.put("logEndOffset", store.logEndOffset(k));
            pm.put("lastStableOffset", store.lastStableOffset(k));
            pm.put("sizeBytes", store.sizeInBytes(k));
            parts.add(pm);
        }
        m.put("partitions", parts);
        m.put("configs", new TreeMap<>(t.configs()));
        return m;
    }

    private Map<String, Object> records(Topic t, Map<String, String> query) {
        int partition = intParam(query, "partition", 0);
        if (partition < 0 || partition >= t.partitions()) {
            throw new NotFound("topic " + t.name() + " has no partition " + partition);
        }
        PartitionKey key = new PartitionKey(t.name(), partition);
        long offset;
        if (query.containsKey("timestamp")) {
            offset = records.offsetFor(key, longParam(query, "timestamp", 0));
        } else {
            offset = longParam(query, "offset", store.logStartOffset(key));
        }
        return records.read(key, offset, intParam(query, "limit", 20));
    }

    private Map<String, Object> storeView() {
        StoreConfig c = store.config();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("view", store.view());
        m.put("headFileResidency", store.headFileResidency());
        m.put("dataDir", c.dataDir().toAbsolutePath().toString());
        m.put("flushIntervalMs", c.flushIntervalMs());
        m.put("groupCommitGatherMicros", c.groupCommitGatherMicros());
        m.put("commitIntervalMs", c.commitIntervalMs());
        m.put("retentionCheckIntervalMs", c.retentionCheckIntervalMs());
        m.put("warmFiles", c.warmFiles());
        m.put("mlock", c.mlock());
        m.put("maxDiskUsedRatio", c.maxDiskUsedRatio());
        return m;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> m = new LinkedHashMap<>();
        if (raw == null) {
            return m;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                m.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    private static long longParam(Map<String, String> query, String name, long otherwise) {
        String v = query.get(name);
        if (v == null || v.isEmpty()) {
            return otherwise;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number: " + v);
        }
    }

    private static int intParam(Map<String, String> query, String name, int otherwise) {
        long v = longParam(query, name, otherwise);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " is out of range: " + v);
        }
        return (int) v;
    }

    private void sendJson(HttpExchange exchange, int status, Object body) throws IOException {
        send(exchange, status, "application/json", json.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        throughput.close();
    }
}
