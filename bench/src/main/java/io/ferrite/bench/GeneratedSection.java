package io.ferrite.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A part of a hand-written doc that a harness owns: everything between a begin and an end marker line. Writing
 * replaces only that part, so the prose around it stays as written.
 */
public record GeneratedSection(String begin, String end) {
    /**
     * Writes {@code body} between the markers in {@code doc}. A doc without the markers gets the section
     * appended; a missing doc is created with {@code preamble} first.
     */
    public void write(Path doc, String preamble, String body) throws IOException {
        String generated = begin + "\n" + body + "\n" + end + "\n";
        String out;
        if (Files.exists(doc)) {
            String old = Files.readString(doc, StandardCharsets.UTF_8);
            int from = old.indexOf(begin);
            int to = old.indexOf(end, Math.max(from, 0));
            int after = to + end.length();
            if (after < old.length() && old.charAt(after) == '\n') {
                after++;
            }
            out = from >= 0 && to > from ? old.substring(0, from) + generated + old.substring(after)
                    : old + "\n" + generated;
        } else {
            out = preamble + "\n" + generated;
        }
        if (doc.getParent() != null) {
            Files.createDirectories(doc.getParent());
        }
        Files.writeString(doc, out, StandardCharsets.UTF_8);
    }
}
