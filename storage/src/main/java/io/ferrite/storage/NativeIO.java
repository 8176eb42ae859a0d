package io.ferrite.storage;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * libc calls the JDK does not offer: mlock, munlock, madvise, posix_fallocate, fallocate, setpriority and
 * syncfs, bound through JNA.
 *
 * <p>Memory locking and advice are hints: when the OS refuses (RLIMIT_MEMLOCK, no libc, not Linux)
 * one warning is logged and the store carries on. Block allocation is not a hint: its failure is
 * reported, because a file whose blocks were never allocated turns a full disk into SIGBUS later.
 */
public final class NativeIO {
    private static final Logger LOG = LogManager.getLogger(NativeIO.class);

    static final int MADV_RANDOM = 1;
    static final int MADV_WILLNEED = 3;
    static final int MADV_DONTNEED = 4;
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int ENOSPC = 28;
    private static final int EOPNOTSUPP = 95;
    private static final int FALLOC_FL_KEEP_SIZE = 0x01;
    private static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    private static final int FALLOC_FL_ZERO_RANGE = 0x10;

    private static final boolean AVAILABLE = bind();
    private static final AtomicBoolean LOCK_WARNED = new AtomicBoolean();
    private static final AtomicBoolean ADVISE_WARNED = new AtomicBoolean();

    private NativeIO() {
    }

    private static boolean bind() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            LOG.warn("native memory calls are Linux-only; mlock, madvise and fallocate are off");
            return false;
        }
        try {
            Native.register(NativeIO.class, "c");
            return true;
        } catch (Throwable e) { // UnsatisfiedLinkError or a JNA loading error: degrade, never fail
            LOG.warn("libc could not be bound through JNA; mlock, madvise and fallocate are off: {}", e.toString());
            return false;
        }
    }

    private static native int mlock(Pointer addr, NativeLong len) throws LastErrorException;

    private static native int munlock(Pointer addr, NativeLong len) throws LastErrorException;

    private static native int madvise(Pointer addr, NativeLong len, int advice) throws LastErrorException;

    private static native int open(String path, int flags) throws LastErrorException;

    private static native int close(int fd) throws LastErrorException;

    private static native int syncfs(int fd) throws LastErrorException;

    private static native int mincore(Pointer addr, NativeLong len, byte[] vec) throws LastErrorException;

    private static native int fallocate(int fd, int mode, long offset, long len) throws LastErrorException;

    private static native int setpriority(int which, int who, int prio) throws LastErrorException;

    // posix_fallocate returns the error number instead of setting errno.
    private static native int posix_fallocate(int fd, long offset, long len);

    public static boolean available() {
        return AVAILABLE;
    }

    /** Locks a direct buffer's pages in RAM. Returns false (after one warning) if the OS refuses. */
    public static boolean mlock(ByteBuffer buffer) {
        if (!AVAILABLE) {
            return false;
        }
        try {
            mlock(Native.getDirectBufferPointer(buffer), new NativeLong(buffer.capacity()));
            return true;
        } catch (LastErrorException e) {
            if (LOCK_WARNED.compareAndSet(false, true)) {
                LOG.warn("mlock refused (errno {}); pages stay pageable. Raise RLIMIT_MEMLOCK to lock them."
                        + " This warning is logged once.", e.getErrorCode());
            }
            return false;
        }
    }

    /** Unlocks pages locked by {@link #mlock(ByteBuffer)}. Failures are ignored: the pages are about to go. */
    public static void munlock(ByteBuffer buffer) {
        if (!AVAILABLE) {
            return;
        }
        try {
            munlock(Native.getDirectBufferPointer(buffer), new NativeLong(buffer.capacity()));
        } catch (LastErrorException e) {
            LOG.debug("munlock failed with errno {}", e.getErrorCode());
        }
    }

    /**
     * Whether every page of {@code [offset, offset + length)} of a mapping is in the page cache (mincore), so
     * touching it cannot wait for the disk; true when that cannot be asked, as if it could not wait.
     */
    public static boolean allResident(ByteBuffer mapping, long offset, long length) {
        if (!AVAILABLE || length <= 0) {
            return true;
        }
        long from = offset - offset % StoreConfig.PAGE_SIZE; // mincore takes a page-aligned address
        long len = offset + length - from;
        byte[] vec = new byte[(int) ((len + StoreConfig.PAGE_SIZE - 1) / StoreConfig.PAGE_SIZE)];
        try {
            mincore(Native.getDirectBufferPointer(mapping).share(from), new NativeLong(len), vec);
        } catch (LastErrorException e) {
            return true;
        }
        for (byte b : vec) {
            if ((b & 1) == 0) {
                return false;
            }
        }
        return true;
    }

    /** Pages of a mapped buffer now in the page cache (mincore), or -1 if that cannot be asked. */
    public static int residentPages(ByteBuffer buffer) {
        if (!AVAILABLE) {
            return -1;
        }
        int pages = (buffer.capacity() + StoreConfig.PAGE_SIZE - 1) / StoreConfig.PAGE_SIZE;
        byte[] vec = new byte[pages];
        try {
            mincore(Native.getDirectBufferPointer(buffer), new NativeLong(buffer.capacity()), vec);
        } catch (LastErrorException e) {
            return -1;
        }
        int resident = 0;
        for (byte b : vec) {
            resident += b & 1;
        }
        return resident;
    }

    /**
     * Sets the calling thread's nice value. On Linux the nice value belongs to each thread, and
     * {@code setpriority(PRIO_PROCESS, 0, n)} sets the caller's alone (the kernel takes "0" as the current
     * task); gettid is not bound, as glibc before 2.30 lacks it and one missing symbol would unbind every call
     * here. Raising the value needs no privilege. Returns false if refused.
     */
    public static boolean niceCurrentThread(int nice) {
        if (!AVAILABLE) {
            return false;
        }
        try {
            setpriority(0 /* PRIO_PROCESS */, 0 /* the calling thread */, nice);
            return true;
        } catch (LastErrorException e) {
            LOG.debug("setpriority refused: {}", e.toString());
            return false;
        }
    }

    /** madvise(RANDOM) over a mapped buffer: page faults read no pages around their own. Returns false if refused. */
    public static boolean randomAccess(ByteBuffer buffer) {
        return advise(buffer, MADV_RANDOM);
    }

    /** madvise(WILLNEED) over a mapped buffer: read-ahead of its pages. Returns false if refused. */
    public static boolean willNeed(ByteBuffer buffer) {
        return advise(buffer, MADV_WILLNEED);
    }

    private static boolean advise(ByteBuffer buffer, int advice) {
        if (!AVAILABLE) {
            return false;
        }
        try {
            madvise(Native.getDirectBufferPointer(buffer), new NativeLong(buffer.capacity()), advice);
            return true;
        } catch (LastErrorException e) {
            if (ADVISE_WARNED.compareAndSet(false, true)) {
                LOG.warn("madvise({}) refused (errno {}); this warning is logged once", advice, e.getErrorCode());
            }
            return false;
        }
    }

    /**
     * madvise(DONTNEED) over {@code length} bytes of a shared file mapping from {@code offset} (both page
     * aligned): this process stops mapping those pages, so they leave its resident set, while the pages
     * themselves stay in the page cache (dirty ones are still written back) and a later access maps them
     * again. Returns false if refused (locked pages, say).
     */
    public static boolean dontNeed(ByteBuffer mapping, long offset, long length) {
        if (!AVAILABLE || length <= 0) {
            return false;
        }
        try {
            madvise(Native.getDirectBufferPointer(mapping).share(offset), new NativeLong(length), MADV_DONTNEED);
            return true;
        } catch (LastErrorException e) {
            LOG.debug("madvise(DONTNEED) refused with errno {}", e.getErrorCode());
            return false;
        }
    }

    /** Work on a raw file descriptor. */
    @FunctionalInterface
    private interface FdAction {
        boolean apply(int fd) throws IOException;
    }

    /** Opens {@code path}, runs {@code action} on the descriptor, and closes it whatever happens. */
    private static boolean withFd(Path path, int flags, FdAction action) throws IOException {
        int fd;
        try {
            fd = open(path.toString(), flags);
        } catch (LastErrorException e) {
            throw new IOException("open failed with errno " + e.getErrorCode() + ": " + path);
        }
        try {
            return action.apply(fd);
        } finally {
            try {
                close(fd);
            } catch (LastErrorException ignored) {
                // nothing was written through this descriptor: a failed close loses nothing
            }
        }
    }

    /**
     * Allocates real disk blocks for {@code [0, length)} of a file. Returns false when the call is not
     * available or the filesystem does not support it, so the caller falls back to writing zeros.
     *
     * @throws IOException with "No space left on device" when the disk is full
     */
    public static boolean fallocate(Path file, long length) throws IOException {
        return fallocate(file, 0, length);
    }

    /** As {@link #fallocate(Path, long)}, for {@code [offset, offset + length)}. */
    public static boolean fallocate(Path file, long offset, long length) throws IOException {
        return AVAILABLE && withFd(file, O_RDWR, fd -> {
            int rc = posix_fallocate(fd, offset, length);
            if (rc == ENOSPC) {
                throw new IOException("No space left on device: cannot allocate " + length + " bytes for " + file);
            }
            if (rc != 0 && rc != EOPNOTSUPP) {
                throw new IOException("posix_fallocate failed with errno " + rc + ": " + file);
            }
            return rc == 0;
        });
    }

    /**
     * Writes back every dirty page of the filesystem holding {@code path} and waits: one call instead of an
     * fdatasync per file. Returns false when the call is not available, so the caller syncs file by file.
     *
     * @throws IOException when the filesystem reports a writeback error
     */
    public static boolean syncfs(Path path) throws IOException {
        return AVAILABLE && withFd(path, O_RDONLY, fd -> {
            try {
                syncfs(fd);
                return true;
            } catch (LastErrorException e) {
                throw new IOException("syncfs failed with errno " + e.getErrorCode() + ": " + path);
            }
        });
    }

    /**
     * Makes {@code [offset, offset + length)} of a file read as zeros while keeping its blocks allocated, without
     * writing the bytes: the filesystem marks the range unwritten (ZERO_RANGE), or, where it cannot (tmpfs),
     * the range is punched out and allocated again. Returns false when neither is supported, so the caller
     * writes zeros itself. Pages of the range in the page cache and in mappings read as zeros afterwards.
     *
     * @throws IOException when the range cannot be allocated again (a full disk) or the call fails otherwise
     */
    public static boolean zeroRange(Path file, long offset, long length) throws IOException {
        return AVAILABLE && length > 0 && withFd(file, O_RDWR, fd -> {
            try {
                fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, offset, length);
                return true;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EOPNOTSUPP) {
                    throw new IOException("fallocate(ZERO_RANGE) failed with errno " + e.getErrorCode() + ": " + file);
                }
            }
            try {
                fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == EOPNOTSUPP) {
                    return false;
                }
                throw new IOException("fallocate(PUNCH_HOLE) failed with errno " + e.getErrorCode() + ": " + file);
            }
            // A hole would make a later write through the mapping fault on a full disk: take the blocks back.
            int rc = posix_fallocate(fd, offset, length);
            if (rc != 0 && rc != EOPNOTSUPP) {
                throw new IOException("posix_fallocate failed with errno " + rc + " re-allocating zeroed bytes of "
                        + file);
            }
            return true;
        });
    }

    /**
     * Gives the disk blocks of byte ranges of a file back to the filesystem (PUNCH_HOLE): the file keeps its
     * length, the ranges read as zeros, and the disk space is free. Only for bytes nothing will write again:
     * a write into a hole allocates anew, and through a mapping faults if the disk is full. Returns false
     * when the call is not available or the filesystem cannot punch holes.
     *
     * @param ranges pairs of offset and length
     * @throws IOException when the call fails otherwise
     */
    public static boolean punchHoles(Path file, long[] ranges) throws IOException {
        return AVAILABLE && withFd(file, O_RDWR, fd -> {
            for (int i = 0; i + 1 < ranges.length; i += 2) {
                if (ranges[i + 1] <= 0) {
                    continue; // fallocate refuses an empty range
                }
                try {
                    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, ranges[i], ranges[i + 1]);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == EOPNOTSUPP) {
                        return false;
                    }
                    throw new IOException("fallocate(PUNCH_HOLE) failed with errno " + e.getErrorCode() + ": " + file);
                }
            }
            return true;
        });
    }
}
