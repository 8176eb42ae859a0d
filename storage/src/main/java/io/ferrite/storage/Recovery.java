package io.ferrite.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Brings the CommitLog and the ConsumeQueues back into agreement on open.
 *
 * <ol>
 *   <li>Each queue was already cut at the checkpoint position when loaded. A queue that now ends before the
 *       log end the checkpoint recorded has lost files: it is deleted and rebuilt from the CommitLog's
 *       first file.</li>
 *   <li>The CommitLog is scanned from the checkpoint position (or its first file, for a rebuild). Every
 *       entry is checked: header CRC always, batch CRC after the checkpoint. After the checkpoint the first
 *       entry that fails ends the log: it and everything after are truncated (zeroed), since past an
 *       untrusted size field there is no way to find the next entry. Before the checkpoint nothing is ever
 *       truncated: a batch failing only its own CRC is indexed and readers refuse it (see
 *       {@link LogReader}); an unreadable header makes a rebuild resume at the next file. A skip marker
 *       ({@link Reclaimer}) is stepped over: the entries under it were no partition's any more. A truncation
 *       marker ({@link Truncation}) cuts its partition where it lies in the log: one after the checkpoint
 *       always, one before it only in a queue being rebuilt (the others were cut before the checkpoint).</li>
 *   <li>Entries after the checkpoint (any, for a queue being rebuilt) past their queue's end are indexed; entries of
 *       deleted partitions skipped.</li>
 *   <li>After an unclean stop the rest of the file holding the new end is zeroed, and later files deleted:
 *       writeback does not go in order, so entries written after the first one lost may have reached the
 *       disk. Left there, they would be read back as soon as new appends happened to end where one of them
 *       starts, at offsets given out again since.</li>
 *   <li>Each partition's log start moves past batches whose CommitLog file is gone (retention deleted it
 *       after the last checkpoint recorded the old start).</li>
 *   <li>Sizes are summed from each partition's queue. Idempotent-producer state is read from its
 *       {@link ProducerSnapshot} where one matches the log, then brought up to date from the batches after it
 *       (or rebuilt from every remaining batch without one). A queue entry that does not match the CommitLog
 *       entry it points to (partition, base offset) is left out.</li>
 * </ol>
 * Nothing here reads the clock: the start point is a position.
 */
final class Recovery {
    private static final Logger LOG = LogManager.getLogger(Recovery.class);
    /** Scans this long or longer report their progress, at the first file boundary past each step. */
    static final long PROGRESS_STEP_BYTES = 256L << 20;

    /**
     * What recovery did, for logs and tests. {@code batchesRead}: batch headers read to bring producer state
     * up to date, past the snapshots.
     */
    record Report(long scannedFrom, long end, long corruptAt, int entriesIndexed, List<PartitionKey> rebuilt,
                  long batchesRead) {
    }

    private Recovery() {
    }

    /** @param unclean the store was not closed cleanly, so bytes past the recovered end are not to be trusted */
    static Report run(CommitLog log, Partitions partitions, Checkpoint cp, boolean unclean) {
        MappedFileQueue files = log.files();
        List<PartitionKey> rebuilt = new ArrayList<>();
        Set<Integer> rebuiltIds = new HashSet<>();
        for (Checkpoint.PartitionRecord r : cp.partitions()) {
            PartitionLog p = partitions.byId(r.id());
            long end = Partitions.endOffsetAt(p, Long.MAX_VALUE);
            if (end < r.logEndOffset()) {
                LOG.warn("ConsumeQueue of {} ends at {} but the checkpoint recorded {}: rebuilding it",
                        p.key(), end, r.logEndOffset());
                p.queue().destroy();
                rebuilt.add(p.key());
                rebuiltIds.add(p.id());
            }
        }
        for (PartitionLog p : partitions.all()) {
            p.recoverEnd(Partitions.endOffsetAt(p, Long.MAX_VALUE));
        }
        long start = rebuilt.isEmpty() ? Math.max(cp.commitLogPosition(), files.minPosition()) : files.minPosition();
        long checkpoint = cp.commitLogPosition();
        long pos = start;
        long corruptAt = -1;
        int indexed = 0;
        MappedFile last = files.last();
        long toScan = last == null ? 0 : last.fileFromOffset() + last.fileSize() - start;
        if (toScan >= PROGRESS_STEP_BYTES) {
            LOG.info("recovery: scanning {} MiB of the CommitLog from position {} ({} MiB retained)",
                    toScan >> 20, start, (last.fileFromOffset() + last.fileSize() - files.minPosition()) >> 20);
        }
        long reported = start;
        scan:
        while (true) {
            MappedFile f = files.find(pos);
            if (f == null) {
                break;
            }
            if (pos - reported >= PROGRESS_STEP_BYTES) { // a large store takes minutes: say how far it is
                reported = pos;
                LOG.info("recovery: scanned {} of {} MiB ({}%), {} entries indexed", (pos - start) >> 20,
                        toScan >> 20, (pos - start) * 100 / toScan, indexed);
            }
            ByteBuffer view = log.fileView(f);
            int at = (int) (pos - f.fileFromOffset());
            while (true) {
                CommitLogEntry.Kind kind = CommitLogEntry.classify(view, at, f.fileSize(), pos >= checkpoint);
                if (kind == CommitLogEntry.Kind.END_OF_FILE) {
                    pos = f.fileFromOffset() + f.fileSize();
                    continue scan;
                }
                if (kind == CommitLogEntry.Kind.SKIPPED) { // a run no partition reads: the reclaimer's
                    int run = CommitLogEntry.size(view, at);
                    at += run;
                    pos += run;
                    continue;
                }
                // Before the checkpoint, a queue holds its entries and cuts already, unless it is being rebuilt.
                boolean known = kind == CommitLogEntry.Kind.ENTRY || kind == CommitLogEntry.Kind.TRUNCATION;
                PartitionLog p = known ? partitions.byId(CommitLogEntry.partitionId(view, at)) : null;
                boolean replay = p != null && (pos >= checkpoint || rebuiltIds.contains(p.id()));
                if (kind == CommitLogEntry.Kind.TRUNCATION) {
                    if (replay) {
                        Truncation.replay(p, CommitLogEntry.truncationOffset(view, at));
                    }
                    at += CommitLogEntry.TRUNCATION_SIZE;
                    pos += CommitLogEntry.TRUNCATION_SIZE;
                    continue;
                }
                if (kind != CommitLogEntry.Kind.ENTRY && pos < checkpoint) {
                    // Before the checkpoint everything was acknowledged and flushed: never truncate there. Past a
                    // bad header the next entry cannot be found, so the rebuild resumes at the next file.
                    LOG.warn("CommitLog entry at {} in {} is unreadable ({}); rebuilt indexes skip to the next"
                            + " file", pos, f.path(), kind);
                    pos = f.fileFromOffset() + f.fileSize();
                    continue scan;
                }
                if (kind != CommitLogEntry.Kind.ENTRY) {
                    if (kind == CommitLogEntry.Kind.CORRUPT) {
                        corruptAt = pos;
                        LOG.warn("CommitLog entry at {} in {} is invalid: truncating the log there", pos, f.path());
                    }
                    break scan;
                }
                int size = CommitLogEntry.size(view, at);
                if (replay) { // an entry the cut dropped must not come back in a queue that is not rebuilt
                    ByteBuffer batch = CommitLogEntry.batch(view, at);
                    long base = RecordBatchHeader.baseOffset(batch);
                    if (base + RecordBatchHeader.lastOffsetDelta(batch) >= p.logEndOffset()) {
                        p.onAppended(batch, pos, size);
                        indexed++;
                    }
                }
                at += size;
                pos += size;
            }
        }
        log.recoverTo(pos, checkpoint, corruptAt >= 0 || unclean);
        if (pos < checkpoint) {
            // CommitLog files are missing: no index may point past what is left.
            LOG.warn("the CommitLog ends at {}, before the checkpoint at {}: CommitLog files are missing", pos,
                    checkpoint);
            for (PartitionLog p : partitions.all()) {
                p.queue().cutAt(pos);
                p.recoverEnd(Partitions.endOffsetAt(p, Long.MAX_VALUE));
            }
        }
        long batchesRead = 0;
        for (PartitionLog p : partitions.all()) {
            batchesRead += rebuildPartitionState(p, files);
        }
        if (corruptAt >= 0 || indexed > 0 || !rebuilt.isEmpty() || batchesRead > 0) {
            LOG.info("recovery scanned the CommitLog from {} to {}: {} entries indexed, {} partitions rebuilt, {}"
                    + " batches read for producer state", start, pos, indexed, rebuilt.size(), batchesRead);
        }
        return new Report(start, pos, corruptAt, indexed, rebuilt, batchesRead);
    }

    /** Log start, size and producer state from the partition's remaining batches; returns how many it read. */
    private static long rebuildPartitionState(PartitionLog p, MappedFileQueue files) {
        ConsumeQueue q = p.queue();
        if (!q.isEmpty()) {
            ConsumeQueue.Entry first = q.entry(q.startIndex());
            if (first != null && first.baseOffset() > p.queueStartOffset() && p.cleaned() == null) {
                p.advanceLogStart(first.baseOffset()); // queue files before it are gone: start where data starts
            }
            long kept = files.minPosition();
            long from = p.startIndex();
            long i = from;
            for (ConsumeQueue.Entry e = q.entry(i); e != null && e.position() < kept; e = q.entry(++i)) {
                // its CommitLog file is gone
            }
            long start = i < q.endIndex() ? q.entry(i).baseOffset() : p.logEndOffset();
            if (i > from && start > p.logStartOffset()) {
                LOG.info("{}: batches before offset {} were deleted from the CommitLog after the last checkpoint;"
                        + " the log now starts there", p.key(), start);
                p.truncateHead(start);
            }
        }
        return rebuildProducerState(p, files, false);
    }

    /**
     * Producer state from the partition's batches: from its snapshot where one matches the log, else from the log
     * start. Recovery also sums the partition's size from the same entries and reconciles its aborted-transaction
     * index; after a follower's cut ({@link Truncation}), the index is cut in place instead, while readers go on.
     * Returns how many batch headers it read.
     */
    static long rebuildProducerState(PartitionLog p, MappedFileQueue files, boolean afterCut) {
        try {
            return replayProducerState(p, files, afterCut);
        } catch (RuntimeException | Error e) { // an Error too: a mapped page that cannot be read
            p.producers().abandonRebuild();
            throw e;
        }
    }

    private static long replayProducerState(PartitionLog p, MappedFileQueue files, boolean afterCut) {
        ConsumeQueue q = p.queue();
        ProducerSnapshot.State snapshot = usableSnapshot(p, files);
        long replayFrom = p.logStartOffset();
        if (snapshot != null && p.producers().beginRebuild(snapshot, p.logStartOffset())) {
            replayFrom = snapshot.endOffset();
            p.snapshotWritten(snapshot.endOffset());
        } else {
            p.producers().beginRebuild();
            p.snapshotWritten(-1);
        }
        long size = p.cleanedSize();
        long read = replayCleaned(p, replayFrom);
        // With no sizes to sum, the batches before the snapshot's end need not even be looked at.
        long from = afterCut ? Math.max(p.startIndex(), q.indexOf(replayFrom, p.startIndex())) : p.startIndex();
        for (long i = from; i < q.endIndex(); i++) {
            ConsumeQueue.Entry e = q.entry(i);
            if (e == null) {
                continue;
            }
            size += e.size() - CommitLogEntry.HEADER_SIZE;
            MappedFile f = e.baseOffset() < replayFrom ? null : files.find(e.position());
            if (f == null) {
                continue;
            }
            int entryAt = (int) (e.position() - f.fileFromOffset());
            if (!CommitLogEntry.matches(f.view(entryAt, CommitLogEntry.HEAD_SIZE), 0, p.id(), e)) {
                LOG.warn("{}: the queue entry for offset {} points at CommitLog position {}, which holds another"
                        + " batch; reads of it will fail", p.key(), e.baseOffset(), e.position());
                continue;
            }
            int at = entryAt + CommitLogEntry.HEADER_SIZE;
            ByteBuffer batch = f.view(at, RecordBatchHeader.HEADER_SIZE);
            int controlType = -1;
            if (RecordBatchHeader.isControl(batch)) { // a marker: its type lies in its record, past the header
                controlType = RecordBatchHeader.controlType(f.view(at, Math.min(RecordBatchHeader.CONTROL_TYPE_BYTES,
                        e.size() - CommitLogEntry.HEADER_SIZE)));
            }
            p.producers().update(batch, e.baseOffset(), controlType);
            read++;
        }
        if (afterCut) {
            p.producers().endRebuildAfterCut(p.logEndOffset());
        } else {
            p.producers().endRebuild();
        }
        p.producers().removeBefore(p.logStartOffset());
        if (!afterCut) {
            p.addSize(size - p.sizeInBytes());
        }
        Integer crc = lastBatchCrc(p, files);
        if (crc != null) {
            p.restoreLastBatchCrc(crc);
        }
        return read;
    }

    /** Brings producer state up to date from the cleaned log's batches at or after {@code from}. */
    private static long replayCleaned(PartitionLog p, long from) {
        CleanedLog c = p.cleaned();
        long read = 0;
        if (c == null || from >= c.endOffset()) {
            return 0;
        }
        for (int i = c.indexOf(Math.max(from, p.logStartOffset())); i < c.batches(); i++) {
            ConsumeQueue.Entry e = c.entry(i);
            ByteBuffer batch = CommitLogEntry.batch(c.view(e), 0);
            int controlType = RecordBatchHeader.isControl(batch) ? RecordBatchHeader.controlType(batch.slice(0,
                    Math.min(RecordBatchHeader.CONTROL_TYPE_BYTES, batch.remaining()))) : -1;
            p.producers().update(batch, e.baseOffset(), controlType);
            read++;
        }
        return read;
    }

    /**
     * The partition's producer-state snapshot, if the log still holds the batch it names as its last: the queue
     * entry ending just before its end offset points at the recorded position, and the batch there has the
     * recorded CRC. Null otherwise; an unusable snapshot is deleted. A partition with no batch left cannot match
     * one, so its directory is not even looked at (most of a many-partition topic's partitions are empty).
     */
    private static ProducerSnapshot.State usableSnapshot(PartitionLog p, MappedFileQueue files) {
        if (p.queue().endIndex() <= p.startIndex()) {
            return null; // a snapshot left there names a batch gone; the next one written replaces it
        }
        Path dir = p.queue().files().dir();
        try {
            ProducerSnapshot.State s = ProducerSnapshot.read(dir);
            if (s == null) {
                return null;
            }
            ConsumeQueue q = p.queue();
            long i = s.endOffset() <= p.logEndOffset() ? q.indexOf(s.endOffset() - 1, p.startIndex()) : -1;
            ConsumeQueue.Entry last = i < 0 ? null : q.entry(i);
            if (last != null && last.lastOffset() == s.endOffset() - 1 && last.position() == s.lastBatchPosition()
                    && Integer.valueOf(s.lastBatchCrc()).equals(crcAt(files, last))) {
                return s;
            }
            LOG.info("{}: the producer-state snapshot at offset {} does not match the log; rebuilding from the log",
                    p.key(), s.endOffset());
            ProducerSnapshot.delete(dir);
        } catch (IOException e) {
            LOG.warn("{}: cannot read the producer-state snapshot; rebuilding from the log: {}", p.key(), e.toString());
        }
        return null;
    }

    /** The CRC of the partition's last batch, or null if it has none left. */
    private static Integer lastBatchCrc(PartitionLog p, MappedFileQueue files) {
        ConsumeQueue q = p.queue();
        return q.endIndex() > p.startIndex() ? crcAt(files, q.entry(q.endIndex() - 1)) : null;
    }

    /** The CRC field of the batch a queue entry points at, or null if its file is gone. */
    private static Integer crcAt(MappedFileQueue files, ConsumeQueue.Entry e) {
        MappedFile f = e == null ? null : files.find(e.position());
        if (f == null) {
            return null;
        }
        int at = (int) (e.position() - f.fileFromOffset()) + CommitLogEntry.HEADER_SIZE;
        return RecordBatchHeader.crc(f.view(at, RecordBatchHeader.HEADER_SIZE));
    }
}
