package io.ferrite.server;

import io.ferrite.storage.Retention;
import java.util.Map;
import java.util.Set;

/** The topic-level configs this broker knows, checked as Kafka checks them, and what they mean to the store. */
final class TopicConfigs {
    private static final Set<String> LONGS = Set.of("retention.ms", "retention.bytes", "segment.bytes", "segment.ms",
            "message.timestamp.before.max.ms", "message.timestamp.after.max.ms", "max.message.bytes",
            "min.insync.replicas", "flush.messages", "flush.ms", "delete.retention.ms", "min.compaction.lag.ms",
            "max.compaction.lag.ms", "local.retention.ms", "local.retention.bytes");
    private static final Set<String> CHOICES = Set.of("cleanup.policy", "message.timestamp.type", "compression.type");

    private TopicConfigs() {
    }

    /** Why the config is not acceptable, or null. */
    static String problem(String name, String value) {
        if (value == null) {
            return "config " + name + " has no value";
        }
        if (LONGS.contains(name)) {
            try {
                long v = Long.parseLong(value.trim());
                if (v < -1) {
                    return "config " + name + " must be -1 or more, not " + value;
                }
                return null;
            } catch (NumberFormatException e) {
                return "config " + name + " must be a number, not '" + value + "'";
            }
        }
        return switch (name) {
            case "message.timestamp.type" -> Set.of("CreateTime", "LogAppendTime").contains(value) ? null
                    : "message.timestamp.type must be CreateTime or LogAppendTime";
            case "cleanup.policy" -> Set.of("delete", "compact", "compact,delete", "delete,compact").contains(value)
                    ? null : "cleanup.policy must be delete and/or compact";
            case "compression.type" -> Set.of("producer", "uncompressed", "gzip", "snappy", "lz4", "zstd")
                    .contains(value) ? null : "unknown compression.type " + value;
            default -> CHOICES.contains(name) ? null : "unknown topic config " + name;
        };
    }

    /** The store retention these configs ask for, over the broker defaults. */
    static Retention retention(Map<String, String> configs, Retention defaults) {
        String ms = configs.get("retention.ms");
        String bytes = configs.get("retention.bytes");
        return new Retention(ms == null ? defaults.retentionMs() : Long.parseLong(ms.trim()),
                bytes == null ? defaults.retentionBytes() : Long.parseLong(bytes.trim()));
    }
}
