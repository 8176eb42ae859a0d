package io.ferrite.compat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The checked-in list of where a client and Ferrite fall short of Kafka, or behave differently from it
 * ({@code compat-tests/known-gaps.md}): every row of its one table names a cell of the matrix and the reason.
 * A failing cell must have a row here, so that the matrix never shows a failure nobody has explained.
 *
 * <p>The table's columns: Family, Version ({@code any} or one client version), Feature, Broker
 * ({@code Ferrite}, {@code Kafka} or {@code both}), Reason. Lines outside the table are prose for people.
 */
public record KnownGaps(List<Gap> gaps) {
    private static final List<String> HEADER = List.of("family", "version", "feature", "broker", "reason");
    private static final Set<String> BROKERS = Set.of("ferrite", "kafka", "both");

    /** One row; {@code number} is its place in the file, from 1, which the matrix cites as G<number>. */
    public record Gap(int number, String family, String version, String feature, String broker, String reason) {
        /** Whether this gap explains the cell of {@code family} at {@code version} doing {@code feature} on {@code kind}. */
        public boolean covers(String family, String version, String feature, String kind) {
            return this.family.equals(family) && this.feature.equals(feature)
                    && (this.version.equals("any") || this.version.equals(version))
                    && (broker.equals("both") || broker.equalsIgnoreCase(kind));
        }
    }

    public KnownGaps {
        gaps = List.copyOf(gaps);
    }

    public static KnownGaps read(Path file) throws IOException {
        List<Gap> gaps = new ArrayList<>();
        boolean inTable = false;
        int lineNo = 0;
        for (String line : Files.readAllLines(file)) {
            lineNo++;
            String t = line.strip();
            if (!t.startsWith("|")) {
                inTable = false;
                continue;
            }
            List<String> cells = cells(t);
            if (!inTable) {
                if (!cells.stream().map(c -> c.toLowerCase(Locale.ROOT)).toList().equals(HEADER)) {
                    throw new IllegalArgumentException(file + ":" + lineNo + ": a table whose header is not "
                            + "| Family | Version | Feature | Broker | Reason |");
                }
                inTable = true;
                continue;
            }
            if (cells.stream().allMatch(c -> c.matches(":?-+:?"))) {
                continue; // the separator row
            }
            if (cells.size() != HEADER.size() || cells.stream().anyMatch(String::isEmpty)) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": a row needs all five cells: " + line);
            }
            if (!BROKERS.contains(cells.get(3).toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": broker " + cells.get(3)
                        + " is none of Ferrite, Kafka, both");
            }
            gaps.add(new Gap(gaps.size() + 1, cells.get(0), cells.get(1), cells.get(2),
                    cells.get(3).toLowerCase(Locale.ROOT), cells.get(4)));
        }
        return new KnownGaps(gaps);
    }

    /** The gaps that explain one cell. */
    public List<Gap> covering(String family, String version, String feature, String broker) {
        return gaps.stream().filter(g -> g.covers(family, version, feature, broker)).toList();
    }

    private static List<String> cells(String row) {
        String inner = row.substring(1, row.endsWith("|") && row.length() > 1 ? row.length() - 1 : row.length());
        List<String> cells = new ArrayList<>();
        for (String c : inner.split("\\|", -1)) {
            cells.add(c.strip());
        }
        return cells;
    }
}
