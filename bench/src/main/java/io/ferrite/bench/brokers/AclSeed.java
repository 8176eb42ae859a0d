package io.ferrite.bench.brokers;

import io.ferrite.storage.SecretFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * ACLs laid down in a Ferrite data directory before the broker starts, in the {@code acls} file's layout (see
 * the server's {@code AclStore}): what the benchmark's clients need as {@code User:ANONYMOUS} on the plaintext
 * listener (everything on the topics it makes, all starting with "w", the consumer groups, creating topics,
 * idempotent writes), among other users' ACLs up to {@code count}, literal and prefixed, so each request is
 * authorized against an ACL set of that size.
 */
final class AclSeed {
    private AclSeed() {
    }

    static void write(Path dataDir, int count) throws IOException {
        Files.createDirectories(dataDir);
        Map<String, String> lines = new HashMap<>();
        add(lines, "TOPIC", "w", "PREFIXED", "User:ANONYMOUS", "ALL");
        add(lines, "GROUP", "*", "LITERAL", "User:ANONYMOUS", "ALL");
        add(lines, "CLUSTER", "kafka-cluster", "LITERAL", "User:ANONYMOUS", "CREATE");
        add(lines, "CLUSTER", "kafka-cluster", "LITERAL", "User:ANONYMOUS", "IDEMPOTENT_WRITE");
        add(lines, "CLUSTER", "kafka-cluster", "LITERAL", "User:ANONYMOUS", "DESCRIBE");
        for (int i = 5; i < count; i++) {
            add(lines, i % 2 == 0 ? "TOPIC" : "GROUP", "team-" + i + (i % 3 == 0 ? "-" : ""),
                    i % 3 == 0 ? "PREFIXED" : "LITERAL", "User:user-" + i, i % 4 == 0 ? "WRITE" : "READ");
        }
        SecretFiles.write(dataDir.resolve("acls"), lines, "ACLs laid down by the benchmark");
    }

    private static void add(Map<String, String> lines, String type, String name, String pattern, String principal,
                            String operation) {
        String id = Uuid.randomUuid().toString();
        lines.put(id + ".resource.type", type);
        lines.put(id + ".resource.name", name);
        lines.put(id + ".pattern.type", pattern);
        lines.put(id + ".principal", principal);
        lines.put(id + ".host", "*");
        lines.put(id + ".operation", operation);
        lines.put(id + ".permission", "ALLOW");
    }
}
