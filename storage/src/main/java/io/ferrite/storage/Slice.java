package io.ferrite.storage;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A read-only view of bytes inside a mapped file, holding a reference on that file until closed.
 * The view is never copied: it can be handed to a gathering write as it is.
 */
public final class Slice implements AutoCloseable {
    private final ByteBuffer buffer;
    private final ReferenceCounted owner;
    private final AtomicBoolean closed = new AtomicBoolean();

    Slice(ByteBuffer buffer, ReferenceCounted owner) {
        this.buffer = buffer.asReadOnlyBuffer();
        this.owner = owner;
    }

    /** The bytes; position 0, limit the size. Valid until {@link #close()}. */
    public ByteBuffer buffer() {
        return buffer;
    }

    public int size() {
        return buffer.remaining();
    }

    /** Releases the file reference; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            owner.release();
        }
    }
}
