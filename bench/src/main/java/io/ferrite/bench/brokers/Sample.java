package io.ferrite.bench.brokers;

import java.util.Locale;

/**
 * One figure of one run: workload {@code workload} (its number in the workload list, or an ablation's name),
 * on broker {@code broker} (a {@link Contender} label), in round {@code round}, named {@code metric}.
 * A line of the raw results file.
 */
record Sample(String workload, String broker, int round, String metric, double value) {
    static final String TSV_HEADER = "workload\tbroker\tround\tmetric\tvalue";

    String toTsv() {
        return String.join("\t", workload, broker, Integer.toString(round), metric,
                String.format(Locale.ROOT, "%.4f", value));
    }

    static Sample fromTsv(String line) {
        String[] f = line.split("\t");
        if (f.length != 5) {
            throw new IllegalArgumentException("not a results line: " + line);
        }
        return new Sample(f[0], f[1], Integer.parseInt(f[2]), f[3], Double.parseDouble(f[4]));
    }
}
