package io.ferrite.bench;

import io.ferrite.storage.FlushMode;
import java.util.Locale;

/**
 * One measured case. MB are 10^6 bytes of record batches as appended (the store's 16-byte entry headers
 * are not counted); latencies are nanoseconds from the append call to its future completing.
 */
record Result(Workload workload, int batchBytes, int recordsPerBatch, double seconds, long batches,
              double mbPerSec, double batchesPerSec, long p50Nanos, long p99Nanos, long p999Nanos, long maxNanos,
              double setupSeconds) {

    static final String TSV_HEADER = String.join("\t", "name", "group", "variant", "batch_target", "batch_bytes",
            "records_per_batch", "partitions", "mode", "appenders", "warm", "mlock", "pool", "seconds", "batches",
            "mb_per_s", "batches_per_s", "p50_us", "p99_us", "p999_us", "max_us", "setup_s");

    String toTsv() {
        Workload w = workload;
        return String.join("\t", w.name(), w.group(), w.variant(), Integer.toString(w.batchSize()),
                Integer.toString(batchBytes), Integer.toString(recordsPerBatch), Integer.toString(w.partitions()),
                w.modeName(), Integer.toString(w.appenders()), Boolean.toString(w.warm()),
                Boolean.toString(w.mlock()), Boolean.toString(w.pool()), fmt("%.3f", seconds),
                Long.toString(batches), fmt("%.2f", mbPerSec), fmt("%.1f", batchesPerSec),
                fmt("%.1f", p50Nanos / 1e3), fmt("%.1f", p99Nanos / 1e3), fmt("%.1f", p999Nanos / 1e3),
                fmt("%.1f", maxNanos / 1e3), fmt("%.2f", setupSeconds));
    }

    static Result fromTsv(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != TSV_HEADER.split("\t").length) {
            throw new IllegalArgumentException("bad result line: " + line);
        }
        Workload w = new Workload(f[1], f[2], Integer.parseInt(f[3]), Integer.parseInt(f[6]),
                FlushMode.valueOf(f[7].toUpperCase(Locale.ROOT)), Integer.parseInt(f[8]),
                Boolean.parseBoolean(f[9]), Boolean.parseBoolean(f[10]), Boolean.parseBoolean(f[11]));
        return new Result(w, Integer.parseInt(f[4]), Integer.parseInt(f[5]), Double.parseDouble(f[12]),
                Long.parseLong(f[13]), Double.parseDouble(f[14]), Double.parseDouble(f[15]), micros(f[16]),
                micros(f[17]), micros(f[18]), micros(f[19]), Double.parseDouble(f[20]));
    }

    private static long micros(String s) {
        return Math.round(Double.parseDouble(s) * 1e3);
    }

    static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
