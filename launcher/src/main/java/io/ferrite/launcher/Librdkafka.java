package io.ferrite.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

/**
 * The librdkafka that {@code npm ci} in {@code compat-tests/node-rdkafka} builds from source (node-rdkafka's pinned
 * version), and small C programs compiled against it: the compat tests' admin calls, the benchmark's
 * transactional load generator.
 */
public final class Librdkafka {
    /** node-rdkafka as installed; its {@code deps/librdkafka} holds the source and the built examples. */
    public static final Path MODULE = FerriteProcess.rootDir().resolve(
            "compat-tests/node-rdkafka/node_modules/node-rdkafka");
    /** Where the build leaves {@code librdkafka.so.1}. */
    public static final Path LIBRARY_DIR = MODULE.resolve("build/deps");

    private Librdkafka() {
    }

    /**
     * {@code source} compiled with {@code cc} into {@code out} against the shared library, unless {@code out} is
     * already newer than both; its output goes to {@code <logName>.out/.err} in the logs directory. Built beside,
     * then moved into place: a compile cut short never leaves a program that looks current.
     */
    public static synchronized Path compile(String cc, Path source, Path out, String logName)
            throws IOException, InterruptedException {
        if (Files.isExecutable(out) && Files.getLastModifiedTime(out).compareTo(Files.getLastModifiedTime(source)) > 0
                && Files.getLastModifiedTime(out).compareTo(Files.getLastModifiedTime(LIBRARY_DIR)) > 0) {
            return out;
        }
        Files.createDirectories(out.getParent());
        Path building = out.resolveSibling(out.getFileName() + ".building");
        Command.run(logName, List.of(cc, "-std=c99", "-O2", "-w", "-o", building.toString(), source.toString(),
                "-I" + MODULE.resolve("deps/librdkafka/src"), "-L" + LIBRARY_DIR, "-l:librdkafka.so.1",
                "-Wl,-rpath," + LIBRARY_DIR), "", Duration.ofMinutes(2)).ok();
        return Files.move(building, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
