package io.ferrite.server.security;

import io.ferrite.storage.SecretFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.security.authenticator.CredentialCache;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramCredentialUtils;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * SCRAM users' credentials (SCRAM-SHA-256 and SCRAM-SHA-512), as AlterUserScramCredentials sets them: durable
 * in the data directory, and read by every SASL listener's SCRAM servers through Kafka's own
 * {@link CredentialCache}.
 *
 * <p>On disk, {@code scram-credentials} in the data directory, a properties file replaced whole, atomically and
 * readable by its owner only ({@link SecretFiles}):
 * <pre>
 *   #&lt;comment&gt;
 *   #&lt;date written&gt;
 *   &lt;mechanism&gt;:&lt;user&gt;=salt=&lt;base64&gt;,stored_key=&lt;base64&gt;,server_key=&lt;base64&gt;,iterations=&lt;n&gt;
 * </pre>
 * one line per user and mechanism; the user is any text, escaped as properties escape keys; the value is Kafka's
 * own text form of a credential ({@link ScramCredentialUtils}): RFC 5802's salt, StoredKey and ServerKey and the
 * iteration count. No password is stored, nor ever sent: a client sends the salted password, and the keys are
 * derived from it here, as Kafka's controller derives them.
 *
 * <p>Changes come from the admin thread, one batch at a time: written, then visible to authentications, which
 * read the cache from the network threads.
 */
public final class ScramCredentials {
    /** The file's name in the data directory. */
    public static final String FILE = "scram-credentials";

    private final Path file;
    private final CredentialCache cache = new CredentialCache();
    /** Every credential, by user and mechanism; guarded by this. */
    private final Map<Key, ScramCredential> all;

    /** One user's credential for one mechanism. */
    public record Key(String user, ScramMechanism mechanism) {
    }

    private ScramCredentials(Path file, Map<Key, ScramCredential> all) {
        this.file = file;
        this.all = all;
        for (ScramMechanism m : ScramMechanism.values()) {
            cache.createCache(m.mechanismName(), ScramCredential.class);
        }
        all.forEach((k, c) -> cache(k.mechanism()).put(k.user(), c));
    }

    /** Reads {@code dataDir}'s file; none yet is no users. A line that does not parse fails here. */
    public static ScramCredentials load(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        Map<Key, ScramCredential> all = new HashMap<>();
        try {
            for (Map.Entry<String, String> e : SecretFiles.read(file).entrySet()) {
                int colon = e.getKey().indexOf(':');
                ScramMechanism m = colon < 0 ? null : ScramMechanism.forMechanismName(e.getKey().substring(0, colon));
                if (m == null) {
                    throw new IllegalStateException(file + ": '" + e.getKey() + "' is not <mechanism>:<user>");
                }
                all.put(new Key(e.getKey().substring(colon + 1), m), ScramCredentialUtils.credentialFromString(e.getValue()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(file + " does not parse: " + e.getMessage(), e);
        }
        return new ScramCredentials(file, all);
    }

    /** What a SCRAM server with {@code mechanism} looks users up in. */
    public CredentialCache.Cache<ScramCredential> cache(String mechanism) {
        return cache.cache(mechanism, ScramCredential.class);
    }

    private CredentialCache.Cache<ScramCredential> cache(ScramMechanism mechanism) {
        return cache(mechanism.mechanismName());
    }

    /** Every user with a credential, sorted. */
    public synchronized Set<String> users() {
        Set<String> users = new TreeSet<>();
        all.keySet().forEach(k -> users.add(k.user()));
        return users;
    }

    /** {@code user}'s mechanisms and the iterations of each; empty for a user without credentials. */
    public synchronized Map<ScramMechanism, Integer> iterations(String user) {
        Map<ScramMechanism, Integer> out = new EnumMap<>(ScramMechanism.class);
        all.forEach((k, c) -> {
            if (k.user().equals(user)) {
                out.put(k.mechanism(), c.iterations());
            }
        });
        return out;
    }

    public synchronized boolean contains(Key key) {
        return all.containsKey(key);
    }

    /**
     * Sets each credential of {@code changes}, and removes each whose value is null: written durably first, then
     * used by authentications from their next exchange; nothing changes if the write fails.
     */
    public synchronized void alter(Map<Key, ScramCredential> changes) {
        Map<Key, ScramCredential> next = new HashMap<>(all);
        changes.forEach((k, c) -> {
            if (c == null) {
                next.remove(k);
            } else {
                next.put(k, c);
            }
        });
        Map<String, String> lines = new HashMap<>();
        next.forEach((k, c) -> lines.put(k.mechanism().mechanismName() + ":" + k.user(),
                ScramCredentialUtils.credentialToString(c)));
        try {
            SecretFiles.write(file, lines, "SCRAM credentials (AlterUserScramCredentials): salt, keys, iterations");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        all.clear();
        all.putAll(next);
        changes.forEach((k, c) -> {
            if (c == null) {
                cache(k.mechanism()).remove(k.user());
            } else {
                cache(k.mechanism()).put(k.user(), c);
            }
        });
    }
}
