package io.ferrite.storage;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * An ordered run of equally sized {@link MappedFile}s in one directory, each named by the 20-digit
 * position of its first byte, together forming one long address space.
 *
 * <p>Threads: the appending thread adds files at the tail; the retention thread removes them at the head;
 * readers look files up concurrently (the list is copy-on-write). {@code flushedWhere} and
 * {@code committedWhere} each have one writer, the flush and the commit service.
 */
final class MappedFileQueue implements AutoCloseable {
    private static final Pattern NAME = Pattern.compile("\\d{20}");

    private final Path dir;
    private final FileAllocator allocator;
    private final FileAllocator.Spec spec;
    private final CopyOnWriteArrayList<MappedFile> files = new CopyOnWriteArrayList<>();
    private volatile long flushedWhere;
    private volatile long committedWhere;

    MappedFileQueue(Path dir, FileAllocator allocator, FileAllocator.Spec spec) {
        this.dir = dir;
        this.allocator = allocator;
        this.spec = spec;
    }

    /** Maps the files already in the directory. Positions stay at 0 until {@link #truncateTo} sets them. */
    void load() throws IOException {
        Files.createDirectories(dir);
        List<Path> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (NAME.matcher(n).matches()) {
                    names.add(p);
                } else if (n.endsWith(".allocating")) {
                    Files.delete(p); // a creation cut short by a crash
                }
            }
        }
        names.sort(null);
        for (Path p : names) {
            MappedFile f = MappedFile.open(p, spec.fileSize());
            if (!files.isEmpty() && files.get(files.size() - 1).fileFromOffset() + spec.fileSize() != f.fileFromOffset()) {
                f.shutdown();
                throw new IOException("gap in " + dir + " before " + p.getFileName());
            }
            files.add(f);
        }
    }

    Path dir() {
        return dir;
    }

    int fileSize() {
        return spec.fileSize();
    }

    List<MappedFile> files() {
        return files;
    }

    boolean isEmpty() {
        return files.isEmpty();
    }

    MappedFile first() {
        return files.isEmpty() ? null : files.get(0);
    }

    MappedFile last() {
        return files.isEmpty() ? null : files.get(files.size() - 1);
    }

    /** Position of the first byte still on disk. */
    long minPosition() {
        MappedFile f = first();
        return f == null ? 0 : f.fileFromOffset();
    }

    /** Position after the last written byte. */
    long writePosition() {
        MappedFile f = last();
        return f == null ? 0 : f.fileFromOffset() + f.wrotePosition();
    }

    long flushedPosition() {
        return flushedWhere;
    }

    /** The file holding {@code position}, or null if it was deleted or not yet created. */
    MappedFile find(long position) {
        List<MappedFile> snapshot = files;
        if (snapshot.isEmpty()) {
            return null;
        }
        long first = snapshot.get(0).fileFromOffset();
        if (position < first) {
            return null;
        }
        long index = (position - first) / spec.fileSize();
        if (index >= snapshot.size()) {
            return null;
        }
        MappedFile f = snapshot.get((int) index);
        return f.fileFromOffset() <= position && position < f.fileFromOffset() + spec.fileSize() ? f : null;
    }

    /**
     * The file to append to, creating the first one at {@code startPosition} if the queue is empty.
     * Where the spec asks, creating a file also queues the one after it, so the next roll-over finds it ready.
     */
    MappedFile lastForAppend(long startPosition) {
        MappedFile f = last();
        if (f != null && !f.isFull()) {
            return f;
        }
        return roll(f == null ? startPosition - startPosition % spec.fileSize() : f.fileFromOffset() + spec.fileSize());
    }

    /** The file after the current last one. The caller marks the last one full after this succeeds. */
    MappedFile next() {
        MappedFile f = last();
        return roll(f == null ? 0 : f.fileFromOffset() + spec.fileSize());
    }

    /** Asks for the file after the last one to be created in the background, without waiting. */
    void prefetchNext() {
        MappedFile f = last();
        long from = f == null ? 0 : f.fileFromOffset() + spec.fileSize();
        allocator.prefetch(dir.resolve(MappedFile.fileName(from)), from, spec);
    }

    private MappedFile roll(long from) {
        MappedFile created = allocator.take(dir.resolve(MappedFile.fileName(from)), from, spec);
        files.add(created);
        if (spec.aheadOnRoll()) {
            prefetchNext();
        }
        return created;
    }

    /** Moves pooled bytes into files, from the first file not fully committed. Commit-service thread only. */
    long commit() throws IOException {
        long where = committedWhere;
        for (MappedFile f : files) {
            if (f.fileFromOffset() + f.fileSize() <= where) {
                continue;
            }
            int committed = f.commit();
            where = f.fileFromOffset() + committed;
            if (committed < f.fileSize()) {
                break;
            }
        }
        committedWhere = where;
        return where;
    }

    /** Forces committed bytes to disk, from the first file not fully flushed. Flush-service thread only. */
    long flush() throws IOException {
        long where = flushedWhere;
        for (MappedFile f : files) {
            if (f.fileFromOffset() + f.fileSize() <= where) {
                continue;
            }
            int flushed = f.flush();
            where = f.fileFromOffset() + flushed;
            if (flushed < f.fileSize()) {
                break;
            }
        }
        flushedWhere = where;
        return where;
    }

    /**
     * Sets the end of the queue to {@code position}: later files are deleted, the file holding it is zeroed
     * past it. Recovery only; no other thread may run.
     */
    void truncateTo(long position) {
        for (int i = files.size() - 1; i >= 0; i--) {
            MappedFile f = files.get(i);
            if (f.fileFromOffset() >= position && !(i == 0 && f.fileFromOffset() == position)) {
                files.remove(i);
                f.destroy();
            } else {
                break;
            }
        }
        for (MappedFile f : files) {
            long end = f.fileFromOffset() + f.fileSize();
            f.resetPositions(position >= end ? f.fileSize() : (int) (position - f.fileFromOffset()));
        }
        flushedWhere = position;
        committedWhere = position;
    }

    /** Deletes whole files that end at or before {@code position}, never the last one. Returns how many. */
    int deleteBefore(long position) {
        int deleted = 0;
        while (files.size() > 1) {
            MappedFile f = files.get(0);
            if (f.fileFromOffset() + f.fileSize() > position) {
                break;
            }
            files.remove(0);
            f.destroy();
            deleted++;
        }
        return deleted;
    }

    /** Deletes every file, each as soon as no reader holds it. */
    void destroyAll() {
        for (MappedFile f : files) {
            f.destroy();
        }
        files.clear();
    }

    @Override
    public void close() {
        for (MappedFile f : files) {
            f.shutdown();
        }
        files.clear();
    }
}
