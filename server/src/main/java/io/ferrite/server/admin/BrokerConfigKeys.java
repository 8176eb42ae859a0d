package io.ferrite.server.admin;

import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.config.TopicConfigDef;
import io.ferrite.server.config.TopicConfigs;
import io.ferrite.server.config.TopicDefaults;
import io.ferrite.server.config.TopicConfigDef.BrokerSynonym;
import io.ferrite.group.ConsumerGroupConfig;
import io.ferrite.group.GroupConfig;
import io.ferrite.storage.StoreConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;

/**
 * This broker's configs as DescribeConfigs lists them for its node id: every property the broker reads, the
 * broker default of every topic config, and whatever else its properties set. The broker reads its properties
 * once, at start, so every entry is read-only; a property it does not know is listed as sensitive, without its
 * value, as Kafka lists keys it has no definition for.
 */
final class BrokerConfigKeys {
    /** A property the broker reads, and the value it runs with when the properties leave it out. */
    private record Key(String name, Type type, Function<BrokerConfig, String> running, String doc) {
    }

    private static final List<Key> OWN = List.of(
            new Key("listeners", Type.LIST, c -> "PLAINTEXT://:9092", "address and port to listen on"),
            new Key("advertised.listeners", Type.LIST, c -> null, "address and port clients are told"),
            new Key("node.id", Type.INT, c -> Integer.toString(c.nodeId()), "this broker's id"),
            new Key("socket.request.max.bytes", Type.INT, c -> Integer.toString(c.maxRequestBytes()),
                    "largest request accepted"),
            new Key("num.network.threads", Type.INT, c -> Integer.toString(c.networkThreads()),
                    "event-loop threads serving connections"),
            new Key("auto.create.topics.enable", Type.BOOLEAN, c -> Boolean.toString(c.autoCreateTopics()),
                    "whether Metadata creates unknown topics"),
            new Key("num.partitions", Type.INT, c -> Integer.toString(c.numPartitions()),
                    "partitions of a topic created without a count"),
            new Key("log.dirs", Type.LIST, c -> c.store().dataDir().toString(), "where the store keeps its files"),
            new Key("log.retention.check.interval.ms", Type.LONG, c -> Long.toString(c.store().retentionCheckIntervalMs()),
                    "how often retention runs"),
            store("store.commitlog.file.bytes", Type.INT, s -> s.commitLogFileSize(), "bytes per CommitLog file"),
            store("store.consumequeue.file.entries", Type.INT, s -> s.consumeQueueEntriesPerFile(),
                    "entries per ConsumeQueue file"),
            store("store.flush.mode", Type.STRING, s -> s.flushMode().name().toLowerCase(Locale.ROOT),
                    "sync: acknowledged after an fsync; async: flushed periodically"),
            store("store.flush.interval.ms", Type.LONG, s -> s.flushIntervalMs(), "async flush and checkpoint period"),
            store("store.group.commit.gather.us", Type.LONG, s -> s.groupCommitGatherMicros(),
                    "sync mode: longest wait to gather appends before an fsync"),
            store("store.warm.enable", Type.BOOLEAN, s -> s.warmFiles(), "write every page of a new CommitLog file"),
            store("store.warm.flush.pages", Type.INT, s -> s.warmFlushPages(), "pages between flushes while warming"),
            store("store.mlock.enable", Type.BOOLEAN, s -> s.mlock(), "lock CommitLog files in memory"),
            store("store.append.into.mapping", Type.BOOLEAN, s -> s.appendIntoMapping(),
                    "copy appends into the CommitLog mapping instead of writing them with pwrite"),
            store("store.transient.pool.enable", Type.BOOLEAN, s -> s.transientStorePoolEnabled(),
                    "write appends through off-heap buffers"),
            store("store.transient.pool.buffers", Type.INT, s -> s.transientStorePoolBuffers(),
                    "buffers in that pool"),
            store("store.commit.interval.ms", Type.LONG, s -> s.commitIntervalMs(),
                    "how often pooled bytes move into the files"),
            store("store.read.verify.crc", Type.BOOLEAN, s -> s.readVerifyCrc(), "check CRCs of every batch read"),
            store("store.release.flushed.pages", Type.BOOLEAN, s -> s.releaseFlushedPages(),
                    "stop mapping flushed CommitLog pages in the broker's memory"),
            store("store.max.disk.used.ratio", Type.DOUBLE, s -> s.maxDiskUsedRatio(),
                    "disk share above which the oldest CommitLog file goes"),
            store("store.file.max.age.ms", Type.LONG, s -> s.fileMaxAgeMs(),
                    "age at which a CommitLog file goes regardless; -1: never"),
            group("group.min.session.timeout.ms", Type.INT, g -> g.minSessionTimeoutMs(),
                    "shortest session timeout a classic-group member may ask for"),
            group("group.max.session.timeout.ms", Type.INT, g -> g.maxSessionTimeoutMs(),
                    "longest session timeout a classic-group member may ask for"),
            group("group.initial.rebalance.delay.ms", Type.INT, g -> g.initialRebalanceDelayMs(),
                    "how long a new classic group waits for more members"),
            group("group.max.size", Type.INT, g -> g.maxSize(), "members per classic group"),
            group("offsets.retention.minutes", Type.INT, g -> g.offsetsRetentionMs() / 60_000,
                    "how long an empty group's committed offsets are kept"),
            group("offsets.retention.check.interval.ms", Type.LONG, g -> g.offsetsRetentionCheckMs(),
                    "how often offset expiry runs"),
            group("offset.metadata.max.bytes", Type.INT, g -> g.offsetMetadataMaxBytes(),
                    "longest metadata an offset commit may carry"),
            group("store.coordinator.compact.bytes", Type.LONG, g -> g.compactAfterBytes(),
                    "CommitLog bytes the coordinator log may hold back before it is compacted"),
            consumer("group.consumer.session.timeout.ms", Type.INT, g -> g.sessionTimeoutMs(),
                    "session timeout of consumer-protocol members"),
            consumer("group.consumer.min.session.timeout.ms", Type.INT, g -> g.minSessionTimeoutMs(),
                    "lower bound of that session timeout"),
            consumer("group.consumer.max.session.timeout.ms", Type.INT, g -> g.maxSessionTimeoutMs(),
                    "upper bound of that session timeout"),
            consumer("group.consumer.heartbeat.interval.ms", Type.INT, g -> g.heartbeatIntervalMs(),
                    "how often consumer-protocol members heartbeat"),
            consumer("group.consumer.min.heartbeat.interval.ms", Type.INT, g -> g.minHeartbeatIntervalMs(),
                    "lower bound of that interval"),
            consumer("group.consumer.max.heartbeat.interval.ms", Type.INT, g -> g.maxHeartbeatIntervalMs(),
                    "upper bound of that interval"),
            consumer("group.consumer.max.size", Type.INT, g -> g.maxSize(), "members per consumer group"),
            consumer("group.consumer.assignors", Type.LIST, g -> String.join(",", g.assignors()),
                    "server assignors members may name; the first is the default"));

    private BrokerConfigKeys() {
    }

    private static Key store(String name, Type type, Function<StoreConfig, Object> field, String doc) {
        return new Key(name, type, c -> String.valueOf(field.apply(c.store())), doc);
    }

    private static Key group(String name, Type type, Function<GroupConfig, Object> field, String doc) {
        return new Key(name, type, c -> String.valueOf(field.apply(GroupConfig.fromProperties(c.properties()))),
                doc);
    }

    private static Key consumer(String name, Type type, Function<ConsumerGroupConfig, Object> field, String doc) {
        return new Key(name, type,
                c -> String.valueOf(field.apply(ConsumerGroupConfig.fromProperties(c.properties()))), doc);
    }

    /** Every entry, in name order. */
    static List<DescribeConfigsResourceResult> describe(BrokerConfig config, boolean includeSynonyms,
                                                        boolean includeDocumentation) {
        Map<String, String> props = config.properties();
        Map<String, DescribeConfigsResourceResult> byName = new TreeMap<>();
        for (Key k : OWN) {
            List<TopicDefaults.Synonym> synonyms = new ArrayList<>();
            if (props.containsKey(k.name())) {
                synonyms.add(new TopicDefaults.Synonym(k.name(), props.get(k.name()), ConfigSource.STATIC_BROKER_CONFIG));
            }
            String running = k.running().apply(config);
            if (running != null) {
                synonyms.add(new TopicDefaults.Synonym(k.name(), running, ConfigSource.DEFAULT_CONFIG));
            }
            String value = props.containsKey(k.name()) ? props.get(k.name()) : running;
            byName.put(k.name(), ConfigDescriptions.entry(k.name(), value, true, false, synonyms, k.type(), k.doc(),
                    includeSynonyms, includeDocumentation));
        }
        Set<String> listed = new HashSet<>(byName.keySet());
        for (TopicConfigDef def : TopicConfigs.all()) {
            for (BrokerSynonym s : def.brokerSynonyms()) {
                if (!listed.add(s.name())) {
                    continue;
                }
                String value = props.getOrDefault(s.name(), s.kafkaDefault());
                byName.put(s.name(), ConfigDescriptions.entry(s.name(), value, true, false,
                        config.topicDefaults().chain(s.name(), def.brokerSynonyms()), s.type(),
                        "default of topic config " + def.name() + " for every topic", includeSynonyms,
                        includeDocumentation));
            }
        }
        for (Map.Entry<String, String> p : props.entrySet()) {
            if (listed.add(p.getKey())) {
                byName.put(p.getKey(), ConfigDescriptions.entry(p.getKey(), p.getValue(), true, true,
                        List.of(new TopicDefaults.Synonym(p.getKey(), p.getValue(), ConfigSource.STATIC_BROKER_CONFIG)),
                        null, null, includeSynonyms, includeDocumentation));
            }
        }
        return new ArrayList<>(byName.values());
    }
}
