package io.ferrite.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A harness's command line: {@code --name value} pairs, plus the flags it names (which take no value) and
 * {@code --help}/{@code -h}. Parsing never exits; the caller decides what a bad command line returns.
 */
public final class Options {
    private Options() {
    }

    /**
     * The options by name (a flag maps to ""), or null after printing {@code usage} to stderr for an
     * unknown or incomplete argument.
     */
    public static Map<String, String> parse(String[] args, Set<String> flags, String usage) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (flags.contains(a) || a.equals("--help") || a.equals("-h")) {
                opts.put(a, "");
            } else if (a.startsWith("--") && i + 1 < args.length) {
                opts.put(a, args[++i]);
            } else {
                System.err.println("unknown or incomplete argument: " + a + "\n" + usage);
                return null;
            }
        }
        return opts;
    }

    /** Whether the options ask for help. */
    public static boolean wantsHelp(Map<String, String> opts) {
        return opts.containsKey("--help") || opts.containsKey("-h");
    }
}
