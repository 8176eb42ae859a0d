package io.ferrite.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeIOTest {
    @TempDir
    Path dir;

    @Test
    void libcIsBoundOnLinux() {
        assertEquals(System.getProperty("os.name").toLowerCase().contains("linux"), NativeIO.available());
    }

    @Test
    void lockAndAdviseNeverThrowWhateverTheLimits() throws Exception {
        ByteBuffer small = ByteBuffer.allocateDirect(64 * 1024);
        NativeIO.mlock(small); // true, or false after one warning when RLIMIT_MEMLOCK refuses: never an exception
        NativeIO.munlock(small);
        Path p = Files.createFile(dir.resolve("m"));
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8192));
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, 8192);
            if (NativeIO.available()) {
                assertTrue(NativeIO.willNeed(map));
            }
            Unmapper.unmap(map);
        }
    }

    @Test
    void fallocateGivesTheFileItsLength() throws Exception {
        Path p = Files.createFile(dir.resolve("f"));
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            BlockAllocator.DEFAULT.allocate(p, ch, 3 * 4096);
        }
        assertEquals(3 * 4096, Files.size(p));
    }

    @Test
    void zeroRangeZerosTheRangeForMappingsTooAndKeepsTheSize() throws Exception {
        Path p = Files.createFile(dir.resolve("z"));
        int size = 1 << 20;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            BlockAllocator.DEFAULT.allocate(p, ch, size);
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
            for (int i = 0; i < size; i += 8) {
                map.putLong(i, -1L);
            }
            map.force();
            boolean done = NativeIO.zeroRange(p, 4096, size - 4096);
            if (!done) { // a filesystem with neither ZERO_RANGE nor PUNCH_HOLE: the caller writes zeros itself
                assertEquals(-1L, map.getLong(4096));
                return;
            }
            assertEquals(-1L, map.getLong(4088), "bytes before the range stay");
            for (int i = 4096; i < size; i += 4096) {
                assertEquals(0L, map.getLong(i), "through the mapping at " + i);
            }
            ByteBuffer read = ByteBuffer.allocate(8);
            ch.read(read, size - 8);
            assertEquals(0L, read.getLong(0), "through the file");
            map.putLong(size - 8, 7L); // the blocks are still there to be written
            Unmapper.unmap(map);
        }
        assertEquals(size, Files.size(p));
    }

    @Test
    void residencyTellsPagesInTheCacheFromPagesOnlyOnDisk() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(NativeIO.available(), "mincore is Linux-only");
        Path p = Files.createFile(dir.resolve("r"));
        int size = 64 * 4096;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[size]).put(0, (byte) 1));
            ch.force(true); // clean pages can be dropped
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            NativeIO.randomAccess(map); // no read-ahead: only the pages touched come back
            PageCache.evict(p);
            boolean evicted = !NativeIO.allResident(map, 4096 + 100, 3 * 4096);
            if (!evicted) {
                Unmapper.unmap(map);
            }
            org.junit.jupiter.api.Assumptions.assumeTrue(evicted, "a filesystem that cannot drop pages (tmpfs)");
            for (int i = 4096; i < 5 * 4096; i += 4096) {
                map.get(i); // read back in
            }
            assertTrue(NativeIO.allResident(map, 4096 + 100, 3 * 4096), "an unaligned range of pages read back");
            assertFalse(NativeIO.allResident(map, 4096, 8 * 4096), "one page past them is still on disk only");
            Unmapper.unmap(map);
        }
    }

    /** Field 19 of /proc/thread-self/stat: the calling thread's nice value. */
    private static int ownNice() throws Exception {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // the name may hold spaces
        return Integer.parseInt(fields[16]);
    }

    @Test
    void niceChangesTheCallingThreadOnly() throws Exception {
        int before = ownNice();
        int[] seen = new int[1];
        Thread t = new Thread(() -> {
            try {
                assertTrue(NativeIO.niceCurrentThread(before + 3));
                seen[0] = ownNice();
            } catch (Exception e) {
                seen[0] = Integer.MIN_VALUE;
            }
        }, "nice-test");
        t.start();
        t.join();
        assertEquals(before + 3, seen[0], "the thread that asked");
        assertEquals(before, ownNice(), "every other thread unchanged");
    }
}
