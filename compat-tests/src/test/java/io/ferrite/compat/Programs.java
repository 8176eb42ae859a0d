package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

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
}
