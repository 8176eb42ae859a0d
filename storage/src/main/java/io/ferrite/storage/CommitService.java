package io.ferrite.storage;

import java.io.IOException;

/**
 * Async mode with the write-buffer pool: moves appended bytes from the pooled buffers into the files, so
 * readers can see them and the flush service can force them. It is the only writer of committed positions.
 * Appends wake it; otherwise it runs every {@code store.commit.interval.ms}.
 */
final class CommitService implements Agent {
    private final CommitLog log;
    private long lastCommitted = -1;

    CommitService(CommitLog log) {
        this.log = log;
    }

    @Override
    public String roleName() {
        return "ferrite-commit";
    }

    @Override
    public int doWork() throws IOException {
        long committed = log.commit();
        boolean moved = committed != lastCommitted;
        lastCommitted = committed;
        return moved ? 1 : 0;
    }

    @Override
    public void onClose() throws IOException {
        log.commit();
    }
}
