package io.ferrite.bench.brokers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The user plus system CPU time a process has used, from {@code /proc/<pid>/stat}, in seconds. */
final class ProcessCpu {
    /** USER_HZ, the unit of /proc/<pid>/stat's CPU times: 100 on Linux, and not readable from Java. */
    private static final int CLOCK_TICKS = 100;

    private ProcessCpu() {
    }

    static double seconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // Fields after the command name (which may hold spaces), from the state: utime and stime are 12 and 13.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLOCK_TICKS;
    }
}
