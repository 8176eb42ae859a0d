/**
 * The store: one CommitLog shared by every partition, a ConsumeQueue index per partition, preallocated and
 * optionally warmed and mlocked files, the write-buffer pool, group-commit or periodic flush, checkpoint and
 * recovery, retention, and idempotent-producer state; byte layouts in docs/STORAGE.md and in the class that
 * writes each file. Appends run on the caller's thread (a network thread); the store's own threads
 * ({@code ferrite-file-allocator}, {@code ferrite-group-commit}, {@code ferrite-commit}, {@code ferrite-flush},
 * {@code ferrite-retention}) are started by {@link io.ferrite.storage.Store#open} and stopped by its close, each
 * through a {@code ServiceRunner}. No dependency on Kafka's libraries.
 */
package io.ferrite.storage;
