package io.ferrite.storage;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A fixed set of off-heap buffers, each the size of one CommitLog file and mlocked at start. When the
 * pool is on, appends land in a pooled buffer (memory that never page-faults and is never written back
 * by the kernel on its own), and the commit service moves them into the file.
 *
 * <p>Borrowing never blocks: when every buffer is out, the new file writes straight into its mapping.
 */
final class TransientStorePool implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(TransientStorePool.class);

    private final int bufferSize;
    private final List<ByteBuffer> all = new ArrayList<>();
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final boolean lock;
    private boolean closed;

    TransientStorePool(int buffers, int bufferSize, boolean lock) {
        this.bufferSize = bufferSize;
        this.lock = lock;
        for (int i = 0; i < buffers; i++) {
            ByteBuffer b;
            try {
                b = ByteBuffer.allocateDirect(bufferSize);
            } catch (OutOfMemoryError e) {
                // Too little direct memory (-XX:MaxDirectMemorySize) for the pool asked for: run with fewer
                // buffers; files without one write straight into their mapping.
                LOG.warn("transient store pool: only {} of {} buffers of {} bytes fit in direct memory ({})",
                        i, buffers, bufferSize, e.getMessage());
                break;
            }
            if (lock) {
                NativeIO.mlock(b);
            }
            all.add(b);
            free.add(b);
        }
        LOG.info("transient store pool: {} buffers of {} bytes, mlock {}", all.size(), bufferSize, lock);
    }

    /** A cleared buffer, or null when all are in use. */
    synchronized ByteBuffer borrowBuffer() {
        return closed ? null : free.poll();
    }

    synchronized void returnBuffer(ByteBuffer buffer) {
        if (buffer.capacity() != bufferSize) {
            throw new IllegalArgumentException("not a pooled buffer");
        }
        if (!closed) {
            buffer.clear();
            free.add(buffer);
        }
    }

    synchronized int available() {
        return free.size();
    }

    /** Buffers the pool holds, lent or free. */
    synchronized int buffers() {
        return all.size();
    }

    int bufferSize() {
        return bufferSize;
    }

    /** Releases the buffers' memory. Files still writing through one must be closed first. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ByteBuffer b : all) {
            if (lock) {
                NativeIO.munlock(b);
            }
            Unmapper.unmap(b);
        }
        all.clear();
        free.clear();
    }
}
