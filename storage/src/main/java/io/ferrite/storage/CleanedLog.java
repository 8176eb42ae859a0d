package io.ferrite.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The compacted part of a compacted partition: every batch the cleaner kept below {@code endOffset}, out of the
 * shared CommitLog and in files of the partition's own, so that the CommitLog files they came from can go.
 * Offsets {@code >= endOffset} are still read through the partition's ConsumeQueue from the CommitLog. Each
 * cleaning pass writes a whole new generation and replaces the old one at once.
 *
 * <p>On disk, a generation is a directory in the partition's ConsumeQueue directory:
 * <pre>
 *   cleaned-&lt;end offset, 20 digits&gt;/
 *     &lt;position, 20 digits&gt;   data files: CommitLog entries ({@link CommitLogEntry}: 16-byte header with the
 *                           partition id and a header CRC, then the batch) back to back in offset order, each
 *                           file exactly as long as the entries in it (at most the CommitLog file size), named
 *                           by the position of its first byte in the generation
 *     index                 one 32-byte entry per batch, in offset order, as a ConsumeQueue entry: int64 base
 *                           offset, int64 position, int32 entry size, int32 last offset delta, int64 running max
 *                           timestamp
 * </pre>
 * A generation is written as {@code cleaned-<end>.tmp}, every file fsynced, then renamed and the parent
 * directory fsynced: it exists whole or not at all. On open the generation with the highest end is the one;
 * older ones (a crash between a rename and the removal of the one it replaced) and {@code .tmp} leftovers are
 * deleted. Batches keep their offsets, so a compacted partition has gaps exactly where Kafka's would.
 *
 * <p>Readers hold the generation while they hold a slice or view of its data; a replaced generation's data is
 * unmapped and deleted when the last reader lets go. Its index may be read without holding it.
 */
final class CleanedLog extends ReferenceCounted {
    private static final Logger LOG = LogManager.getLogger(CleanedLog.class);
    static final String PREFIX = "cleaned-";
    private static final String TMP = ".tmp";
    private static final String INDEX = "index";

    private final Path dir;
    private final long endOffset;
    private final ByteBuffer index;
    private final int count;
    private final long[] fileStarts;
    private final MappedByteBuffer[] files;
    private final long sizeInBytes;
    private volatile boolean deleteOnFree;

    private CleanedLog(Path dir, long endOffset, ByteBuffer index, long[] fileStarts, MappedByteBuffer[] files) {
        this.dir = dir;
        this.endOffset = endOffset;
        this.index = index;
        this.count = index.capacity() / ConsumeQueue.ENTRY_SIZE;
        this.fileStarts = fileStarts;
        this.files = files;
        long size = 0;
        for (int i = 0; i < count; i++) {
            size += index.getInt(i * ConsumeQueue.ENTRY_SIZE + 16) - CommitLogEntry.HEADER_SIZE;
        }
        this.sizeInBytes = size;
    }

    /** Every offset below this is served from here (or was removed by cleaning). */
    long endOffset() {
        return endOffset;
    }

    int batches() {
        return count;
    }

    /** Bytes of the batches held, as Kafka counts a partition's size. */
    long sizeInBytes() {
        return sizeInBytes;
    }

    Path dir() {
        return dir;
    }

    /** Bytes of the data files on disk. */
    long fileBytes() {
        long n = 0;
        for (MappedByteBuffer f : files) {
            n += f.capacity();
        }
        return n;
    }

    ConsumeQueue.Entry entry(int i) {
        int at = i * ConsumeQueue.ENTRY_SIZE;
        return new ConsumeQueue.Entry(i, index.getLong(at), index.getLong(at + 8), index.getInt(at + 16),
                index.getInt(at + 20), index.getLong(at + 24));
    }

    /** The first batch whose last offset is at or after {@code offset}: {@link #batches()} when none. */
    int indexOf(long offset) {
        int lo = 0;
        int hi = count;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            int at = mid * ConsumeQueue.ENTRY_SIZE;
            if (index.getLong(at) + index.getInt(at + 20) < offset) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The first batch whose running max timestamp is at or after {@code ts}: {@link #batches()} when none. */
    int firstWithRunningMaxAtLeast(long ts) {
        int lo = 0;
        int hi = count;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (index.getLong(mid * ConsumeQueue.ENTRY_SIZE + 24) < ts) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The whole entry an index entry points at; the caller holds this generation (or is its only user). */
    ByteBuffer view(ConsumeQueue.Entry e) {
        int f = fileOf(e.position());
        return files[f].slice((int) (e.position() - fileStarts[f]), e.size());
    }

    /** A held slice of the batch an entry points at (without the entry header); null once this is retired. */
    Slice slice(ConsumeQueue.Entry e) {
        if (!hold()) {
            return null;
        }
        ByteBuffer entry = view(e);
        return new Slice(entry.slice(CommitLogEntry.HEADER_SIZE, e.size() - CommitLogEntry.HEADER_SIZE), this);
    }

    private int fileOf(long position) {
        int lo = 0;
        int hi = fileStarts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (fileStarts[mid] <= position) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Gives this generation up: it is deleted once no reader holds it. */
    void retire() {
        deleteOnFree = true;
        shutdown();
    }

    /** Lets go of this generation without deleting it (the store closing). */
    void close() {
        shutdown();
    }

    @Override
    protected void free() {
        for (MappedByteBuffer f : files) {
            Unmapper.unmap(f);
        }
        // The index stays mapped until collected: readers look entries up before they hold a generation, and
        // it is small beside the data.
        if (deleteOnFree) {
            try {
                Partitions.deleteTree(dir);
            } catch (IOException e) {
                LOG.warn("cannot delete the replaced cleaned log {}: {}", dir, e.toString());
            }
        }
    }

    /**
     * The partition's current generation in {@code queueDir}, or null if it has none; leftovers of a crash
     * (generations it replaced, unfinished ones) are deleted.
     */
    static CleanedLog open(Path queueDir) throws IOException {
        if (!Files.isDirectory(queueDir)) {
            return null;
        }
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(queueDir, PREFIX + "*")) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.endsWith(TMP) || !name.substring(PREFIX.length()).matches("\\d{20}")) {
                    Partitions.deleteTree(p);
                } else {
                    found.add(p);
                }
            }
        }
        if (found.isEmpty()) {
            return null;
        }
        found.sort(null);
        for (Path older : found.subList(0, found.size() - 1)) {
            Partitions.deleteTree(older);
        }
        Path dir = found.get(found.size() - 1);
        return map(dir, Long.parseLong(dir.getFileName().toString().substring(PREFIX.length())));
    }

    private static CleanedLog map(Path dir, long endOffset) throws IOException {
        List<Path> data = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> p.getFileName().toString().matches("\\d{20}")).sorted().forEach(data::add);
        }
        ByteBuffer index = mapReadOnly(dir.resolve(INDEX));
        if (index.capacity() % ConsumeQueue.ENTRY_SIZE != 0) {
            Unmapper.unmap(index);
            throw new IOException(dir.resolve(INDEX) + " is not a whole number of entries");
        }
        long[] starts = new long[data.size()];
        MappedByteBuffer[] files = new MappedByteBuffer[data.size()];
        for (int i = 0; i < data.size(); i++) {
            starts[i] = Long.parseLong(data.get(i).getFileName().toString());
            files[i] = mapReadOnly(data.get(i));
        }
        return new CleanedLog(dir, endOffset, index, starts, files);
    }

    /** A whole file mapped read-only (also the storage tool's view of the store's files). */
    static MappedByteBuffer mapReadOnly(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
        }
    }

    /**
     * Writes a new generation: entries in offset order, then {@link #publish}. Files are written with plain
     * writes (the cleaner's own, throttled by its caller) and forced to disk before the generation appears.
     */
    static final class Writer implements AutoCloseable {
        private final Path tmp;
        private final Path target;
        private final long endOffset;
        private final int maxFileBytes;
        private final ByteBuffer entryBuf = ByteBuffer.allocate(ConsumeQueue.ENTRY_SIZE).order(ByteOrder.BIG_ENDIAN);
        private final FileChannel indexFile;
        private FileChannel file;
        private long fileStart;
        private long position;
        private long runningMax = Long.MIN_VALUE;
        private long lastOffset = -1;
        private boolean done;

        Writer(Path queueDir, long endOffset, int maxFileBytes) throws IOException {
            this.target = queueDir.resolve(PREFIX + MappedFile.fileName(endOffset));
            this.tmp = queueDir.resolve(target.getFileName() + TMP);
            this.endOffset = endOffset;
            this.maxFileBytes = maxFileBytes;
            Partitions.deleteTree(tmp);
            Files.createDirectories(tmp);
            this.indexFile = FileChannel.open(tmp.resolve(INDEX), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
        }

        /** Bytes of entries written so far. */
        long position() {
            return position;
        }

        /**
         * Adds one entry: {@code entry} is a whole CommitLog entry (header sealed), for the batch with these
         * fields. Batches must come in offset order.
         */
        void append(ByteBuffer entry, long baseOffset, int lastOffsetDelta, long batchMaxTimestamp) throws IOException {
            if (baseOffset <= lastOffset || baseOffset + lastOffsetDelta >= endOffset) {
                throw new IllegalStateException("batch at " + baseOffset + " out of order or past " + endOffset);
            }
            int size = entry.remaining();
            if (file == null || position - fileStart + size > maxFileBytes) {
                roll();
            }
            long at = position;
            writeFully(file, entry.duplicate());
            position += size;
            runningMax = Math.max(runningMax, batchMaxTimestamp);
            lastOffset = baseOffset + lastOffsetDelta;
            entryBuf.clear();
            entryBuf.putLong(baseOffset).putLong(at).putInt(size).putInt(lastOffsetDelta).putLong(runningMax).flip();
            writeFully(indexFile, entryBuf);
        }

        private void roll() throws IOException {
            closeFile(true);
            fileStart = position;
            file = FileChannel.open(tmp.resolve(MappedFile.fileName(position)), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
        }

        private void closeFile(boolean force) throws IOException {
            if (file != null) {
                if (force) {
                    file.force(false);
                }
                file.close();
                file = null;
            }
        }

        /** Makes the generation durable and visible, and maps it. */
        CleanedLog publish() throws IOException {
            closeFile(true);
            indexFile.force(false);
            indexFile.close();
            AtomicFiles.fsyncDirectory(tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.fsyncDirectory(target.getParent());
            done = true;
            return map(target, endOffset);
        }

        /** Drops an unfinished generation. */
        @Override
        public void close() throws IOException {
            if (!done) {
                closeFile(false);
                indexFile.close();
                Partitions.deleteTree(tmp);
            }
        }

        private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
    }
}
