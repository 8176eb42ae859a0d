package io.ferrite.storage;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Walks and copies a directory that a running store (or broker) may be changing. Files come and go under a
 * live store: the checkpoint is written to a temporary file and renamed, the allocator renames files it has
 * made. A file that vanishes between the directory listing and its visit is skipped, as a crash at that moment
 * could miss it too; every other I/O error still fails the test.
 */
public final class LiveTree {
    private LiveTree() {
    }

    /** Every regular file under {@code root} that still exists when visited. */
    public static List<Path> files(Path root) throws IOException {
        List<Path> out = new ArrayList<>();
        Files.walkFileTree(root, new Tolerant() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    out.add(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }

    /** Copies {@code from} into {@code to} (created as needed), skipping files that vanish meanwhile. */
    public static Path copy(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new Tolerant() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                try {
                    Files.copy(file, to.resolve(from.relativize(file).toString()));
                } catch (NoSuchFileException gone) {
                    // renamed or deleted by the store after it was listed
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return to;
    }

    private static class Tolerant extends SimpleFileVisitor<Path> {
        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
                return FileVisitResult.CONTINUE;
            }
            throw e;
        }
    }
}
