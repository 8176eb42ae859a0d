package io.ferrite.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tarball as a user gets it: unpacked into an empty directory, started with the shipped
 * {@code bin/ferrite-server-start.sh -daemon} from another working directory, used by a stock producer and
 * consumer, and stopped with {@code bin/ferrite-server-stop.sh}, which waits for a clean exit.
 */
@Timeout(180)
class DistributionTest {
    @TempDir
    Path dir;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Runs a shipped script from {@code cwd}; its output goes to {@code out}. */
    private static int run(Path cwd, Path out, String... command) throws Exception {
        ProcessBuilder b = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()));
        b.environment().keySet().removeAll(List.of("LOG_DIR", "FERRITE_OPTS")); // the shipped defaults
        Process p = b.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish: " + Files.readString(out));
        }
        return p.exitValue();
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void theUnpackedTarballRunsWithItsOwnScripts() throws Exception {
        Path tarball = Path.of(System.getProperty("ferrite.dist.tarball"));
        assertTrue(Files.isRegularFile(tarball), "built by the package phase: " + tarball);
        Path unpacked = Files.createDirectories(dir.resolve("opt"));
        Path out = dir.resolve("scripts.out");
        assertEquals(0, run(unpacked, out, "tar", "xzf", tarball.toString()));
        Path home;
        try (Stream<Path> s = Files.list(unpacked)) {
            home = s.findFirst().orElseThrow();
        }
        assertTrue(home.getFileName().toString().startsWith("ferrite-"), home.toString());
        for (String f : List.of("bin/ferrite-server-start.sh", "bin/ferrite-server-stop.sh", "bin/ferrite-storage.sh",
                "config/server.properties", "config/jvm.options", "config/log4j2.xml", "systemd/ferrite.service",
                "Dockerfile", "licenses/THIRD-PARTY.txt")) {
            assertTrue(Files.isRegularFile(home.resolve(f)), f);
        }
        assertTrue(Files.readString(home.resolve("licenses/THIRD-PARTY.txt")).contains("netty"),
                "the index names the bundled libraries");
        try (Stream<Path> licenses = Files.walk(home.resolve("licenses"))) {
            assertTrue(licenses.anyMatch(p -> p.toString().contains("kafka-clients") && Files.isRegularFile(p)),
                    "the jars' own license files are there");
        }
        try (Stream<Path> libs = Files.list(home.resolve("libs"))) {
            assertTrue(libs.anyMatch(p -> p.getFileName().toString().startsWith("ferrite-server-")), "libs/");
        }

        int port = freePort();
        int httpPort = freePort();
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path pidFile = home.resolve("logs/ferrite.pid");
        try {
            assertEquals(0, run(elsewhere, out, home.resolve("bin/ferrite-server-start.sh").toString(), "-daemon",
                    "../opt/" + home.getFileName() + "/config/server.properties",
                    "--override", "listeners=PLAINTEXT://127.0.0.1:" + port,
                    "--override", "http.listener=127.0.0.1:" + httpPort,
                    "--override", "store.commitlog.file.bytes=67108864"), Files.readString(out));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!listening(port) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(listening(port), "the broker listens: " + log(home));

            List<String> sent = new ArrayList<>();
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port), new StringSerializer(),
                    new StringSerializer())) {
                for (int i = 0; i < 100; i++) {
                    sent.add("record-" + i);
                    p.send(new ProducerRecord<>("unpacked", 0, null, "record-" + i));
                }
                p.flush();
            }
            List<String> read = new ArrayList<>();
            TopicPartition tp = new TopicPartition("unpacked", 0);
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port), new StringDeserializer(),
                    new StringDeserializer())) {
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (read.size() < sent.size() && System.nanoTime() < until) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                        read.add(r.value());
                    }
                }
            }
            assertEquals(sent, read);
            assertTrue(Files.isDirectory(home.resolve("data")), "log.dirs=data is under the installation");
            // The metrics libraries are in libs/: the HTTP listener answers with the produce just made.
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + httpPort + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
            String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("kafka_server_brokertopicmetrics_messagesin_total{topic=\"unpacked\"} 100.0"),
                    metrics);

            String pid = Files.readString(pidFile).trim();
            assertEquals(0, run(elsewhere, out, home.resolve("bin/ferrite-server-stop.sh").toString()),
                    Files.readString(out));
            assertFalse(ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false)
                    && ProcessHandle.of(Long.parseLong(pid)).flatMap(h -> h.info().commandLine()).isPresent(),
                    "the broker exited");
            assertFalse(Files.exists(pidFile));
            assertFalse(listening(port));

            // The storage tool, run from elsewhere on the stopped broker's config: the store is whole, and the
            // CommitLog holds the records produced above.
            Path storageOut = dir.resolve("storage.out");
            String config = "../opt/" + home.getFileName() + "/config/server.properties";
            assertEquals(0, run(elsewhere, storageOut, home.resolve("bin/ferrite-storage.sh").toString(), "check",
                    "--config", config), Files.readString(storageOut));
            assertTrue(Files.readString(storageOut).contains("clean"), Files.readString(storageOut));
            assertEquals(0, run(elsewhere, storageOut, home.resolve("bin/ferrite-storage.sh").toString(), "dump",
                    "--files", "../opt/" + home.getFileName() + "/data/commitlog/00000000000000000000"),
                    Files.readString(storageOut));
            assertTrue(Files.readString(storageOut).contains("partition: unpacked-0"), Files.readString(storageOut));
        } finally {
            stopIfStillRunning(pidFile);
        }
    }

    private static String log(Path home) throws IOException {
        Path f = home.resolve("logs/ferrite.out");
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "(no logs/ferrite.out)";
    }

    /** After a failure: the broker this test started, by its pid, and only if it is still Ferrite. */
    private static void stopIfStillRunning(Path pidFile) throws Exception {
        if (!Files.exists(pidFile)) {
            return;
        }
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        ProcessHandle.of(pid).filter(h -> h.info().commandLine().orElse("").contains("io.ferrite.server.Main"))
                .ifPresent(h -> {
                    h.destroyForcibly();
                    h.onExit().join();
                });
    }
}
