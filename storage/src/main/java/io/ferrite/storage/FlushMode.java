package io.ferrite.storage;

/** When an append counts as done. */
public enum FlushMode {
    /** After an fsync covering it; one fsync serves every append waiting at that moment (group commit). */
    SYNC,
    /** Once it is in the page cache; a periodic flush writes it to disk. */
    ASYNC
}
