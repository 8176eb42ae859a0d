package io.ferrite.storage;

import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Drops a file's clean, unmapped pages from the page cache (posix_fadvise DONTNEED, which needs no privilege),
 * so a test can make data "cold" as if the machine had been busy with other files. Linux only.
 */
public final class PageCache {
    private static final int O_RDONLY = 0;
    private static final int POSIX_FADV_DONTNEED = 4;

    static {
        Native.register(PageCache.class, "c");
    }

    private PageCache() {
    }

    private static native int open(String path, int flags);

    private static native int posix_fadvise(int fd, long offset, long len, int advice);

    private static native int close(int fd);

    public static void evict(Path file) throws IOException {
        int fd = open(file.toString(), O_RDONLY);
        if (fd < 0) {
            throw new IOException("cannot open " + file);
        }
        try {
            posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        } finally {
            close(fd);
        }
    }
}
