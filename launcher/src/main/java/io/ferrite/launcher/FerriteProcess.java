package io.ferrite.launcher;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Ferrite broker in a child JVM, run the way {@code bin/broker} runs it: the server module's classes and
 * runtime classpath from {@code server/target}, {@code config/server.properties}, and overrides for a
 * loopback listener on a free port and a fresh data directory. It can be stopped with SIGTERM, killed
 * with SIGKILL, and started again on the same port and data directory.
 */
public final class FerriteProcess implements BrokerUnderTest {
    public static final String HOST = "127.0.0.1";
    /**
     * 32 MiB CommitLog files instead of 1 GiB: in sync mode the write-buffer pool holds three of them
     * off-heap and warming writes each one whole, which a test machine running everything else at the same
     * time should not pay for. Still far above the largest record the tests send. And a 16 MiB key map for
     * the cleaner instead of Kafka's 128 MiB, in a broker whose test heap is 512 MiB.
     */
    public static final Map<String, String> TEST_STORE = Map.of("store.commitlog.file.bytes", Integer.toString(32 << 20),
            "log.cleaner.dedupe.buffer.size", Integer.toString(16 << 20));
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    /** The checkout whose build and configuration this broker runs: this one, or another to compare with. */
    private final Path root;
    private final Path dataDir;
    private final int port;
    /** The second listener's port, 0 for none, and its protocol (SSL, SASL_PLAINTEXT, SASL_SSL). */
    private final int securePort;
    private final String secureProtocol;
    private final Map<String, String> overrides;
    private final List<String> jvmOptions;
    private ChildProcess child;
    private int launches;

    private FerriteProcess(String name, Path root, Path dataDir, int port, int securePort, String secureProtocol,
            Map<String, String> overrides, List<String> jvmOptions) {
        this.name = name;
        this.root = root;
        this.dataDir = dataDir;
        this.port = port;
        this.securePort = securePort;
        this.secureProtocol = secureProtocol;
        this.overrides = overrides;
        this.jvmOptions = jvmOptions;
    }

    /**
     * Starts a broker on a free loopback port with its data under {@code dataDir}, and waits until the port
     * answers. {@code overrides} go on top of the test store settings and {@code config/server.properties}.
     * Its output goes to {@code <name>-<n>.log} under the build's child-logs directory.
     */
    public static FerriteProcess start(String name, Path dataDir, Map<String, String> overrides)
            throws IOException, InterruptedException {
        Map<String, String> props = new LinkedHashMap<>(TEST_STORE);
        props.putAll(overrides);
        return start(name, dataDir, props, ChildProcess.BROKER_MEMORY);
    }

    /**
     * Starts a broker as {@link #start(String, Path, Map)} does, but on {@code config/server.properties} with
     * only {@code overrides} on top (no test store settings), in a JVM with {@code jvmOptions}.
     */
    public static FerriteProcess start(String name, Path dataDir, Map<String, String> overrides,
            List<String> jvmOptions) throws IOException, InterruptedException {
        return start(name, rootDir(), dataDir, overrides, jvmOptions);
    }

    /**
     * Starts a broker as the checkout {@code root} builds and configures it (its server jar, runtime classpath,
     * {@code config/server.properties} and {@code config/log4j2.xml}), with {@code overrides} on top, in a JVM
     * with {@code jvmOptions}: for comparing another revision with this one.
     */
    public static FerriteProcess start(String name, Path root, Path dataDir, Map<String, String> overrides,
            List<String> jvmOptions) throws IOException, InterruptedException {
        return start(name, root, dataDir, overrides, jvmOptions, null);
    }

    /**
     * Starts a broker as {@link #start(String, Path, Map)} does, with an SSL listener beside the plaintext one, on
     * another free port ({@link #secureBootstrap}); {@code overrides} carry its {@code ssl.*} keys.
     */
    public static FerriteProcess startWithTls(String name, Path dataDir, Map<String, String> overrides)
            throws IOException, InterruptedException {
        return startSecure(name, dataDir, "SSL", overrides);
    }

    /**
     * As {@link #startWithTls}, with a listener of {@code protocol} (SSL, SASL_PLAINTEXT or SASL_SSL, named as its
     * protocol) beside the plaintext one; {@code overrides} carry its keys.
     */
    public static FerriteProcess startSecure(String name, Path dataDir, String protocol, Map<String, String> overrides)
            throws IOException, InterruptedException {
        Map<String, String> props = new LinkedHashMap<>(TEST_STORE);
        props.putAll(overrides);
        return start(name, rootDir(), dataDir, props, ChildProcess.BROKER_MEMORY, protocol);
    }

    /**
     * As {@link #start(String, Path, Path, Map, List)} (no test store settings, the given JVM), with a listener of
     * {@code protocol} beside the plaintext one; {@code overrides} carry its keys.
     */
    public static FerriteProcess startSecure(String name, Path root, Path dataDir, String protocol,
            Map<String, String> overrides, List<String> jvmOptions) throws IOException, InterruptedException {
        return start(name, root, dataDir, overrides, jvmOptions, protocol);
    }

    private static FerriteProcess start(String name, Path root, Path dataDir, Map<String, String> overrides,
            List<String> jvmOptions, String secureProtocol) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            FerriteProcess p = new FerriteProcess(name, root, dataDir, freePort(),
                    secureProtocol != null ? freePort() : 0, secureProtocol, Map.copyOf(overrides),
                    List.copyOf(jvmOptions));
            try {
                p.launch();
                return p;
            } catch (IllegalStateException e) {
                // Another process on the machine may take the port between the probe and the broker's bind.
                if (attempt == 3 || !p.child.logTail(100_000).contains("Address already in use")) {
                    throw e;
                }
            }
        }
    }

    /** Starts the broker again on the same port and data directory, after {@link #stop} or {@link #kill}. */
    @Override
    public void restart() throws IOException, InterruptedException {
        if (child != null && child.isAlive()) {
            throw new IllegalStateException("broker " + name + " is still running as process " + child.pid());
        }
        launch();
    }

    private void launch() throws IOException, InterruptedException {
        Path server = root.resolve("server");
        Path classpathFile = server.resolve("target/runtime-classpath.txt");
        Path jar = serverJar(root);
        if (jar == null || !Files.isRegularFile(classpathFile)) {
            throw new IllegalStateException("the server module is not packaged (no jar or no " + classpathFile
                    + "); run these tests through the reactor, e.g. mvn -pl compat-tests -am verify");
        }
        Map<String, String> props = new LinkedHashMap<>();
        props.put("listeners", "PLAINTEXT://" + HOST + ":" + port
                + (securePort > 0 ? "," + secureProtocol + "://" + HOST + ":" + securePort : ""));
        props.put("log.dirs", dataDir.toAbsolutePath().toString());
        props.put("http.listener", HOST + ":0"); // config/server.properties' fixed port would clash between brokers
        props.putAll(overrides);

        List<String> command = new ArrayList<>();
        command.add(ChildProcess.java());
        command.add("-XX:+ExitOnOutOfMemoryError"); // fail-stop, as config/jvm.options has bin/broker run it
        command.addAll(jvmOptions);
        command.addAll(List.of(
                "-Dlog4j2.configurationFile=" + root.resolve("config/log4j2.xml"),
                "-cp", jar + File.pathSeparator + Files.readString(classpathFile).trim(),
                "io.ferrite.server.Main", root.resolve("config/server.properties").toString()));
        props.forEach((k, v) -> {
            command.add("--override");
            command.add(k + "=" + v);
        });
        launches++;
        child = ChildProcess.start(command, logsDir().resolve(name + "-" + launches + ".log"));
        try {
            child.awaitPort(HOST, port, START_TIMEOUT);
            if (securePort > 0) {
                child.awaitPort(HOST, securePort, START_TIMEOUT);
            }
        } catch (RuntimeException | InterruptedException e) {
            child.close();
            throw e;
        }
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
    public String bootstrap() {
        return HOST + ":" + port;
    }

    @Override
    public String secureBootstrap() {
        if (securePort == 0) {
            throw new IllegalStateException(name + " has no second listener");
        }
        return HOST + ":" + securePort;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /**
     * The server module's jar, as bin/broker runs it (a class-data archive can only cover classes from jars),
     * or null if the module is not packaged.
     */
    static Path serverJar(Path root) throws IOException {
        Path target = root.resolve("server/target");
        if (!Files.isDirectory(target)) {
            return null;
        }
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith("ferrite-server-") && n.endsWith(".jar") && !n.endsWith("-sources.jar")
                        && !n.endsWith("-tests.jar");
            }).findFirst().orElse(null);
        }
    }

    /** A port free at this moment on the loopback address; the broker binds it right after. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    /** The project's root directory: the build passes it; run elsewhere, the module's parent. */
    public static Path rootDir() {
        String dir = System.getProperty("ferrite.root.dir");
        return (dir != null ? Path.of(dir) : Path.of("").toAbsolutePath().getParent()).normalize();
    }

    public static Path logsDir() {
        String dir = System.getProperty("ferrite.logs.dir");
        try {
            Path logs = dir != null ? Path.of(dir) : Path.of("target", "child-logs");
            return Files.createDirectories(logs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
