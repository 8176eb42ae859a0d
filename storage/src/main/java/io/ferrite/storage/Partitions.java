package io.ferrite.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The partition table: which partitions exist, their ids in the CommitLog, and the {@link Checkpoint} that
 * persists them. Creating or deleting a partition rewrites the checkpoint before it returns, so an entry
 * is never written for an id that a restart would not know.
 */
final class Partitions {
    private final Path root;
    private final FileAllocator allocator;
    private final FileAllocator.Spec queueSpec;
    private final ConcurrentHashMap<PartitionKey, PartitionLog> byKey = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, PartitionLog> byId = new ConcurrentHashMap<>();
    private int nextId;
    private long checkpointedPosition;

    Partitions(Path root, FileAllocator allocator, FileAllocator.Spec queueSpec) {
        this.root = root;
        this.allocator = allocator;
        this.queueSpec = queueSpec;
    }

    /** Opens every partition the checkpoint names, its queue cut at the checkpoint position. */
    void load(Checkpoint cp) throws IOException {
        nextId = cp.nextPartitionId();
        checkpointedPosition = cp.commitLogPosition();
        removeUnknownQueues(cp);
        for (Checkpoint.PartitionRecord r : cp.partitions()) {
            ConsumeQueue q = newQueue(r.id());
            q.load(cp.commitLogPosition());
            PartitionLog p = new PartitionLog(r.id(), r.key(), q, abortedIndex(r.id()), r.logStartOffset());
            byKey.put(r.key(), p);
            byId.put(r.id(), p);
        }
    }

    /** Queue directories the checkpoint does not name belong to deleted partitions, or to never-finished creations. */
    private void removeUnknownQueues(Checkpoint cp) throws IOException {
        Path queues = root.resolve("consumequeue");
        if (!Files.isDirectory(queues)) {
            return;
        }
        Set<String> known = new HashSet<>();
        cp.partitions().forEach(r -> known.add(Integer.toString(r.id())));
        List<Path> unknown;
        try (Stream<Path> s = Files.list(queues)) {
            unknown = s.filter(d -> !known.contains(d.getFileName().toString())).toList();
        }
        for (Path dir : unknown) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    private ConsumeQueue newQueue(int id) {
        return new ConsumeQueue(new MappedFileQueue(queueDir(id), allocator, queueSpec));
    }

    private AbortedTransactionIndex abortedIndex(int id) {
        return new AbortedTransactionIndex(queueDir(id).resolve(AbortedTransactionIndex.FILE));
    }

    private Path queueDir(int id) {
        return root.resolve("consumequeue").resolve(Integer.toString(id));
    }

    PartitionLog get(PartitionKey key) {
        return byKey.get(key);
    }

    PartitionLog require(PartitionKey key) {
        PartitionLog p = byKey.get(key);
        if (p == null) {
            throw new StoreException(StoreException.Category.UNKNOWN_PARTITION, "no partition " + key);
        }
        return p;
    }

    PartitionLog byId(int id) {
        return byId.get(id);
    }

    Collection<PartitionLog> all() {
        return byKey.values();
    }

    /**
     * Creates the partitions that are absent, durably, with one checkpoint write for all of them. They become
     * visible only once that write succeeded, so no entry is ever appended for an id a restart would not know.
     */
    synchronized void create(Collection<PartitionKey> keys) {
        List<PartitionLog> added = new ArrayList<>();
        try {
            for (PartitionKey key : keys) {
                if (byKey.containsKey(key) || added.stream().anyMatch(p -> p.key().equals(key))) {
                    continue;
                }
                int id = nextId++;
                Files.createDirectories(queueDir(id));
                ConsumeQueue q = newQueue(id);
                q.load(0);
                added.add(new PartitionLog(id, key, q, abortedIndex(id), 0));
            }
            if (added.isEmpty()) {
                return;
            }
            List<PartitionLog> all = new ArrayList<>(byKey.values());
            all.addAll(added);
            writeCheckpoint(checkpointedPosition, all);
        } catch (IOException e) {
            added.forEach(this::discard);
            throw StoreException.fromIo("cannot create partitions " + keys, root, e);
        }
        // No index file yet: the first append makes it, so topics nobody writes to take no disk and no
        // descriptor (a client can ask for thousands at once).
        for (PartitionLog p : added) {
            byKey.put(p.key(), p);
            byId.put(p.id(), p);
        }
    }

    /**
     * Forgets the partition durably and deletes its queue. Its CommitLog entries stay until retention removes
     * their files; recovery skips them since the id is gone.
     */
    synchronized void delete(PartitionLog p) {
        byKey.remove(p.key(), p);
        byId.remove(p.id(), p);
        try {
            writeCheckpoint(checkpointedPosition);
        } catch (IOException e) {
            throw StoreException.fromIo("cannot persist deletion of " + p.key(), root, e);
        }
        discard(p);
    }

    /** Deletes a partition's queue files, any made ahead for it, and its directory. */
    private void discard(PartitionLog p) {
        allocator.cancelUnder(queueDir(p.id()));
        p.queue().destroy();
        p.producers().delete();
        try {
            Files.deleteIfExists(queueDir(p.id()));
        } catch (IOException e) {
            // files still held by a reader are deleted when released; the empty directory may remain
        }
    }

    /**
     * Writes the checkpoint at CommitLog position {@code position}. Each partition's log end is taken as of
     * that position, so recovery can tell a queue that lost files from one that is merely behind.
     */
    synchronized void writeCheckpoint(long position) throws IOException {
        writeCheckpoint(position, byKey.values());
    }

    private void writeCheckpoint(long position, Collection<PartitionLog> parts) throws IOException {
        List<Checkpoint.PartitionRecord> records = new ArrayList<>(parts.size());
        for (PartitionLog p : parts) {
            records.add(new Checkpoint.PartitionRecord(p.id(), p.key(), p.logStartOffset(), endOffsetAt(p, position)));
        }
        new Checkpoint(position, nextId, records).write(root);
        checkpointedPosition = position;
    }

    /** Rewrites the checkpoint at the position it already has, so that it holds the log starts as they are now. */
    synchronized void rewriteCheckpoint() throws IOException {
        writeCheckpoint(checkpointedPosition);
    }

    /** The partition's log end offset counting only entries before {@code position}. */
    static long endOffsetAt(PartitionLog p, long position) {
        ConsumeQueue q = p.queue();
        long end = q.endIndex();
        long i = q.firstIndexAtOrAfterPosition(position, q.startIndex());
        ConsumeQueue.Entry e = i < end ? q.entry(i) : null;
        if (e != null) {
            return Math.max(p.logStartOffset(), e.baseOffset());
        }
        ConsumeQueue.Entry last = end > q.startIndex() ? q.entry(end - 1) : null;
        return last == null ? p.logStartOffset() : Math.max(p.logStartOffset(), last.lastOffset() + 1);
    }

    long checkpointedPosition() {
        return checkpointedPosition;
    }

    void closeAll() {
        for (PartitionLog p : byKey.values()) {
            p.queue().close();
            p.producers().close();
        }
    }
}
