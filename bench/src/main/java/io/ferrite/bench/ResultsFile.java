package io.ferrite.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A harness's raw results file, TSV: {@code # key<TAB>value} lines for the machine and the run, a header line,
 * then one line per result. Every table and doc a harness prints is derived from one such file.
 *
 * @param meta  the {@code # key<TAB>value} lines, in order
 * @param lines the result lines, without the header
 */
public record ResultsFile(Map<String, String> meta, List<String> lines) {

    public void write(Path file, String header) throws IOException {
        StringBuilder sb = new StringBuilder();
        meta.forEach((k, v) -> sb.append("# ").append(k).append('\t').append(v.replace('\t', ' ')).append('\n'));
        sb.append(header).append('\n');
        lines.forEach(l -> sb.append(l).append('\n'));
        Files.writeString(file, sb, StandardCharsets.UTF_8);
    }

    /** Reads a file {@link #write} wrote with the same {@code header}. */
    public static ResultsFile read(Path file, String header) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("# ")) {
                String[] kv = line.substring(2).split("\t", 2);
                meta.put(kv[0], kv.length > 1 ? kv[1] : "");
            } else if (!line.isBlank() && !line.equals(header)) {
                lines.add(line);
            }
        }
        return new ResultsFile(meta, lines);
    }
}
