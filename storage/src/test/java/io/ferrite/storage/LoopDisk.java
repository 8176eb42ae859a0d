package io.ferrite.storage;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A disk that can lose power, for tests: an ext4 filesystem on a loop device over an image file. While it is
 * in use, the kernel's periodic writeback is held off and the journal commits only when asked, so file data
 * reaches the device only when a program fsyncs it (or an fsync's journal commit carries it along), as on a
 * machine whose power is about to fail before the next writeback. {@link #powerLoss} then takes the device as
 * it stands, which is what the disk would hold after the power went, and mounts that copy (the journal
 * replays) for the test to open.
 *
 * <p>A kill -9 keeps the page cache, so only this can catch an acknowledgement given before its fsync.
 *
 * <p>Needs root (mount, losetup, and the writeback sysctls, which are machine-wide and restored on close);
 * elsewhere the test is skipped with a message saying why. Loopback devices only, no device-mapper: the
 * writer must be dead (killed) before {@link #powerLoss}, so that no write reaches the device while it is
 * copied and the copy is one moment's state.
 */
final class LoopDisk implements AutoCloseable {
    private static final Path WRITEBACK = Path.of("/proc/sys/vm/dirty_writeback_centisecs");
    private static final Path EXPIRE = Path.of("/proc/sys/vm/dirty_expire_centisecs");

    private final Path dir;
    private final List<String> devices = new ArrayList<>();
    private final List<Path> mounts = new ArrayList<>();
    private String savedWriteback;
    private String savedExpire;
    private final Path mountPoint;

    private LoopDisk(Path dir) {
        this.dir = dir;
        this.mountPoint = dir.resolve("mnt");
    }

    /** A fresh ext4 filesystem of {@code bytes} (sparse) under {@code dir}, mounted, writeback held off. */
    static LoopDisk create(Path dir, long bytes) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String problem = !isRoot() ? "not root" : Commands.run("losetup", "--version") != null ? "no losetup" : null;
        Assumptions.assumeTrue(problem == null, () -> "skipped: a loop-device disk needs root and losetup: " + problem);
        LoopDisk d = new LoopDisk(dir);
        try {
            Path image = dir.resolve("disk.img");
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(bytes);
            }
            require(Commands.run("mkfs.ext4", "-q", "-F", image.toString()), "mkfs.ext4");
            d.attachAndMount(image, d.mountPoint);
            d.holdWriteback();
            return d;
        } catch (IOException | InterruptedException | RuntimeException e) {
            d.close();
            throw e;
        }
    }

    Path mountPoint() {
        return mountPoint;
    }

    /**
     * The power goes: the device as it stands is copied (writeback is still held off, so nothing more reaches
     * it) and the copy mounted under {@code to}; returns its mount point. Writeback is let go again after.
     */
    Path powerLoss(Path to) throws IOException, InterruptedException {
        Files.createDirectories(to);
        Path copy = to.resolve("disk.img");
        require(Commands.run("cp", "--sparse=always", dir.resolve("disk.img").toString(), copy.toString()), "cp");
        restoreWriteback();
        Path at = to.resolve("mnt");
        attachAndMount(copy, at);
        return at;
    }

    private void attachAndMount(Path image, Path at) throws IOException, InterruptedException {
        Files.createDirectories(at);
        Process p = new ProcessBuilder("losetup", "-f", "--show", image.toString()).redirectErrorStream(true).start();
        String dev = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || !dev.startsWith("/dev/")) {
            Assumptions.abort("skipped: no loop device could be attached: " + dev);
        }
        devices.add(dev);
        // commit=600: the journal commits when an fsync asks, not every 5 s on its own.
        String err = Commands.run("mount", "-t", "ext4", "-o", "commit=600", dev, at.toString());
        if (err != null) {
            Assumptions.abort("skipped: cannot mount an ext4 loop device here: " + err);
        }
        mounts.add(at);
    }

    private void holdWriteback() throws IOException {
        savedWriteback = Files.readString(WRITEBACK).trim();
        savedExpire = Files.readString(EXPIRE).trim();
        Files.writeString(WRITEBACK, "0"); // no periodic flusher
        Files.writeString(EXPIRE, "360000"); // nothing counts as old enough to write back for an hour
    }

    private void restoreWriteback() throws IOException {
        if (savedWriteback != null) {
            Files.writeString(WRITEBACK, savedWriteback);
            Files.writeString(EXPIRE, savedExpire);
            savedWriteback = null;
        }
    }

    /** Lets writeback go, unmounts and detaches everything this made, latest first. */
    @Override
    public void close() throws IOException, InterruptedException {
        restoreWriteback();
        for (int i = mounts.size() - 1; i >= 0; i--) {
            Commands.run("umount", "-l", mounts.get(i).toString());
        }
        for (int i = devices.size() - 1; i >= 0; i--) {
            Commands.run("losetup", "-d", devices.get(i));
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void require(String err, String what) throws IOException {
        if (err != null) {
            throw new IOException(what + " failed: " + err);
        }
    }
}
