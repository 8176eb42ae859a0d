package io.ferrite.compat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of one {@link Compat} test on one broker, as one line of a results file: a flat JSON object
 * whose values are all strings, so that the matrix writer needs nothing beyond the JDK to read it.
 *
 * @param execution the surefire execution that ran it, e.g. {@code kafka-clients-3.9.2}
 * @param family the client family, {@link Compat#family()}
 * @param clientVersion the client's version in that execution
 * @param feature {@link Compat#feature()}
 * @param broker {@code FERRITE} or {@code KAFKA}, a {@link BrokerKind} name
 * @param brokerVersion the broker's version: Ferrite's project version, or the reference Kafka's
 * @param status PASS, FAIL or ABORTED
 * @param test the test class, method and invocation, for finding it again
 * @param message the first line of the failure, empty on PASS
 * @param finishedAt when it ended, an ISO-8601 instant
 */
public record CompatResult(String execution, String family, String clientVersion, String feature, String broker,
        String brokerVersion, String status, String test, String message, String finishedAt) {

    public static final String PASS = "PASS";
    public static final String FAIL = "FAIL";
    public static final String ABORTED = "ABORTED";

    public CompatResult {
        Objects.requireNonNull(execution, "execution");
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(clientVersion, "clientVersion");
        Objects.requireNonNull(feature, "feature");
        Objects.requireNonNull(broker, "broker");
        Objects.requireNonNull(brokerVersion, "brokerVersion");
        Objects.requireNonNull(test, "test");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(finishedAt, "finishedAt");
        if (!status.equals(PASS) && !status.equals(FAIL) && !status.equals(ABORTED)) {
            throw new IllegalArgumentException("status " + status + " is none of PASS, FAIL, ABORTED");
        }
    }

    public boolean passed() {
        return status.equals(PASS);
    }

    public String toJsonLine() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("execution", execution);
        fields.put("family", family);
        fields.put("clientVersion", clientVersion);
        fields.put("feature", feature);
        fields.put("broker", broker);
        fields.put("brokerVersion", brokerVersion);
        fields.put("status", status);
        fields.put("test", test);
        fields.put("message", message);
        fields.put("finishedAt", finishedAt);
        StringBuilder out = new StringBuilder("{");
        fields.forEach((k, v) -> {
            if (out.length() > 1) {
                out.append(',');
            }
            quote(k, out);
            out.append(':');
            quote(v, out);
        });
        return out.append('}').toString();
    }

    /** Reads a line {@link #toJsonLine} wrote; fails on anything else, naming what it found. */
    public static CompatResult fromJsonLine(String line) {
        Map<String, String> f = new FlatJson(line).parse();
        return new CompatResult(f.get("execution"), f.get("family"), f.get("clientVersion"), f.get("feature"),
                f.get("broker"), f.get("brokerVersion"), f.get("status"), f.get("test"), f.get("message"),
                f.get("finishedAt"));
    }

    private static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** A reader for one JSON object of string values, the only shape the results files hold. */
    private static final class FlatJson {
        private final String s;
        private int i;

        FlatJson(String s) {
            this.s = s;
        }

        Map<String, String> parse() {
            Map<String, String> fields = new LinkedHashMap<>();
            skipSpace();
            expect('{');
            skipSpace();
            if (peek() == '}') {
                i++;
                return fields;
            }
            while (true) {
                skipSpace();
                String key = string();
                skipSpace();
                expect(':');
                skipSpace();
                fields.put(key, string());
                skipSpace();
                char c = next();
                if (c == '}') {
                    break;
                }
                if (c != ',') {
                    throw error("',' or '}'");
                }
            }
            skipSpace();
            if (i != s.length()) {
                throw error("the end of the line");
            }
            return fields;
        }

        private String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'u' -> {
                        if (i + 4 > s.length()) {
                            throw error("four hex digits");
                        }
                        out.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> throw error("an escape");
                }
            }
        }

        private void skipSpace() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private char peek() {
            if (i >= s.length()) {
                throw error("more");
            }
            return s.charAt(i);
        }

        private char next() {
            char c = peek();
            i++;
            return c;
        }

        private void expect(char c) {
            if (next() != c) {
                i--;
                throw error("'" + c + "'");
            }
        }

        private IllegalArgumentException error(String expected) {
            return new IllegalArgumentException("expected " + expected + " at column " + i + " of: " + s);
        }
    }
}
