package io.ferrite.storage;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Watches how full the store's disk is, every second on its own thread ({@code ferrite-disk-monitor}), and
 * above {@code store.max.disk.used.ratio} has the CommitLog refuse producers' batches (DISK_FULL, which
 * clients see as the retriable KAFKA_STORAGE_ERROR) until space is freed. Nothing written is deleted for it,
 * unlike the older behaviour kept behind {@code store.disk.full.delete.oldest}. Transaction markers and the
 * coordinators' own partitions are still taken: they are small, and refusing them would leave transactions
 * open and offsets uncommittable, which frees nothing.
 *
 * <p>Checking on a timer, not on every append, keeps a statfs off the append path; between two checks the
 * disk can still fill, and then the append that cannot have its file made fails cleanly (files are allocated
 * before anything is written to them).
 */
final class DiskMonitor implements Agent {
    private static final Logger LOG = LogManager.getLogger(DiskMonitor.class);

    private final CommitLog log;
    private volatile double maxUsedRatio;

    DiskMonitor(CommitLog log, double maxUsedRatio) {
        this.log = log;
        this.maxUsedRatio = maxUsedRatio;
    }

    @Override
    public String roleName() {
        return "ferrite-disk-monitor";
    }

    /**
     * The share of the disk holding {@code dir} in use, as df's Use% counts it: used over used plus available
     * to this process. Not used over total: blocks reserved for root (and whatever else a filesystem keeps
     * back) would count as used, and a disk df shows 30% full could read as 70%.
     */
    static double usedRatio(Path dir) throws IOException {
        FileStore store = Files.getFileStore(dir);
        long used = store.getTotalSpace() - store.getUnallocatedSpace();
        long available = store.getUsableSpace();
        return used + available <= 0 ? 0 : (double) used / (used + available);
    }

    @Override
    public int doWork() throws IOException {
        double used = usedRatio(log.files().dir());
        boolean full = used > maxUsedRatio;
        if (full != log.refusingForDisk()) {
            if (full) {
                LOG.warn("disk {} is {}% used, above store.max.disk.used.ratio {}: refusing produce until space "
                        + "is freed", log.files().dir(), Math.round(used * 100), maxUsedRatio);
            } else {
                LOG.info("disk {} is {}% used again: produce resumes", log.files().dir(), Math.round(used * 100));
            }
            log.refuseForDisk(full);
        }
        return 0;
    }

    /** {@code store.max.disk.used.ratio} changed while the store runs; the next check uses it. */
    void maxUsedRatio(double ratio) {
        this.maxUsedRatio = ratio;
    }
}
