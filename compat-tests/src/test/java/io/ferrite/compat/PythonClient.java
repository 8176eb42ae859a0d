package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.fail;

import io.ferrite.launcher.Command;
import io.ferrite.launcher.FerriteProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One of the Python client scripts in {@code compat-tests/python}, run to completion by the Debian
 * interpreter, {@code /usr/bin/python3}: the Debian client packages install into its library, not into any
 * other Python on the PATH. Each run prints one fact per line (see {@code compat_io.py}); its stdout and
 * stderr are kept under the build's child-logs directory.
 */
final class PythonClient {
    static final Path INTERPRETER = Path.of("/usr/bin/python3");
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(100);

    private final Path script;
    private final String debianPackage;
    private final String logPrefix;

    private PythonClient(Path script, String debianPackage, String logPrefix) {
        this.script = script;
        this.debianPackage = debianPackage;
        this.logPrefix = logPrefix;
    }

    /**
     * The script {@code scriptName} of {@code compat-tests/python}, whose client comes from the Debian package
     * {@code debianPackage}; fails (never skips) if the interpreter is missing.
     */
    static PythonClient of(String scriptName, String debianPackage, String logPrefix) {
        if (!Files.isExecutable(INTERPRETER)) {
            fail(INTERPRETER + " is not installed (apt-get install -y python3 " + debianPackage
                    + "); these tests need it");
        }
        Path script = FerriteProcess.rootDir().resolve("compat-tests/python").resolve(scriptName);
        if (!Files.isRegularFile(script)) {
            fail("no " + script);
        }
        return new PythonClient(script, debianPackage, logPrefix);
    }

    /** Runs {@code command} with {@code args}; fails with everything it printed unless it exits 0. */
    Facts run(String name, String command, String... args) throws Exception {
        return run(name, java.util.Map.of(), command, args);
    }

    /** As {@link #run(String, String, String...)}, every client given {@code config} (the script's own names). */
    Facts run(String name, java.util.Map<String, String> config, String command, String... args) throws Exception {
        List<String> line = new ArrayList<>(List.of(INTERPRETER.toString(), "-B", script.toString(), command));
        line.addAll(List.of(args));
        StringBuilder lines = new StringBuilder();
        config.forEach((k, v) -> lines.append(k).append('=').append(v).append('\n'));
        Command.Result r = Command.run(logPrefix + "-" + name, line, "", RUN_TIMEOUT,
                java.util.Map.of("CLIENT_CONFIG", lines.toString()));
        if (r.exit() != 0 && r.stderr().contains("ModuleNotFoundError")) {
            fail("the client is not installed (apt-get install -y " + debianPackage + "); these tests need it\n"
                    + r.stderr());
        }
        return Facts.parse(r.ok().lines());
    }
}
