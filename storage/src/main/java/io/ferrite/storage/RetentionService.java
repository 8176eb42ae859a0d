package io.ferrite.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Retention: moves each partition's log start forward by its {@link Retention} limits, drops the queue
 * files wholly before it, deletes CommitLog files that no partition needs any more, frees the disk under dead
 * entries of the files that must stay ({@link Reclaimer}), forgets idempotent
 * producers not heard from for {@code producer.id.expiration.ms}, and writes a {@link ProducerSnapshot} of
 * each partition written to since its last one, so that an open after a crash reads at most one retention
 * interval of batches to rebuild producer state.
 *
 * <p>Two global limits can override the partitions: when the oldest CommitLog file is older than
 * {@code store.file.max.age.ms}, or (only with {@code store.disk.full.delete.oldest}) the disk is fuller than
 * {@code store.max.disk.used.ratio}, the oldest file goes anyway, and partitions whose batches were in it have
 * their log start moved past them. By default a full disk deletes nothing: {@link DiskMonitor} refuses appends. A pinned partition (the group
 * coordinator's) is never trimmed: its owner compacts it by rewriting its live state at the tail, and a
 * forced deletion stops at the first file it still reads from.
 *
 * <p>A file is only unmapped and deleted once no reader holds a slice of it.
 */
final class RetentionService implements Agent {
    private static final Logger LOG = LogManager.getLogger(RetentionService.class);

    private final CommitLog log;
    private final Partitions partitions;
    private volatile Retention defaultRetention;
    private volatile double maxDiskUsedRatio;
    private final boolean diskFullDeletesOldest;
    private volatile long fileMaxAgeMs;
    private final long producerIdExpirationMs;
    private final Clock clock;
    private final Reclaimer reclaimer;
    /** For the store's view, written by the pass alone: when it last ran, what it deleted, what it must keep. */
    private volatile long lastPassMillis = -1;
    private volatile long filesDeleted;
    private volatile long neededFrom;

    RetentionService(CommitLog log, Partitions partitions, StoreConfig config, Clock clock) {
        this.log = log;
        this.partitions = partitions;
        this.defaultRetention = config.defaultRetention();
        this.maxDiskUsedRatio = config.maxDiskUsedRatio();
        this.diskFullDeletesOldest = config.diskFullDeletesOldest();
        this.fileMaxAgeMs = config.fileMaxAgeMs();
        this.producerIdExpirationMs = config.producerIdExpirationMs();
        this.clock = clock;
        this.reclaimer = new Reclaimer(log.files(), partitions, config.reclaimDelayMs());
    }

    @Override
    public String roleName() {
        return "ferrite-retention";
    }

    /** One pass. Returns the number of CommitLog files deleted. */
    @Override
    public synchronized int doWork() throws IOException {
        long now = clock.millis();
        for (PartitionLog p : partitions.all()) {
            if (!p.pinned()) {
                applyRetention(p, now);
            }
            p.producers().expire(now, producerIdExpirationMs);
        }
        long needed = minPositionNeeded();
        int deleted = log.files().deleteBefore(needed);
        while (mustForceDelete(now) && log.files().files().size() > 1) {
            MappedFile oldest = log.files().first();
            long newMin = oldest.fileFromOffset() + oldest.fileSize();
            if (newMin > log.confirmedPosition()) {
                break; // the file still being written (or just rolled from) is never forced out
            }
            PartitionLog holder = pinnedBefore(newMin);
            if (holder != null) {
                LOG.warn("keeping CommitLog file {}: pinned partition {} still reads from it", oldest.path(),
                        holder.key());
                break;
            }
            LOG.warn("deleting CommitLog file {} ahead of partition retention ({})", oldest.path(),
                    diskTooFull() ? "disk above " + maxDiskUsedRatio : "older than " + fileMaxAgeMs + " ms");
            for (PartitionLog p : partitions.all()) {
                dropBefore(p, newMin);
            }
            deleted += log.files().deleteBefore(newMin);
        }
        try {
            reclaimer.run(now);
        } catch (IOException | RuntimeException | InternalError e) { // InternalError: a mapped page's I/O failed
            LOG.warn("could not free the disk under dead CommitLog entries; the next pass tries again: {}",
                    e.toString());
        }
        writeProducerSnapshots();
        neededFrom = Math.max(needed, log.files().minPosition());
        filesDeleted += deleted;
        lastPassMillis = now;
        return deleted;
    }

    /** The settings that may change while the store runs; the next pass uses them. */
    void reconfigure(StoreConfig next) {
        this.defaultRetention = next.defaultRetention();
        this.maxDiskUsedRatio = next.maxDiskUsedRatio();
        this.fileMaxAgeMs = next.fileMaxAgeMs();
    }

    /** What the passes so far did, for {@link Store#view}. */
    StoreView.Retention progress() {
        return new StoreView.Retention(lastPassMillis, filesDeleted, neededFrom);
    }

    /**
     * Snapshots the producer state of every partition whose log end moved since its last snapshot, each taken
     * under the append lock so that it matches the log exactly. A snapshot that cannot be written is only
     * logged: without it the next open reads more of the log, nothing else. Returns how many were written.
     */
    synchronized int writeProducerSnapshots() {
        int written = 0;
        for (PartitionLog p : partitions.all()) {
            if (p.isDeleted() || p.logEndOffset() == p.snapshotEnd()) {
                continue;
            }
            ProducerSnapshot.State s = log.underAppendLock(() -> {
                if (p.cutting()) {
                    return null; // its state is being rebuilt, under the table's lock, which would hold this one
                }
                ConsumeQueue q = p.queue();
                ConsumeQueue.Entry last = q.endIndex() > p.startIndex() ? q.entry(q.endIndex() - 1) : null;
                return last == null ? null
                        : p.producers().snapshot(p.logEndOffset(), last.position(), p.lastBatchCrc());
            });
            if (s == null) {
                continue; // no batch left (an open has nothing to read), or a cut under way (the next pass)
            }
            try {
                ProducerSnapshot.write(p.queue().files().dir(), s);
                p.snapshotWritten(s.endOffset());
                written++;
            } catch (IOException e) {
                LOG.warn("cannot write the producer-state snapshot of {}: {}", p.key(), e.toString());
            }
        }
        return written;
    }

    private void applyRetention(PartitionLog p, long now) {
        Retention r = p.retention() != null ? p.retention() : defaultRetention;
        ConsumeQueue q = p.queue();
        CleanedLog c = p.cleaned(); // a compacted partition's batches the cleaner kept, before the queue's
        long cuts = p.cuts(); // a follower's cut during the search makes its offsets another log's
        long target = p.logStartOffset();
        // Read before searching: a batch appended during the search must not be counted as expired.
        long end = p.logEndOffset();
        if (r.retentionMs() >= 0) {
            long oldest = now - r.retentionMs();
            int first = c == null ? 0 : c.indexOf(target);
            int k = c == null ? 0 : Math.max(first, c.firstWithRunningMaxAtLeast(oldest));
            if (c != null && k < c.batches()) {
                if (k > first) { // the start moves only past batches that expired, not into a gap the cleaner left
                    target = Math.max(target, c.entry(k).baseOffset());
                }
            } else {
                long i = q.firstIndexWithRunningMaxAtLeast(oldest, p.startIndex());
                ConsumeQueue.Entry keep = i < 0 ? null : q.entry(i);
                target = Math.max(target, keep == null ? end : keep.baseOffset());
            }
        }
        if (r.retentionBytes() >= 0) {
            // Drop whole batches while what remains is still at least the limit, as Kafka does with segments.
            long size = p.sizeInBytes();
            boolean more = true;
            for (int k = c == null ? 0 : c.indexOf(target); c != null && k < c.batches(); k++) {
                ConsumeQueue.Entry e = c.entry(k);
                int batch = e.size() - CommitLogEntry.HEADER_SIZE;
                if (size - batch < r.retentionBytes()) {
                    more = false;
                    break;
                }
                size -= batch;
                target = Math.max(target, e.lastOffset() + 1);
            }
            long from = c == null ? target : Math.max(target, c.endOffset());
            for (long i = q.indexOf(from, p.startIndex()); more && i >= 0 && i < q.endIndex(); i++) {
                ConsumeQueue.Entry e = q.entry(i);
                int batch = e == null ? 0 : e.size() - CommitLogEntry.HEADER_SIZE;
                if (e == null || size - batch < r.retentionBytes()) {
                    break;
                }
                size -= batch;
                target = Math.max(target, e.lastOffset() + 1);
            }
        }
        p.truncateHead(target, cuts);
    }

    /**
     * Moves the log start of {@code p} past every batch stored before CommitLog position {@code position}. A
     * partition with none there keeps its start: a compacted one's cleaned batches are in files of their own,
     * and must not go because its queue happens to start at the cleaned end.
     */
    private void dropBefore(PartitionLog p, long position) {
        synchronized (p) { // a cleaner's swap moves the queue start, and drops queue files, under this lock
            ConsumeQueue q = p.queue();
            long from = p.startIndex();
            long i = q.firstIndexAtOrAfterPosition(position, from);
            if (i <= from) {
                return;
            }
            ConsumeQueue.Entry e = i < q.endIndex() ? q.entry(i) : null;
            p.truncateHead(e == null ? p.logEndOffset() : e.baseOffset());
        }
    }

    /** A pinned partition with batches before {@code position}, or null. */
    private PartitionLog pinnedBefore(long position) {
        for (PartitionLog p : partitions.all()) {
            long first = p.pinned() ? p.firstPosition() : -1;
            if (first >= 0 && first < position) {
                return p;
            }
        }
        return null;
    }

    /** The lowest CommitLog position any partition still reads from. */
    private long minPositionNeeded() {
        long min = log.confirmedPosition();
        for (PartitionLog p : partitions.all()) {
            long first = p.firstPosition();
            if (first >= 0) {
                min = Math.min(min, first);
            }
        }
        return min;
    }

    private boolean mustForceDelete(long now) throws IOException {
        if (diskFullDeletesOldest && diskTooFull()) {
            return true;
        }
        if (fileMaxAgeMs < 0) {
            return false;
        }
        MappedFile oldest = log.files().first();
        return oldest != null && now - Files.getLastModifiedTime(oldest.path()).toMillis() > fileMaxAgeMs;
    }

    private boolean diskTooFull() throws IOException {
        return DiskMonitor.usedRatio(log.files().dir()) > maxDiskUsedRatio;
    }
}
