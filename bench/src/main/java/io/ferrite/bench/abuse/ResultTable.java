package io.ferrite.bench.abuse;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What each scenario did to each broker, as one markdown table: a row per scenario and measure, the brokers'
 * values side by side. Measures are free text (a time, memory in MB, error codes, yes or no), recorded in the
 * order a scenario takes them; a measure one broker lacks (it died first, say) shows as "-".
 */
final class ResultTable {
    private final Map<String, String> headings;
    /** Scenario, then measure, then broker label, then value; all in recording order. */
    private final Map<String, Map<String, Map<String, String>>> cells = new LinkedHashMap<>();

    /** {@code headings}: each broker's label and its column heading, in column order. */
    ResultTable(Map<String, String> headings) {
        this.headings = new LinkedHashMap<>(headings);
    }

    void put(String scenario, String broker, String measure, String value) {
        if (!headings.containsKey(broker)) {
            throw new IllegalArgumentException("no column for broker " + broker);
        }
        cells.computeIfAbsent(scenario, s -> new LinkedHashMap<>())
                .computeIfAbsent(measure, m -> new LinkedHashMap<>()).put(broker, value);
    }

    String markdown() {
        StringBuilder out = new StringBuilder("| scenario | ");
        out.append(String.join(" | ", headings.values())).append(" |\n|---|");
        out.append("---|".repeat(headings.size())).append('\n');
        cells.forEach((scenario, measures) -> measures.forEach((measure, byBroker) -> {
            out.append("| ").append(escape(scenario + ": " + measure));
            for (String broker : headings.keySet()) {
                out.append(" | ").append(escape(byBroker.getOrDefault(broker, "-")));
            }
            out.append(" |\n");
        }));
        return out.toString();
    }

    private static String escape(String cell) {
        return cell.replace("|", "\\|").replace("\n", " ");
    }

    /** Seconds from nanoseconds: two decimals under 10 s, one above. */
    static String seconds(long nanos) {
        double s = nanos / 1e9;
        return String.format(Locale.ROOT, s < 10 ? "%.2f s" : "%.1f s", s);
    }

    /** MiB as a whole number, or "-" for a process that was gone. */
    static String mb(double mib) {
        return Double.isNaN(mib) ? "-" : String.format(Locale.ROOT, "%,.0f", mib);
    }

    /** "RSS before / peak / after (anonymous part likewise)", in MB. */
    static String memory(MemoryWatch.Reading before, MemoryWatch.Reading peak, MemoryWatch.Reading after) {
        return mb(before.rss()) + " / " + mb(peak.rss()) + " / " + mb(after.rss()) + " (anon " + mb(before.anon())
                + " / " + mb(peak.anon()) + " / " + mb(after.anon()) + ")";
    }

    /** Error codes by how often they came, most frequent first: "NONE x3, MESSAGE_TOO_LARGE x1". */
    static String codes(Map<String, Integer> counts) {
        if (counts.isEmpty()) {
            return "none";
        }
        List<Map.Entry<String, Integer>> sorted = new ArrayList<>(counts.entrySet());
        sorted.sort(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()));
        List<String> parts = new ArrayList<>();
        sorted.forEach(e -> parts.add(String.format(Locale.ROOT, "%s x%,d", e.getKey(), e.getValue())));
        return String.join(", ", parts);
    }
}
