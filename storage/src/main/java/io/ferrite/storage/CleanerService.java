package io.ferrite.storage;

import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A cleaner thread ({@code log.cleaner.threads} of them, each {@code ferrite-cleaner-<n>}, run by a
 * {@link ServiceRunner} the store owns): each call cleans the compacted partition that most needs it, Kafka's
 * choice: one past its {@code max.compaction.lag.ms} first, else the dirtiest at or above its
 * {@code min.cleanable.dirty.ratio}. Threads share the set of partitions being cleaned, so no two clean one
 * partition at once. A partition whose pass fails (a batch that fails its CRC, a full disk) is left alone for
 * an hour, with a warning, instead of failing again at every call.
 */
final class CleanerService implements Agent {
    private static final Logger LOG = LogManager.getLogger(CleanerService.class);
    private static final long RETRY_AFTER_FAILURE_MS = 3_600_000;
    /**
     * The cleaner thread's nice value. A pass keeps a core busy for seconds; on two cores, at the broker's own
     * priority, that raised a producer's p99 on another topic to 4.7-6.2 ms, and at 10 to 2.5-4.4 ms
     * (docs/PERFORMANCE.md, Compaction). Nice 19 and SCHED_IDLE did a little better still, but leave the cleaner
     * almost no share of a saturated machine (a weight of 15 or 3 against 1,024), where compacted partitions
     * would then grow without bound; at 10 it keeps about a tenth.
     */
    static final int NICE = 10;

    private final String name;
    private final Partitions partitions;
    private final Cleaner cleaner;
    private final Set<PartitionLog> busy;
    private final Map<PartitionLog, Long> failedUntil;
    private final Clock clock;
    private volatile Cleaner.Pass lastPass;

    CleanerService(int number, Partitions partitions, Cleaner cleaner, Set<PartitionLog> busy,
                   Map<PartitionLog, Long> failedUntil, Clock clock) {
        this.name = "ferrite-cleaner-" + number;
        this.partitions = partitions;
        this.cleaner = cleaner;
        this.busy = busy;
        this.failedUntil = failedUntil;
        this.clock = clock;
    }

    static Set<PartitionLog> sharedBusySet() {
        return ConcurrentHashMap.newKeySet();
    }

    @Override
    public String roleName() {
        return name;
    }

    @Override
    public void onStart() {
        if (!NativeIO.niceCurrentThread(NICE)) {
            LOG.info("{} runs at the broker's own priority (setpriority is not available)", name);
        }
    }

    @Override
    public void onStopRequested() {
        cleaner.stop();
    }

    @Override
    public void onClose() {
        cleaner.close();
    }

    Cleaner.Pass lastPass() {
        return lastPass;
    }

    /** Cleans one partition if any is due; returns 1 if it did. One call at a time: the cleaner's map is its own. */
    @Override
    public synchronized int doWork() throws Exception {
        long now = clock.millis();
        PartitionLog chosen = null;
        Cleaner.Plan chosenPlan = null;
        for (PartitionLog p : partitions.all()) {
            if (p.compaction() == null || busy.contains(p) || failedUntil.getOrDefault(p, 0L) > now) {
                continue;
            }
            Cleaner.Plan plan = cleaner.plan(p);
            if (plan == null || !Cleaner.due(p, plan)) {
                continue;
            }
            if (chosen == null || plan.overdue() && !chosenPlan.overdue()
                    || plan.overdue() == chosenPlan.overdue() && plan.dirtyRatio() > chosenPlan.dirtyRatio()) {
                chosen = p;
                chosenPlan = plan;
            }
        }
        if (chosen == null || !busy.add(chosen)) {
            return 0;
        }
        try {
            chosenPlan = cleaner.plan(chosen); // again, now that no other thread can clean it
            if (chosenPlan == null || !Cleaner.due(chosen, chosenPlan)) {
                return 0;
            }
            long started = System.nanoTime();
            Cleaner.Pass pass = cleaner.clean(chosen, chosenPlan);
            if (pass == null) {
                return 0; // the partition changed under the pass (deleted, say): nothing to retry at once
            }
            lastPass = pass;
            double seconds = Math.max(1e-9, (System.nanoTime() - started) / 1e9);
            LOG.info("cleaned {} up to offset {}: {} of {} records kept, {} MB read and {} MB written in {} s"
                            + " ({} MB/s)", chosen, pass.endOffset(), pass.recordsKept(), pass.recordsRead(),
                    String.format("%.1f", pass.bytesRead() / 1e6), String.format("%.1f", pass.bytesWritten() / 1e6),
                    String.format("%.2f", seconds), String.format("%.1f", pass.bytesRead() / 1e6 / seconds));
            failedUntil.remove(chosen);
            return 1;
        } catch (java.io.IOException | RuntimeException e) {
            // A batch that fails its checks, a full disk, records kafka-clients cannot read: not every
            // backoff again.
            LOG.warn("cannot clean {} (retrying in an hour): {}", chosen, e.toString());
            failedUntil.put(chosen, now + RETRY_AFTER_FAILURE_MS);
            return 0;
        } finally {
            busy.remove(chosen);
        }
    }
}
