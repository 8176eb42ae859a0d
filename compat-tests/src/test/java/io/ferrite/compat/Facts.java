package io.ferrite.compat;

import java.util.ArrayList;
import java.util.List;

/**
 * What a client script printed: one fact a line, tab-separated, the kind of fact first (the Python scripts,
 * {@code node-rdkafka/client.js} and {@code node-rdkafka/admin.c} all print this way).
 */
record Facts(List<List<String>> lines) {
    static Facts parse(List<String> printed) {
        List<List<String>> facts = new ArrayList<>();
        for (String l : printed) {
            facts.add(List.of(l.split("\t", -1)));
        }
        return new Facts(facts);
    }

    /** The fields after the kind of every fact of kind {@code kind}, in the order printed. */
    List<List<String>> of(String kind) {
        return lines.stream().filter(l -> l.get(0).equals(kind)).map(l -> l.subList(1, l.size())).toList();
    }
}
