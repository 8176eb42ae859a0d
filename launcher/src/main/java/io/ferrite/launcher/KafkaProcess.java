package io.ferrite.launcher;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;

/**
 * Apache Kafka ({@code kafka.version} of the build) as the reference broker: one KRaft node that is broker
 * and controller at once, alone or as one of a {@link KafkaCluster}, in a child JVM with the same memory as
 * Ferrite's. Its jars come from Maven Central through the {@code kafka-reference} module, whose
 * {@code target/runtime-classpath.txt} is its classpath, so Kafka is never on the tests' own classpath.
 *
 * <p>Starting writes {@code server.properties} and a log4j2 configuration into the given directory, formats
 * {@code data/} under it with Kafka's storage tool, and runs {@code kafka.Kafka} until a stock AdminClient sees the
 * node in DescribeCluster. A single node is formatted with a fresh cluster id as a single-voter dynamic quorum, and
 * takes replication factor 1 for the internal topics and no initial rebalance delay; a cluster's node gets the
 * cluster's id and static voters, and Kafka's replication defaults. Otherwise Kafka's defaults stand. A node can be
 * stopped with SIGTERM, killed with SIGKILL, and started again on the same ports and data.
 */
public final class KafkaProcess implements BrokerUnderTest {
    public static final String HOST = FerriteProcess.HOST;
    public static final int NODE_ID = 1;
    /** Generous: a first start on a busy two-core machine loads and JIT-compiles much of Kafka. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
    /** Everything at INFO to stdout, which {@link ChildProcess} sends to the run's log file. */
    private static final String LOG4J2 = """
            rootLogger.level = INFO
            rootLogger.appenderRef.out.ref = out
            appender.out.type = Console
            appender.out.name = out
            appender.out.layout.type = PatternLayout
            appender.out.layout.pattern = [%d] %p %m (%c)%n
            """;

    private final String name;
    private final Path dir;
    private final int nodeId;
    /** {@code controller.quorum.voters} of a cluster's node, or null for a single node that is its own quorum. */
    private final String voters;
    private final int port;
    private final int controllerPort;
    /** The second listener's port, 0 for none, and its protocol (SSL, SASL_PLAINTEXT, SASL_SSL). */
    private final int securePort;
    private final String secureProtocol;
    private final List<String> jvmOptions;
    private ChildProcess child;
    private int launches;
    private Duration formatDuration;
    private Duration lastStartDuration;

    private KafkaProcess(String name, Path dir, int port, int controllerPort, int securePort, String secureProtocol,
                         List<String> jvmOptions) {
        this(name, dir, NODE_ID, null, port, controllerPort, securePort, secureProtocol, jvmOptions);
    }

    private KafkaProcess(String name, Path dir, int nodeId, String voters, int port, int controllerPort, int securePort,
                         String secureProtocol, List<String> jvmOptions) {
        this.nodeId = nodeId;
        this.voters = voters;
        this.securePort = securePort;
        this.secureProtocol = secureProtocol;
        this.name = name;
        this.jvmOptions = jvmOptions;
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /**
     * Formats and starts a broker on two free loopback ports (clients, controller) with its configuration
     * and data under {@code dir}, and waits until it serves. {@code overrides} go on top of the single-node
     * settings. Its output goes to {@code <name>-<n>.log} under the build's child-logs directory.
     */
    public static KafkaProcess start(String name, Path dir, Map<String, String> overrides)
            throws IOException, InterruptedException {
        return start(name, dir, overrides, ChildProcess.BROKER_MEMORY);
    }

    /** Starts a broker as {@link #start(String, Path, Map)} does, in a JVM with {@code jvmOptions}. */
    public static KafkaProcess start(String name, Path dir, Map<String, String> overrides, List<String> jvmOptions)
            throws IOException, InterruptedException {
        return start(name, dir, overrides, jvmOptions, null);
    }

    /**
     * Starts a broker as {@link #start(String, Path, Map)} does, with an SSL listener beside the plaintext one on
     * another free port ({@link #secureBootstrap}); {@code overrides} carry its {@code ssl.*} keys.
     */
    public static KafkaProcess startWithTls(String name, Path dir, Map<String, String> overrides)
            throws IOException, InterruptedException {
        return startSecure(name, dir, "SSL", overrides);
    }

    /**
     * As {@link #startWithTls}, with a listener of {@code protocol} (SSL, SASL_PLAINTEXT or SASL_SSL, named as its
     * protocol) beside the plaintext one; {@code overrides} carry its keys.
     */
    public static KafkaProcess startSecure(String name, Path dir, String protocol, Map<String, String> overrides)
            throws IOException, InterruptedException {
        return start(name, dir, overrides, ChildProcess.BROKER_MEMORY, protocol);
    }

    /** As {@link #startSecure(String, Path, String, Map)}, in a JVM with {@code jvmOptions}. */
    public static KafkaProcess startSecure(String name, Path dir, String protocol, Map<String, String> overrides,
                                           List<String> jvmOptions) throws IOException, InterruptedException {
        return start(name, dir, overrides, jvmOptions, protocol);
    }

    private static KafkaProcess start(String name, Path dir, Map<String, String> overrides, List<String> jvmOptions,
                                      String secureProtocol) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            KafkaProcess p = new KafkaProcess(name, dir, FerriteProcess.freePort(), FerriteProcess.freePort(),
                    secureProtocol != null ? FerriteProcess.freePort() : 0, secureProtocol,
                    List.copyOf(jvmOptions));
            try {
                p.format(Map.copyOf(overrides));
                p.launch();
                return p;
            } catch (IllegalStateException e) {
                // Another process may take a port between the probe and Kafka's bind; the formatted data
                // names the controller's port, so the retry starts from nothing.
                if (attempt == 3 || p.child == null || !p.child.logTail(100_000).contains("Address already in use")) {
                    throw e;
                }
                ChildProcess.deleteTree(p.dataDir());
            }
        }
    }

    /**
     * A node of a {@link KafkaCluster}, broker and controller at once, on ports the cluster chose so that every
     * node's {@code controller.quorum.voters} can name them all. Formatted with the cluster's id; not started.
     */
    static KafkaProcess clusterNode(String name, Path dir, int nodeId, int port, int controllerPort, String voters,
                                    String clusterId, Map<String, String> overrides, List<String> jvmOptions)
            throws IOException, InterruptedException {
        KafkaProcess node = new KafkaProcess(name, dir, nodeId, voters, port, controllerPort, 0, null,
                List.copyOf(jvmOptions));
        node.format(Map.copyOf(overrides), clusterId);
        return node;
    }

    /**
     * The configuration: Kafka's defaults, except that a single node, being the whole quorum and the only
     * replica, takes replication factor 1 for the internal topics.
     */
    private Map<String, String> serverProperties(Map<String, String> overrides) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(nodeId));
        String tls = securePort > 0 ? "," + secureProtocol + "://" + HOST + ":" + securePort : "";
        props.put("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort + tls);
        props.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port + tls);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
                + (securePort > 0 ? "," + secureProtocol + ":" + secureProtocol : ""));
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("log.dirs", dataDir().toAbsolutePath().toString());
        props.put("group.initial.rebalance.delay.ms", "0");
        if (voters != null) {
            props.put("controller.quorum.voters", voters);
        } else {
            props.put("controller.quorum.bootstrap.servers", HOST + ":" + controllerPort);
            props.put("offsets.topic.replication.factor", "1");
            props.put("transaction.state.log.replication.factor", "1");
            props.put("transaction.state.log.min.isr", "1");
            props.put("share.coordinator.state.topic.replication.factor", "1");
            props.put("share.coordinator.state.topic.min.isr", "1");
        }
        props.putAll(overrides);
        return props;
    }

    /** Writes the configuration and runs Kafka's storage tool on it, as {@code kafka-storage.sh format} does. */
    private void format(Map<String, String> overrides) throws IOException, InterruptedException {
        format(overrides, Uuid.randomUuid().toString());
    }

    private void format(Map<String, String> overrides, String clusterId) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Files.writeString(serverPropertiesFile(), serverProperties(overrides).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue() + "\n").collect(Collectors.joining()), StandardCharsets.UTF_8);
        Files.writeString(log4jFile(), LOG4J2, StandardCharsets.UTF_8);
        long started = System.nanoTime();
        List<String> command = new ArrayList<>(javaCommand("kafka.tools.StorageTool", "format",
                "--config", serverPropertiesFile().toString(), "--cluster-id", clusterId));
        if (voters == null) {
            // --standalone: this node alone is the initial voter set of a dynamic quorum, which 4.x prefers
            // over a static controller.quorum.voters list. A cluster's nodes name their static voters instead.
            command.add("--standalone");
        }
        Command.run(name + "-format", command, "", FORMAT_TIMEOUT).ok();
        formatDuration = Duration.ofNanos(System.nanoTime() - started);
    }

    private void launch() throws IOException, InterruptedException {
        spawn();
        awaitStarted();
    }

    /** Starts the JVM without waiting: a cluster's nodes serve only once a quorum of them runs. */
    void spawn() throws IOException {
        launches++;
        child = ChildProcess.start(javaCommand("kafka.Kafka", serverPropertiesFile().toString()),
                FerriteProcess.logsDir().resolve(name + "-" + launches + ".log"));
    }

    /** Waits until the node {@link #spawn}ed last serves, or kills it and throws. */
    void awaitStarted() throws InterruptedException {
        long started = child.startedNanos();
        try {
            long deadline = started + START_TIMEOUT.toNanos();
            child.awaitPort(HOST, port, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            awaitServing(deadline);
        } catch (RuntimeException | InterruptedException e) {
            child.close();
            throw e;
        }
        lastStartDuration = Duration.ofNanos(System.nanoTime() - started);
    }

    /**
     * The client port opens before the broker has registered with its controller and been unfenced; until
     * then DescribeCluster has no node to name, so this waits for the broker's own id in the answer.
     */
    private void awaitServing(long deadline) throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200))) {
            while (true) {
                if (!child.isAlive()) {
                    throw new IllegalStateException("Kafka " + name + " exited while starting; log:\n" + logTail());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("Kafka " + name + " did not serve DescribeCluster within "
                            + START_TIMEOUT + "; log:\n" + logTail());
                }
                try {
                    if (admin.describeCluster().nodes().get(left, TimeUnit.NANOSECONDS).stream()
                            .map(Node::id).anyMatch(id -> id == nodeId)) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException notYet) {
                    // Asked again below, until the deadline.
                }
                Thread.sleep(100);
            }
        }
    }

    private List<String> javaCommand(String mainClass, String... args) throws IOException {
        Path classpathFile = FerriteProcess.rootDir().resolve("kafka-reference/target/runtime-classpath.txt");
        if (!Files.isRegularFile(classpathFile)) {
            throw new IllegalStateException("the reference broker's classpath is not resolved (no " + classpathFile
                    + "); run these tests through the reactor, e.g. mvn -pl compat-tests -am verify");
        }
        String classpath = Files.readString(classpathFile, StandardCharsets.UTF_8).trim();
        if (!classpath.contains(File.separator + "kafka_2.13-")) {
            throw new IllegalStateException(classpathFile + " does not name Kafka's broker jar: " + classpath);
        }
        List<String> command = new ArrayList<>();
        command.add(ChildProcess.java());
        command.addAll(jvmOptions);
        command.add("-Dlog4j2.configurationFile=" + log4jFile().toAbsolutePath());
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }

    @Override
    public void restart() throws IOException, InterruptedException {
        if (child != null && child.isAlive()) {
            throw new IllegalStateException("Kafka " + name + " is still running as process " + child.pid());
        }
        launch();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ChildProcess process() {
        return child;
    }

    @Override
    public String secureBootstrap() {
        if (securePort == 0) {
            throw new IllegalStateException(name + " has no second listener");
        }
        return HOST + ":" + securePort;
    }

    @Override
    public String bootstrap() {
        return HOST + ":" + port;
    }

    /** This node's id: {@link #NODE_ID} for a single node, its place in a {@link KafkaCluster} otherwise. */
    public int nodeId() {
        return nodeId;
    }

    public Path dataDir() {
        return dir.resolve("data");
    }

    /** How long the storage tool took to format the data directory, its JVM's start included. */
    public Duration formatDuration() {
        return formatDuration;
    }

    /** How long the last start took, from launching the JVM to the first DescribeCluster naming the broker. */
    public Duration lastStartDuration() {
        return lastStartDuration;
    }

    private Path serverPropertiesFile() {
        return dir.resolve("server.properties");
    }

    private Path log4jFile() {
        return dir.resolve("log4j2.properties");
    }
}
