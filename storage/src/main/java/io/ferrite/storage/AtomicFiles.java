package io.ferrite.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Replacing a small file so that a crash at any moment leaves either the old content or the new, never a mix:
 * write a sibling {@code .tmp}, fsync it, rename it over the target, fsync the directory.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    public static void replace(Path target, ByteBuffer content) throws IOException {
        replace(target, content, new FileAttribute<?>[0]);
    }

    /**
     * As {@link #replace(Path, ByteBuffer)}, the new file readable and writable by its owner only from its first
     * byte (on a filesystem with POSIX permissions): for files that hold secrets.
     */
    public static void replacePrivate(Path target, ByteBuffer content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp); // created anew, so with the permissions below
        boolean posix = Files.getFileStore(target.toAbsolutePath().getParent())
                .supportsFileAttributeView(PosixFileAttributeView.class);
        replace(target, content, posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0]);
    }

    private static void replace(Path target, ByteBuffer content, FileAttribute<?>[] attributes) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING), attributes)) {
            ByteBuffer b = content.duplicate();
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(target.toAbsolutePath().getParent());
    }

    /** Makes a directory's entries (a created, renamed or deleted file) durable. */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
