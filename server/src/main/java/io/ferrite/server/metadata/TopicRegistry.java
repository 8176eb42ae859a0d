package io.ferrite.server.metadata;

import io.ferrite.group.TopicLookup;
import io.ferrite.protocol.BatchValidator;
import io.ferrite.server.config.TopicConfigs;
import io.ferrite.server.config.TopicDefaults;
import io.ferrite.storage.AtomicFiles;
import io.ferrite.storage.Compaction;
import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.ReadResult;
import io.ferrite.storage.Retention;
import io.ferrite.storage.Store;
import io.ferrite.storage.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import java.util.zip.CRC32C;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The topics, persisted in the file {@code topics} next to the store's files, and their partitions in the
 * store. Every change rewrites the file whole: written to {@code topics.tmp}, fsynced, renamed over the old
 * one, directory fsynced, so a crash leaves the old list or the new one.
 *
 * <pre>
 *  0  int32  magic 0xFE77709C
 *  4  int32  version 1
 *  8  int32  topic count N
 * 12  N times: string name, int64 id (most significant), int64 id (least significant), int32 partitions,
 *              int32 leader epoch, int32 config count C, C times (string key, string value)
 * ..  int32  CRC-32C of every byte before it
 * string: int16 length, then UTF-8 bytes
 * </pre>
 *
 * A topic is written to the file before its partitions exist in the store, and its partitions go from the
 * store before it leaves the file, so a crash can leave only empty partitions behind, never a topic without
 * its partitions; open creates any that are missing.
 */
public final class TopicRegistry {
    public static final String FILE = "topics";
    private static final int MAGIC = 0xFE77709C;
    private static final int VERSION = 1;

    private final Path dir;
    private final Store store;
    /** The broker's topic defaults; replaced, under the lock, when its dynamic configs change. */
    private volatile TopicDefaults defaults;
    private final Map<String, Topic> byName = new ConcurrentHashMap<>();
    private final Map<Uuid, Topic> byId = new ConcurrentHashMap<>();
    /** Each topic's name with '.' and '_' made one, to its name: collisions are a lookup, not a scan. */
    private final Map<String, String> unifiedNames = new HashMap<>();
    private final int maxPartitions;
    /** The partitions of every topic together; changed under the registry's lock. */
    private long partitionCount;
    private volatile BiConsumer<String, Uuid> deleted = (name, id) -> { };
    private volatile Runnable changed = () -> { };

    private TopicRegistry(Path dir, Store store, TopicDefaults defaults, int maxPartitions) {
        this.dir = dir;
        this.store = store;
        this.defaults = defaults;
        this.maxPartitions = maxPartitions;
    }

    /**
     * Kafka's controller refuses a CreateTopics asking for more partitions than this in all, with
     * POLICY_VIOLATION and this message; the broker applies the same bound to CreatePartitions and to the
     * topics one Metadata request would create.
     */
    /** The key of the broker-wide bound, named in refusals. */
    public static final String MAX_PARTITIONS_KEY = "store.max.partitions";
    public static final int MAX_PARTITIONS_PER_REQUEST = 10_000;
    public static final String TOO_MANY_PARTITIONS_PER_REQUEST = "Excessively large number of partitions per request.";

    /** A topic record, with its configs typed over the broker's defaults. */
    private Topic topic(String name, Uuid id, int partitions, int leaderEpoch, Map<String, String> configs) {
        BatchValidator.Rules rules;
        try {
            rules = defaults.produceRules(configs);
        } catch (RuntimeException e) { // the configs were validated when set: say which topic, not just "invalid"
            throw new IllegalStateException("topic '" + name + "' has configs " + configs
                    + " that produce cannot apply: " + e.getMessage(), e);
        }
        return new Topic(name, id, partitions, leaderEpoch, configs, rules);
    }

    /**
     * Loads the topics of {@code dir} and makes sure the store has every partition they name, with the retention
     * their configs ask for over the broker's {@code defaults}.
     */
    public static TopicRegistry open(Path dir, Store store, TopicDefaults defaults) {
        return open(dir, store, defaults, Integer.MAX_VALUE);
    }

    /**
     * As {@link #open(Path, Store, TopicDefaults)}; creations and additions that would take the topics past
     * {@code maxPartitions} partitions in all are refused. Topics already there stay, whatever their count.
     */
    public static TopicRegistry open(Path dir, Store store, TopicDefaults defaults, int maxPartitions) {
        TopicRegistry r = new TopicRegistry(dir, store, defaults, maxPartitions);
        for (Topic t : r.read(dir.resolve(FILE))) {
            r.byName.put(t.name(), t);
            r.byId.put(t.id(), t);
            r.unifiedNames.put(TopicNames.unifyCollisionChars(t.name()), t.name());
            r.partitionCount += t.partitions();
            store.createPartitions(keys(t));
            r.applyRetention(t);
        }
        return r;
    }

    /** Who hears of a topic deletion (its committed offsets go too); called before the topic's data goes. */
    public void onDelete(BiConsumer<String, Uuid> listener) {
        this.deleted = listener;
    }

    /**
     * Who hears that topics or partitions came or went (the broker's per-partition metrics); called under the
     * registry's lock once the change is visible, so it must be quick.
     */
    public void onChange(Runnable listener) {
        this.changed = listener;
    }

    /** The broker defaults topics run with where they set nothing themselves. */
    public TopicDefaults defaults() {
        return defaults;
    }

    /**
     * The broker's topic defaults changed (its dynamic configs): every topic is checked against them first, and
     * only if all can take them are they taken: each topic's produce rules and its partitions' retention and
     * compaction follow at once.
     *
     * @throws IllegalArgumentException if some topic's own configs cannot go with the new defaults
     */
    public synchronized void replaceDefaults(TopicDefaults next) {
        TopicDefaults before = defaults;
        List<Topic> remade = new ArrayList<>();
        defaults = next;
        try {
            for (Topic t : byName.values()) {
                remade.add(topic(t.name(), t.id(), t.partitions(), t.leaderEpoch(), t.configs()));
            }
        } catch (IllegalStateException e) {
            defaults = before;
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        for (Topic t : remade) {
            byName.put(t.name(), t);
            byId.put(t.id(), t);
            applyRetention(t);
        }
    }

    /** These topics as the group coordinator needs them. */
    public TopicLookup lookup() {
        return new TopicLookup() {
            @Override
            public int partitions(String topic) {
                Topic t = byName.get(topic);
                return t == null ? -1 : t.partitions();
            }

            @Override
            public String name(Uuid id) {
                Topic t = byId.get(id);
                return t == null ? null : t.name();
            }

            @Override
            public Uuid id(String topic) {
                Topic t = byName.get(topic);
                return t == null ? Uuid.ZERO_UUID : t.id();
            }

            @Override
            public Collection<String> names() {
                return List.copyOf(byName.keySet());
            }

            @Override
            public long logStartOffset(Uuid topicId, int partition) {
                return offset(topicId, partition, store::logStartOffset);
            }

            @Override
            public long logEndOffset(Uuid topicId, int partition) {
                return offset(topicId, partition, store::logEndOffset);
            }

            @Override
            public long lastStableOffset(Uuid topicId, int partition) {
                return offset(topicId, partition, store::lastStableOffset);
            }

            /** The partition's offset {@code of} tells, or -1 for no such partition (or one deleted meanwhile). */
            private long offset(Uuid topicId, int partition, java.util.function.ToLongFunction<PartitionKey> of) {
                PartitionKey key = key(topicId, partition);
                try {
                    return key == null ? -1 : of.applyAsLong(key);
                } catch (StoreException e) {
                    return -1;
                }
            }

            /** To the batch: the first batch with a record at or after the time, from its first offset. */
            @Override
            public long offsetForTimestamp(Uuid topicId, int partition, long timestamp) {
                PartitionKey key = key(topicId, partition);
                if (key == null) {
                    return -1;
                }
                try (ReadResult found = store.batchForTimestamp(key, timestamp)) {
                    if (found.batches().isEmpty()) {
                        return store.logEndOffset(key);
                    }
                    return Math.max(found.logStartOffset(), found.batches().get(0).buffer()
                            .getLong(found.batches().get(0).buffer().position()));
                } catch (StoreException e) {
                    return -1;
                }
            }

            private PartitionKey key(Uuid topicId, int partition) {
                Topic t = byId.get(topicId);
                return t == null || partition < 0 || partition >= t.partitions() ? null
                        : new PartitionKey(t.name(), partition);
            }
        };
    }

    public Topic get(String name) {
        return byName.get(name);
    }

    public Topic get(Uuid id) {
        return byId.get(id);
    }

    public Collection<Topic> all() {
        return byName.values();
    }

    /**
     * The name a request means: {@code name} when it gives one, else (newer versions name topics by id) the name
     * of the topic {@code id} is; null for an id no topic has.
     */
    public String nameOf(String name, Uuid id) {
        if (name != null && !name.isEmpty()) {
            return name;
        }
        Topic t = id == null || Uuid.ZERO_UUID.equals(id) ? null : byId.get(id);
        return t == null ? null : t.name();
    }

    /** Kafka's message for creating a topic that exists, which kafka-topics prints as it is. */
    public static String alreadyExists(String name) {
        return "Topic '" + name + "' already exists.";
    }

    /**
     * Creates a topic, durably.
     *
     * @throws InvalidTopicException     for an illegal name, or one that collides with another on '.' and '_'
     * @throws TopicExistsException      if it exists
     * @throws PolicyViolationException  if the broker would hold more than {@code store.max.partitions}
     */
    public Topic create(String name, int partitions, Map<String, String> configs) {
        Creation c = createAll(List.of(new NewTopic(name, partitions, configs))).get(0);
        if (c.error() != null) {
            throw c.error();
        }
        return c.topic();
    }

    /** A topic to create: its name, partition count and configs (already validated). */
    public record NewTopic(String name, int partitions, Map<String, String> configs) {
    }

    /** What became of one {@link NewTopic}: the topic created, or why not. */
    public record Creation(String name, Topic topic, ApiException error) {
    }

    /**
     * Creates the topics, in order, with one durable write of the file and one of the store's partition table
     * for all of them, so that creating many topics at once costs one fsync rather than one per topic (and
     * not a rewrite of the whole file per topic). Each is refused on its own as {@link #create} would refuse it;
     * topics past {@code store.max.partitions} are refused with POLICY_VIOLATION. Nothing is created if the
     * writes fail, which throws.
     */
    public List<Creation> createAll(List<NewTopic> wanted) {
        return createAll(wanted, true);
    }

    /**
     * As {@link #createAll(List)}; {@code writeSoon} says the topics are created to be written to (CreateTopics),
     * so the store makes their partitions' first index files now rather than at their first appends. Topics
     * auto-created by Metadata are not: a client can name thousands of topics it never writes.
     */
    public synchronized List<Creation> createAll(List<NewTopic> wanted, boolean writeSoon) {
        List<Creation> out = new ArrayList<>(wanted.size());
        Map<String, Topic> next = new LinkedHashMap<>(byName);
        Map<String, String> unified = new HashMap<>(unifiedNames);
        List<Topic> created = new ArrayList<>();
        long total = partitionCount;
        for (NewTopic n : wanted) {
            ApiException refusal = refusal(n, next, unified, total);
            if (refusal != null) {
                out.add(new Creation(n.name(), null, refusal));
                continue;
            }
            Topic t = topic(n.name(), Uuid.randomUuid(), n.partitions(), 0, n.configs());
            next.put(t.name(), t);
            unified.put(TopicNames.unifyCollisionChars(t.name()), t.name());
            total += t.partitions();
            created.add(t);
            out.add(new Creation(t.name(), t, null));
        }
        if (created.isEmpty()) {
            return out;
        }
        write(next.values());
        List<PartitionKey> keys = new ArrayList<>();
        for (Topic t : created) {
            byName.put(t.name(), t);
            byId.put(t.id(), t);
            keys.addAll(keys(t));
        }
        unifiedNames.putAll(unified);
        partitionCount = total;
        store.createPartitions(keys, writeSoon);
        created.forEach(this::applyRetention);
        changed.run();
        return out;
    }

    private ApiException refusal(NewTopic n, Map<String, Topic> next, Map<String, String> unified, long total) {
        String problem = TopicNames.problem(n.name());
        if (problem != null) {
            return new InvalidTopicException(problem);
        }
        if (next.containsKey(n.name())) {
            return new TopicExistsException(alreadyExists(n.name()));
        }
        String other = unified.get(TopicNames.unifyCollisionChars(n.name()));
        if (other != null) {
            return new InvalidTopicException("topic '" + n.name() + "' collides with existing topic '" + other
                    + "': '.' and '_' may not be the only difference");
        }
        if (total + n.partitions() > maxPartitions) {
            return new PolicyViolationException("topic '" + n.name() + "' with " + n.partitions()
                    + " partition(s) would take the broker past " + maxPartitions + " partitions ("
                    + MAX_PARTITIONS_KEY + "); it has " + total);
        }
        return null;
    }

    /**
     * Raises a topic's partition count to {@code count}, durably. The grown topic is written to the file first,
     * then its new partitions are made in the store, and only then is it visible here: a crash in between
     * leaves a file naming partitions the store lacks, which open creates, and a store failure leaves the old
     * count here, so a retry finishes the job.
     *
     * @throws UnknownTopicOrPartitionException if the topic does not exist
     * @throws InvalidPartitionsException       if {@code count} is not more than it has
     */
    public synchronized Topic addPartitions(String name, int count) {
        Topic t = byName.get(name);
        if (t == null) {
            throw new UnknownTopicOrPartitionException("topic '" + name + "' does not exist");
        }
        if (count <= t.partitions()) {
            throw new InvalidPartitionsException("topic '" + name + "' has " + t.partitions()
                    + " partitions; it can only grow");
        }
        if (partitionCount + count - t.partitions() > maxPartitions) {
            throw new PolicyViolationException("adding " + (count - t.partitions()) + " partition(s) to '" + name
                    + "' would take the broker past " + maxPartitions + " partitions (" + MAX_PARTITIONS_KEY
                    + "); it has " + partitionCount);
        }
        Topic grown = topic(t.name(), t.id(), count, t.leaderEpoch(), t.configs());
        Map<String, Topic> next = new LinkedHashMap<>(byName);
        next.put(name, grown);
        write(next.values());
        store.createPartitions(keys(grown), true);
        applyRetention(grown);
        byName.put(name, grown);
        byId.put(grown.id(), grown);
        partitionCount += count - t.partitions();
        changed.run();
        return grown;
    }

    /**
     * Replaces a topic's whole config set, durably, the way {@link #create} writes, and applies it at once:
     * retention goes to the store here; produce reads the new record on its next request. {@code change} gets
     * the current configs and returns the new ones, or throws to change nothing; it runs under the registry's
     * lock, so concurrent changes to one topic never lose each other.
     *
     * @throws UnknownTopicOrPartitionException if there is no such topic
     */
    public synchronized Topic replaceConfigs(String name, UnaryOperator<Map<String, String>> change) {
        Topic old = byName.get(name);
        if (old == null) {
            throw new UnknownTopicOrPartitionException("topic '" + name + "' does not exist");
        }
        Topic t = topic(old.name(), old.id(), old.partitions(), old.leaderEpoch(), change.apply(old.configs()));
        Map<String, Topic> next = new LinkedHashMap<>(byName);
        next.put(name, t);
        write(next.values());
        byName.put(name, t);
        byId.put(t.id(), t);
        applyRetention(t);
        return t;
    }

    /** The topic's retention and compaction, from its configs over the broker's, for each of its partitions. */
    private void applyRetention(Topic t) {
        Retention r = TopicConfigs.retention(defaults, t.configs());
        Compaction c = TopicConfigs.compaction(defaults, t.configs());
        for (PartitionKey k : keys(t)) {
            store.setRetention(k, r);
            store.setCompaction(k, c);
        }
    }

    /**
     * Deletes a topic and its data, durably. Its partitions leave the store first, then the topic leaves the
     * file: a crash between the two leaves the topic, empty, never a topic file entry without its partitions.
     * A topic created later under the same name gets a new id and none of the old data.
     */
    public synchronized void delete(Topic t) {
        if (byName.get(t.name()) != t) {
            return;
        }
        deleted.accept(t.name(), t.id());
        for (PartitionKey k : keys(t)) {
            if (store.hasPartition(k)) {
                store.deletePartition(k);
            }
        }
        Map<String, Topic> next = new LinkedHashMap<>(byName);
        next.remove(t.name());
        write(next.values());
        byName.remove(t.name());
        byId.remove(t.id());
        unifiedNames.remove(TopicNames.unifyCollisionChars(t.name()));
        partitionCount -= t.partitions();
        changed.run();
    }

    private static List<PartitionKey> keys(Topic t) {
        List<PartitionKey> keys = new ArrayList<>(t.partitions());
        for (int p = 0; p < t.partitions(); p++) {
            keys.add(new PartitionKey(t.name(), p));
        }
        return keys;
    }

    private void write(Collection<Topic> topics) {
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        b.putInt(MAGIC).putInt(VERSION).putInt(topics.size());
        for (Topic t : topics) {
            b = ensure(b, 64 + t.name().length() * 3);
            putString(b, t.name());
            b.putLong(t.id().getMostSignificantBits()).putLong(t.id().getLeastSignificantBits())
                    .putInt(t.partitions()).putInt(t.leaderEpoch()).putInt(t.configs().size());
            for (Map.Entry<String, String> c : t.configs().entrySet()) {
                b = ensure(b, 4 + (c.getKey().length() + c.getValue().length()) * 3);
                putString(b, c.getKey());
                putString(b, c.getValue());
            }
        }
        b = ensure(b, 4);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue()).flip();
        try {
            AtomicFiles.replace(dir.resolve(FILE), b);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(FILE), e);
        }
    }

    private List<Topic> read(Path file) {
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
            CRC32C crc = new CRC32C();
            crc.update(b.array(), 0, b.limit() - 4);
            if (b.limit() < 16 || b.getInt(0) != MAGIC || b.getInt(4) != VERSION
                    || (int) crc.getValue() != b.getInt(b.limit() - 4)) {
                throw new IOException("not a valid version " + VERSION + " topics file");
            }
            b.position(8);
            int n = b.getInt();
            List<Topic> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String name = getString(b);
                Uuid id = new Uuid(b.getLong(), b.getLong());
                int partitions = b.getInt();
                int epoch = b.getInt();
                int c = b.getInt();
                Map<String, String> configs = new LinkedHashMap<>();
                for (int j = 0; j < c; j++) {
                    configs.put(getString(b), getString(b));
                }
                out.add(topic(name, id, partitions, epoch, configs));
            }
            return out;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the topics file " + file + " is unreadable: " + e.getMessage(), e);
        }
    }

    private static ByteBuffer ensure(ByteBuffer b, int more) {
        if (b.remaining() >= more) {
            return b;
        }
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + more));
        bigger.put(b.flip());
        return bigger;
    }

    private static void putString(ByteBuffer b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b.putShort((short) bytes.length).put(bytes);
    }

    private static String getString(ByteBuffer b) {
        byte[] bytes = new byte[b.getShort() & 0xFFFF];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
