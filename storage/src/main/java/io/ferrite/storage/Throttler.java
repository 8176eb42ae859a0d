package io.ferrite.storage;

import java.util.concurrent.TimeUnit;

/**
 * Holds a thread to a byte rate ({@code log.cleaner.io.max.bytes.per.second}): each call counts bytes and sleeps
 * for as long as the bytes counted so far are ahead of the rate. Unlimited when the rate is infinite or
 * {@code Double.MAX_VALUE}, Kafka's default. Used by one cleaner thread; not thread-safe.
 */
final class Throttler {
    private final double bytesPerSecond;
    private long startNanos = -1;
    private double counted;

    Throttler(double bytesPerSecond) {
        if (!(bytesPerSecond > 0)) {
            throw new IllegalArgumentException("a byte rate must be positive: " + bytesPerSecond);
        }
        this.bytesPerSecond = bytesPerSecond;
    }

    boolean limited() {
        return bytesPerSecond < Double.MAX_VALUE && !Double.isInfinite(bytesPerSecond);
    }

    void acquire(long bytes) throws InterruptedException {
        if (!limited()) {
            return;
        }
        long now = System.nanoTime();
        if (startNanos < 0 || now - startNanos > TimeUnit.SECONDS.toNanos(1)) {
            startNanos = now; // measured over the last second or so: an idle spell earns no burst
            counted = 0;
        }
        counted += bytes;
        long aheadNanos = (long) (counted / bytesPerSecond * 1e9) - (now - startNanos);
        if (aheadNanos > 0) {
            TimeUnit.NANOSECONDS.sleep(aheadNanos);
        }
    }
}
