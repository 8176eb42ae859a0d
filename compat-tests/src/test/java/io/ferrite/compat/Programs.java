package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.fail;

import io.ferrite.launcher.Command;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Programs the compat tests run from the PATH; a missing one fails the test (never skips it). */
final class Programs {
    private Programs() {
    }

    /** The executable {@code name} on the PATH; fails naming {@code install} as the way to get it. */
    static String onPath(String name, String install) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return fail(name + " is not installed (" + install + "); these tests need it");
    }

    /**
     * kcat against {@code bootstrap} with its {@code security} settings, then {@code args}; fails with what it
     * printed unless it exits 0 within a minute.
     */
    static Command.Result kcat(String logName, String bootstrap, String stdin, List<String> security, String... args)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(onPath("kcat", "apt-get install -y kcat"), "-b", bootstrap));
        command.addAll(security);
        command.addAll(List.of(args));
        return Command.run(logName, command, stdin, Duration.ofSeconds(60)).ok();
    }
}
