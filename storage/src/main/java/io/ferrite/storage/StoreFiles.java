package io.ferrite.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A store's files read as they lie on disk, for the storage tool: CommitLog entries, ConsumeQueue entries, the
 * partition table, and a check that every entry's CRCs pass and every index entry points at its batch. Nothing
 * here writes or takes a lock: files are mapped read-only, so it may run beside a broker using the directory
 * (what it reads then may be moving at the head) or on a copy.
 */
public final class StoreFiles {
    private StoreFiles() {
    }

    /**
     * What lies at a CommitLog position: a batch, a skip marker, a follower's truncation marker, the end of a file
     * or of the log, or damage.
     */
    public enum Kind { ENTRY, SKIPPED, TRUNCATION, END_OF_FILE, END_OF_LOG, CORRUPT }

    /**
     * One CommitLog entry: its position in the whole log, its size (header included), its partition's id and
     * its record batch (a view of the mapped file; null unless an entry), whether the batch's own CRC passes
     * (the header's always does for an ENTRY), and for a truncation marker the offset its partition was cut at
     * (-1 otherwise).
     */
    public record LogEntry(long position, Kind kind, int size, int partitionId, ByteBuffer batch,
                           boolean batchCrcValid, long cutAt) {
        LogEntry(long position, Kind kind, int size, int partitionId, ByteBuffer batch, boolean batchCrcValid) {
            this(position, kind, size, partitionId, batch, batchCrcValid, -1);
        }
    }

    /** One ConsumeQueue entry (see {@link ConsumeQueue} for its layout). */
    public record IndexEntry(long index, long baseOffset, long lastOffset, long position, int size,
                             long runningMaxTimestamp) {
    }

    /** The CommitLog's files in order. */
    public static List<Path> commitLogFiles(Path dataDir) throws IOException {
        return sortedFiles(dataDir.resolve("commitlog"));
    }

    /** A partition's ConsumeQueue files in order; empty if the partition has none. */
    public static List<Path> queueFiles(Path dataDir, int partitionId) throws IOException {
        return sortedFiles(Partitions.queueDir(dataDir, partitionId));
    }

    private static List<Path> sortedFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().matches("\\d{20}")).sorted().toList();
        }
    }

    /**
     * Partition ids to partitions, from the checkpoint, or (without one) from the partitions' own metadata, as
     * the store's open does.
     */
    public static Map<Integer, PartitionKey> partitionTable(Path dataDir) throws IOException {
        Map<Integer, PartitionKey> table = new TreeMap<>();
        for (Checkpoint.PartitionRecord r : checkpointOrScan(dataDir).partitions()) {
            table.put(r.id(), r.key());
        }
        return table;
    }

    /** The position the checkpoint says recovery would scan from; -1 without a readable checkpoint. */
    public static long checkpointPosition(Path dataDir) {
        try {
            return Files.exists(dataDir.resolve(Checkpoint.FILE)) ? Checkpoint.read(dataDir).commitLogPosition() : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Whether the store in {@code dataDir} is open, or was not closed cleanly (its abort file is there). */
    public static boolean inUseOrUnclean(Path dataDir) {
        return Files.exists(dataDir.resolve(Store.ABORT_FILE));
    }

    /** The first position of the CommitLog file {@code file}, from its name. */
    public static long fileStart(Path file) {
        return Long.parseLong(file.getFileName().toString());
    }

    /**
     * Every entry of one CommitLog file, in order, up to the end of the log or of the file. A corrupt entry is
     * the last one seen: past a size that cannot be trusted the next entry cannot be found.
     */
    public static void scanCommitLog(Path file, Consumer<LogEntry> visitor) throws IOException {
        ByteBuffer view = CleanedLog.mapReadOnly(file);
        long base = fileStart(file);
        int at = 0;
        int limit = view.capacity();
        while (true) {
            CommitLogEntry.Kind kind = CommitLogEntry.classify(view, at, limit, true);
            switch (kind) {
                case ENTRY -> {
                    int size = CommitLogEntry.size(view, at);
                    visitor.accept(new LogEntry(base + at, Kind.ENTRY, size, CommitLogEntry.partitionId(view, at),
                            CommitLogEntry.batch(view, at), true));
                    at += size;
                }
                case SKIPPED -> {
                    int size = CommitLogEntry.size(view, at);
                    visitor.accept(new LogEntry(base + at, Kind.SKIPPED, size, -1, null, true));
                    at += size;
                }
                case TRUNCATION -> {
                    visitor.accept(new LogEntry(base + at, Kind.TRUNCATION, CommitLogEntry.TRUNCATION_SIZE,
                            CommitLogEntry.partitionId(view, at), null, true,
                            CommitLogEntry.truncationOffset(view, at)));
                    at += CommitLogEntry.TRUNCATION_SIZE;
                }
                case END_OF_FILE, END_OF_LOG -> {
                    visitor.accept(new LogEntry(base + at, Kind.valueOf(kind.name()), limit - at, -1, null, true));
                    return;
                }
                default -> {
                    // A header that passes its own CRC over a batch that does not is damage inside the batch.
                    boolean headerOk = CommitLogEntry.classify(view, at, limit, false) == CommitLogEntry.Kind.ENTRY;
                    visitor.accept(headerOk
                            ? new LogEntry(base + at, Kind.CORRUPT, CommitLogEntry.size(view, at),
                                    CommitLogEntry.partitionId(view, at), CommitLogEntry.batch(view, at), false)
                            : new LogEntry(base + at, Kind.CORRUPT, -1, -1, null, false));
                    if (!headerOk) {
                        return;
                    }
                    at += CommitLogEntry.size(view, at); // its size is vouched for by the header CRC
                }
            }
        }
    }

    /** Every written entry of one ConsumeQueue file; its unwritten tail reads as zeros and ends it. */
    public static void scanConsumeQueue(Path file, Consumer<IndexEntry> visitor) throws IOException {
        ByteBuffer view = CleanedLog.mapReadOnly(file);
        long first = fileStart(file) / ConsumeQueue.ENTRY_SIZE;
        for (int at = 0; at + ConsumeQueue.ENTRY_SIZE <= view.capacity(); at += ConsumeQueue.ENTRY_SIZE) {
            int size = view.getInt(at + 16);
            if (size == 0) {
                return;
            }
            long base = view.getLong(at);
            visitor.accept(new IndexEntry(first + at / ConsumeQueue.ENTRY_SIZE, base, base + view.getInt(at + 20),
                    view.getLong(at + 8), size, view.getLong(at + 24)));
        }
    }

    /**
     * What {@link #check} found: entries read, problems (each a line naming the file and position), and index
     * entries not checked: below the log start, read from cleaned files instead, or in files retention deleted.
     */
    public record CheckReport(long entries, long bytes, long indexEntries, long indexEntriesBeforeLog,
                              List<String> problems) {
        public boolean clean() {
            return problems.isEmpty();
        }
    }

    /**
     * Reads every CommitLog entry, checking both its CRCs, and every ConsumeQueue entry of every partition at or
     * above its log start, checking that it points at an entry of its own partition with its base offset and
     * size; a compacted partition's cleaned files are checked the same way, and its queue entries below their
     * end (read from the cleaned files instead) are left alone. Files that vanish while it reads (retention, beside
     * a running broker) are passed over.
     */
    public static CheckReport check(Path dataDir) throws IOException {
        List<String> problems = new ArrayList<>();
        long[] counts = new long[4]; // entries, bytes, index entries, index entries below the log start
        TreeMap<Long, ByteBuffer> log = new TreeMap<>();
        List<Path> logFiles = commitLogFiles(dataDir);
        List<String> endsBefore = new ArrayList<>(); // where the written log ends inside a file
        for (Path f : logFiles) {
            ByteBuffer mapped = mapIfThere(f);
            if (mapped != null) {
                long entriesBefore = counts[0];
                log.put(fileStart(f), mapped);
                List<String> ends = new ArrayList<>();
                checkEntries(f, problems, ends, counts);
                if (counts[0] > entriesBefore && !endsBefore.isEmpty()) {
                    problems.addAll(endsBefore); // entries after an end: the log has a hole there
                    endsBefore.clear();
                }
                endsBefore.addAll(ends);
            }
        }
        Map<Integer, Checkpoint.PartitionRecord> records = new TreeMap<>();
        for (Checkpoint.PartitionRecord r : checkpointOrScan(dataDir).partitions()) {
            records.put(r.id(), r);
        }
        for (Checkpoint.PartitionRecord r : records.values()) {
            Path queueDir = Partitions.queueDir(dataDir, r.id());
            long cleanedEnd = -1;
            Path cleaned = cleanedGeneration(queueDir);
            if (cleaned != null) {
                cleanedEnd = Long.parseLong(cleaned.getFileName().toString().substring(CleanedLog.PREFIX.length()));
                TreeMap<Long, ByteBuffer> data = new TreeMap<>();
                List<Path> dataFiles = sortedFiles(cleaned);
                for (Path f : dataFiles) {
                    ByteBuffer mapped = mapIfThere(f);
                    if (mapped != null) {
                        data.put(fileStart(f), mapped);
                        checkEntries(f, problems, problems, counts); // cleaned files are written whole: no end inside
                    }
                }
                Path index = cleaned.resolve("index");
                if (Files.exists(index)) {
                    checkIndex(index, r, -1, 0, data, problems, counts);
                }
            }
            for (Path qf : queueFiles(dataDir, r.id())) {
                checkIndex(qf, r, cleanedEnd, log.isEmpty() ? Long.MAX_VALUE : log.firstKey(), log, problems, counts);
            }
        }
        return new CheckReport(counts[0], counts[1], counts[2], counts[3], List.copyOf(problems));
    }

    private static Checkpoint checkpointOrScan(Path dataDir) throws IOException {
        Checkpoint cp;
        try {
            cp = Checkpoint.read(dataDir);
        } catch (IOException e) {
            cp = Checkpoint.EMPTY;
        }
        return cp.partitions().isEmpty() ? Partitions.scan(dataDir) : cp;
    }

    /** The partition's current cleaned generation (the highest end), or null. */
    private static Path cleanedGeneration(Path queueDir) throws IOException {
        if (!Files.isDirectory(queueDir)) {
            return null;
        }
        try (Stream<Path> dirs = Files.list(queueDir)) {
            return dirs.filter(d -> d.getFileName().toString().matches(CleanedLog.PREFIX + "\\d{20}"))
                    .max(Path::compareTo).orElse(null);
        }
    }

    private static ByteBuffer mapIfThere(Path file) throws IOException {
        try {
            return CleanedLog.mapReadOnly(file);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    /** One file's entries: damage goes to {@code problems}, where the written log ends to {@code ends}. */
    private static void checkEntries(Path f, List<String> problems, List<String> ends, long[] counts)
            throws IOException {
        try {
            scanCommitLog(f, e -> {
                switch (e.kind()) {
                    case ENTRY -> {
                        counts[0]++;
                        counts[1] += e.size();
                    }
                    case CORRUPT -> problems.add(f + " at " + e.position() + ": "
                            + (e.batch() != null ? "the batch fails its CRC" : "an unreadable entry header"));
                    case END_OF_LOG -> ends.add(f + " at " + e.position()
                            + ": the written log ends here, but later files hold entries");
                    default -> { }
                }
            });
        } catch (java.nio.file.NoSuchFileException gone) { // deleted by retention meanwhile
        }
    }

    /**
     * One index file's entries at or above the partition's log start (and the cleaned end, if any) against the
     * entries of {@code data} (the CommitLog, or a cleaned generation's files); entries pointing before
     * {@code firstPosition} lie in files retention deleted.
     */
    private static void checkIndex(Path indexFile, Checkpoint.PartitionRecord r, long cleanedEnd, long firstPosition,
                                   TreeMap<Long, ByteBuffer> data, List<String> problems, long[] counts)
            throws IOException {
        long[] expectedNext = {-1};
        Consumer<IndexEntry> visit = e -> {
            counts[2]++;
            String where = indexFile + " entry " + e.index() + " (" + r.key() + " offset " + e.baseOffset() + ")";
            if (expectedNext[0] >= 0 && e.baseOffset() < expectedNext[0]) {
                problems.add(where + ": offsets go back from " + expectedNext[0]);
            }
            expectedNext[0] = e.lastOffset() + 1;
            if (e.lastOffset() < r.logStartOffset() || e.lastOffset() < cleanedEnd || e.position() < firstPosition) {
                counts[3]++; // below the log start, read from the cleaned files, or in a file retention deleted
                return;
            }
            Map.Entry<Long, ByteBuffer> file = data.floorEntry(e.position());
            if (file == null || e.position() - file.getKey() + e.size() > file.getValue().capacity()) {
                problems.add(where + ": points past the files, at " + e.position());
                return;
            }
            ConsumeQueue.Entry q = new ConsumeQueue.Entry(e.index(), e.baseOffset(), e.position(), e.size(),
                    (int) (e.lastOffset() - e.baseOffset()), e.runningMaxTimestamp());
            if (!CommitLogEntry.matches(file.getValue(), (int) (e.position() - file.getKey()), r.id(), q)) {
                problems.add(where + ": the entry at " + e.position() + " is not its batch");
            }
        };
        if (indexFile.getFileName().toString().equals("index")) { // a cleaned generation's: positions from 0
            ByteBuffer view = mapIfThere(indexFile);
            int entries = view == null ? 0 : view.capacity() / ConsumeQueue.ENTRY_SIZE;
            for (int i = 0; i < entries; i++) {
                int at = i * ConsumeQueue.ENTRY_SIZE;
                long base = view.getLong(at);
                visit.accept(new IndexEntry(i, base, base + view.getInt(at + 20),
                        view.getLong(at + 8), view.getInt(at + 16), view.getLong(at + 24)));
            }
        } else {
            try {
                scanConsumeQueue(indexFile, visit);
            } catch (java.nio.file.NoSuchFileException gone) {
            }
        }
    }
}
