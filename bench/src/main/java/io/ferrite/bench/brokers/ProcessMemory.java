package io.ferrite.bench.brokers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A process's resident memory from {@code /proc/<pid>/status}, in MiB: all of it, and its two parts. The
 * file-backed part counts pages of mapped files the process has touched (Ferrite maps its CommitLog and
 * ConsumeQueue files); they are page cache the kernel can drop, which Kafka, reading and writing its logs
 * through file channels, also uses without it showing in its own RSS.
 */
public final class ProcessMemory {
    private ProcessMemory() {
    }

    public static Map<String, Double> of(long pid) throws IOException {
        Map<String, Long> kb = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            for (String key : List.of("VmRSS", "RssAnon", "RssFile", "RssShmem")) {
                if (line.startsWith(key + ":")) {
                    kb.put(key, Long.parseLong(line.replaceAll("\\D", "")));
                }
            }
        }
        if (!kb.containsKey("VmRSS")) {
            throw new IOException("no VmRSS in /proc/" + pid + "/status");
        }
        Map<String, Double> mb = new LinkedHashMap<>();
        mb.put("rss_mb", kb.get("VmRSS") / 1024.0);
        mb.put("rss_anon_mb", kb.getOrDefault("RssAnon", 0L) / 1024.0);
        mb.put("rss_file_mb", (kb.getOrDefault("RssFile", 0L) + kb.getOrDefault("RssShmem", 0L)) / 1024.0);
        return mb;
    }
}
