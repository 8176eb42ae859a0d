package io.ferrite.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Reserves real disk blocks for bytes of a file before they are written through its mapping: a whole new file
 * before it is mapped, or (for files allocated in steps) the next range of one. A test can inject one that
 * fails, to play a full disk without filling one.
 */
@FunctionalInterface
public interface BlockAllocator {

    /** Reserves blocks for {@code [offset, offset + length)} of the file. */
    void allocate(Path file, FileChannel channel, long offset, long length) throws IOException;

    /** Reserves blocks for the first {@code length} bytes. */
    default void allocate(Path file, FileChannel channel, long length) throws IOException {
        allocate(file, channel, 0, length);
    }

    /** posix_fallocate where the filesystem supports it, otherwise writing zeros through the channel. */
    BlockAllocator DEFAULT = (file, channel, offset, length) -> {
        if (NativeIO.fallocate(file, offset, length)) {
            return;
        }
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(1 << 16, Math.max(length, 1)));
        long at = offset;
        while (at < offset + length) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), offset + length - at));
            while (zeros.hasRemaining()) {
                at += channel.write(zeros, at);
            }
        }
    };
}
