package io.ferrite.compat;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The versions of the clients that are not pinned by the build (Debian packages and the like), as found at run
 * time, so that the compatibility matrix can name them. A test records a version under the same family name
 * its {@link Compat} annotation gives, before its first test method runs; a reader (the matrix listener) looks
 * it up by that name. Each version is also printed and set as the system property
 * {@code compat.version.<family>}, so it shows in the test output and in surefire's report.
 */
public final class CompatVersions {
    /** Prefix of the system property each recorded version is also set under. */
    public static final String PROPERTY_PREFIX = "compat.version.";
    private static final Map<String, String> VERSIONS = new ConcurrentHashMap<>();

    private CompatVersions() {
    }

    /** Records that client family {@code family} runs at {@code version} in this build. */
    public static void record(String family, String version) {
        VERSIONS.put(family, version);
        System.setProperty(PROPERTY_PREFIX + family, version);
        System.out.println("compat client version: " + family + " = " + version);
    }

    /** The version recorded for {@code family}, if a test has recorded one in this JVM. */
    public static Optional<String> of(String family) {
        return Optional.ofNullable(VERSIONS.get(family));
    }

    /** Every version recorded so far in this JVM, by family. */
    public static Map<String, String> all() {
        return Map.copyOf(VERSIONS);
    }
}
