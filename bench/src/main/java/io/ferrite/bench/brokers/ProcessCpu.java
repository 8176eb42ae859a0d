package io.ferrite.bench.brokers;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The user plus system CPU time a process has used, from {@code /proc/<pid>/stat}, in seconds; and the part of it
 * its JIT compiler threads used, which on a freshly started JVM can be half of it.
 */
final class ProcessCpu {
    /** USER_HZ, the unit of /proc/<pid>/stat's CPU times: 100 on Linux, and not readable from Java. */
    private static final int CLOCK_TICKS = 100;

    private ProcessCpu() {
    }

    static double seconds(long pid) throws IOException {
        return ticks(Path.of("/proc", Long.toString(pid), "stat")) / (double) CLOCK_TICKS;
    }

    /**
     * CPU time of each HotSpot compiler thread alive now ({@code C1 CompilerThre}, {@code C2 CompilerThre}, as the
     * kernel truncates their names), in clock ticks by thread id.
     */
    static Map<Long, Long> compilerTicks(long pid) throws IOException {
        Map<Long, Long> byThread = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip();
                    if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
                        byThread.put(Long.parseLong(task.getFileName().toString()), ticks(task.resolve("stat")));
                    }
                } catch (IOException e) {
                    // the thread ended while listed (ENOENT or ESRCH)
                }
            }
        }
        return byThread;
    }

    /**
     * Seconds the compiler threads used since {@code before} (from {@link #compilerTicks}): each thread's growth,
     * a thread started since counted whole. A thread that ended meanwhile (the JVM adds and retires compiler
     * threads on machines of more cores) takes its time with it, so this may undercount, never go below zero.
     */
    static double compilerSecondsSince(long pid, Map<Long, Long> before) throws IOException {
        long ticks = 0;
        for (Map.Entry<Long, Long> e : compilerTicks(pid).entrySet()) {
            ticks += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return ticks / (double) CLOCK_TICKS;
    }

    private static long ticks(Path stat) throws IOException {
        String s = Files.readString(stat);
        // Fields after the command name (which may hold spaces), from the state: utime and stime are 12 and 13.
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
