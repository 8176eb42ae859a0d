package io.ferrite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Soak} for {@code soak.seconds} (90 in a normal build; {@code bin/soak} asks for longer), its data on a
 * 1 GiB tmpfs of its own where the machine allows mounting one (so the disk fault can fill it), with the seed
 * {@code soak.seed} or a random one, printed. Passes only if nothing acknowledged was lost or duplicated and
 * every other check of the soak held.
 */
class SoakTest {
    @TempDir
    Path tmp;
    private Path mounted;

    @AfterEach
    void unmount() throws Exception {
        if (mounted != null) {
            new ProcessBuilder("umount", "-l", mounted.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.HOURS) // bounded by soak.seconds; this only catches a hang
    void nothingAcknowledgedIsLostOrDuplicatedUnderFaults() throws Exception {
        long seconds = Long.getLong("soak.seconds", 90);
        long seed = Long.getLong("soak.seed", System.nanoTime());
        Path disk = tmp.resolve("disk");
        Files.createDirectories(disk);
        boolean ownDisk = mountTmpfs(disk);
        System.out.println("soak: " + seconds + " s, seed " + seed + (ownDisk ? ", on its own 1 GiB tmpfs"
                : ", on the shared disk (no tmpfs could be mounted: the disk fault is left out)"));
        Soak.Result r = new Soak(disk, ownDisk, Duration.ofSeconds(seconds), seed).run();
        System.out.println("soak: " + r.summary());
        assertEquals(List.of(), r.problems(), "seed " + seed);
        assertTrue(r.acknowledged() > 0, "nothing was acknowledged");
        assertTrue(r.kills() + r.stops() + r.recreations() + r.diskFills() > 0, "no fault was injected");
    }

    private boolean mountTmpfs(Path at) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1g", "tmpfs", at.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
            mounted = at;
            return true;
        }
        System.out.println("soak: cannot mount a tmpfs: " + out.trim());
        return false;
    }
}
