package io.ferrite.storage;

/**
 * What the store's hot paths tell whoever keeps its metrics: the broker's metrics set one with
 * {@link Store#observeWith}. The store keeps no histograms of its own, so it stays free of any metrics library;
 * each call is made on the thread named, after any lock is released, and must return at once.
 */
public interface StoreObserver {
    /** An append of {@code bytes} took {@code nanos} under the append lock; on the appending thread. */
    void appended(long nanos, int bytes);

    /** A group commit made {@code appends} appends durable with one fsync of {@code nanos}; on ferrite-group-commit. */
    void groupCommitted(int appends, long nanos);

    /** A flush round (ConsumeQueues, and the CommitLog in async mode) took {@code nanos}; on ferrite-flush. */
    void flushed(long nanos);

    StoreObserver NONE = new StoreObserver() {
        @Override
        public void appended(long nanos, int bytes) {
        }

        @Override
        public void groupCommitted(int appends, long nanos) {
        }

        @Override
        public void flushed(long nanos) {
        }
    };
}
