package io.ferrite.launcher;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A short-lived command-line tool run to completion: given stdin, bounded in time, stdout and stderr kept
 * apart. Both are also written under the build's child-logs directory for diagnosis. A run that overstays
 * its timeout is killed through its own process handle.
 */
public final class Command {
    private Command() {
    }

    /** What a finished run left behind. */
    public record Result(List<String> command, int exit, String stdout, String stderr) {
        /** This result, if the tool exited 0; otherwise fails with everything it printed. */
        public Result ok() {
            if (exit != 0) {
                throw new AssertionError(String.join(" ", command) + " exited with " + exit + "\nstdout:\n" + stdout
                        + "\nstderr:\n" + stderr);
            }
            return this;
        }

        public List<String> lines() {
            return stdout.lines().toList();
        }
    }

    public static Result run(String name, List<String> command, String stdin, Duration timeout)
            throws IOException, InterruptedException {
        return run(name, command, stdin, timeout, java.util.Map.of());
    }

    /** As {@link #run(String, List, String, Duration)}, with {@code env} added to the program's environment. */
    public static Result run(String name, List<String> command, String stdin, Duration timeout,
                             java.util.Map<String, String> env) throws IOException, InterruptedException {
        Path logs = FerriteProcess.logsDir();
        Path out = logs.resolve(name + ".out");
        Path err = logs.resolve(name + ".err");
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        Process p = builder
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
        try {
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(String.join(" ", command) + " still ran after " + timeout + "\nstderr:\n"
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Result(command, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
