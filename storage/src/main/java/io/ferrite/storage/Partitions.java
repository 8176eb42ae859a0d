package io.ferrite.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

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
        for (Checkpoint.PartitionRecord r : cp.partitions()) {
            ConsumeQueue q = newQueue(r.id());
            q.load(cp.commitLogPosition());
            PartitionLog p = new PartitionLog(r.id(), r.key(), q, r.logStartOffset());
            byKey.put(r.key(), p);
            byId.put(r.id(), p);
        }
    }

    private ConsumeQueue newQueue(int id) {
        return new ConsumeQueue(new MappedFileQueue(queueDir(id), allocator, queueSpec));
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

    /** Creates the partitions that are absent, durably, with one checkpoint write for all of them. */
    synchronized void create(Collection<PartitionKey> keys) {
        boolean added = false;
        for (PartitionKey key : keys) {
            if (byKey.containsKey(key)) {
                continue;
            }
            int id = nextId++;
            try {
                Files.createDirectories(queueDir(id));
                ConsumeQueue q = newQueue(id);
                q.load(0);
                q.files().prefetchNext(); // the first index file, made in the background before the first append
                PartitionLog p = new PartitionLog(id, key, q, 0);
                byKey.put(key, p);
                byId.put(id, p);
                added = true;
            } catch (IOException e) {
                throw StoreException.fromIo("cannot create partition " + key, queueDir(id), e);
            }
        }
        if (added) {
            try {
                writeCheckpoint(checkpointedPosition);
            } catch (IOException e) {
                throw StoreException.fromIo("cannot persist new partitions", root, e);
            }
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
        p.queue().destroy();
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
        List<Checkpoint.PartitionRecord> records = new ArrayList<>(byKey.size());
        for (PartitionLog p : byKey.values()) {
            records.add(new Checkpoint.PartitionRecord(p.id(), p.key(), p.logStartOffset(), endOffsetAt(p, position)));
        }
        new Checkpoint(position, nextId, records).write(root);
        checkpointedPosition = position;
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
        }
    }
}
