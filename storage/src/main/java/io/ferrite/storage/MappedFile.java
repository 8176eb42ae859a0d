package io.ferrite.storage;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One fixed-size file, mapped read-write, named by the 20-digit position of its first byte in the
 * queue it belongs to.
 *
 * <p>Three positions, each moved by one thread only:
 * <ul>
 *   <li>written: by the appending thread, under the owner's append lock, after the bytes are in the page
 *       cache (written through the channel or copied into the mapping);</li>
 *   <li>committed: by the commit service, only when the file writes through a pooled off-heap buffer
 *       (then bytes reach the file, and readers, only when committed); otherwise it follows written;</li>
 *   <li>flushed: by the flush service (or the group-commit service in sync mode).</li>
 * </ul>
 * Readers see bytes up to {@link #readablePosition()} and take a reference for as long as they use them.
 * The file is unmapped, and deleted if asked, when its last reference is released.
 *
 * <p>A file is either allocated whole when it is made, or (an index, written a few bytes at a time by one of
 * thousands of partitions) made sparse at its full length and allocated in steps ahead of the written
 * position: {@link #FIRST_STEP} bytes first, then doubling up to steps of {@link #MAX_STEP}. Either way no
 * byte is written through the mapping before its blocks are reserved, so a full disk fails an allocation with an
 * exception and never faults a write with SIGBUS; and a partition nobody writes much to holds a few KiB of disk, not a whole file.
 */
final class MappedFile extends ReferenceCounted {
    private static final Logger LOG = LogManager.getLogger(MappedFile.class);
    /** Below this, writing the zeros costs less than a system call and a descriptor. */
    private static final int ZERO_BY_FILESYSTEM_FROM = 1 << 16;
    /** The blocks a stepped file gets when made: one page, 128 index entries. */
    static final int FIRST_STEP = 4096;
    /** The most a stepped file is grown by at once: 2,048 index entries. */
    static final int MAX_STEP = 64 * 1024;

    private final Path path;
    private final long fileFromOffset;
    private final int fileSize;
    private final FileChannel channel;
    private final MappedByteBuffer mapped;
    private final TransientStorePool pool;
    private final boolean pooled;
    private volatile boolean locked;
    private volatile ByteBuffer writeBuffer;

    private volatile int wrotePosition;
    private volatile int committedPosition;
    private volatile int flushedPosition;
    private volatile boolean deleteOnFree;
    /**
     * Where a deleted file's unmap and unlink run when its last reference goes on another thread than the one
     * that deleted it; null: always on the thread letting go of the last reference.
     */
    private volatile Executor freer;
    private volatile Thread destroyer;
    /** The file's identity when it was deleted; null if unknown (then the name is deleted whatever it holds). */
    private volatile Object deletedKey;
    /** Allocates a stepped file's next range; null for a file allocated whole. */
    private final BlockAllocator stepBlocks;
    /** Bytes from the start whose blocks are known reserved: the whole file unless it is stepped. */
    private volatile int allocatedTo;

    private MappedFile(Path path, long fileFromOffset, int fileSize, FileChannel channel, MappedByteBuffer mapped,
                       ByteBuffer writeBuffer, TransientStorePool pool, boolean locked, BlockAllocator stepBlocks,
                       int allocatedTo) {
        this.stepBlocks = stepBlocks;
        this.allocatedTo = allocatedTo;
        this.path = path;
        this.fileFromOffset = fileFromOffset;
        this.fileSize = fileSize;
        this.channel = channel;
        this.mapped = mapped;
        this.writeBuffer = writeBuffer;
        this.pool = pool;
        this.pooled = writeBuffer != null;
        this.locked = locked;
    }

    static String fileName(long fromOffset) {
        return String.format("%020d", fromOffset);
    }

    /** Maps an existing file allocated whole; its positions start at 0 until the owner recovers them. */
    static MappedFile open(Path path, int expectedSize) throws IOException {
        return open(path, expectedSize, null);
    }

    /**
     * Maps an existing file; with {@code stepBlocks}, one allocated in steps, none of whose blocks count as
     * reserved until an append asks for them (asking again for blocks already there costs one call).
     */
    static MappedFile open(Path path, int expectedSize, BlockAllocator stepBlocks) throws IOException {
        long from = Long.parseLong(path.getFileName().toString());
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long size = ch.size();
            if (stepBlocks != null && size < expectedSize) {
                // A stepped file made unsynced (createUnsynced) whose length a crash lost: its missing tail holds
                // no entry, and zeros are what a load reads as the end. Derived data: recovery indexes the rest.
                LOG.warn("{} is {} bytes long, expected {}: lengthened (a creation cut short)", path, size,
                        expectedSize);
                setSparseLength(path, expectedSize);
                size = ch.size();
            }
            if (size != expectedSize) {
                throw new IOException("file " + path + " has size " + size + ", expected " + expectedSize);
            }
            return new MappedFile(path, from, expectedSize, ch, ch.map(FileChannel.MapMode.READ_WRITE, 0, expectedSize),
                    null, null, false, stepBlocks, stepBlocks == null ? expectedSize : 0);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Creates a new file with its disk blocks really allocated, then maps it. Allocation comes first so a
     * full disk fails here, with an exception, instead of as SIGBUS when a page is first written.
     *
     * @param writeBuffer a pooled off-heap buffer to write through, or null to write into the mapping
     */
    static MappedFile create(Path path, long fromOffset, int fileSize, BlockAllocator blocks,
                             ByteBuffer writeBuffer, TransientStorePool pool, boolean mlock) throws IOException {
        return create(path, fromOffset, fileSize, blocks, writeBuffer, pool, mlock, false);
    }

    /** As above; {@code stepped}: sparse at its full length, with only {@link #FIRST_STEP} bytes allocated. */
    static MappedFile create(Path path, long fromOffset, int fileSize, BlockAllocator blocks,
                             ByteBuffer writeBuffer, TransientStorePool pool, boolean mlock, boolean stepped)
            throws IOException {
        Path tmp = path.resolveSibling(path.getFileName() + ".allocating");
        Files.deleteIfExists(tmp);
        if (stepped) { // its full length at once, so every later open sees its expected size
            setSparseLength(tmp, fileSize);
        }
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            int allocated = stepped ? Math.min(FIRST_STEP, fileSize) : fileSize;
            blocks.allocate(tmp, ch, allocated);
            ch.force(true);
            // Only a fully allocated file gets its real name, so a crash mid-allocation leaves no short file.
            Files.move(tmp, path, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            fsyncDirectory(path.getParent());
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, fileSize);
            boolean locked = mlock && NativeIO.mlock(map);
            return new MappedFile(path, fromOffset, fileSize, ch, map, writeBuffer, pool, locked,
                    stepped ? blocks : null, allocated);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /**
     * A new stepped file made without waiting for the disk: sparse at its full length, its first step allocated,
     * mapped. Durable only once the caller syncs the filesystem; until then a crash may leave it short or absent,
     * so it is only for the first file of a partition the checkpoint does not name yet (which a restart then
     * treats as garbage, see {@link Partitions}), made in bulk with one sync for all.
     */
    static MappedFile createUnsynced(Path path, int fileSize, BlockAllocator blocks) throws IOException {
        setSparseLength(path, fileSize);
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            int allocated = Math.min(FIRST_STEP, fileSize);
            blocks.allocate(path, ch, allocated);
            return new MappedFile(path, Long.parseLong(path.getFileName().toString()), fileSize, ch,
                    ch.map(FileChannel.MapMode.READ_WRITE, 0, fileSize), null, null, false, blocks, allocated);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(path);
            throw e;
        }
    }

    /** ftruncate to {@code length}, creating the file if needed: what is added is a hole, taking no disk. */
    private static void setSparseLength(Path file, long length) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(length);
        }
    }

    /** The end of the page holding byte {@code end - 1}: a stepped file's blocks come in whole pages. */
    private static long pageEnd(int end) {
        return end + (long) FIRST_STEP - 1 - (end - 1) % FIRST_STEP;
    }

    static void fsyncDirectory(Path dir) throws IOException {
        AtomicFiles.fsyncDirectory(dir);
    }

    /**
     * Writes every page once (zeros, through the channel in 1 MiB chunks) and fdatasyncs every
     * {@code flushPages} pages, then advises the kernel the mapping will be needed.
     *
     * <p>Why write at all, when the blocks are already allocated: fallocate leaves them "unwritten", and the
     * first fdatasync over each such range must also commit the extent conversion to the journal, which
     * measured here doubles its latency. Written blocks make every later group commit a plain data write, and
     * leave the pages in the page cache, so appends through the mapping take no major faults. Writing through
     * the channel rather than touching each mapped page avoids a page fault per page while warming.
     *
     * <p>{@code stop} is checked between chunks: once the file is needed, the rest stays unwarmed rather than
     * keep an append waiting. Returns the bytes warmed.
     */
    long warm(int pageSize, int flushPages, BooleanSupplier stop) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        try {
            long flushEvery = flushPages <= 0 ? Long.MAX_VALUE : (long) flushPages * pageSize;
            long sinceFlush = 0;
            long at = 0;
            while (at < fileSize && !stop.getAsBoolean()) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), fileSize - at));
                int n = channel.write(zeros, at);
                at += n;
                sinceFlush += n;
                if (sinceFlush >= flushEvery) {
                    channel.force(false);
                    sinceFlush = 0;
                }
            }
            if (flushPages > 0 && sinceFlush > 0) {
                channel.force(false);
            }
            NativeIO.willNeed(mapped);
            return at;
        } finally {
            Unmapper.unmap(zeros);
        }
    }

    Path path() {
        return path;
    }

    /** No read-around on page faults in this mapping: each fault brings in only its own page. */
    void adviseRandomAccess() {
        NativeIO.randomAccess(mapped);
    }

    /** Whether bytes {@code [position, position + size)} are in the page cache (see {@link NativeIO#allResident}). */
    boolean resident(int position, int size) {
        return NativeIO.allResident(mapped, position, size);
    }

    /** Pages of this file in the page cache, or -1 if unknown: for tests. */
    int residentPages() {
        return NativeIO.residentPages(mapped);
    }

    long fileFromOffset() {
        return fileFromOffset;
    }

    int fileSize() {
        return fileSize;
    }

    boolean isPooled() {
        return pooled;
    }

    int wrotePosition() {
        return wrotePosition;
    }

    int committedPosition() {
        return pooled ? committedPosition : wrotePosition;
    }

    int flushedPosition() {
        return flushedPosition;
    }

    /** Bytes a reader may see: those committed to the file. */
    int readablePosition() {
        return committedPosition();
    }

    int remaining() {
        return fileSize - wrotePosition;
    }

    boolean isFull() {
        return wrotePosition == fileSize;
    }

    /** Whether the blocks of the next {@code size} bytes are reserved, so writing them needs no allocation. */
    boolean allocatedFor(int size) {
        return wrotePosition + size <= allocatedTo;
    }

    /**
     * Reserves the blocks of the next {@code size} bytes if a stepped file does not have them yet: up to twice
     * what it had (growing by {@link #MAX_STEP} at most), at least to the end of the page they end in. Appending
     * thread only, before writing them.
     *
     * @throws StoreException DISK_FULL when the disk has no room: nothing is written then
     */
    void allocateFor(int size) {
        int end = wrotePosition + size;
        if (end <= allocatedTo) {
            return;
        }
        // Doubling, by at most MAX_STEP: a partition near a full disk asks for little at a time.
        int to = (int) Math.min(fileSize, Math.max(pageEnd(end),
                allocatedTo + Math.min(Math.max(allocatedTo, FIRST_STEP), MAX_STEP)));
        try {
            stepBlocks.allocate(path, channel, allocatedTo, to - allocatedTo);
        } catch (IOException e) {
            throw StoreException.fromIo("cannot allocate index blocks", path, e);
        }
        allocatedTo = to;
    }

    /**
     * A writable view of the next {@code size} bytes. Appending thread only; the bytes become part of the
     * file when {@link #advance(int)} is called.
     */
    ByteBuffer reserve(int size) {
        ByteBuffer target = pooled ? writeBuffer : mapped;
        if (target == null) {
            throw new IllegalStateException("file " + path + " is full and its write buffer was returned");
        }
        return target.slice(wrotePosition, size);
    }

    void advance(int size) {
        wrotePosition += size;
    }

    /**
     * Appends {@code head} then {@code body} at the written position and moves past them. Appending thread
     * only. A pooled file copies them into its buffer, as does {@code intoMapping} into the mapping; any other
     * file takes them with one gathering write through its channel, from the buffers as they are (no copy in
     * the broker, no page fault). Either way the bytes are in the page cache, which readers of the mapping
     * share, before the written position covers them. If the write fails, the position stays where it was
     * and the next append overwrites whatever part reached the file.
     */
    void append(ByteBuffer head, ByteBuffer body, boolean intoMapping) throws IOException {
        int size = head.remaining() + body.remaining();
        if (pooled || intoMapping) {
            ByteBuffer target = reserve(size);
            target.put(0, head, head.position(), head.remaining());
            target.put(head.remaining(), body, body.position(), body.remaining());
        } else {
            if (size > remaining()) {
                throw new IllegalStateException(size + " bytes do not fit at " + wrotePosition + " of " + path);
            }
            ByteBuffer[] parts = {head.duplicate(), body.duplicate()};
            channel.position(wrotePosition);
            long left = size;
            while (left > 0) {
                left -= channel.write(parts);
            }
        }
        advance(size);
    }

    /** A read-only view of file bytes, without taking a reference: for the owner's single-threaded recovery. */
    ByteBuffer view(int position, int size) {
        return mapped.slice(position, size).asReadOnlyBuffer();
    }

    /** Absolute reads without a reference, for callers that already hold one. */
    int getInt(int position) {
        return mapped.getInt(position);
    }

    long getLong(int position) {
        return mapped.getLong(position);
    }

    void putLong(int position, long value) {
        mapped.putLong(position, value);
    }

    void putInt(int position, int value) {
        mapped.putInt(position, value);
    }

    /** A held slice of readable bytes, or null if the file is shutting down. */
    /**
     * Copies the file's bytes at {@code position} into {@code dst} (to its limit) through the channel: a read
     * from the page cache that takes no fault on the mapping. The caller holds this file.
     */
    void read(ByteBuffer dst, int position) throws IOException {
        int at = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, at);
            if (n < 0) {
                throw new IOException("end of " + path + " at " + at);
            }
            at += n;
        }
    }

    Slice slice(int position, int size) {
        if (position < 0 || size < 0 || position + size > readablePosition()) {
            throw new IllegalArgumentException("slice [" + position + ", +" + size + ") beyond readable "
                    + readablePosition() + " of " + path);
        }
        if (!hold()) {
            return null;
        }
        return new Slice(mapped.slice(position, size), this);
    }

    /**
     * Moves written bytes from the pooled buffer into the file. Commit-service thread only. When the file is
     * full and fully committed, its buffer goes back to the pool.
     */
    int commit() throws IOException {
        if (!pooled) {
            return wrotePosition;
        }
        if (!hold()) {
            return committedPosition; // being deleted
        }
        try {
            return commitHeld();
        } finally {
            release();
        }
    }

    private int commitHeld() throws IOException {
        ByteBuffer buf = writeBuffer;
        int end = wrotePosition;
        int start = committedPosition;
        if (buf != null && end > start) {
            ByteBuffer src = buf.slice(start, end - start);
            long at = start;
            while (src.hasRemaining()) {
                at += channel.write(src, at);
            }
            committedPosition = end;
        }
        if (committedPosition == fileSize && writeBuffer != null) {
            writeBuffer = null;
            pool.returnBuffer(buf);
        }
        return committedPosition;
    }

    /**
     * Drops this process's mappings of the pages wholly below {@code upTo} (a flushed position in this file),
     * so they stop counting as its resident memory: the pages stay in the page cache, and a reader touching
     * them again maps them again. The file is held meanwhile, so the range is never unmapped, and its
     * addresses reused, under the call. Locked files are left alone (their pages serve the write path).
     */
    void releaseMappedPages(int upTo) {
        int end = Math.min(upTo, flushedPosition) & -StoreConfig.PAGE_SIZE;
        if (end <= 0 || locked || !hold()) {
            return;
        }
        try {
            NativeIO.dontNeed(mapped, 0, end);
        } finally {
            release();
        }
    }

    /** Counts committed bytes up to {@code position} as flushed, after a syncfs forced them. Flush thread only. */
    void markFlushed(int position) {
        int end = Math.min(position, committedPosition());
        if (end > flushedPosition) {
            flushedPosition = end;
        }
    }

    /** Forces committed bytes to disk. Flush-service thread only. */
    int flush() throws IOException {
        if (!hold()) {
            return flushedPosition; // being deleted
        }
        try {
            return flushHeld();
        } finally {
            release();
        }
    }

    private int flushHeld() throws IOException {
        int end = committedPosition();
        int start = flushedPosition;
        if (end > start) {
            // fdatasync covers pages dirtied through the mapping too (Linux has one page cache), and measured
            // here it takes less than half as long as msync over the same range.
            channel.force(false);
            flushedPosition = end;
            if (end == fileSize && locked) {
                // Locking serves the write path; a full, flushed file is only read, so give the RAM back.
                locked = false;
                NativeIO.munlock(mapped);
            }
        }
        return flushedPosition;
    }

    /**
     * Puts a skip marker over each run of dead entries ({@code runs}: start and end pairs, each start an entry
     * boundary) and punches the whole pages after each marker out of the file. The markers are forced before
     * any hole is punched: after a crash a run reads either as its old entries or as a marker over a hole,
     * never as a hole where a scan expects an entry. The caller holds this file; the runs lie below the
     * checkpoint, where nothing writes again. Returns the bytes of the holes ({@link #holeBytes}), or -1 if the
     * filesystem cannot punch holes.
     */
    long skipAndPunch(int[] runs) throws IOException {
        // Kept: retention's store.file.max.age.ms goes by it, and reclaiming does not make a file younger.
        FileTime modified = Files.getLastModifiedTime(path);
        try {
            return skipAndPunchRuns(runs);
        } finally {
            Files.setLastModifiedTime(path, modified);
        }
    }

    private long skipAndPunchRuns(int[] runs) throws IOException {
        for (int i = 0; i + 1 < runs.length; i += 2) {
            CommitLogEntry.writeSkip(mapped.slice(runs[i], CommitLogEntry.SKIP_SIZE), runs[i + 1] - runs[i]);
        }
        channel.force(false);
        long[] holes = new long[runs.length];
        long bytes = 0;
        for (int i = 0; i + 1 < runs.length; i += 2) {
            holes[i] = holeFrom(runs[i]);
            holes[i + 1] = holeBytes(runs[i], runs[i + 1]);
            bytes += holes[i + 1];
        }
        return NativeIO.punchHoles(path, holes) ? bytes : -1;
    }

    /** Bytes of the hole a run {@code [start, end)} gets: its whole pages after the marker; 0 if none. */
    static long holeBytes(int start, int end) {
        return Math.max(0, end / StoreConfig.PAGE_SIZE * (long) StoreConfig.PAGE_SIZE - holeFrom(start));
    }

    /** Where the hole of a run starting at {@code start} begins: the first page boundary after its marker. */
    private static long holeFrom(int start) {
        long afterMarker = start + CommitLogEntry.SKIP_SIZE;
        return (afterMarker + StoreConfig.PAGE_SIZE - 1) / StoreConfig.PAGE_SIZE * StoreConfig.PAGE_SIZE;
    }

    /** How truncation treats the bytes after the new end. */
    enum Zeroing {
        /** Leave them: they are zero already, or garbage a later scan stops at. */
        NONE,
        /** Zero the rest of the file: what follows may look like valid entries, which must not come back. */
        REST,
        /** Zero 32-byte entries up to the first all-zero one, which marks where the old writes ended. */
        UNTIL_ZERO_ENTRY
    }

    /**
     * Sets the positions after recovery or truncation (no other thread writes or flushes the file then): written
     * and committed to {@code position}, flushed to at most {@code flushed}, so bytes recovered from the page
     * cache are forced again by the next flush before anything counts them as durable. Zeroed bytes are forced
     * at once.
     */
    void resetPositions(int position, int flushed, Zeroing zeroing) {
        if (pooled) {
            throw new IllegalStateException("positions of a pooled file are never reset: " + path);
        }
        int end = position;
        if (zeroing == Zeroing.REST) {
            end = fileSize;
        } else if (zeroing == Zeroing.UNTIL_ZERO_ENTRY) {
            while (end + ConsumeQueue.ENTRY_SIZE <= fileSize && !zeroEntry(end)) {
                end += ConsumeQueue.ENTRY_SIZE;
            }
        }
        if (end > position) {
            zero(position, end);
        }
        wrotePosition = position;
        committedPosition = position;
        flushedPosition = Math.min(Math.max(flushed, 0), position);
        if (stepBlocks != null && end > 0) { // the pages bytes were written to have their blocks
            allocatedTo = (int) Math.max(allocatedTo, Math.min(fileSize, pageEnd(end)));
        }
    }

    /** Zeros bytes {@code [from, to)}, durably: by the filesystem where it can (a CommitLog tail), else by hand. */
    private void zero(int from, int to) {
        try {
            if (to - from >= ZERO_BY_FILESYSTEM_FROM && NativeIO.zeroRange(path, from, to - from)) {
                channel.force(false); // the range's new unwritten state is metadata fdatasync writes
                return;
            }
        } catch (IOException e) {
            throw StoreException.fromIo("zeroing bytes after the recovered end", path, e);
        }
        int i = from;
        for (; i + 8 <= to; i += 8) {
            mapped.putLong(i, 0L);
        }
        for (; i < to; i++) {
            mapped.put(i, (byte) 0);
        }
        mapped.force(from, to - from);
    }

    private boolean zeroEntry(int at) {
        for (int i = 0; i < ConsumeQueue.ENTRY_SIZE; i += 8) {
            if (mapped.getLong(at + i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Marks the file to be deleted when its last reference goes, and gives up the owner's reference. */
    void destroy() {
        destroy(null);
    }

    /**
     * As {@link #destroy()}, with the unmap and unlink run by {@code freer} if the last reference goes later, on
     * another thread: that may be an event loop (a fetch response written), where unmapping a large file and
     * unlinking it must not run. With no reader left, they run here and now, on the deleting thread.
     */
    void destroy(Executor freer) {
        this.destroyer = Thread.currentThread();
        this.freer = freer;
        try {
            // A reader may hold the file past the moment a file of the same name is made again (a follower's
            // cut drops index files that appends then make anew): the unlink must not take the new one.
            deletedKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            deletedKey = null;
        }
        deleteOnFree = true;
        shutdown();
    }

    @Override
    protected void free() {
        Executor f = freer;
        if (f != null && Thread.currentThread() != destroyer) {
            f.execute(this::unmapAndDelete);
        } else {
            unmapAndDelete();
        }
    }

    private void unmapAndDelete() {
        if (locked) {
            NativeIO.munlock(mapped);
        }
        Unmapper.unmap(mapped);
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("closing {} failed: {}", path, e.toString());
        }
        ByteBuffer buf = writeBuffer;
        if (buf != null) {
            writeBuffer = null;
            pool.returnBuffer(buf);
        }
        if (deleteOnFree) {
            try {
                Object key = deletedKey;
                if (key != null && Files.exists(path) && !key.equals(
                        Files.readAttributes(path, BasicFileAttributes.class).fileKey())) {
                    LOG.info("{} was made again since it was deleted: the new file stays", path);
                    return;
                }
                Files.deleteIfExists(path);
                LOG.info("deleted {}", path);
            } catch (IOException e) {
                LOG.warn("deleting {} failed: {}", path, e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "MappedFile[" + path + " w=" + wrotePosition + " c=" + committedPosition() + " f=" + flushedPosition + "]";
    }
}
