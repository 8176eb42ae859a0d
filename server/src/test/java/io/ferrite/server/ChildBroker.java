package io.ferrite.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A broker in a child JVM on the tests' classpath, in sync-flush mode with 1 MiB CommitLog files, for tests that
 * end it with SIGKILL; its output goes to {@code child.log} in the test's directory. The caller owns the process.
 */
final class ChildBroker {
    private ChildBroker() {
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts a broker on {@code port} with its data in {@code data}, {@code extra} over the base settings. */
    static Process start(Path dir, Path data, int port, Map<String, String> extra) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        Map<String, String> props = new HashMap<>(Map.of("listeners", "PLAINTEXT://127.0.0.1:" + port,
                "advertised.listeners", "PLAINTEXT://127.0.0.1:" + port, "log.dirs", data.toString(),
                "store.commitlog.file.bytes", "1048576", "store.flush.mode", "sync"));
        props.putAll(extra);
        props.forEach((k, v) -> {
            command.add("--override");
            command.add(k + "=" + v);
        });
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile()).start();
    }

    /** Waits, up to a minute, until the broker accepts connections; fails with its output if it does not. */
    static void awaitUp(Path dir, int port, Process child) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                new Socket("127.0.0.1", port).close();
                return;
            } catch (IOException e) {
                if (!child.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the broker did not come up: "
                            + Files.readString(dir.resolve("child.log")), e);
                }
                Thread.sleep(100);
            }
        }
    }
}
