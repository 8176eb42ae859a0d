package io.ferrite.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Reserves real disk blocks for a new file before it is mapped. A test can inject one that fails, to
 * play a full disk without filling one.
 */
@FunctionalInterface
public interface BlockAllocator {

    void allocate(Path file, FileChannel channel, long length) throws IOException;

    /** posix_fallocate where the filesystem supports it, otherwise writing zeros through the channel. */
    BlockAllocator DEFAULT = (file, channel, length) -> {
        if (NativeIO.fallocate(file, length)) {
            return;
        }
        ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        long at = 0;
        while (at < length) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), length - at));
            while (zeros.hasRemaining()) {
                at += channel.write(zeros, at);
            }
        }
    };
}
