package io.ferrite.compat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * The version of each client family the matrix knows, as this test JVM actually runs it: the kafka-clients
 * on the classpath, the kcat on the PATH, the kafkajs pinned for {@code groups.js}, the Kafka whose tools the
 * {@code kafka-reference} module resolved. Each is looked up once per JVM.
 */
final class ClientVersions {
    private static final Pattern KCAT = Pattern.compile("Version (\\S+) .*librdkafka (\\S+)");
    private static final Pattern KAFKAJS_PIN = Pattern.compile("\"kafkajs\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern KAFKA_TOOLS_JAR = Pattern.compile("kafka-tools-(\\d[^/\\\\]*?)\\.jar");

    private final Path root;
    private final Map<String, String> known = new ConcurrentHashMap<>();

    ClientVersions(Path root) {
        this.root = root;
    }

    /**
     * The version of {@code family} in this JVM: looked up here for the families every build has, else as its
     * tests recorded it with {@link CompatVersions#record}; null if they did not.
     */
    String of(String family) {
        return switch (family) {
            case Compat.JAVA -> AppInfoParser.getVersion();
            case Compat.KCAT -> known.computeIfAbsent(family, f -> kcat());
            case Compat.KAFKAJS -> known.computeIfAbsent(family, f -> kafkajsPin());
            case Compat.CLI -> referenceKafka();
            default -> CompatVersions.of(family).orElse(null);
        };
    }

    /** The Apache Kafka version the {@code kafka-reference} module resolved, for its broker and its tools. */
    String referenceKafka() {
        return known.computeIfAbsent("reference", f -> {
            Path classpath = root.resolve("kafka-reference/target/runtime-classpath.txt");
            try {
                Matcher m = KAFKA_TOOLS_JAR.matcher(Files.readString(classpath));
                return m.find() ? m.group(1) : "unknown (no kafka-tools jar in " + classpath + ")";
            } catch (IOException e) {
                return "unknown (" + classpath + " unreadable: " + e.getMessage() + ")";
            }
        });
    }

    private String kcat() {
        try {
            Process p = new ProcessBuilder(List.of("kcat", "-V")).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "unknown (kcat -V did not end)";
            }
            Matcher m = KCAT.matcher(out);
            return m.find() ? m.group(1) + ", librdkafka " + m.group(2) : "unknown (kcat -V said: " + out.strip() + ")";
        } catch (IOException e) {
            return "not installed";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown (interrupted)";
        }
    }

    private String kafkajsPin() {
        Path packageJson = root.resolve("compat-tests/kafkajs/package.json");
        try {
            Matcher m = KAFKAJS_PIN.matcher(Files.readString(packageJson));
            return m.find() ? m.group(1) : "unknown (no kafkajs dependency in " + packageJson + ")";
        } catch (IOException e) {
            return "unknown (" + packageJson + " unreadable: " + e.getMessage() + ")";
        }
    }
}
