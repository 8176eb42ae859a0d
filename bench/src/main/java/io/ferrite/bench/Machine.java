package io.ferrite.bench;

import static io.ferrite.bench.Result.fmt;

import io.ferrite.storage.NativeIO;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** What a reader needs to judge a benchmark's figures: the machine, the JVM, the disk and the exact command. */
public final class Machine {
    private Machine() {
    }

    /**
     * The facts, in the order a results table shows them. The command and revision come from the launching
     * script ({@code -Dbench.command}, {@code -Dbench.revision}); {@code fallbackCommand} names the run otherwise.
     */
    public static Map<String, String> facts(String fallbackCommand, Path dataRoot) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        m.put("command", System.getProperty("bench.command", fallbackCommand));
        m.put("revision", System.getProperty("bench.revision", "unknown"));
        m.put("nproc", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("cpu", firstMatch("/proc/cpuinfo", "model name\\s*:\\s*(.*)"));
        String memKb = firstMatch("/proc/meminfo", "MemTotal:\\s*(\\d+) kB");
        m.put("memory", memKb.equals("unknown") ? memKb : fmt("%.1f GiB", Long.parseLong(memKb) / (1024.0 * 1024)));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("jvm options", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-Dbench.")).toList()));
        FileStore fs = Files.getFileStore(dataRoot);
        m.put("data dir", dataRoot + " on " + fs.name() + " (" + fs.type() + "), "
                + fs.getUsableSpace() / (1L << 30) + " GiB free");
        m.put("vm.dirty_background_ratio / vm.dirty_ratio", firstMatch("/proc/sys/vm/dirty_background_ratio", "(.*)")
                + " / " + firstMatch("/proc/sys/vm/dirty_ratio", "(.*)"));
        m.put("max locked memory (soft, hard)", firstMatch("/proc/self/limits",
                "Max locked memory\\s+(\\S+)\\s+(\\S+)") + " bytes");
        return m;
    }

    /**
     * Whether mlock really locks here: with a low RLIMIT_MEMLOCK and no CAP_IPC_LOCK the store only logs a
     * warning, and an mlock ablation would measure nothing.
     */
    public static String mlockProbe() {
        ByteBuffer b = ByteBuffer.allocateDirect(64 << 20);
        boolean ok = NativeIO.mlock(b);
        if (ok) {
            NativeIO.munlock(b);
        }
        return ok ? "works" : "refused (the mlock ablation measures nothing)";
    }

    /** The first line of {@code file} matching {@code regex}, its groups joined by ", "; "unknown" if none. */
    public static String firstMatch(String file, String regex) {
        Pattern p = Pattern.compile(regex);
        try (Stream<String> lines = Files.lines(Path.of(file))) {
            return lines.map(p::matcher).filter(Matcher::find)
                    .map(x -> IntStream.rangeClosed(1, x.groupCount()).mapToObj(g -> x.group(g).trim())
                            .collect(Collectors.joining(", ")))
                    .findFirst().orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
