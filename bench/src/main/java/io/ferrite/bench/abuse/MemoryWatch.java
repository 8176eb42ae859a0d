package io.ferrite.bench.abuse;

import io.ferrite.bench.brokers.ProcessMemory;
import java.io.IOException;
import java.util.Map;

/**
 * A broker's resident memory while a scenario runs: read before it, every 100 ms during it (on a thread of its
 * own, so the peak is caught even while the scenario's own thread is blocked on the broker), and after it.
 * Figures are MiB from {@link ProcessMemory}; the anonymous part is given beside the whole, since the whole
 * also counts pages of files Ferrite maps, which are page cache that Kafka uses too without it showing.
 */
final class MemoryWatch implements AutoCloseable {
    /** RSS and its anonymous part, in MiB; NaN when the process is gone. */
    record Reading(double rss, double anon) {
        static final Reading GONE = new Reading(Double.NaN, Double.NaN);

        Reading max(Reading o) {
            return new Reading(Double.isNaN(o.rss) ? rss : Math.max(rss, o.rss),
                    Double.isNaN(o.anon) ? anon : Math.max(anon, o.anon));
        }
    }

    private final long pid;
    private final Reading before;
    private final Thread sampler;
    private volatile Reading peak;

    private MemoryWatch(long pid) {
        this.pid = pid;
        this.before = read(pid);
        this.peak = before;
        this.sampler = new Thread(this::sample, "abuse-rss-sampler-" + pid);
        sampler.setDaemon(true);
        sampler.start();
    }

    /** Starts watching {@code pid}, reading its memory once now. */
    static MemoryWatch start(long pid) {
        return new MemoryWatch(pid);
    }

    static Reading read(long pid) {
        try {
            Map<String, Double> m = ProcessMemory.of(pid);
            return new Reading(m.get("rss_mb"), m.get("rss_anon_mb"));
        } catch (IOException | RuntimeException gone) {
            return Reading.GONE;
        }
    }

    private void sample() {
        while (!Thread.currentThread().isInterrupted()) {
            Reading now = read(pid);
            if (Double.isNaN(now.rss)) {
                return;
            }
            peak = peak.max(now);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    Reading before() {
        return before;
    }

    Reading peak() {
        return peak;
    }

    /** Stops sampling and reads once more: the "after" figure. */
    Reading stop() throws InterruptedException {
        sampler.interrupt();
        sampler.join();
        Reading after = read(pid);
        peak = peak.max(after);
        return after;
    }

    /** "before / peak / after" for the table, ending the watch. */
    String summary() throws InterruptedException {
        Reading after = stop();
        return ResultTable.memory(before, peak, after);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
