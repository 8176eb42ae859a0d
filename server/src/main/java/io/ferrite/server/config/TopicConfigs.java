package io.ferrite.server.config;

import io.ferrite.server.config.TopicConfigDef.BrokerSynonym;
import io.ferrite.storage.Compaction;
import io.ferrite.storage.Retention;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidList;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Every topic config Kafka 4.3 defines, with its type, default, broker synonyms and check: CreateTopics,
 * DescribeConfigs and both alter APIs validate and describe from this one table. Values are parsed and checked
 * by kafka-clients' {@link ConfigDef} types and validators, so they are read exactly as Kafka reads them.
 *
 * <p>Configs marked not honoured are accepted, persisted and described, because Kafka Streams and the CLI set
 * them, but this broker does not act on them (one CommitLog, no segments per partition, one replica, no
 * compaction, no tiered storage).
 */
public final class TopicConfigs {
    public static final long MS_PER_MINUTE = 60_000;
    public static final long MS_PER_HOUR = 3_600_000;
    private static final String MAX = Long.toString(Long.MAX_VALUE);
    private static final Map<String, TopicConfigDef> ALL;

    static {
        Map<String, TopicConfigDef> m = new TreeMap<>();
        add(m, "cleanup.policy", Type.LIST, "delete", ValidList.in(true, "compact", "delete"), true,
                "delete: old batches go by retention; compact: the cleaner keeps the latest record of each key; "
                        + "both: both; an empty list: batches are kept", log("cleanup.policy", Type.LIST, "delete"));
        add(m, "compression.type", Type.STRING, "producer",
                ValidString.in("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"), false,
                "final compression of the topic's batches (batches are stored as the producer sent them)",
                same("compression.type", Type.STRING, "producer"));
        add(m, "compression.gzip.level", Type.INT, "-1", new GzipLevel(), false, "gzip level when recompressing",
                same("compression.gzip.level", Type.INT, "-1"));
        add(m, "compression.lz4.level", Type.INT, "9", Range.between(1, 17), false, "lz4 level when recompressing",
                same("compression.lz4.level", Type.INT, "9"));
        add(m, "compression.zstd.level", Type.INT, "3", Range.between(-131072, 22), false,
                "zstd level when recompressing", same("compression.zstd.level", Type.INT, "3"));
        add(m, "delete.retention.ms", Type.LONG, "86400000", Range.atLeast(0), true,
                "how long compaction keeps delete markers", log("cleaner.delete.retention.ms", Type.LONG, "86400000"));
        add(m, "file.delete.delay.ms", Type.LONG, "60000", Range.atLeast(0), false,
                "wait before a deleted segment file is removed", log("segment.delete.delay.ms", Type.LONG, "60000"));
        add(m, "flush.messages", Type.LONG, MAX, Range.atLeast(1), false,
                "records between forced flushes (the store's flush mode decides)",
                log("flush.interval.messages", Type.LONG, MAX));
        add(m, "flush.ms", Type.LONG, MAX, Range.atLeast(0), false,
                "time between forced flushes (the store's flush mode decides)",
                log("flush.interval.ms", Type.LONG, null), log("flush.scheduler.interval.ms", Type.LONG, MAX));
        add(m, "follower.replication.throttled.replicas", Type.LIST, "", new ThrottledReplicas(), false,
                "replicas throttled on the follower side (one replica here)");
        add(m, "index.interval.bytes", Type.INT, "4096", Range.atLeast(0), false,
                "bytes between offset index entries (the ConsumeQueue indexes every batch)",
                log("index.interval.bytes", Type.INT, "4096"));
        add(m, "leader.replication.throttled.replicas", Type.LIST, "", new ThrottledReplicas(), false,
                "replicas throttled on the leader side (one replica here)");
        add(m, "local.retention.bytes", Type.LONG, "-2", Range.atLeast(-2), false,
                "local bytes kept with tiered storage (not available here)", log("local.retention.bytes", Type.LONG, "-2"));
        add(m, "local.retention.ms", Type.LONG, "-2", Range.atLeast(-2), false,
                "local time kept with tiered storage (not available here)", log("local.retention.ms", Type.LONG, "-2"));
        add(m, "max.compaction.lag.ms", Type.LONG, MAX, Range.atLeast(1), true,
                "longest a record stays uncompacted", log("cleaner.max.compaction.lag.ms", Type.LONG, MAX));
        add(m, "max.message.bytes", Type.INT, "1048588", Range.atLeast(0), true,
                "largest record batch a produce may append to the topic",
                same("message.max.bytes", Type.INT, "1048588"));
        add(m, "message.downconversion.enable", Type.BOOLEAN, "true", null, false,
                "no effect: old record formats are never converted",
                log("message.downconversion.enable", Type.BOOLEAN, "true"));
        add(m, "message.timestamp.after.max.ms", Type.LONG, "3600000", Range.atLeast(0), true,
                "how far in the future a CreateTime timestamp may be",
                log("message.timestamp.after.max.ms", Type.LONG, "3600000"));
        add(m, "message.timestamp.before.max.ms", Type.LONG, MAX, Range.atLeast(0), true,
                "how far in the past a CreateTime timestamp may be",
                log("message.timestamp.before.max.ms", Type.LONG, MAX));
        add(m, "message.timestamp.type", Type.STRING, "CreateTime", ValidString.in("CreateTime", "LogAppendTime"),
                true, "CreateTime keeps the producer's timestamps, LogAppendTime stamps batches on append",
                log("message.timestamp.type", Type.STRING, "CreateTime"));
        add(m, "min.cleanable.dirty.ratio", Type.DOUBLE, "0.5", Range.between(0, 1), true,
                "share of the log uncompacted before compaction runs", log("cleaner.min.cleanable.ratio", Type.DOUBLE, "0.5"));
        add(m, "min.compaction.lag.ms", Type.LONG, "0", Range.atLeast(0), true,
                "shortest a record stays uncompacted", log("cleaner.min.compaction.lag.ms", Type.LONG, "0"));
        add(m, "min.insync.replicas", Type.INT, "1", Range.atLeast(1), false,
                "replicas that must acknowledge an acks=all produce (one replica here)",
                same("min.insync.replicas", Type.INT, "1"));
        add(m, "preallocate", Type.BOOLEAN, "false", null, false,
                "preallocate segment files (the store always preallocates its CommitLog files)",
                log("preallocate", Type.BOOLEAN, "false"));
        add(m, "remote.log.copy.disable", Type.BOOLEAN, "false", null, false,
                "stop copying to tiered storage (not available here)");
        add(m, "remote.log.delete.on.disable", Type.BOOLEAN, "false", null, false,
                "delete tiered data when tiered storage is turned off (not available here)");
        add(m, "remote.storage.enable", Type.BOOLEAN, "false", null, true,
                "tiered storage for the topic; this broker has none, so only false is accepted");
        add(m, "retention.bytes", Type.LONG, "-1", null, true,
                "most bytes a partition keeps before its oldest batches go; negative: no limit",
                log("retention.bytes", Type.LONG, "-1"));
        add(m, "retention.ms", Type.LONG, "604800000", Range.atLeast(-1), true,
                "how long a batch is kept, by its largest timestamp; -1: forever",
                log("retention.ms", Type.LONG, null), new BrokerSynonym("log.retention.minutes", Type.INT, null,
                        MS_PER_MINUTE), new BrokerSynonym("log.retention.hours", Type.INT, "168", MS_PER_HOUR));
        add(m, "segment.bytes", Type.INT, "1073741824", Range.atLeast(1048576), false,
                "segment file size (partitions share the CommitLog, sized by store.commitlog.file.bytes)",
                log("segment.bytes", Type.INT, "1073741824"));
        add(m, "segment.index.bytes", Type.INT, "10485760", Range.atLeast(4), false,
                "offset index size per segment", log("index.size.max.bytes", Type.INT, "10485760"));
        add(m, "segment.jitter.ms", Type.LONG, "0", Range.atLeast(0), false,
                "random jitter on segment rolls", log("roll.jitter.ms", Type.LONG, null),
                new BrokerSynonym("log.roll.jitter.hours", Type.INT, "0", MS_PER_HOUR));
        add(m, "segment.ms", Type.LONG, "604800000", Range.atLeast(1), false,
                "time before a segment rolls", log("roll.ms", Type.LONG, null),
                new BrokerSynonym("log.roll.hours", Type.INT, "168", MS_PER_HOUR));
        add(m, "unclean.leader.election.enable", Type.BOOLEAN, "false", null, false,
                "let an out-of-sync replica lead (one replica here)",
                same("unclean.leader.election.enable", Type.BOOLEAN, "false"));
        ALL = Collections.unmodifiableMap(m);
    }

    private TopicConfigs() {
    }

    /** Every topic config, by name. */
    public static Collection<TopicConfigDef> all() {
        return ALL.values();
    }

    /** The config called {@code name}, or null if Kafka has no such topic config. */
    public static TopicConfigDef get(String name) {
        return ALL.get(name);
    }

    /**
     * The value parsed as its config's type (a List for LIST), checked by Kafka's validator. A list loses
     * repeated items first, as Kafka's parsing drops them: {@code delete,delete} is {@code delete}.
     */
    public static Object parse(TopicConfigDef def, String value) throws ConfigException {
        Object parsed = ConfigDef.parseType(def.name(), value, def.type());
        if (parsed instanceof List<?> items) {
            parsed = List.copyOf(new LinkedHashSet<>(items));
        }
        if (def.validator() != null) {
            def.validator().ensureValid(def.name(), parsed);
        }
        return parsed;
    }

    /** The value as DescribeConfigs prints it: parsed and printed back (trimmed, lists without spaces). */
    public static String canonical(TopicConfigDef def, String value) {
        return value == null ? null : ConfigDef.convertToString(parse(def, value), def.type());
    }

    /** Why one config is not acceptable, or null. */
    public static String problem(String name, String value) {
        TopicConfigDef def = ALL.get(name);
        if (def == null) {
            return "unknown topic config " + name;
        }
        if (value == null) {
            return "topic config " + name + " has no value";
        }
        try {
            parse(def, value);
        } catch (ConfigException e) {
            return e.getMessage();
        }
        if (def.name().equals("remote.storage.enable") && Boolean.parseBoolean(value.trim())) {
            return "remote.storage.enable cannot be true: this broker has no tiered storage";
        }
        return null;
    }

    /**
     * Why a topic's whole config set is not acceptable, or null: each config on its own, then the rules across
     * configs, judged with the broker's defaults for the configs the topic does not set.
     */
    public static String problem(Map<String, String> configs, TopicDefaults defaults) {
        for (Map.Entry<String, String> c : configs.entrySet()) {
            String problem = problem(c.getKey(), c.getValue());
            if (problem != null) {
                return problem;
            }
        }
        long minLag = Long.parseLong(defaults.effective(configs, "min.compaction.lag.ms"));
        long maxLag = Long.parseLong(defaults.effective(configs, "max.compaction.lag.ms"));
        if (minLag > maxLag) {
            return "min.compaction.lag.ms (" + minLag + ") is above max.compaction.lag.ms (" + maxLag + ")";
        }
        return null;
    }

    /** The compaction a topic's effective configs ask for; null unless its cleanup policy includes compact. */
    public static Compaction compaction(TopicDefaults defaults, Map<String, String> configs) {
        @SuppressWarnings("unchecked")
        List<String> policy = (List<String>) parse(ALL.get("cleanup.policy"),
                defaults.effective(configs, "cleanup.policy"));
        if (!policy.contains("compact")) {
            return null;
        }
        return new Compaction(Long.parseLong(defaults.effective(configs, "delete.retention.ms")),
                Long.parseLong(defaults.effective(configs, "min.compaction.lag.ms")),
                Long.parseLong(defaults.effective(configs, "max.compaction.lag.ms")),
                Double.parseDouble(defaults.effective(configs, "min.cleanable.dirty.ratio")));
    }

    /**
     * The store retention a topic's effective configs ask for. Batches go by time and size only where the
     * cleanup policy includes delete; a compact-only or empty policy keeps them, and the cleaner compacts them.
     */
    public static Retention retention(TopicDefaults defaults, Map<String, String> configs) {
        @SuppressWarnings("unchecked")
        List<String> policy = (List<String>) parse(ALL.get("cleanup.policy"),
                defaults.effective(configs, "cleanup.policy"));
        if (!policy.contains("delete")) {
            return new Retention(-1, -1);
        }
        long ms = Long.parseLong(defaults.effective(configs, "retention.ms"));
        long bytes = Long.parseLong(defaults.effective(configs, "retention.bytes"));
        return new Retention(ms, Math.max(bytes, -1)); // any negative size means no limit, as in Kafka
    }

    private static void add(Map<String, TopicConfigDef> m, String name, Type type, String kafkaDefault,
                            ConfigDef.Validator validator, boolean honoured, String doc, BrokerSynonym... synonyms) {
        m.put(name, new TopicConfigDef(name, type, kafkaDefault, List.of(synonyms), validator, honoured, doc));
    }

    /** A broker synonym named like the topic config, with {@code log.} in front. */
    private static BrokerSynonym log(String suffix, Type type, String kafkaDefault) {
        return new BrokerSynonym("log." + suffix, type, kafkaDefault, 1);
    }

    private static BrokerSynonym same(String name, Type type, String kafkaDefault) {
        return new BrokerSynonym(name, type, kafkaDefault, 1);
    }

    /** gzip's levels: 1 to 9, or -1 for the library's default. */
    private static final class GzipLevel implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            int level = (Integer) value;
            if (level != -1 && (level < 1 || level > 9)) {
                throw new ConfigException(name, value, "a gzip level is 1 to 9, or -1");
            }
        }

        @Override
        public String toString() {
            return "-1, or [1,...,9]";
        }
    }

    /** A list of partition:broker pairs, or the single wildcard {@code *}. */
    private static final class ThrottledReplicas implements ConfigDef.Validator {
        private static final Pattern PAIR = Pattern.compile("\\d+:\\d+");

        @Override
        public void ensureValid(String name, Object value) {
            @SuppressWarnings("unchecked")
            List<String> replicas = (List<String>) value;
            if (replicas.equals(List.of("*"))) {
                return;
            }
            for (String r : replicas) {
                if (!PAIR.matcher(r.trim()).matches()) {
                    throw new ConfigException(name, value, "expected '*' or a list of partition:broker pairs");
                }
            }
        }

        @Override
        public String toString() {
            return "*, or partition:broker pairs";
        }
    }
}
