package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.ferrite.launcher.Command;
import io.ferrite.launcher.FerriteProcess;
import io.ferrite.launcher.Librdkafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * node-rdkafka as {@code compat-tests/node-rdkafka} pins it, with the librdkafka its {@code npm ci} builds from
 * source: {@code client.js} for what node-rdkafka wraps (produce, consume, groups, offsets by time, topic
 * create and delete) and {@code admin.c}, compiled here against that same librdkafka, for the admin calls it
 * does not (describe topics and configs, alter configs). Each run's stdout and stderr are kept under the
 * build's child-logs directory. A missing Node.js, install or C compiler fails the test, naming the fix.
 */
final class NodeRdkafka {
    private static final Path DIR = FerriteProcess.rootDir().resolve("compat-tests/node-rdkafka");
    private static final Path MODULE = Librdkafka.MODULE;
    private static final Pattern PIN = Pattern.compile("\"node-rdkafka\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern VERSION = Pattern.compile("\"version\"\\s*:\\s*\"v?([^\"]+)\"");
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(120);

    private final String node;
    private final Path admin;
    private final String logPrefix;

    private NodeRdkafka(String node, Path admin, String logPrefix) {
        this.node = node;
        this.admin = admin;
        this.logPrefix = logPrefix;
    }

    /** The installed client, checked against the pin, with {@code admin.c} compiled if it is not yet. */
    static NodeRdkafka installed(String logPrefix) throws Exception {
        String node = Programs.onPath("node", "apt-get install -y nodejs npm");
        Path installed = MODULE.resolve("package.json");
        Path binding = MODULE.resolve("build/Release/node-librdkafka.node");
        if (!Files.isRegularFile(installed) || !Files.isRegularFile(binding)) {
            fail("node-rdkafka is not installed: run bin/test, or npm ci in " + DIR);
        }
        assertEquals(pinned(), match(VERSION, Files.readString(installed), installed),
                "the installed node-rdkafka is the pinned one; run npm ci in " + DIR);
        return new NodeRdkafka(node, compileAdmin(logPrefix), logPrefix);
    }

    private static String pinned() throws Exception {
        Path packageJson = DIR.resolve("package.json");
        return match(PIN, Files.readString(packageJson), packageJson);
    }

    private static String match(Pattern p, String text, Path file) {
        Matcher m = p.matcher(text);
        return m.find() ? m.group(1) : fail("no version in " + file);
    }

    private static Path compileAdmin(String logPrefix) throws Exception {
        return Librdkafka.compile(Programs.onPath("cc", "apt-get install -y build-essential"), DIR.resolve("admin.c"),
                FerriteProcess.rootDir().resolve("compat-tests/target/node-rdkafka/admin"), logPrefix + "-compile-admin");
    }

    /** "3.6.1 (librdkafka 2.12.0)", as the running library reports itself. */
    String version() throws Exception {
        Facts v = client("version", "version");
        return v.of("version").get(0).get(1) + " (librdkafka " + v.of("version").get(1).get(1) + ")";
    }

    /** Runs {@code client.js command args}; fails with everything it printed unless it exits 0. */
    Facts client(String name, String command, String... args) throws Exception {
        return client(name, java.util.Map.of(), command, args);
    }

    /** As {@link #client(String, String, String...)}, every client also given {@code config} (librdkafka's names). */
    Facts client(String name, java.util.Map<String, String> config, String command, String... args) throws Exception {
        List<String> line = new ArrayList<>(List.of(node, DIR.resolve("client.js").toString(), command));
        line.addAll(List.of(args));
        StringBuilder lines = new StringBuilder();
        config.forEach((k, v) -> lines.append(k).append('=').append(v).append('\n'));
        return Facts.parse(Command.run(logPrefix + "-" + name, line, "", RUN_TIMEOUT,
                java.util.Map.of("CLIENT_CONFIG", lines.toString())).ok().lines());
    }

    /** Runs the compiled {@code admin.c} with {@code args}; fails with everything it printed unless it exits 0. */
    Facts admin(String name, String... args) throws Exception {
        List<String> line = new ArrayList<>(List.of(admin.toString()));
        line.addAll(List.of(args));
        return Facts.parse(Command.run(logPrefix + "-" + name, line, "", RUN_TIMEOUT).ok().lines());
    }
}
