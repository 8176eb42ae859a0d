package io.ferrite.storage;

import java.util.Locale;
import java.util.Map;

/**
 * Typed reads of configuration properties, with the default when the key is absent and an error naming the key
 * when the value does not parse.
 */
public final class ConfigValues {
    private ConfigValues() {
    }

    public static int intOf(Map<String, String> props, String key, int d) {
        long v = longOf(props, key, d);
        if (v != (int) v) {
            throw new IllegalArgumentException(key + " is out of range: " + v);
        }
        return (int) v;
    }

    public static long longOf(Map<String, String> props, String key, long d) {
        String v = props.get(key);
        if (v == null) {
            return d;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, not '" + v + "'");
        }
    }

    public static double doubleOf(Map<String, String> props, String key, double d) {
        String v = props.get(key);
        if (v == null) {
            return d;
        }
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, not '" + v + "'");
        }
    }

    public static boolean boolOf(Map<String, String> props, String key, boolean d) {
        String v = props.get(key);
        if (v == null) {
            return d;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + " must be true or false, not '" + v + "'");
        };
    }
}
