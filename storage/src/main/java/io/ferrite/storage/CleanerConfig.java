package io.ferrite.storage;

/**
 * The cleaner's settings, with Kafka's keys.
 *
 * @param enable              run the cleaner at all ({@code log.cleaner.enable}, true)
 * @param threads             cleaner threads ({@code log.cleaner.threads}, 1)
 * @param dedupeBufferBytes   memory for the offset maps of all threads together, off the heap, taken as passes
 *                            need it ({@code log.cleaner.dedupe.buffer.size}, 128 MiB)
 * @param loadFactor          how full an offset map may get ({@code log.cleaner.io.buffer.load.factor}, 0.9)
 * @param ioMaxBytesPerSecond bytes read plus written per second per thread ({@code log.cleaner.io.max.bytes.per.second},
 *                            unlimited)
 * @param backoffMs           how long a thread sleeps when nothing is due ({@code log.cleaner.backoff.ms}, 15000)
 */
public record CleanerConfig(boolean enable, int threads, long dedupeBufferBytes, double loadFactor,
                            double ioMaxBytesPerSecond, long backoffMs) {
    public static final CleanerConfig KAFKA_DEFAULT = new CleanerConfig(true, 1, 128L << 20, 0.9, Double.MAX_VALUE,
            15_000);

    public CleanerConfig {
        if (threads < 1 || dedupeBufferBytes < 1024L * threads || !(loadFactor > 0 && loadFactor <= 0.9)
                || !(ioMaxBytesPerSecond > 0) || backoffMs < 1) {
            throw new IllegalArgumentException("cleaner settings out of range: threads " + threads + ", dedupe buffer "
                    + dedupeBufferBytes + ", load factor " + loadFactor + ", io rate " + ioMaxBytesPerSecond
                    + ", backoff " + backoffMs);
        }
    }

    /** Each thread's share of the dedupe buffer, at most 2 GiB as in Kafka. */
    int mapBytesPerThread() {
        return (int) Math.min(Integer.MAX_VALUE - 64, dedupeBufferBytes / threads);
    }
}
