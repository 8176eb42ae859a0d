package io.ferrite.storage;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * A small properties file that holds secrets (passwords, SCRAM keys): read whole, and replaced whole through
 * {@link AtomicFiles#replacePrivate}, so a crash leaves the old set or the new one and no one but the broker's
 * user can read either. Keys and values are escaped as {@link Properties} escapes them, so any text may be one.
 */
public final class SecretFiles {
    private SecretFiles() {
    }

    /** The file's entries; none if it does not exist. */
    public static Map<String, String> read(Path file) throws IOException {
        Map<String, String> values = new TreeMap<>();
        if (Files.exists(file)) {
            Properties p = new Properties();
            p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
            p.stringPropertyNames().forEach(k -> values.put(k, p.getProperty(k)));
        }
        return values;
    }

    /** Replaces the file with {@code values}, {@code comment} in its first line. */
    public static void write(Path file, Map<String, String> values, String comment) throws IOException {
        Properties p = new Properties();
        p.putAll(values);
        StringWriter out = new StringWriter();
        p.store(out, comment);
        AtomicFiles.replacePrivate(file, ByteBuffer.wrap(out.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
