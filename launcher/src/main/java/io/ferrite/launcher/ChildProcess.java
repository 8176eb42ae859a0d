package io.ferrite.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A long-running process these tests started, such as a broker. Its stdout and stderr go to one log file
 * (kept under {@code target/} for diagnosis), and it is only ever stopped through its own {@link Process}
 * handle, so by its own PID. A JVM shutdown hook kills whatever is still running, so an aborted test run
 * leaves no broker behind.
 */
public final class ChildProcess implements AutoCloseable {
    /**
     * The memory every broker JVM gets, Ferrite and the Kafka reference alike, so neither is compared with
     * the other on a bigger heap.
     */
    public static final List<String> BROKER_MEMORY = List.of("-Xms64m", "-Xmx512m", "-XX:MaxDirectMemorySize=512m");
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "compat-child-reaper"));
    }

    private final Process process;
    private final Path log;
    private final long startedNanos;

    private ChildProcess(Process process, Path log, long startedNanos) {
        this.process = process;
        this.log = log;
        this.startedNanos = startedNanos;
    }

    /** Starts {@code command}; {@code log} gets the command line, then its output. Its stdin is empty. */
    public static ChildProcess start(List<String> command, Path log) throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        Files.writeString(log, "$ " + String.join(" ", command) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
        long started = System.nanoTime();
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        p.getOutputStream().close();
        LIVE.add(p);
        p.onExit().thenRun(() -> LIVE.remove(p));
        return new ChildProcess(p, log, started);
    }

    /** The {@code java} of the JVM running the tests, for child JVMs. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public long pid() {
        return process.pid();
    }

    /** {@link System#nanoTime()} just before the process was launched. */
    public long startedNanos() {
        return startedNanos;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit status of a process that has ended; fails while it still runs. */
    public int exitValue() {
        return process.exitValue();
    }

    /** The last {@code maxChars} characters of the log, for failure messages. */
    public String logTail(int maxChars) {
        try {
            String all = Files.readString(log, StandardCharsets.UTF_8);
            return all.length() <= maxChars ? all : "..." + all.substring(all.length() - maxChars);
        } catch (IOException e) {
            return "(log " + log + " unreadable: " + e + ")";
        }
    }

    /**
     * Waits until {@code host:port} accepts a connection. Fails early, with the log's tail, if the process
     * exits first, and after {@code timeout} otherwise.
     */
    public void awaitPort(String host, int port, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("process " + pid() + " exited with " + process.exitValue()
                        + " before " + host + ":" + port + " answered; log " + log + ":\n" + logTail(4000));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 200);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(host + ":" + port + " did not answer within " + timeout
                            + "; log " + log + ":\n" + logTail(4000));
                }
                Thread.sleep(50);
            }
        }
    }

    /**
     * SIGTERM, then waits up to {@code grace} for a clean exit; a process that overstays is killed and this
     * fails, since a clean stop that hangs is a bug worth seeing.
     */
    public int stop(Duration grace) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            throw new IllegalStateException("process " + pid() + " ignored SIGTERM for " + grace + "; killed. Log "
                    + log + ":\n" + logTail(4000));
        }
        return process.exitValue();
    }

    /** SIGKILL, and waits until the process is gone (its files and port are released then). */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("process " + pid() + " survived SIGKILL for 30 s");
        }
    }

    /** Kills the process if it still runs; safe to call more than once. */
    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while killing process " + pid(), e);
            }
        }
    }

    /** Deletes {@code root} and everything under it, if it exists: a child's data directory, say. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
