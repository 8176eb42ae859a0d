package io.ferrite.server.metadata;

import io.ferrite.storage.SecretFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The broker configs set while it runs (IncrementalAlterConfigs and AlterConfigs on this broker's BROKER
 * resource), over those of its properties file, as Kafka keeps per-broker dynamic configs. Today these are a
 * listener's TLS stores ({@code listener.name.<name>.ssl.keystore.*}, {@code ...ssl.truststore.*}, as Kafka's
 * {@code SslConfigs.RECONFIGURABLE_CONFIGS}), so a certificate can be rotated without a restart.
 *
 * <p>Kept in {@code broker-configs} in the data directory: a properties file, replaced whole (write, fsync,
 * rename) on each change and read at start, where its values go over the properties file's. It holds passwords
 * as given, like the properties file; it is made readable by its owner only. A change is checked by
 * {@link Applier#validate} (the new stores load, the certificate's name is the same) before it is written, and
 * applied after; a failed check changes nothing. Changes come one at a time from the admin thread.
 */
public final class DynamicBrokerConfigs {
    /** The file's name in the data directory. */
    public static final String FILE = "broker-configs";

    /** Who checks and takes a new set: the listeners. */
    public interface Applier {
        /** Throws an IllegalArgumentException saying why {@code next} cannot be taken. */
        void validate(Map<String, String> next);

        void apply(Map<String, String> next);
    }

    private final Path file;
    private volatile Map<String, String> values;
    private volatile Applier applier = new Applier() {
        @Override
        public void validate(Map<String, String> next) {
        }

        @Override
        public void apply(Map<String, String> next) {
        }
    };

    private DynamicBrokerConfigs(Path file, Map<String, String> values) {
        this.file = file;
        this.values = Map.copyOf(values);
    }

    /** Reads {@code dataDir}'s file; none yet is an empty set. */
    public static DynamicBrokerConfigs load(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            return new DynamicBrokerConfigs(file, SecretFiles.read(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Set once, before any change, by whoever builds the listeners. */
    public void applyWith(Applier applier) {
        this.applier = applier;
    }

    public Map<String, String> values() {
        return values;
    }

    /**
     * Keeps only {@code usable} of the set read at start, writing the file again if that drops anything: what
     * this start cannot take would otherwise make every later change fail its check.
     */
    public synchronized void keepOnly(java.util.Set<String> usable) {
        Map<String, String> next = new TreeMap<>(values);
        if (next.keySet().retainAll(usable)) {
            write(next);
            values = Map.copyOf(next);
        }
    }

    /**
     * Changes the set to what {@code edit} makes of it: checked, then (unless {@code validateOnly}) written and
     * applied. Throws IllegalArgumentException when the check fails.
     */
    public synchronized void alter(UnaryOperator<Map<String, String>> edit, boolean validateOnly) {
        Map<String, String> next = Map.copyOf(edit.apply(new TreeMap<>(values)));
        applier.validate(next);
        if (validateOnly) {
            return;
        }
        write(next);
        values = next;
        applier.apply(next); // also for a set unchanged: a store file replaced in place is read again, as in Kafka
    }

    private void write(Map<String, String> next) {
        try {
            SecretFiles.write(file, next,
                    "set while the broker ran (IncrementalAlterConfigs); read at start over the properties file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
