package io.ferrite.storage;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Hold/release counting for resources that readers use from other threads. The owner holds the first
 * reference; {@link #shutdown()} gives it up, and the resource is freed only when the last reader
 * releases, so a mapped file is never unmapped under a reader.
 */
abstract class ReferenceCounted {
    private final AtomicLong refs = new AtomicLong(1);
    private volatile boolean available = true;

    /** Takes a reference. Returns false once the resource is shut down; the caller must not use it then. */
    final boolean hold() {
        while (true) {
            long r = refs.get();
            if (!available || r <= 0) {
                return false;
            }
            if (refs.compareAndSet(r, r + 1)) {
                return true;
            }
        }
    }

    final void release() {
        long r = refs.decrementAndGet();
        if (r == 0) {
            free();
        } else if (r < 0) {
            throw new IllegalStateException("released more often than held: " + this);
        }
    }

    /** Drops the owner's reference; idempotent. */
    final void shutdown() {
        synchronized (this) {
            if (!available) {
                return;
            }
            available = false;
        }
        release();
    }

    final boolean isAvailable() {
        return available;
    }

    final long refCount() {
        return refs.get();
    }

    /** Called once, by whichever thread released the last reference. */
    protected abstract void free();
}
