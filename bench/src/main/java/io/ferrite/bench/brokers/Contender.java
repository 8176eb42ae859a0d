package io.ferrite.bench.brokers;

import io.ferrite.launcher.BrokerUnderTest;
import io.ferrite.launcher.Command;
import io.ferrite.launcher.FerriteProcess;
import io.ferrite.launcher.KafkaProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One broker configuration the harness runs workloads against: Ferrite as {@code bin/broker} runs it (the
 * JVM options of {@code config/jvm.options}, {@code config/server.properties}) with some overrides, or Apache
 * Kafka as {@code kafka-server-start.sh} runs it (its 1 GiB heap and its script's G1 flags). Both may grow
 * their heap to the same 1 GiB; each starts where its own launcher starts it (Ferrite at 256 MiB, Kafka at
 * 1 GiB), which shows in resident memory. {@code extraJvm} goes after the defaults, so a variant can replace a flag (a GC, say).
 * {@code root} is the checkout a Ferrite runs from: this one, or another revision's to compare with.
 */
public record Contender(String label, boolean kafka, Map<String, String> overrides, List<String> extraJvm, Path root) {
    /**
     * kafka-server-start.sh's heap and kafka-run-class.sh's default performance options in Kafka 4.x; the
     * largest heap equals Ferrite's in config/jvm.options.
     */
    public static final List<String> KAFKA_JVM = List.of("-Xms1g", "-Xmx1g", "-server", "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent",
            "-Djava.awt.headless=true");

    public static final Contender FERRITE = ferrite("ferrite", Map.of());
    /** Not a broker key: how many ACLs to lay down in a Ferrite's data directory before it starts (AclSeed). */
    static final String SEED_ACLS = "bench.seed.acls";
    /** Kafka's own default initial rebalance delay, which the test launcher turns off. */
    public static final Contender KAFKA = new Contender("kafka", true, Map.of("group.initial.rebalance.delay.ms", "3000"),
            List.of());

    public Contender {
        overrides = Map.copyOf(overrides);
        extraJvm = List.copyOf(extraJvm);
    }

    /** A broker run from this checkout. */
    Contender(String label, boolean kafka, Map<String, String> overrides, List<String> extraJvm) {
        this(label, kafka, overrides, extraJvm, FerriteProcess.rootDir());
    }

    static Contender ferrite(String label, Map<String, String> overrides) {
        return new Contender(label, false, overrides, List.of());
    }

    /**
     * Starts a fresh broker with its data under {@code dir} and returns once it serves; its log is
     * {@code <name>-1.log} in the logs directory.
     */
    public BrokerUnderTest start(String name, Path dir) throws IOException, InterruptedException {
        return start(name, dir, null);
    }

    /**
     * As {@link #start}, with a TLS listener beside the plaintext one ({@code secureBootstrap}); {@code tls} holds
     * its {@code ssl.*} keys.
     */
    public BrokerUnderTest startWithTls(String name, Path dir, Map<String, String> tls)
            throws IOException, InterruptedException {
        return start(name, dir, java.util.Objects.requireNonNull(tls));
    }

    /** Starts it; with {@code tls} (not null), also an SSL listener with those keys. */
    private BrokerUnderTest start(String name, Path dir, Map<String, String> tls)
            throws IOException, InterruptedException {
        List<String> jvm = new ArrayList<>(kafka ? KAFKA_JVM : ferriteJvmOptions(root));
        if (!kafka) {
            jvm.add("-XX:SharedArchiveFile=" + classArchive(root));
        }
        jvm.addAll(extraJvm);
        Map<String, String> broker = new java.util.LinkedHashMap<>(overrides);
        if (tls != null) {
            broker.putAll(tls);
        }
        if (kafka) {
            return tls == null ? KafkaProcess.start(name, dir, broker, jvm)
                    : KafkaProcess.startSecure(name, dir, "SSL", broker, jvm);
        }
        String acls = broker.remove(SEED_ACLS);
        if (acls != null) {
            AclSeed.write(dir.resolve("data"), Integer.parseInt(acls));
        }
        return tls == null ? FerriteProcess.start(name, root, dir.resolve("data"), broker, jvm)
                : FerriteProcess.startSecure(name, root, dir.resolve("data"), "SSL", broker, jvm);
    }

    /**
     * The class-data archive bin/broker starts with, made by the same script (once, when missing or older
     * than the server jar), so a Ferrite started here starts as bin/broker's does.
     */
    static synchronized String classArchive(Path root) throws IOException, InterruptedException {
        Command.Result r = Command.run("class-archive", List.of(root.resolve("bin/class-archive").toString()), "",
                Duration.ofMinutes(2)).ok();
        return r.stdout().strip();
    }

    /** The options bin/broker reads from config/jvm.options. */
    public static List<String> ferriteJvmOptions(Path root) throws IOException {
        Path file = root.resolve("config/jvm.options");
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    /** The label plus what differs from the defaults, for tables. */
    String describe() {
        List<String> parts = new ArrayList<>();
        overrides.forEach((k, v) -> parts.add(k + "=" + v));
        parts.addAll(extraJvm);
        Path here = FerriteProcess.rootDir().toAbsolutePath().normalize();
        if (!kafka && !root.toAbsolutePath().normalize().equals(here)) {
            parts.add("built in " + root);
        }
        return parts.isEmpty() ? label : label + " (" + String.join(" ", parts) + ")";
    }
}
