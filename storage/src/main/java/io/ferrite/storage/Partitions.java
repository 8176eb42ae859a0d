package io.ferrite.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The partition table: which partitions exist, their ids in the CommitLog, and the {@link Checkpoint} that
 * persists them. Creating or deleting a partition rewrites the checkpoint before it returns, so an entry
 * is never written for an id that a restart would not know.
 *
 * <p>The checkpoint is not the only record of the table: each queue directory holds its partition's identity
 * ({@link PartitionMetadata}), made durable before the checkpoint names it. So a lost or damaged checkpoint
 * is rebuilt from the directories ({@link #scan}) rather than taken for an empty store, and a directory the
 * checkpoint does not name is removed only when it is known to be garbage (marked deleted, or holding no
 * index file); any other is moved aside to {@code quarantine/} for an operator, never deleted.
 */
final class Partitions {
    private static final Logger LOG = LogManager.getLogger(Partitions.class);
    private final Path root;
    private final FileAllocator allocator;
    private final FileAllocator.Spec queueSpec;
    private final ConcurrentHashMap<PartitionKey, PartitionLog> byKey = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, PartitionLog> byId = new ConcurrentHashMap<>();
    private int nextId;
    private volatile long checkpointedPosition;

    Partitions(Path root, FileAllocator allocator, FileAllocator.Spec queueSpec) {
        this.root = root;
        this.allocator = allocator;
        this.queueSpec = queueSpec;
    }

    /** Opens every partition the checkpoint names, its queue cut at the checkpoint position. */
    void load(Checkpoint cp) throws IOException {
        nextId = cp.nextPartitionId();
        checkpointedPosition = cp.commitLogPosition();
        setAsideUnknownQueues(cp);
        List<Checkpoint.PartitionRecord> records = cp.partitions();
        PartitionLog[] loaded = new PartitionLog[records.size()];
        OpenWorkers.forEach(records, (i, r) -> {
            ConsumeQueue q = newQueue(r.id());
            // One listing of the directory answers what else is there, instead of a system call a file.
            Set<String> listed = q.load(cp.commitLogPosition());
            PartitionLog p = new PartitionLog(r.id(), r.key(), q, abortedIndex(r.id()), r.logStartOffset());
            if (listed.stream().anyMatch(n -> n.startsWith(CleanedLog.PREFIX))) {
                p.loadCleaned(CleanedLog.open(queueDir(r.id())));
            }
            // Only presence is checked: the file is forced before the checkpoint that names this partition (or
            // replaced whole here, durably, so a crash leaves it whole or absent) and never changed, and reading
            // 10,000 of them is a quarter of an open. It is read where it is needed: by scan, when the checkpoint
            // is lost.
            if (!listed.contains(PartitionMetadata.FILE)) { // made before the file existed
                new PartitionMetadata(r.id(), r.key()).replaceInto(queueDir(r.id()));
            }
            loaded[i] = p;
        });
        for (PartitionLog p : loaded) {
            byKey.put(p.key(), p);
            byId.put(p.id(), p);
        }
    }

    /**
     * Queue directories the checkpoint does not name: a deleted partition's (marked so), a creation that never
     * finished (no index file yet), or something else (a checkpoint restored from an older copy, a bug), which
     * is moved to {@code quarantine/<id>} with a warning rather than deleted.
     */
    private void setAsideUnknownQueues(Checkpoint cp) throws IOException {
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
            if (PartitionMetadata.isMarkedDeleted(dir) || !holdsIndexFiles(dir)) {
                deleteTree(dir);
            } else {
                Path aside = root.resolve("quarantine").resolve(dir.getFileName() + "-" + System.nanoTime());
                Files.createDirectories(aside.getParent());
                Files.move(dir, aside);
                LOG.warn("queue directory {} ({}) is not in the checkpoint: moved to {}", dir,
                        PartitionMetadata.readFrom(aside), aside);
            }
        }
    }

    /**
     * Whether the directory holds an index file with an entry in it. Index files with none (or cut short) are what
     * a creation interrupted before its sync leaves: garbage, like a directory with no index file at all.
     */
    private static boolean holdsIndexFiles(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> f.getFileName().toString().matches("\\d{20}")).toList();
        }
        for (Path f : files) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                ByteBuffer first = ByteBuffer.allocate(ConsumeQueue.ENTRY_SIZE);
                while (first.hasRemaining() && ch.read(first, first.position()) > 0) {
                    // reads the first entry, or what there is of it
                }
                for (int i = 0; i < first.position(); i++) {
                    if (first.get(i) != 0) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Deletes {@code dir} and everything under it, if it exists (a queue directory, a cleaned generation). */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    /**
     * The partition table as the queue directories record it, for a store whose checkpoint is lost or damaged:
     * every directory with valid metadata and no deletion mark, at CommitLog position 0 (recovery then scans
     * the whole log and re-indexes it) and log start 0 (raised to each queue's first batch once recovered).
     * What DeleteRecords had moved the log start past comes back, if retention has not removed it yet.
     */
    static Checkpoint scan(Path root) throws IOException {
        Path queues = root.resolve("consumequeue");
        List<Checkpoint.PartitionRecord> found = new ArrayList<>();
        int nextId = 0;
        if (Files.isDirectory(queues)) {
            List<Path> dirs;
            try (Stream<Path> s = Files.list(queues)) {
                dirs = s.sorted().toList();
            }
            for (Path dir : dirs) {
                PartitionMetadata m = PartitionMetadata.readFrom(dir);
                if (m == null || PartitionMetadata.isMarkedDeleted(dir)
                        || !dir.getFileName().toString().equals(Integer.toString(m.id()))) {
                    continue; // set aside by load, as a directory the table does not name
                }
                found.add(new Checkpoint.PartitionRecord(m.id(), m.key(), 0, 0));
                nextId = Math.max(nextId, m.id() + 1);
            }
        }
        return new Checkpoint(0, nextId, found);
    }

    /** Whether partitions were ever made here: a store with queue directories must have a checkpoint. */
    static boolean hasQueues(Path root) throws IOException {
        Path queues = root.resolve("consumequeue");
        if (!Files.isDirectory(queues)) {
            return false;
        }
        try (Stream<Path> s = Files.list(queues)) {
            return s.findAny().isPresent();
        }
    }

    private ConsumeQueue newQueue(int id) {
        return new ConsumeQueue(new MappedFileQueue(queueDir(id), allocator, queueSpec));
    }

    private AbortedTransactionIndex abortedIndex(int id) {
        return new AbortedTransactionIndex(queueDir(id).resolve(AbortedTransactionIndex.FILE));
    }

    private Path queueDir(int id) {
        return queueDir(root, id);
    }

    /** Where partition {@code id}'s ConsumeQueue files lie under the store's directory. */
    static Path queueDir(Path root, int id) {
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
        create(keys, false);
    }

    /**
     * As {@link #create(Collection)}; with {@code ahead} (a topic created to be written to), each new partition's
     * first index file is made now, before its first append, so that append need not make it. Index files are
     * sparse and take one page of disk at first, so even thousands cost little; they are made without an fsync
     * each and made durable by the same syncfs as the partitions' metadata, before the checkpoint names them. A
     * crash before that leaves directories the checkpoint does not name, which the next open deletes.
     */
    synchronized void create(Collection<PartitionKey> keys, boolean ahead) {
        List<PartitionLog> added = new ArrayList<>();
        Set<PartitionKey> adding = new HashSet<>(); // a lookup, not a scan of added: requests bring thousands
        boolean madeFiles = false;
        try {
            for (PartitionKey key : keys) {
                if (byKey.containsKey(key) || !adding.add(key)) {
                    continue;
                }
                int id = nextId++;
                Files.createDirectories(queueDir(id));
                new PartitionMetadata(id, key).writeInto(queueDir(id));
                ConsumeQueue q = newQueue(id);
                q.load(0);
                added.add(new PartitionLog(id, key, q, abortedIndex(id), 0));
            }
            if (added.isEmpty()) {
                return;
            }
            // Made in bulk where syncfs can cover them (forceMetadata); without it, queued one by one below.
            madeFiles = ahead && NativeIO.available();
            if (madeFiles) {
                try {
                    for (PartitionLog p : added) {
                        p.queue().files().makeFirstUnsynced();
                    }
                } catch (IOException | StoreException e) { // a full disk, no descriptors left: the rest wait
                    LOG.warn("made first index files ahead for only some of {} new partitions: {}", added.size(),
                            e.toString());
                }
            }
            forceMetadata(added, madeFiles);
            List<PartitionLog> all = new ArrayList<>(byKey.values());
            all.addAll(added);
            writeCheckpoint(checkpointedPosition, all);
        } catch (IOException | RuntimeException e) {
            added.forEach(this::discard);
            throw e instanceof RuntimeException r ? r
                    : StoreException.fromIo("cannot create partitions " + keys, root, (IOException) e);
        }
        // Without ahead, no index file yet: the first append makes it, so topics nobody writes to (a client can
        // ask for thousands at once by Metadata) take no disk and no descriptor.
        int queued = 0;
        for (PartitionLog p : added) {
            byKey.put(p.key(), p);
            byId.put(p.id(), p);
            if (ahead && !madeFiles && queued++ < FILES_AHEAD) {
                p.queue().files().prefetchNext();
            }
        }
    }

    /** Without syncfs, the most new partitions of one creation whose first index file is queued to be made. */
    static final int FILES_AHEAD = 1024;

    /**
     * Makes the new partitions' metadata files and directories durable before the checkpoint names them: with
     * one syncfs for many (one journal commit, where a file and directory fsync each would cost two disk round
     * trips per partition), or one by one where syncfs is not available.
     */
    private void forceMetadata(List<PartitionLog> added, boolean withIndexFiles) throws IOException {
        if ((added.size() > 1 || withIndexFiles) && NativeIO.syncfs(root)) {
            return;
        }
        for (PartitionLog p : added) {
            List<Path> files = new ArrayList<>(List.of(queueDir(p.id()).resolve(PartitionMetadata.FILE)));
            MappedFile first = p.queue().files().last();
            if (withIndexFiles && first != null) {
                files.add(first.path());
            }
            for (Path f : files) {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
            AtomicFiles.fsyncDirectory(queueDir(p.id()));
        }
        AtomicFiles.fsyncDirectory(root.resolve("consumequeue"));
    }

    /**
     * Forgets the partition durably and deletes its queue. Its CommitLog entries stay until retention removes
     * their files; recovery skips them since the id is gone.
     */
    synchronized void delete(PartitionLog p) {
        byKey.remove(p.key(), p);
        byId.remove(p.id(), p);
        try {
            // Not forced: if the mark is lost in a crash, the directory is set aside instead of removed.
            PartitionMetadata.markDeleted(queueDir(p.id()));
            writeCheckpoint(checkpointedPosition);
        } catch (IOException e) {
            throw StoreException.fromIo("cannot persist deletion of " + p.key(), root, e);
        }
        discard(p);
    }

    /** Deletes a partition's queue files, any made ahead for it, and its directory. */
    private void discard(PartitionLog p) {
        allocator.cancelUnder(queueDir(p.id()));
        p.dropCleaned();
        p.queue().destroy();
        p.producers().delete();
        try {
            Files.deleteIfExists(queueDir(p.id()).resolve(ProducerSnapshot.FILE));
            Files.deleteIfExists(queueDir(p.id()).resolve(ProducerSnapshot.FILE + ".tmp"));
            Files.deleteIfExists(queueDir(p.id()).resolve(PartitionMetadata.FILE));
            Files.deleteIfExists(queueDir(p.id()).resolve(PartitionMetadata.DELETED)); // last: nothing left to mark
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
        CleanedLog c = p.cleaned(); // what the cleaner holds was given out too
        long floor = Math.max(p.logStartOffset(), c == null ? 0 : c.endOffset());
        if (i < end) {
            // The end of the last batch before the position, not the start of the first after it: a follower's
            // log may have a gap between the two.
            ConsumeQueue.Entry before = i > q.startIndex() ? q.entry(i - 1) : null;
            return before == null ? floor : Math.max(floor, before.lastOffset() + 1);
        }
        ConsumeQueue.Entry last = end > q.startIndex() ? q.entry(end - 1) : null;
        return last == null ? floor : Math.max(floor, last.lastOffset() + 1);
    }

    long checkpointedPosition() {
        return checkpointedPosition;
    }

    void closeAll() {
        for (PartitionLog p : byKey.values()) {
            p.closeCleaned();
            p.queue().close();
            p.producers().close();
        }
    }
}
