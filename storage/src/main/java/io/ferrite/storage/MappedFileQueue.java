package io.ferrite.storage;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An ordered run of equally sized {@link MappedFile}s in one directory, each named by the 20-digit
 * position of its first byte, together forming one long address space.
 *
 * <p>Threads: the appending thread adds files at the tail; the retention thread removes them at the head;
 * readers look files up concurrently in an immutable array that every change replaces. {@code flushedWhere} and
 * {@code committedWhere} each have one writer, the flush and the commit service.
 */
final class MappedFileQueue implements AutoCloseable {
    private static final Pattern NAME = Pattern.compile("\\d{20}");

    private final Path dir;
    private final FileAllocator allocator;
    private final FileAllocator.Spec spec;
    private volatile MappedFile[] files = new MappedFile[0];
    private volatile long flushedWhere;
    private volatile long committedWhere;

    MappedFileQueue(Path dir, FileAllocator allocator, FileAllocator.Spec spec) {
        this.dir = dir;
        this.allocator = allocator;
        this.spec = spec;
    }

    /**
     * Maps the files already in the directory (made if missing). Positions stay at 0 until {@link #truncateTo}
     * sets them. Returns the names of whatever else the directory holds, so a partition's other files need not
     * be looked for one system call at a time: with thousands of partitions, start-up is mostly such calls.
     */
    Set<String> load() throws IOException {
        List<Path> names = new ArrayList<>();
        Set<String> others = new HashSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (NAME.matcher(n).matches()) {
                    names.add(p);
                } else if (n.endsWith(".allocating")) {
                    Files.delete(p); // a creation cut short by a crash
                } else {
                    others.add(n);
                }
            }
        } catch (NoSuchFileException e) {
            Files.createDirectories(dir);
        }
        names.sort(null);
        for (Path p : names) {
            MappedFile f = advised(MappedFile.open(p, spec.fileSize(), spec.stepped() ? allocator.blocks() : null));
            MappedFile last = last();
            if (last != null && last.fileFromOffset() + spec.fileSize() != f.fileFromOffset()) {
                f.shutdown();
                close();
                throw new IOException("gap in " + dir + " before " + p.getFileName());
            }
            append(f);
        }
        return others;
    }

    Path dir() {
        return dir;
    }

    int fileSize() {
        return spec.fileSize();
    }

    /** The files now, oldest first: a snapshot that later changes do not affect. */
    List<MappedFile> files() {
        return List.of(files);
    }

    boolean isEmpty() {
        return files.length == 0;
    }

    MappedFile first() {
        MappedFile[] fs = files;
        return fs.length == 0 ? null : fs[0];
    }

    MappedFile last() {
        MappedFile[] fs = files;
        return fs.length == 0 ? null : fs[fs.length - 1];
    }

    private synchronized void append(MappedFile f) {
        MappedFile[] fs = Arrays.copyOf(files, files.length + 1);
        fs[fs.length - 1] = f;
        files = fs;
    }

    /** Removes and returns the first file, or the last; null if none (or only one, for the first). */
    private synchronized MappedFile removeFirst(boolean keepLast) {
        MappedFile[] fs = files;
        if (fs.length == 0 || (keepLast && fs.length == 1)) {
            return null;
        }
        files = Arrays.copyOfRange(fs, 1, fs.length);
        return fs[0];
    }

    private synchronized MappedFile removeLast() {
        MappedFile[] fs = files;
        if (fs.length == 0) {
            return null;
        }
        files = Arrays.copyOf(fs, fs.length - 1);
        return fs[fs.length - 1];
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
        MappedFile[] fs = files;
        if (fs.length == 0) {
            return null;
        }
        long first = fs[0].fileFromOffset();
        if (position < first) {
            return null;
        }
        long index = (position - first) / spec.fileSize();
        if (index >= fs.length) {
            return null;
        }
        MappedFile f = fs[(int) index];
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

    private MappedFile advised(MappedFile f) {
        if (!spec.readAround()) {
            f.adviseRandomAccess();
        }
        return f;
    }

    /**
     * Makes the first file of this empty queue now, without waiting for the disk (see
     * {@link MappedFile#createUnsynced}): the caller syncs the filesystem before anything relies on it.
     */
    void makeFirstUnsynced() throws IOException {
        if (!isEmpty() || !spec.stepped()) {
            throw new IllegalStateException(dir + ": only an empty queue of stepped files");
        }
        append(advised(MappedFile.createUnsynced(dir.resolve(MappedFile.fileName(0)), spec.fileSize(),
                allocator.blocks())));
    }

    /**
     * Gives up the files asked for ahead: after a cut ({@link ConsumeQueue#cutFrom}) the next file may not be the
     * one they were made to follow, and one left on disk past a gap would stop the next open.
     */
    void cancelAhead() {
        allocator.cancelUnder(dir);
    }

    /** Asks for the file after the last one to be created in the background, without waiting. */
    void prefetchNext() {
        MappedFile f = last();
        long from = f == null ? 0 : f.fileFromOffset() + spec.fileSize();
        allocator.prefetch(dir.resolve(MappedFile.fileName(from)), from, spec);
    }

    private MappedFile roll(long from) {
        // Past the first file an append is waiting, so a warm still under way is cut short; a new store
        // warms its first file whole, once, rather than run its first file unwarmed.
        MappedFile created = advised(allocator.take(dir.resolve(MappedFile.fileName(from)), from, spec, !isEmpty()));
        append(created);
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
     * Counts bytes before {@code where} as flushed after something other than {@link #flush} forced them to
     * disk (a syncfs of the whole filesystem). Flush-service thread only.
     */
    void markFlushed(long where) {
        for (MappedFile f : files) {
            if (f.fileFromOffset() >= where) {
                break;
            }
            f.markFlushed((int) Math.min(f.fileSize(), where - f.fileFromOffset()));
        }
        if (where > flushedWhere) {
            flushedWhere = where;
        }
    }

    /**
     * Drops this process's mappings of every flushed page (see {@link MappedFile#releaseMappedPages}), from
     * the oldest file: pages readers have mapped again since the last call go too.
     */
    void releaseFlushedPages() {
        long flushed = flushedWhere;
        for (MappedFile f : files) {
            if (f.fileFromOffset() >= flushed) {
                break;
            }
            f.releaseMappedPages((int) Math.min(f.fileSize(), flushed - f.fileFromOffset()));
        }
    }

    /**
     * Sets the end of the queue to {@code position}: later files are deleted; bytes of the file holding it
     * are zeroed past it as {@code zeroing} says. Only bytes before {@code flushedUpTo} count as flushed.
     * Recovery, when no other thread runs, or a queue's cut ({@link ConsumeQueue#cutFrom}), which holds off its
     * writer and its flush.
     */
    void truncateTo(long position, long flushedUpTo, MappedFile.Zeroing zeroing) {
        for (MappedFile f = last(); f != null && f.fileFromOffset() >= position && files.length > 1; f = last()) {
            removeLast().destroy(allocator::free);
        }
        MappedFile only = first();
        if (only != null && files.length == 1 && only.fileFromOffset() > position) {
            removeLast().destroy(allocator::free);
        }
        long flushed = Math.min(flushedUpTo, position);
        for (MappedFile f : files) {
            long from = f.fileFromOffset();
            boolean holdsEnd = position < from + f.fileSize();
            f.resetPositions(holdsEnd ? (int) (position - from) : f.fileSize(),
                    (int) Math.min(Math.max(flushed - from, 0), f.fileSize()),
                    holdsEnd ? zeroing : MappedFile.Zeroing.NONE);
        }
        flushedWhere = flushed;
        committedWhere = position;
    }

    /** Deletes whole files that end at or before {@code position}, never the last one. Returns how many. */
    int deleteBefore(long position) {
        int deleted = 0;
        for (MappedFile f = first(); f != null && files.length > 1 && f.fileFromOffset() + f.fileSize() <= position;
                f = first()) {
            MappedFile removed = removeFirst(true);
            if (removed == null) {
                break; // emptied meanwhile by a partition deletion
            }
            removed.destroy(allocator::free);
            deleted++;
        }
        return deleted;
    }

    /** Deletes every file, each as soon as no reader holds it. */
    void destroyAll() {
        for (MappedFile f = removeLast(); f != null; f = removeLast()) {
            f.destroy(allocator::free);
        }
    }

    @Override
    public void close() {
        for (MappedFile f = removeLast(); f != null; f = removeLast()) {
            f.shutdown();
        }
    }
}
