package io.ferrite.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Frees the disk under CommitLog entries no partition reads any more, inside files that cannot be deleted
 * because other partitions still read other entries of them: the updates a cleaner has compacted away, the
 * expired batches of a short-retention topic beside a long-retention one, a deleted topic's batches. Files go
 * oldest first and whole, so without this one record of a long-lived topic keeps a whole file on disk.
 *
 * <p>An entry is dead when its partition is gone or the entry lies before the partition's first live batch
 * (at its log start, or the cleaner's end for a compacted partition). A partition's batches lie in the
 * CommitLog in offset order, so "before" is a comparison of positions. A truncation marker ({@link Truncation})
 * lives as long as its partition: dead entries before it that no run covered are still read by a rebuild, which
 * needs the marker to cut them. Each run of adjacent dead entries gets
 * a skip marker over its first entry ({@link CommitLogEntry}), and the whole pages after the marker are
 * punched out of the file ({@link MappedFile#skipAndPunch}).
 *
 * <p>A reader or a cleaner that looked an entry up while it was live may still be reading it. So a run is
 * punched only if it was dead in a view of the partitions taken at least {@code store.reclaim.delay.ms} ago,
 * as Kafka keeps a deleted segment for {@code file.delete.delay.ms}. Deadness never ends (log starts and
 * cleaned ends only move forward, a deleted partition stays deleted), so what was dead then is dead now. The
 * checkpoint is rewritten before the first hole of a pass, so that no crash brings back a log start older
 * than the view, which would make recovery read punched bytes as the partition's batches.
 *
 * <p>A pass walks the entry headers only of files in which some partition's first live position moved between
 * the two views it judged by last, and only if they are still there a pass later; a marker is stepped over in
 * one read. The first view after an open is only a baseline: walking every file at each start would read the
 * headers of all the data on disk, so what died before the last passes of the previous run waits for its file.
 * Retention thread only.
 */
final class Reclaimer {
    private static final Logger LOG = LogManager.getLogger(Reclaimer.class);
    /** A marker never crosses a sector boundary, so a crash cannot leave half of one. */
    private static final int SECTOR = 512;

    /**
     * The partitions as a pass saw them: {@code limit}, the checkpointed CommitLog position (every entry
     * before it is in its partition's queue); for each partition, the position of its first live batch.
     */
    private record View(long takenAtMs, long limit, Map<Integer, Long> firstLive) {
        /** Entries of {@code id} before this are dead; a partition not in the view has none alive. */
        long firstLive(int id) {
            Long f = firstLive.get(id);
            return f == null ? limit : f;
        }

        /** Whether the entry of {@code kind} at {@code position} of partition {@code id} is dead. */
        boolean dead(CommitLogEntry.Kind kind, long position, int id) {
            return switch (kind) {
                case SKIPPED -> true;
                // A cut's marker goes with its partition only: dead entries before it may stay where no run fits.
                case TRUNCATION -> !firstLive.containsKey(id) && position < limit;
                default -> position < firstLive(id);
            };
        }
    }

    private final MappedFileQueue files;
    private final Partitions partitions;
    private final long delayMs;
    /** Views not used yet, oldest first. */
    private final ArrayDeque<View> views = new ArrayDeque<>();
    /** The newest view old enough to judge by; null until the first is. */
    private View previous;
    /**
     * Files in which entries died by {@link #previous}, to be walked at the next pass if they are still there:
     * under time retention the oldest files die a little at a pass and are deleted whole at the next, and
     * walking them first would read headers of data about to go anyway.
     */
    private final Set<MappedFile> pending = new LinkedHashSet<>();
    /** Files whose markers were written but whose holes may not have been punched (the punch failed). */
    private final Set<MappedFile> unpunched = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean unsupported;

    /** @param delayMs how long an entry must have been dead before its bytes go; negative: never */
    Reclaimer(MappedFileQueue files, Partitions partitions, long delayMs) {
        this.files = files;
        this.partitions = partitions;
        this.delayMs = delayMs;
    }

    /**
     * One pass at time {@code now}. Returns the bytes of the holes it punched (some may have been holes already).
     *
     * @throws IOException if the checkpoint cannot be rewritten or a file cannot be marked or punched; the
     *                     entries stay as they were, and the next pass tries again
     */
    long run(long now) throws IOException {
        if (delayMs < 0 || unsupported) {
            return 0;
        }
        View newest = views.peekLast();
        if (newest == null || now - newest.takenAtMs() >= delayMs / 8) { // bounds the views kept
            views.addLast(take(now));
        }
        View use = null;
        while (!views.isEmpty() && views.peekFirst().takenAtMs() <= now - delayMs) {
            use = views.pollFirst();
        }
        Set<MappedFile> present = Collections.newSetFromMap(new IdentityHashMap<>());
        present.addAll(files.files());
        unpunched.retainAll(present); // a deleted file needs no second try
        Set<MappedFile> walking = new LinkedHashSet<>(pending);
        walking.retainAll(present);
        pending.clear();
        if (use != null && previous != null) {
            for (MappedFile f : filesWhereDeathMoved(previous, use)) {
                if (!walking.contains(f)) {
                    pending.add(f);
                }
            }
        }
        if (use != null) {
            previous = use;
        }
        List<MappedFile> walk = new ArrayList<>(walking);
        long punched = 0;
        int runs = 0;
        boolean checkpointed = false;
        for (int k = 0; k < walk.size(); k++) {
            MappedFile f = walk.get(k);
            if (!f.hold()) {
                continue; // deleted meanwhile
            }
            try {
                int[] dead = deadRuns(f, previous, unpunched.contains(f));
                if (dead.length == 0) {
                    continue;
                }
                if (!checkpointed) {
                    partitions.rewriteCheckpoint();
                    checkpointed = true;
                }
                unpunched.add(f); // until the holes are made: the markers alone would read as done
                long holes = f.skipAndPunch(dead);
                if (holes < 0) {
                    unsupported = true;
                    LOG.warn("the filesystem under {} cannot punch holes: dead CommitLog entries keep their disk"
                            + " space until their whole file goes", files.dir());
                    return punched;
                }
                punched += holes;
                runs += dead.length / 2;
                unpunched.remove(f);
            } catch (IOException | RuntimeException e) {
                pending.addAll(walk.subList(k, walk.size())); // the next pass walks them again
                throw e;
            } finally {
                f.release();
            }
        }
        if (runs > 0) {
            LOG.info("punched {} runs of dead CommitLog entries out of {} files: {} MB", runs, walk.size(),
                    punched / 1_000_000);
        }
        return punched;
    }

    private View take(long now) {
        long limit = partitions.checkpointedPosition(); // read first: later appends all lie after it
        Map<Integer, Long> first = new HashMap<>();
        for (PartitionLog p : partitions.all()) {
            if (!p.isDeleted()) {
                long f = p.firstPosition();
                first.put(p.id(), f < 0 ? limit : Math.min(f, limit));
            }
        }
        return new View(now, limit, first);
    }

    /** The files holding a position where, between the two views, some partition's entries died. */
    private Set<MappedFile> filesWhereDeathMoved(View before, View now) {
        List<long[]> moved = new ArrayList<>();
        Set<Integer> ids = new HashSet<>(before.firstLive().keySet());
        ids.addAll(now.firstLive().keySet());
        for (int id : ids) {
            // A partition new since the view before has no entry before that view's limit.
            long from = before.firstLive().containsKey(id) ? before.firstLive(id) : before.limit();
            long to = now.firstLive(id);
            if (to > from) {
                moved.add(new long[] {from, to});
            }
        }
        moved.sort((a, b) -> Long.compare(a[0], b[0]));
        List<long[]> merged = new ArrayList<>();
        for (long[] r : moved) {
            long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && r[0] <= last[1]) {
                last[1] = Math.max(last[1], r[1]);
            } else {
                merged.add(r);
            }
        }
        Set<MappedFile> out = new LinkedHashSet<>();
        int k = 0;
        for (MappedFile f : files.files()) {
            long from = f.fileFromOffset();
            if (from >= now.limit()) {
                break;
            }
            while (k < merged.size() && merged.get(k)[1] <= from) {
                k++;
            }
            if (k == merged.size()) {
                break;
            }
            if (merged.get(k)[0] < from + f.fileSize()) {
                out.add(f);
            }
        }
        return out;
    }

    /**
     * Walks the entries of {@code f} before the view's limit and returns the runs of dead ones worth a marker:
     * start and end pairs, file-relative, each with at least one whole page after its marker, and (unless
     * {@code again}: an earlier punch may have failed) not already one marker. The caller holds the file.
     */
    private static int[] deadRuns(MappedFile f, View v, boolean again) {
        ByteBuffer bytes = f.view(0, f.fileSize());
        int end = (int) Math.min(f.fileSize(), v.limit() - f.fileFromOffset());
        boolean wholeFileBefore = f.fileFromOffset() + f.fileSize() <= v.limit();
        List<Integer> out = new ArrayList<>();
        int runStart = -1;
        boolean runIsOneMarker = false;
        int at = 0;
        while (at < end) {
            CommitLogEntry.Kind kind = CommitLogEntry.classify(bytes, at, f.fileSize(), false);
            if (kind == CommitLogEntry.Kind.END_OF_FILE) {
                // The rest is the end-of-file filler, dead; but while the limit lies in it, the write-buffer pool
                // may still be copying filler there, so the run ends at its marker.
                if (wholeFileBefore) {
                    if (runStart < 0 && fitsInSector(at)) {
                        runStart = at;
                    }
                    runIsOneMarker = false;
                    at = f.fileSize();
                }
                break;
            }
            if (kind != CommitLogEntry.Kind.ENTRY && kind != CommitLogEntry.Kind.SKIPPED
                    && kind != CommitLogEntry.Kind.TRUNCATION) {
                break; // unreadable (recovery already reported it) or unwritten: the walk cannot go on
            }
            int size = CommitLogEntry.size(bytes, at);
            boolean dead = v.dead(kind, f.fileFromOffset() + at,
                    kind == CommitLogEntry.Kind.SKIPPED ? -1 : CommitLogEntry.partitionId(bytes, at));
            if (dead && runStart < 0) {
                if (fitsInSector(at)) { // else the run starts at the next dead entry; this one stays as it is
                    runStart = at;
                    runIsOneMarker = kind == CommitLogEntry.Kind.SKIPPED && !again;
                }
            } else if (dead) {
                runIsOneMarker = false;
            } else if (runStart >= 0) {
                addRun(out, runStart, at, runIsOneMarker);
                runStart = -1;
            }
            at += size;
        }
        if (runStart >= 0) {
            addRun(out, runStart, at, runIsOneMarker);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static boolean fitsInSector(int at) {
        return at % SECTOR <= SECTOR - CommitLogEntry.SKIP_SIZE;
    }

    private static void addRun(List<Integer> out, int start, int end, boolean alreadyOneMarker) {
        if (!alreadyOneMarker && MappedFile.holeBytes(start, end) > 0) {
            out.add(start);
            out.add(end);
        }
    }
}
